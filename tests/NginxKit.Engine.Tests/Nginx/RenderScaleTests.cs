using System.Buffers;
using System.Text;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Text;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>The fast paths of a large render: keyed sorting, chunked output, the hash over chunks.</summary>
public class RenderScaleTests
{
    // Paths that share long prefixes, so many sort keys tie and the full comparison must decide.
    private static Route[] RandomRoutes(Random random, int count, int servers)
    {
        string[] stems = ["/", "/a", "/api", "/api/v1", "/api/v1/x", "/svc", "/svc1", "/svc12345678"];
        var routes = new Route[count];
        for (int i = 0; i < count; i++)
        {
            var path = stems[random.Next(stems.Length)] + (random.Next(3) == 0 ? "" : "/" + random.Next(40).ToString());
            routes[i] = new Route(path, $"10.0.{random.Next(3)}.{random.Next(1, 4)}", 80 + random.Next(3))
            {
                Service = random.Next(2) == 0 ? null : "s" + random.Next(3),
                Namespace = random.Next(2) == 0 ? null : "n" + random.Next(3),
                StripPrefix = random.Next(2) == 0,
                ServerName = servers == 1 || random.Next(4) == 0 ? null : $"h{random.Next(servers)}.example.com",
            };
        }
        return routes;
    }

    // What the keyed sort must agree with: the documented order, by plain comparison.
    private static List<string> ReferenceOrder(IEnumerable<AcceptedRoute> routes) =>
        routes.OrderBy(r => r.ServerName == RouteSet.DefaultServerName ? 0 : 1)
            .ThenBy(r => r.ServerName, StringComparer.Ordinal)
            .ThenBy(r => r.Location, StringComparer.Ordinal)
            .ThenBy(r => r.Route.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.Route.Service, StringComparer.Ordinal)
            .ThenBy(r => r.BackendAddress, StringComparer.Ordinal)
            .ThenBy(r => r.Route.Port)
            .ThenBy(r => r.Route.StripPrefix)
            .Select(Describe).ToList();

    private static string Describe(AcceptedRoute r) =>
        $"{r.ServerName} {r.Location} {r.Route.Namespace} {r.Route.Service} {r.BackendAddress} {r.Route.Port} {r.Route.StripPrefix}";

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(300)] // more servers than the sort key has room to rank
    public void KeyedSortingAgreesWithThePlainComparison(int servers)
    {
        var random = new Random(servers);
        for (int round = 0; round < 20; round++)
        {
            var routes = RandomRoutes(random, 2000, servers);
            var accepted = routes.Select(r => RouteRules.Accept(r, RouteSet.DefaultServerName, out _)).OfType<AcceptedRoute>().ToList();
            Assert.True(accepted.Count > 1500);
            var set = RouteSet.Settle([.. accepted], [], RouteSet.DefaultServerName);

            // Every (server, location) once, the first of its group in the reference order.
            var expected = ReferenceOrder(accepted)
                .GroupBy(d => string.Join(' ', d.Split(' ').Take(2)))
                .Select(g => g.First()).ToList();
            Assert.Equal(expected, set.Accepted.Select(Describe).ToList());
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(RouteSet.ParallelThreshold * 2 + 1)] // checked on two threads
    public void ProblemsComeInInputOrderAndTheResultIsTheSameAtAnySize(int count)
    {
        var routes = Enumerable.Range(0, count)
            .Select(i => i % 7 == 3 ? new Route($"/bad;{i}", "10.0.0.1", 80) : new Route($"/r{i}", "10.0.0.1", 80 + i % 3))
            .ToArray();
        var set = RouteSet.Build(routes);
        var expectedBad = routes.Where(r => r.Path!.Contains(';')).ToList();
        Assert.Equal(expectedBad, set.Problems.Select(p => (Route)p.Target!).ToList());
        Assert.Equal(count - expectedBad.Count, set.Accepted.Count);
        var reversed = RouteSet.Build(routes.Reverse().ToArray());
        Assert.Equal(set.Accepted.Select(Describe), reversed.Accepted.Select(Describe));
    }

    [Fact]
    public void ALargeConfigSpansChunksAndReadsBackAsOneText()
    {
        var routes = Enumerable.Range(0, 3000).Select(i => new Route($"/svc{i}", "10.0.0.1", 8000 + i % 100) { Service = $"svc{i}", Namespace = "ns" }).ToArray();
        var conf = NginxConf.Render(RouteSet.Build(routes).Accepted, new NginxConfOptions { Layout = NginxConfLayout.Locations });
        Assert.False(conf.Utf8.IsSingleSegment);
        foreach (var segment in conf.Utf8) Assert.True(segment.Length <= ConfBuffer.ChunkSize);

        var flat = conf.Utf8.ToArray();
        Assert.Equal(Encoding.UTF8.GetString(flat), conf.Text);
        Assert.Equal(3000, conf.Text.Split("\n    location /svc").Length - 1);
        // The hash, taken chunk by chunk, is the one-shot hash of everything below the header.
        Assert.Equal(ContentHash.Of(flat.AsSpan(NginxConfRenderer.HeaderLength)), conf.Hash);
        Assert.StartsWith(NginxConfRenderer.HashMarker + conf.Hash + "\n", conf.Text, StringComparison.Ordinal);
        Assert.True(NginxConfRenderer.HasIntactHash(conf.Text));
    }

    [Fact]
    public void TemplateTextLongerThanAChunkIsKeptWhole()
    {
        var filler = "# " + new string('x', ConfBuffer.ChunkSize + 100) + " é\n";
        var template = NginxTemplate.Parse(filler + "server {\n    listen {{ listen }};\n{{ locations }}\n}\n", "test");
        var routes = RouteSet.Build([new Route("/a", "10.0.0.1", 80)]).Accepted;
        var conf = template.Render(routes, new NginxConfOptions());
        Assert.Contains(filler, conf.Text, StringComparison.Ordinal);
        Assert.Contains("location /a/ {", conf.Text, StringComparison.Ordinal);
        Assert.True(NginxConfRenderer.HasIntactHash(conf.Text));
    }

    [Fact]
    public void TheRendererRefusesANonAsciiValueRatherThanNarrowingIt()
    {
        // U+017B narrows to '{'. Validation never lets it through; the writer checks again.
        var buffer = new byte[16];
        int at = 0;
        Assert.Throws<InvalidOperationException>(() => ConfBuffer.PutAscii(buffer, ref at, "a\u017Bb"));
        Assert.Equal(0, at);
    }

    [Fact]
    public void WritingAChunkedConfigToAFileKeepsEveryByte()
    {
        var routes = Enumerable.Range(0, 2000).Select(i => new Route($"/r{i}", "10.0.0.2", 80)).ToArray();
        var conf = NginxConf.Render(RouteSet.Build(routes).Accepted, new NginxConfOptions());
        var dir = Directory.CreateTempSubdirectory("nginxkit-chunks-");
        try
        {
            var path = Path.Combine(dir.FullName, "default.conf");
            Assert.True(NginxConf.Write(path, conf).Changed);
            Assert.Equal(conf.Utf8.ToArray(), File.ReadAllBytes(path));
            Assert.False(NginxConf.Write(path, conf).Changed);
            Assert.False(NginxConf.Plan(path, conf).Changed);
        }
        finally { dir.Delete(recursive: true); }
    }
}
