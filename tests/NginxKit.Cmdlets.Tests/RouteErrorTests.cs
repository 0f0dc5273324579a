using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Bad routes: one error record per bad item, with its ErrorId, category, target and advice, while the rest render.</summary>
public sealed class RouteErrorTests : IDisposable
{
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    private static string ErrorId(ErrorRecord record) => record.FullyQualifiedErrorId.Split(',')[0];

    private static string[] Locations(RunResult result) =>
        [.. ((string)Assert.Single(result.Output).BaseObject).Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("location /", StringComparison.Ordinal))];

    [Fact]
    public void EachBadItemGetsItsOwnErrorAndTheGoodOnesStillRender()
    {
        var result = session.Run(
            "$items = @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }, @{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' }, " +
            "@{ Path = '/c'; Backend = '10.0.0.3'; Port = 81; Bogus = 1 }, @{ Path = '/d$'; Backend = '10.0.0.4'; Port = 82 }, @{ Path = '/e'; Backend = '10.0.0.5'; Port = 83 }; " +
            "$items | New-NginxConf");
        Assert.Null(result.Terminating);
        Assert.Equal(["InvalidRoutePort", "InvalidRouteInput", "InvalidRoutePath"], result.Errors.Select(ErrorId));
        Assert.All(result.Errors, e => Assert.EndsWith(",NginxKit.Commands.Nginx.NewNginxConfCommand", e.FullyQualifiedErrorId));
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
        Assert.Equal(["location /a/ {", "location /e/ {"], Locations(result));
    }

    [Fact]
    public void ABadPortNamesTheItemItselfAndTheRuleItBroke()
    {
        var result = session.Run("$bad = @{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' }; $bad | New-NginxConf; $bad");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRoutePort", ErrorId(error));
        // The very hashtable that was piped, so a script can find the bad row.
        Assert.Same(result.Output[1].BaseObject, Assert.IsType<PSObject>(error.TargetObject).BaseObject);
        Assert.Equal("Skipped route '/b': PortNotANumber. The port must be a whole number between 1 and 65535.", error.ErrorDetails.Message);
        Assert.Equal("Rule broken: PortNotANumber.", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void AFractionalPortInAnObjectIsRefusedNotRounded()
    {
        var result = session.Run("@{ Path = '/f'; Backend = '10.0.0.2'; Port = 80.7 } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRoutePort", ErrorId(error));
        Assert.Empty(Locations(result));
    }

    [Fact]
    public void AnUnknownKeyIsNamedInTheMessage()
    {
        // Ordered: the message names the path only when it was read before the unknown key.
        var result = session.Run("[ordered]@{ Path = '/c'; Backend = '10.0.0.3'; Port = 81; Bogus = 1 } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRouteInput", ErrorId(error));
        Assert.IsType<System.Collections.Specialized.OrderedDictionary>(Assert.IsType<PSObject>(error.TargetObject).BaseObject);
        Assert.StartsWith("Skipped route '/c': UnknownKey. A route has no key 'Bogus'. Use Path, Backend", error.ErrorDetails.Message);
        Assert.Equal("Rule broken: UnknownKey.", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void AStripPrefixThatIsNoBooleanIsRefused()
    {
        var result = session.Run("@{ Path = '/s'; Backend = '10.0.0.3'; Port = 81; StripPrefix = 'perhaps' } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRouteStripPrefix", ErrorId(error));
        Assert.Equal("Rule broken: StripPrefixNotBoolean.", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void ACreatedThatIsNoTimeIsRefused()
    {
        var result = session.Run("@{ Path = '/t'; Backend = '10.0.0.3'; Port = 81; Created = 'yesterday-ish' } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRouteInput", ErrorId(error));
        Assert.Equal("Rule broken: CreatedNotATime.", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void APathOutsideTheAllowListTargetsTheRoute()
    {
        var result = session.Run("@{ Path = '/d$'; Backend = '10.0.0.4'; Port = 82 } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidRoutePath", ErrorId(error));
        Assert.Equal("route '/d$' -> 10.0.0.4:82", error.TargetObject.ToString());
        Assert.Equal("Rule broken: PathCharacter.", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void TheOlderClaimKeepsAPathAndTheNewerOneIsAnError()
    {
        var result = session.Run(
            "@{ Path = '/a'; Backend = '10.0.0.2'; Port = 80; Created = '2024-02-01T00:00:00Z'; Service = 'new'; Namespace = 'n' }, " +
            "@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80; Created = '2024-01-01T00:00:00Z'; Service = 'old'; Namespace = 'n' } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("DuplicateRoutePath", ErrorId(error));
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal("route '/a' -> 10.0.0.2:80 (n/new)", error.TargetObject.ToString());
        Assert.Equal("Skipped route '/a' -> 10.0.0.2:80 (n/new): location /a/ on server _ is held by route '/a' -> 10.0.0.1:80 (n/old), created 2024-01-01T00:00:00Z, before 2024-02-01T00:00:00Z. The oldest claim keeps a path; give this one another path.",
            error.ErrorDetails.Message);
        Assert.Equal("Rule broken: PathHeldByOlderClaim.", error.ErrorDetails.RecommendedAction);
        var text = (string)Assert.Single(result.Output).BaseObject;
        Assert.Contains("proxy_pass http://10.0.0.1:80/;", text);
        Assert.DoesNotContain("10.0.0.2", text);
    }

    [Fact]
    public void ErrorActionStopEndsThePipelineAtTheFirstBadItem()
    {
        var result = session.Run("@{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' }, @{ Path = '/c'; Backend = '10.0.0.3'; Port = 'y' } | New-NginxConf -ErrorAction Stop");
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("InvalidRoutePort,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal("Skipped route '/b': PortNotANumber. The port must be a whole number between 1 and 65535.", result.Terminating.ErrorDetails.Message);
        Assert.Empty(result.Output);
    }
}
