// Times the pure core on N typed routes: validate + order + settle (RouteSet.Build), then render
// and hash (NginxConf.Render). Prints progress on stderr and one JSON object as the last stdout line.
//
//   dotnet NginxKit.Bench.dll [--routes 10000] [--iterations 50] [--warmup-ms 1500]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NginxKit.Engine.Nginx;

// The engine declares itself Linux-only; so does its harness.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

int routeCount = 10_000, iterations = 50, warmupMs = 1_500;
for (int a = 0; a + 1 < args.Length; a += 2)
{
    var value = int.Parse(args[a + 1], CultureInfo.InvariantCulture);
    switch (args[a])
    {
        case "--routes": routeCount = value; break;
        case "--iterations": iterations = value; break;
        case "--warmup-ms": warmupMs = value; break;
        default: throw new ArgumentException($"unknown option {args[a]}");
    }
}

// The same routes, in the same order, as NginxConf.Bench.ps1 generates for the cmdlets: distinct
// paths, ClusterIP-like addresses, a spread of ports. Index order is not path order (/svc10 sorts
// before /svc2), so RouteSet's sort does real work, as it would on Services in API order.
var routes = new Route[routeCount];
for (int i = 0; i < routeCount; i++)
{
    routes[i] = new Route($"/svc{i}", $"10.96.{i / 250}.{i % 250 + 1}", 8000 + i % 1000)
    {
        Service = $"svc{i}",
        Namespace = $"ns{i % 10}",
    };
}
var options = new NginxConfOptions();

RenderedConf Once(out double buildMs, out double renderMs)
{
    long t0 = Stopwatch.GetTimestamp();
    var set = RouteSet.Build(routes, options.ServerName);
    long t1 = Stopwatch.GetTimestamp();
    var conf = NginxConf.Render(set.Accepted, options);
    long t2 = Stopwatch.GetTimestamp();
    if (set.Problems.Count != 0 || conf.RouteCount != routeCount)
        throw new InvalidOperationException($"expected {routeCount} accepted routes, got {conf.RouteCount} and {set.Problems.Count} problems");
    buildMs = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
    renderMs = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
    return conf;
}

// Warm up by time, not by count: tiering promotes hot methods to optimized code in the
// background after a delay, so a fixed handful of iterations could still be timing tier-0 code.
var warm = Stopwatch.StartNew();
int warmups = 0;
while (warm.ElapsedMilliseconds < warmupMs || warmups < 10)
{
    Once(out _, out _);
    warmups++;
}
Console.Error.WriteLine($"    core: {warmups} warm-up iterations in {warm.ElapsedMilliseconds} ms");

var total = new double[iterations];
var build = new double[iterations];
var render = new double[iterations];
RenderedConf last = null!;
// Each render allocates a few MB on the large-object heap, so collections land inside the timed
// iterations; they are part of the cost, and counting them says how much of the spread they explain.
var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2));
for (int k = 0; k < iterations; k++)
{
    last = Once(out build[k], out render[k]);
    total[k] = build[k] + render[k];
}
var gcDuring = new Dictionary<string, int>
{
    ["gen0"] = GC.CollectionCount(0) - gcBefore.Gen0,
    ["gen1"] = GC.CollectionCount(1) - gcBefore.Gen1,
    ["gen2"] = GC.CollectionCount(2) - gcBefore.Gen2,
};

// Not part of the goal: the floor for the hash alone (UTF-8 encode + SHA-256 of the whole text),
// so a miss can be attributed to hashing or to building the text.
var hashOnly = new double[iterations];
for (int k = 0; k < iterations; k++)
{
    long t0 = Stopwatch.GetTimestamp();
    System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(last.Text));
    hashOnly[k] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
}

static double Median(double[] xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

static double Round(double x) => Math.Round(x, 3);

var result = new Dictionary<string, object>
{
    ["routes"] = routeCount,
    ["iterations"] = iterations,
    ["warmup_iterations"] = warmups,
    ["median_ms"] = Round(Median(total)),
    ["min_ms"] = Round(total.Min()),
    ["max_ms"] = Round(total.Max()),
    ["build_median_ms"] = Round(Median(build)),
    ["render_median_ms"] = Round(Median(render)),
    ["hash_only_median_ms"] = Round(Median(hashOnly)),
    ["gc_collections"] = gcDuring,
    ["conf_chars"] = last.Text.Length,
    ["hash"] = last.Hash,
};
Console.WriteLine(JsonSerializer.Serialize(result));
