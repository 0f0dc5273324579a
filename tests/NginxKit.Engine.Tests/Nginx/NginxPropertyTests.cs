using System.Text;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using Xunit;
using Xunit.Abstractions;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>
/// Random route sets, valid and hostile mixed: every render must pass the real nginx -t and hold
/// exactly one location per accepted route.
/// </summary>
public class NginxPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;
    private const int CasesPerNginxRun = 100;

    private static readonly string[] Segments = ["api", "v1", "v2", "volume", "a-b", "x_y", "z.z", "~u", "0", "Q"];
    private static readonly string[] Junk = [";", "{", "}", " ", "\n", "\"", "$", "#", "\\", "..", "//", "%2f", "\u0443", "\0", "'"];

    [RealFact("nginx")]
    public async Task EveryRenderPassesNginxTestAndHasOneLocationPerAcceptedRoute()
    {
        var random = new Random(20261125);
        var tester = new NginxConfTester(ProcessRunner.Instance);
        var batch = new StringBuilder();
        var batchCases = new List<int>();
        int accepted = 0, refused = 0;

        for (int i = 0; i < Cases; i++)
        {
            var routes = Enumerable.Range(0, random.Next(0, 9)).Select(_ => RandomRoute(random)).ToList();
            var set = RouteSet.Build(routes);
            var conf = NginxConf.Render(set.Accepted, new NginxConfOptions());
            var servers = set.Accepted.Select(r => r.ServerName).Distinct().Count();
            Assert.Equal(set.Accepted.Count + Math.Max(servers, 1), Count(conf.Text, "    location "));
            Assert.True(set.Accepted.Count + set.Problems.Count <= routes.Count);
            accepted += set.Accepted.Count;
            refused += set.Problems.Count;

            batch.Append(conf.Text);
            batchCases.Add(i);
            if (batchCases.Count == CasesPerNginxRun || i == Cases - 1)
            {
                var result = await tester.TestAsync(batch.ToString(), null, mainConfig: false, CancellationToken.None);
                Assert.True(result.Valid, $"cases {batchCases[0]}..{batchCases[^1]}: {result.Output}");
                batch.Clear();
                batchCases.Clear();
            }
        }
        output.WriteLine($"{Cases} cases: {accepted} routes rendered, {refused} refused");
        Assert.True(refused > 1000 && accepted > 10_000, "the generator must exercise both sides");
    }

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
            ServerName = random.Next(5) == 0 ? $"s{random.Next(3)}.example" : null,
            Service = random.Next(2) == 0 ? $"svc{random.Next(100)}" : null,
            Namespace = random.Next(2) == 0 ? "ns" : null,
        };
    }

    private static int Count(string text, string what)
    {
        int count = 0, at = 0;
        while ((at = text.IndexOf(what, at, StringComparison.Ordinal)) >= 0) { count++; at += what.Length; }
        return count;
    }
}
