using System.Text.RegularExpressions;

namespace NginxKit.Cmdlets.Tests;

/// <summary>New-NginxConf renders the same bytes from every form of the same routes, whatever their order.</summary>
public sealed class NewNginxConfInputTests : ModuleTests
{
    private const string ThreeRoutes = "$routes = @(" +
        "@{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080; Service = 'volume'; Namespace = 'storage'; StripPrefix = $true }, " +
        "@{ Path = '/api'; Backend = '10.96.30.7'; Port = 80; Service = 'api'; Namespace = 'platform'; StripPrefix = $true }, " +
        "@{ Path = '/legacy'; Backend = '10.96.31.9'; Port = 8081; Service = 'legacy'; Namespace = 'platform'; StripPrefix = $false }); ";

    private static int LocationCount(string conf) => Regex.Matches(conf, "(?m)^    location /").Count;

    [Fact]
    public void HashtablesPipedHashtablesObjectsCsvAndTypedRoutesRenderTheSameBytes()
    {
        var texts = Texts(ThreeRoutes + """
            New-NginxConf -Route $routes
            $routes | New-NginxConf
            $routes | ForEach-Object { [pscustomobject]$_ } | New-NginxConf
            $routes | ForEach-Object { [pscustomobject]$_ } | Export-Csv "$dir/routes.csv"
            Import-Csv "$dir/routes.csv" | New-NginxConf
            $routes | ForEach-Object { [NginxKit.NginxRoute]$_ } | New-NginxConf
            """, ("dir", Temp.Path));
        Assert.Equal(5, texts.Length);
        Assert.All(texts.Skip(1), t => Assert.Equal(texts[0], t));
        Assert.Contains("proxy_pass http://10.96.31.9:8081;", texts[0]);
    }

    [Fact]
    public void GetNginxRouteOutputAgreesWithTheSameRoutesAsObjectsAndDeserialized()
    {
        var texts = Texts("""
            $fromServices = Get-NginxRoute -Path $example -WarningAction SilentlyContinue | New-NginxConf
            $fromServices
            Get-NginxRoute -Path $example -WarningAction SilentlyContinue | Select-Object Path, Backend, Port, Service, Namespace, StripPrefix, BackendProtocol, Created | New-NginxConf
            # As they arrive from Invoke-Command or Import-Clixml: deserialized, with the same age and protocol.
            $xml = [Management.Automation.PSSerializer]::Serialize(@(Get-NginxRoute -Path $example))
            [Management.Automation.PSSerializer]::Deserialize($xml) | New-NginxConf
            """, ("example", Path.Combine(ModuleSession.Examples, "services.yaml")));
        Assert.Equal(3, texts.Length);
        Assert.Equal(texts[0], texts[1]);
        Assert.Equal(texts[0], texts[2]);
        Assert.Equal(5, LocationCount(texts[0]));
    }

    [Fact]
    public void BackendBindsByItsClusterIPAndHostAliases()
    {
        var texts = Texts("[pscustomobject]@{ Path = '/a'; ClusterIP = '10.0.0.1'; Port = 80 } | New-NginxConf; [pscustomobject]@{ Path = '/a'; Host = '10.0.0.1'; Port = 80 } | New-NginxConf");
        Assert.Equal(texts[0], texts[1]);
        Assert.Contains("proxy_pass http://10.0.0.1:80/;", texts[0]);
    }

    [Fact]
    public void TheOutputIsByteIdenticalWhateverTheInputOrder()
    {
        var texts = Texts(ThreeRoutes + "$routes | New-NginxConf; $routes[2], $routes[0], $routes[1] | New-NginxConf");
        Assert.Equal(texts[0], texts[1]);
        Assert.Matches("^# nginxkit-hash: xxh128:[0-9a-f]{32}$", texts[0].Split('\n')[0]);
    }

    [Fact]
    public void PipedObjectsAreReadByPropertyNameThroughTheFastPathOnThisPowerShell()
    {
        // The fast path reads a PSCustomObject's own members; if a PowerShell release drops the internal
        // member it uses, reading falls back to the public lookup and this test says so.
        var result = Session.Run("""
            $routeInput = [NginxKit.NginxRoute].Assembly.GetType('NginxKit.Infrastructure.RouteInput')
            $routeInput.GetProperty('ReadsInstanceMembers', [Reflection.BindingFlags]'NonPublic,Static').GetValue($null)
            (Get-Command New-NginxConf).Parameters['Route'].ParameterSets['ByRoute'].ValueFromPipeline
            foreach ($name in 'Path', 'Backend', 'Port', 'Service', 'Namespace', 'StripPrefix', 'ServerName') {
                (Get-Command New-NginxConf).Parameters[$name].ParameterSets['ByProperty'].ValueFromPipelineByPropertyName
            }
            """);
        Assert.Empty(result.Errors);
        Assert.Equal(9, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal(true, o.BaseObject));
    }

    [Fact]
    public void PipedRowsBindByPropertyNameWhenPortIsGivenOnTheCommandLine()
    {
        var conf = Assert.Single(Texts("\"Path,ClusterIP,ServiceName,Namespace`n/a,10.0.0.1,alpha,ns1`n/b,10.0.0.2,beta,ns2\" | Set-Content \"$dir/paths.csv\"; Import-Csv \"$dir/paths.csv\" | New-NginxConf -Port 8080",
            ("dir", Temp.Path)));
        Assert.Contains("proxy_pass http://10.0.0.1:8080/;", conf);
        Assert.Contains("proxy_pass http://10.0.0.2:8080/;", conf);
        Assert.Contains("# ns2/beta", conf);
    }

    [Fact]
    public void RouteTakesOneRouteOrACollectionAndAPipedArrayIsItsRoutes()
    {
        var texts = Texts("""
            $a = @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }
            $b = [pscustomobject]@{ Path = '/b'; Backend = '10.0.0.2'; Port = 81 }
            New-NginxConf -Route $a, $b
            New-NginxConf -Route $a
            New-NginxConf -Route $b
            , @($a, $b) | New-NginxConf
            New-NginxConf -Route @()
            @() | New-NginxConf
            """);
        Assert.Equal(6, texts.Length);
        Assert.Equal(2, LocationCount(texts[0]));
        Assert.Equal(1, LocationCount(texts[1]));
        Assert.Equal(1, LocationCount(texts[2]));
        Assert.Equal(texts[0], texts[3]);
        Assert.Equal(texts[5], texts[4]);
        var refused = Session.Run("New-NginxConf -Route $null");
        Assert.NotNull(refused.Terminating);
        Assert.Equal("ParameterArgumentValidationErrorNullNotAllowed,NginxKit.Commands.Nginx.NewNginxConfCommand", refused.Terminating!.FullyQualifiedErrorId);
    }

    [Fact]
    public void PSCustomObjectsAreReadWhateverTheirPropertyNamesAreMadeOfOrWhetherTheyHaveAny()
    {
        // Names are looked up by reference first: equal names built at run time must read the same.
        var result = Session.Run("""
            $names = 'Path', 'Backend', 'Port' | ForEach-Object { -join $_.ToCharArray() }
            $built = [ordered]@{}
            $built[$names[0]] = '/a'; $built[$names[1]] = '10.0.0.1'; $built[$names[2]] = 80
            New-NginxConf -Route @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }
            [pscustomobject]$built | New-NginxConf
            $withMember = [pscustomobject]@{ Path = '/a' }
            $withMember | Add-Member -NotePropertyName Backend -NotePropertyValue '10.0.0.1'
            $withMember | Add-Member -NotePropertyName PORT -NotePropertyValue '80'
            $withMember | New-NginxConf
            [pscustomobject]@{} | New-NginxConf | Out-Null
            """);
        Assert.Equal(3, result.Output.Count);
        Assert.Equal(result.Output[0].BaseObject, result.Output[1].BaseObject);
        Assert.Equal(result.Output[0].BaseObject, result.Output[2].BaseObject);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidRoutePath,", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void AnyObjectWithThePropertiesIsARouteAndBackendWinsOverClusterIP()
    {
        var texts = Texts("""
            class PlainRoute { [string] $Path; [string] $Backend; [int] $Port }
            New-NginxConf -Route @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }
            [PlainRoute]@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 } | New-NginxConf
            [pscustomobject]@{ PSTypeName = 'My.Route'; Path = '/a'; Backend = '10.0.0.1'; Port = 80; Extra = 'ignored' } | New-NginxConf
            [pscustomobject]@{ Path = '/a'; ClusterIP = '10.9.9.9'; Backend = '10.0.0.1'; Port = 80 } | New-NginxConf
            [pscustomobject]@{ path = '/a'; BACKEND = '10.0.0.1'; port = '80' } | New-NginxConf
            """);
        Assert.Equal(5, texts.Length);
        Assert.All(texts.Skip(1), t => Assert.Equal(texts[0], t));
    }
}
