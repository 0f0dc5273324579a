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

    // Changes walks two settled sets side by side; it must say what an index of each by place would say.
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 300)]
    [InlineData(4, 1)]
    public void ChangesBetweenTwoSettledSetsAreWhatComparingThemByPlaceFinds(int seed, int servers)
    {
        var random = new Random(seed);
        string[] paths = ["/", "/web", "/Web", "/api", "/api/v1", "/API/v1", "/shop", "/a/b/c"];
        Route Any() => new(random.Next(4) == 0 ? paths[random.Next(paths.Length)] : $"/p{random.Next(400)}/{(random.Next(2) == 0 ? "x" : "X")}",
            $"10.0.0.{random.Next(1, 4)}", 80 + random.Next(2))
        {
            Service = $"s{random.Next(1000)}", Namespace = $"n{random.Next(5)}", StripPrefix = random.Next(4) != 0,
            ServerName = random.Next(3) == 0 ? null : $"h{random.Next(servers)}.example.com",
            BackendProtocol = random.Next(10) == 0 ? "https" : null,
            Created = DateTimeOffset.UnixEpoch.AddSeconds(random.Next(100)),
        };
        static Dictionary<string, string> ByPlace(IReadOnlyList<AcceptedRoute> set) =>
            set.ToDictionary(r => r.ServerName + r.Location, r => r.ProxyPass, StringComparer.Ordinal);
        var routes = Enumerable.Range(0, 1500).Select(_ => Any()).ToList();
        for (int round = 0; round < 20; round++)
        {
            var before = RouteSet.Build(routes).Accepted;
            // Some routes go, some come, some move to another backend.
            routes = routes.Where(_ => random.Next(10) != 0)
                .Select(r => random.Next(10) == 0 ? r with { Port = r.Port == 80 ? 81 : 80 } : random.Next(20) == 0 ? r with { StripPrefix = !r.StripPrefix } : r)
                .Concat(Enumerable.Range(0, random.Next(200)).Select(_ => Any())).ToList();
            var after = RouteSet.Build(routes).Accepted;
            var (was, now) = (ByPlace(before), ByPlace(after));
            var (added, removed) = RouteSet.Changes(before, after, RouteSet.DefaultServerName);
            Assert.Equal(now.Where(c => !was.TryGetValue(c.Key, out var v) || v != c.Value).Select(c => c.Key).Order(StringComparer.Ordinal), added);
            Assert.Equal(was.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal), removed);
            Assert.NotEmpty(added);
            Assert.NotEmpty(removed);
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

    private static readonly DateTimeOffset Old = new(2020, 6, 1, 0, 0, 0, TimeSpan.Zero), New = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheOlderClaimKeepsThePathWhateverTheNamespaceNamesAndTheErrorNamesTheHolder()
    {
        var holder = new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "prod", Created = Old };
        var newcomer = new Route("/web", "10.0.0.66", 80) { Service = "web", Namespace = "aaa-scratch", Created = New };
        foreach (var input in new[] { new[] { holder, newcomer }, new[] { newcomer, holder } })
        {
            var result = RouteSet.Build(input);
            Assert.Same(holder, Assert.Single(result.Accepted).Route);
            var problem = Assert.Single(result.Problems);
            Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, problem.ErrorId);
            Assert.Equal("PathHeldByOlderClaim", problem.Rule);
            Assert.Same(newcomer, problem.Target);
            Assert.Contains("held by route '/web' -> 10.0.0.1:80 (prod/web)", problem.Message);
            Assert.Contains("created 2020-06-01T00:00:00Z, before 2026-01-05T00:00:00Z", problem.Message);
            var conflict = Assert.Single(result.Conflicts);
            Assert.Same(newcomer, conflict.Loser.Route);
            Assert.Same(holder, conflict.Holder.Route);
            Assert.Same(problem, conflict.Problem);
        }
    }

    [Fact]
    public void ClaimsOfTheSameAgeGoByNamespaceThenNameAndAClaimWithoutACreationTimeComesLast()
    {
        var a = new Route("/web", "10.0.0.1", 80) { Service = "z", Namespace = "a", Created = New };
        var b = new Route("/web", "10.0.0.2", 80) { Service = "a", Namespace = "b", Created = New };
        var unknown = new Route("/web", "10.0.0.3", 80) { Service = "a", Namespace = "0" };
        var result = RouteSet.Build([unknown, b, a]);
        Assert.Same(a, Assert.Single(result.Accepted).Route);
        Assert.Equal([b, unknown], result.Problems.Select(p => p.Target));
        Assert.Contains("same time, and first by namespace and name", result.Problems[0].Message);
        Assert.Contains("which has no creation time", result.Problems[1].Message);
    }

    // Every form that reaches the same place in nginx, or that nginx would normalise to it, either
    // claims the same location (and loses to the older claim) or is refused outright.
    [Theory]
    [InlineData("/web", nameof(ErrorCatalog.DuplicateRoutePath))]
    [InlineData("/web/", nameof(ErrorCatalog.DuplicateRoutePath))]
    [InlineData("/Web", nameof(ErrorCatalog.DuplicateRoutePath))]
    [InlineData("/WEB/", nameof(ErrorCatalog.DuplicateRoutePath))]
    [InlineData("//web", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/web//", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/web/.", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/./web", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/x/../web", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/%77eb", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/web%2F", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/w%65b/", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/web\\", nameof(ErrorCatalog.InvalidRoutePath))]
    public void NoSpellingOfAPathTakesItFromItsHolder(string path, string errorId)
    {
        var holder = new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "prod", Created = Old };
        var newcomer = new Route(path, "10.0.0.66", 80) { Service = "web", Namespace = "aaa-scratch", Created = New };
        var result = RouteSet.Build([newcomer, holder]);
        Assert.Same(holder, Assert.Single(result.Accepted).Route);
        Assert.Equal(errorId, Assert.Single(result.Problems).ErrorId);
    }

    [Fact]
    public void AnOlderClaimInAnotherCaseHoldsThePathAsWritten()
    {
        var holder = new Route("/Web", "10.0.0.1", 80) { Service = "web", Namespace = "prod", Created = Old };
        var newcomer = new Route("/web", "10.0.0.66", 80) { Service = "web", Namespace = "aaa", Created = New };
        var result = RouteSet.Build([newcomer, holder]);
        Assert.Equal("/Web/", Assert.Single(result.Accepted).Location);
        Assert.Contains("location /web/", Assert.Single(result.Problems).Message);
    }

    [Fact]
    public void ServerNamesInAnotherCaseAreOneServer()
    {
        var result = RouteSet.Build([
            new Route("/a", "10.0.0.1", 80) { ServerName = "Shop.Example.com", Created = Old },
            new Route("/a", "10.0.0.2", 80) { ServerName = "shop.example.com", Created = New },
            new Route("/b", "10.0.0.3", 80) { ServerName = "SHOP.EXAMPLE.COM" }]);
        Assert.Equal(["shop.example.com", "shop.example.com"], result.Accepted.Select(r => r.ServerName));
        Assert.Equal("10.0.0.1", result.Accepted[0].BackendAddress);
        Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, Assert.Single(result.Problems).ErrorId);
        Assert.Equal(1, NginxConf.Render(result.Accepted, new NginxConfOptions()).ServerCount);
    }

    // Whatever the input order, each place goes to its oldest claim and the bytes are the same.
    [Fact]
    public void ManyClaimsInMixedCaseSettleTheSameWayInAnyOrder()
    {
        var random = new Random(20260105);
        var paths = new[] { "/a", "/A", "/a/", "/api", "/API/", "/Api/v2", "/api/v2", "/_x", "/~y", "/b-c", "/B-C/" };
        var routes = Enumerable.Range(0, 300).Select(i => new Route(paths[random.Next(paths.Length)], $"10.0.{i / 250}.{i % 250 + 1}", 80)
        {
            Service = $"s{random.Next(5)}",
            Namespace = $"n{random.Next(5)}",
            Created = random.Next(4) == 0 ? null : Old.AddDays(random.Next(3)),
        }).ToArray();
        var expected = RouteSet.Build(routes);
        var text = NginxConf.Render(expected.Accepted, new NginxConfOptions()).Text;
        for (int round = 0; round < 20; round++)
        {
            var shuffled = routes.OrderBy(_ => random.Next()).ToArray();
            var set = RouteSet.Build(shuffled);
            Assert.Equal(text, NginxConf.Render(set.Accepted, new NginxConfOptions()).Text);
        }
        foreach (var kept in expected.Accepted)
        {
            var rivals = routes.Where(r => string.Equals(RouteRules.LocationFor(r.Path!), kept.Location, StringComparison.OrdinalIgnoreCase)).ToList();
            var oldest = rivals.Min(r => r.Created ?? DateTimeOffset.MaxValue);
            Assert.Equal(oldest, kept.Route.Created ?? DateTimeOffset.MaxValue);
            Assert.Single(expected.Accepted, a => string.Equals(a.Location, kept.Location, StringComparison.OrdinalIgnoreCase));
        }
        Assert.Equal(routes.Length - expected.Accepted.Count, expected.Problems.Count);
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
