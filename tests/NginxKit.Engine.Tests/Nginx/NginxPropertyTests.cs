using System.Text;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using Xunit;
using Xunit.Abstractions;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>
/// Random route sets, valid and hostile mixed, with random server-wide settings. Each route is
/// judged by an oracle written here, independently of RouteRules: no route it refuses may be
/// rendered, and every route it accepts must be, unless another route holds its location. Every
/// render must pass the real nginx -t, strictly (a warning fails), and hold exactly one location
/// per accepted route.
/// </summary>
public partial class NginxPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;
    private const int CasesPerNginxRun = 100;

    private static readonly string[] Segments = ["api", "v1", "v2", "volume", "a-b", "x_y", "z.z", "~u", "0", "Q", "healthz"];
    private static readonly string[] Junk = [";", "{", "}", " ", "\n", "\"", "$", "#", "\\", "/../", "/./", "//", "%2f", "\u0443", "\0", "'", "\u0661",
        "\t", "\r", "\u007f", "%", "`", "..", "\u00a0"];
    private static readonly string[] Sizes = ["0", "1", "512k", "50m", "50M", "2g", "999999999"];
    private static readonly string[] Timeouts = ["1", "120s", "5m", "1h", "24h", "86400"];

    // The oracle's own allow-lists, written from the documentation, not from RouteRules. \z, not $,
    // which would also match before a final newline.
    [GeneratedRegex(@"^/(?:[A-Za-z0-9._~-]+/)*[A-Za-z0-9._~-]*\z")]
    private static partial Regex PathShape();

    [GeneratedRegex(@"^(?:localhost|fd00::[0-9a-f]{1,4}|10\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))\z")]
    private static partial Regex HostShape();

    [GeneratedRegex(@"^(?:_|(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)\z")]
    private static partial Regex ServerNameShape();

    [GeneratedRegex(@"^[0-9]{1,9}[kmgKMG]?\z")]
    private static partial Regex SizeShape();

    [GeneratedRegex(@"^(?<n>[0-9]{1,5})(?<unit>[smh]?)\z")]
    private static partial Regex TimeoutShape();

    private static bool OracleAccepts(Route route)
    {
        var path = route.Path!;
        if (path.Length > 512 || !PathShape().IsMatch(path)) return false;
        if (path.Split('/').Any(s => s is "." or "..")) return false;
        if (path == "/healthz" || path.StartsWith("/healthz/", StringComparison.Ordinal)) return false;
        if (!HostShape().IsMatch(route.Backend!)) return false;
        if (route.ServerName is { } name && !ServerNameShape().IsMatch(name)) return false;
        if (route.Port is < 1 or > 65535) return false;
        if (route.Settings is { } s)
        {
            if (s.ClientMaxBodySize is { } size && !SizeShape().IsMatch(size)) return false;
            foreach (var timeout in new[] { s.ProxyReadTimeout, s.ProxySendTimeout })
            {
                if (timeout is null) continue;
                var m = TimeoutShape().Match(timeout);
                if (!m.Success) return false;
                var seconds = long.Parse(m.Groups["n"].Value) * (m.Groups["unit"].Value switch { "m" => 60, "h" => 3600, _ => 1 });
                if (seconds is < 1 or > 86400) return false;
            }
        }
        return true;
    }

    [RealFact("nginx")]
    public async Task EveryRenderPassesNginxTestAndRendersExactlyTheRoutesTheOracleAccepts()
    {
        var random = new Random(20261125);
        var tester = new NginxConfTester(ProcessRunner.Instance);
        var batch = new StringBuilder();
        var batchCases = new List<int>();
        int accepted = 0, refused = 0, hostile = 0, withSettings = 0;

        for (int i = 0; i < Cases; i++)
        {
            var routes = Enumerable.Range(0, random.Next(0, 9)).Select(_ => RandomRoute(random)).ToList();
            var options = RandomOptions(random, port: 20000 + batchCases.Count);
            var set = RouteSet.Build(routes, options.ServerName);
            var conf = NginxConf.Render(set.Accepted, options).Text;

            foreach (var route in routes)
            {
                var problem = set.Problems.FirstOrDefault(p => ReferenceEquals(p.Target, route));
                if (!OracleAccepts(route))
                {
                    hostile++;
                    Assert.True(problem is not null && problem.ErrorId != ErrorCatalog.DuplicateRoutePath.Id, $"case {i}: {route} breaks the allow-list but was not refused for it");
                    continue;
                }
                // Accepted, or another route holds its location on its server (a conflict, or an exact repeat merged).
                var location = route.Path!.EndsWith('/') ? route.Path : route.Path + "/";
                var server = route.ServerName?.ToLowerInvariant() ?? options.ServerName;
                Assert.True(set.Accepted.Any(a => a.Location == location && a.ServerName == server), $"case {i}: {route} is valid but nothing holds {location}");
                Assert.True(problem is null || problem.ErrorId == ErrorCatalog.DuplicateRoutePath.Id, $"case {i}: {route} is valid but was refused: {problem?.Message}");
            }
            foreach (var route in set.Accepted)
            {
                Assert.True(OracleAccepts(route.Route), $"case {i}: rendered {route.Route}, which the oracle refuses");
                AssertNoRefusedForm(i, "path", route.Route.Path!);
                AssertNoRefusedForm(i, "backend", route.Route.Backend!);
                AssertNoRefusedForm(i, "server name", route.ServerName);
                if (route.Route.ServerName is { } name) AssertNoRefusedForm(i, "server name", name);
                Assert.Contains($"    location {route.Location} {{\n", conf);
                if (route.Settings is not null) withSettings++;
            }
            var servers = set.Accepted.Select(r => r.ServerName).Distinct().Count();
            // A location per route, and per server the health check and the error page with its fallback.
            Assert.Equal(set.Accepted.Count + 3 * Math.Max(servers, 1), Count(conf, "    location "));
            accepted += set.Accepted.Count;
            refused += set.Problems.Count;

            batch.Append(conf);
            batchCases.Add(i);
            if (batchCases.Count == CasesPerNginxRun || i == Cases - 1)
            {
                var result = await tester.TestAsync(batch.ToString(), null, mainConfig: false, CancellationToken.None, strict: true);
                Assert.True(result.Valid, $"cases {batchCases[0]}..{batchCases[^1]}: {result.Output}");
                batch.Clear();
                batchCases.Clear();
            }
        }
        output.WriteLine($"{Cases} cases: {accepted} routes rendered ({withSettings} with settings of their own), {refused} refused, {hostile} hostile");
        Assert.True(refused > 1000 && accepted > 10_000 && hostile > 1000 && withSettings > 1000, "the generator must exercise both sides");
    }

    // Characters and forms no accepted value may carry, whatever the allow-lists say: nginx syntax
    // ($ # ; { } quotes, backslash, backtick), whitespace and control characters, non-ASCII, percent
    // escapes, dot segments and empty segments.
    private static void AssertNoRefusedForm(int i, string field, string value)
    {
        foreach (var c in value)
            Assert.False(c is '$' or '#' or ';' or '{' or '}' or '"' or '\'' or '\\' or '`' or '%' || char.IsWhiteSpace(c) || char.IsControl(c) || c > '\u007e',
                $"case {i}: accepted {field} '{value}' holds the refused character U+{(int)c:X4}");
        Assert.DoesNotContain("//", value);
        Assert.DoesNotContain(value.Split('/'), s => s is "." or "..");
        if (field != "path") Assert.DoesNotContain("..", value);
    }

    // Each case its own port: the batch is one file, and two default servers on one port are an error.
    private static NginxConfOptions RandomOptions(Random random, int port) => new()
    {
        Listen = [$"127.0.0.1:{port}"],
        WebSocket = random.Next(6) == 0,
        ProxyRedirect = random.Next(6) == 0,
        DefaultServer = random.Next(4) != 0,
        ClientMaxBodySize = random.Next(4) == 0 ? Sizes[random.Next(Sizes.Length)] : null,
        ProxyReadTimeoutSec = random.Next(5) == 0 ? random.Next(1, 86401) : null,
    };

    private static Route RandomRoute(Random random)
    {
        var path = "/" + string.Join('/', Enumerable.Range(0, random.Next(0, 4)).Select(_ => Segments[random.Next(Segments.Length)]));
        if (random.Next(3) == 0) path += "/";
        if (random.Next(6) == 0) path = path.Insert(random.Next(1, path.Length + 1), Junk[random.Next(Junk.Length)]);
        // DNS names must resolve for nginx -t, and this machine has no resolver: localhost stands for them.
        var host = random.Next(4) switch
        {
            0 => "localhost",
            1 => $"fd00::{random.Next(1, 0xffff):x}",
            _ => $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}",
        };
        if (random.Next(12) == 0) host += Junk[random.Next(Junk.Length)];
        var port = random.Next(20) == 0 ? random.Next(-5, 70000) : random.Next(1, 65536);
        return new Route(path, host, port)
        {
            StripPrefix = random.Next(4) != 0,
            ServerName = random.Next(5) == 0 ? Spoil(random, random.Next(2) == 0 ? $"s{random.Next(3)}.example" : $"S{random.Next(3)}.EXAMPLE") : null,
            Service = random.Next(2) == 0 ? $"svc{random.Next(100)}" : null,
            Namespace = random.Next(2) == 0 ? "ns" : null,
            Settings = random.Next(3) == 0 ? RandomSettings(random) : null,
        };
    }

    private static RouteSettings RandomSettings(Random random)
    {
        string? Maybe(string[] values) => random.Next(2) == 0 ? null : Spoil(random, values[random.Next(values.Length)]);
        return new RouteSettings
        {
            WebSocket = random.Next(3) switch { 0 => true, 1 => false, _ => null },
            ProxyRedirect = random.Next(3) switch { 0 => true, 1 => false, _ => null },
            ClientMaxBodySize = Maybe(Sizes),
            ProxyReadTimeout = Maybe(Timeouts),
            ProxySendTimeout = Maybe(Timeouts),
        };
    }

    private static string Spoil(Random random, string value) =>
        random.Next(8) == 0 ? value.Insert(random.Next(0, value.Length + 1), Junk[random.Next(Junk.Length)]) : value;

    private static int Count(string text, string what)
    {
        int count = 0, at = 0;
        while ((at = text.IndexOf(what, at, StringComparison.Ordinal)) >= 0) { count++; at += what.Length; }
        return count;
    }
}
