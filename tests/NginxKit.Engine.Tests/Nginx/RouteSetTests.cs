using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Nginx;

public class RouteSetTests
{
    private static readonly Route[] Routes =
    [
        new("/volume", "10.0.0.1", 8080) { Service = "volume", Namespace = "storage" },
        new("/api/", "10.0.0.2", 80) { Service = "api", Namespace = "platform" },
        new("/api/v2", "10.0.0.3", 80) { Service = "api-v2", Namespace = "platform" },
        new("/", "10.0.0.4", 80),
        new("/shop", "10.0.0.5", 80) { ServerName = "shop.example.com" },
    ];

    [Fact]
    public void AnyInputOrderRendersByteIdenticalOutput()
    {
        var expected = NginxConf.Render(RouteSet.Build(Routes).Accepted, new NginxConfOptions()).Text;
        var random = new Random(12345);
        for (int i = 0; i < 50; i++)
        {
            var shuffled = Routes.OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(expected, NginxConf.Render(RouteSet.Build(shuffled).Accepted, new NginxConfOptions()).Text);
        }
    }

    [Fact]
    public void LocationsAreOrderedWithinEachServerAndTheDefaultServerComesFirst()
    {
        var accepted = RouteSet.Build(Routes).Accepted;
        Assert.Equal(["/", "/api/", "/api/v2/", "/volume/", "/shop/"], accepted.Select(r => r.Location));
        Assert.Equal(["_", "_", "_", "_", "shop.example.com"], accepted.Select(r => r.ServerName));
    }

    [Fact]
    public void TwoDifferentRoutesOnOnePathAreAConflictAndTheFirstInSortOrderIsKept()
    {
        var a = new Route("/volume", "10.0.0.9", 80) { Service = "volume", Namespace = "b-team" };
        var b = new Route("/volume/", "10.0.0.1", 80) { Service = "volume", Namespace = "a-team" };
        foreach (var input in new[] { new[] { a, b }, new[] { b, a } })
        {
            var result = RouteSet.Build(input);
            var kept = Assert.Single(result.Accepted);
            Assert.Equal("a-team", kept.Route.Namespace);
            var problem = Assert.Single(result.Problems);
            Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, problem.ErrorId);
            Assert.Same(a, problem.Target);
            Assert.Contains("a-team/volume", problem.Message);
        }
    }

    [Fact]
    public void ExactRepeatsOfOneRouteAreMergedWithoutAnError()
    {
        var result = RouteSet.Build([Routes[0], Routes[0] with { }]);
        Assert.Single(result.Accepted);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void OneRouteWrittenTwoWaysKeepsTheSameFormWhateverTheOrder()
    {
        Route slash = new("/a/", "::1", 80), bare = new("/a", "[::1]", 80);
        foreach (var input in new[] { new[] { slash, bare }, new[] { bare, slash } })
        {
            var set = RouteSet.Build(input);
            Assert.Empty(set.Problems);
            Assert.Same(bare, Assert.Single(set.Accepted).Route);
        }
    }

    [Fact]
    public void TheSamePathOnDifferentServersIsNoConflict()
    {
        var result = RouteSet.Build([new Route("/a", "10.0.0.1", 80), new Route("/a", "10.0.0.2", 80) { ServerName = "b.example" }]);
        Assert.Equal(2, result.Accepted.Count);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void BadRoutesAreReportedAndTheRestStillRender()
    {
        var result = RouteSet.Build([Routes[0], new Route("/x;y", "10.0.0.1", 80), new Route("/ok", "10.0.0.1", 0)]);
        Assert.Single(result.Accepted);
        Assert.Equal([ErrorCatalog.InvalidRoutePath.Id, ErrorCatalog.InvalidRoutePort.Id], result.Problems.Select(p => p.ErrorId));
    }
}
