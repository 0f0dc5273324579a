using System.Management.Automation;
using System.Text.RegularExpressions;

namespace NginxKit.Cmdlets.Tests;

/// <summary>
/// New-NginxConf's refusals: a bad route is one error naming it while the rest render; a bad server-level
/// option stops the command before any route; a place two routes claim goes to the oldest claim.
/// </summary>
public sealed class NewNginxConfErrorTests : IDisposable
{
    private const string ThreeRoutes = "@(@{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080 }, @{ Path = '/api'; Backend = '10.96.30.7'; Port = 80 }, @{ Path = '/legacy'; Backend = '10.96.31.9'; Port = 8081; StripPrefix = $false })";
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    private static string ErrorId(ErrorRecord record) => record.FullyQualifiedErrorId.Split(',')[0];

    private static string Conf(RunResult result) => (string)Assert.Single(result.Output).BaseObject;

    private static int LocationCount(string conf) => Regex.Matches(conf, "(?m)^    location /").Count;

    [Theory]
    [InlineData("[pscustomobject]@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80.7 }")]
    [InlineData("[pscustomobject]@{ Path = '/y'; Backend = '10.0.0.1'; Port = '80.7' }")]
    [InlineData("@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80.5d }")]
    public void APortWithAFractionIsRefusedNotRoundedToAnotherPort(string route)
    {
        var result = session.Run($"{route} | New-NginxConf");
        Assert.Equal("InvalidRoutePort", ErrorId(Assert.Single(result.Errors)));
        Assert.DoesNotMatch(":81|:80", Conf(result));
    }

    [Fact]
    public void AWholeNumberGivenAsADoubleIsThatPort()
    {
        var result = session.Run("[pscustomobject]@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80.0 } | New-NginxConf");
        Assert.Empty(result.Errors);
        Assert.Contains("proxy_pass http://10.0.0.1:80/;", Conf(result));
    }

    [Fact]
    public void APortWithAFractionOnTheCommandLineIsRefusedAndAWholeOneServes()
    {
        var refused = session.Run("New-NginxConf -Path /y -Backend 10.0.0.1 -Port 80.7 -ErrorAction Stop");
        Assert.NotNull(refused.Terminating);
        Assert.StartsWith("ParameterArgumentTransformationError,", refused.Terminating!.FullyQualifiedErrorId);
        Assert.Contains(":80/;", Conf(session.Run("New-NginxConf -Path /y -Backend 10.0.0.1 -Port 80")));
    }

    [Fact]
    public void EachBadRouteIsOneErrorWithItsIdCategoryAndTargetAndTheRestRender()
    {
        var result = session.Run(
            $"@({ThreeRoutes} | ForEach-Object {{ [pscustomobject]$_ }}) + @(" +
            "[pscustomobject]@{ Path = '/x;y'; Backend = '10.0.0.1'; Port = 80 }, " +
            "[pscustomobject]@{ Path = '/ok1'; Backend = 'evil.com}'; Port = 80 }, " +
            "[pscustomobject]@{ Path = '/ok2'; Backend = '10.0.0.1'; Port = 70000 }, " +
            "[pscustomobject]@{ Path = '/ok3'; Backend = '10.0.0.1'; Port = 80; Namespace = 'Bad NS' }) | New-NginxConf");
        Assert.Equal(["InvalidRoutePath", "InvalidRouteBackend", "InvalidRoutePort", "InvalidRouteNamespace"], result.Errors.Select(ErrorId));
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
        Assert.Equal("/x;y", PSObject.AsPSObject(result.Errors[0].TargetObject).Properties["Path"].Value);
        Assert.Matches("PathCharacter", result.Errors[0].ErrorDetails.RecommendedAction);
        var conf = Conf(result);
        Assert.Equal(3, LocationCount(conf));
        Assert.DoesNotMatch("x;y|evil|70000|ok3", conf);
    }

    [Fact]
    public void ASecondRouteOnTheSamePathIsDuplicateRoutePathAndTheFirstInSortOrderStays()
    {
        var result = session.Run(
            "[pscustomobject]@{ Path = '/volume/'; Backend = '10.0.0.9'; Port = 80; Namespace = 'zeta'; Service = 'volume' }, " +
            "[pscustomobject]@{ Path = '/volume'; Backend = '10.0.0.1'; Port = 80; Namespace = 'alpha'; Service = 'volume' } | New-NginxConf");
        var error = Assert.Single(result.Errors);
        Assert.Equal("DuplicateRoutePath", ErrorId(error));
        Assert.Matches("alpha/volume", error.Exception.Message);
        var conf = Conf(result);
        Assert.Contains("proxy_pass http://10.0.0.1:80/;", conf);
        Assert.DoesNotContain("10.0.0.9", conf);
    }

    [Theory]
    [InlineData("-Listen '80; include /etc/passwd'", "InvalidListen")]
    [InlineData("-ServerName 'a b'", "InvalidServerName")]
    [InlineData("-ProxySetHeader @{ 'X-A' = 'x\"; return 200; \"' }", "InvalidProxyHeader")]
    [InlineData("-ProxyReadTimeoutSec 100000", "InvalidTimeout")]
    public void AnInvalidServerLevelOptionStopsBeforeRendering(string option, string errorId)
    {
        var result = session.Run($"New-NginxConf -Route {ThreeRoutes} {option} -ErrorAction Stop");
        Assert.NotNull(result.Terminating);
        Assert.StartsWith(errorId + ",", result.Terminating!.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void FalseInACsvStripPrefixColumnIsFalseAndANonBooleanIsRefused()
    {
        var plain = session.Run("[pscustomobject]@{ Path = '/a'; Backend = '10.0.0.1'; Port = '80'; StripPrefix = 'False' } | New-NginxConf");
        Assert.Empty(plain.Errors);
        Assert.Contains("proxy_pass http://10.0.0.1:80;", Conf(plain));
        var refused = session.Run("[pscustomobject]@{ Path = '/a'; Backend = '10.0.0.1'; Port = '80'; StripPrefix = 'perhaps' } | New-NginxConf | Out-Null");
        Assert.Equal("InvalidRouteStripPrefix", ErrorId(Assert.Single(refused.Errors)));
    }

    [Fact]
    public void TheOldestHandWrittenClaimKeepsAPathByCreatedOrCreationTimestampInAnyForm()
    {
        var result = session.Run("""
            [pscustomobject]@{ Path = '/web'; Backend = '10.0.0.9'; Port = 80; Namespace = 'aaa'; CreationTimestamp = '2026-01-05T00:00:00Z' },
            @{ Path = '/Web/'; Backend = '10.0.0.1'; Port = 80; Namespace = 'prod'; Created = [datetime]::SpecifyKind([datetime]'2020-06-01', 'Utc') },
            [NginxKit.NginxRoute]@{ Path = '/web'; Backend = '10.0.0.5'; Port = 80; Namespace = 'mid'; Created = '2023-12-31T22:00:00Z' },
            [pscustomobject]@{ Path = '/WEB'; Backend = '10.0.0.6'; Port = 80; Namespace = 'late'; Created = [DateTimeOffset]'2024-06-01T02:00:00+02:00' } |
                New-NginxConf
            """);
        var conf = Conf(result);
        Assert.Matches(@"location /Web/ \{\s+proxy_pass http://10\.0\.0\.1:80/;", conf);
        Assert.Equal(1, LocationCount(conf));
        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("DuplicateRoutePath", ErrorId(e)));
        Assert.Matches("created 2020-06-01T00:00:00Z, before 2023-12-31T22:00:00Z", result.Errors[0].ToString());
        Assert.Matches("created 2020-06-01T00:00:00Z, before 2024-06-01T00:00:00Z", result.Errors[1].ToString());
        Assert.Matches("created 2020-06-01T00:00:00Z, before 2026-01-05T00:00:00Z", result.Errors[2].ToString());
    }

    [Theory]
    [InlineData("@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80; Prot = 1 }", "InvalidRouteInput", "UnknownKey")]
    [InlineData("@{ Path = '/y'; Backend = '10.0.0.1'; Port = 'abc' }", "InvalidRoutePort", "PortNotANumber")]
    [InlineData("[pscustomobject]@{ Path = '/y'; Backend = '10.0.0.1'; Port = 'eighty' }", "InvalidRoutePort", "PortNotANumber")]
    [InlineData("@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80; StripPrefix = 'maybe' }", "InvalidRouteStripPrefix", "StripPrefixNotBoolean")]
    [InlineData("@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80; Created = 'last spring' }", "InvalidRouteInput", "CreatedNotATime")]
    [InlineData("[pscustomobject]@{ Path = '/y'; Backend = '10.0.0.1'; Port = 80; BackendProtocol = 'h2c' }", "InvalidBackendProtocol", "BackendProtocolUnknown")]
    public void AnObjectThatIsNoRouteIsOneErrorPipedOrGivenToRoute(string bad, string errorId, string rule)
    {
        var given = $"$good = @{{ Path = '/ok'; Backend = '10.0.0.2'; Port = 80 }}; $bad = {bad}; ";
        foreach (var script in new[] { given + "$good, $bad | New-NginxConf", given + "New-NginxConf -Route $good, $bad" })
        {
            var result = session.Run(script);
            var error = Assert.Single(result.Errors);
            Assert.Equal(errorId, ErrorId(error));
            Assert.Matches(rule, error.ErrorDetails.RecommendedAction);
            var conf = Conf(result);
            Assert.Equal(1, LocationCount(conf));
            Assert.Contains("location /ok/", conf);
            Assert.DoesNotContain("/y/", conf);
        }
    }
}
