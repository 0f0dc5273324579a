using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Get-NginxRoute -Path on manifest files: what it reads, says, filters and refuses, offline.</summary>
public sealed class GetNginxRouteFileTests : ModuleTests
{
    private static readonly string Example = Path.Combine(ModuleSession.Examples, "services.yaml");

    private const string FiveServices = """
        apiVersion: v1
        kind: List
        items:
        - { apiVersion: v1, kind: Service, metadata: { name: web, namespace: prod, creationTimestamp: '2020-06-01T00:00:00Z', annotations: { nginxkit.io/path: /web } }, spec: { clusterIP: 10.96.1.1, ports: [ { port: 80 } ] } }
        - { apiVersion: v1, kind: Service, metadata: { name: web, namespace: aaa-scratch, creationTimestamp: '2026-01-05T00:00:00Z', annotations: { nginxkit.io/path: /web } }, spec: { clusterIP: 10.96.9.9, ports: [ { port: 80 } ] } }
        - { apiVersion: v1, kind: Service, metadata: { name: metrics-server, namespace: kube-system, creationTimestamp: '2020-01-01T00:00:00Z' }, spec: { clusterIP: 10.96.0.5, ports: [ { name: https, port: 443 } ] } }
        - { apiVersion: v1, kind: Service, metadata: { name: nginx-entry, namespace: nginx-entry, creationTimestamp: '2021-01-01T00:00:00Z', labels: { app.kubernetes.io/managed-by: nginxkit } }, spec: { clusterIP: 10.96.8.8, ports: [ { port: 80 } ] } }
        - { apiVersion: v1, kind: Service, metadata: { name: shop, namespace: prod, creationTimestamp: '2021-01-01T00:00:00Z' }, spec: { clusterIP: 10.96.1.2, ports: [ { port: 8080 } ] } }

        """;

    private static object? Value(PSObject o, string property) => o.Properties[property]?.Value;

    private static IEnumerable<PSObject> Routes(RunResult result) => result.Output.Where(o => o.BaseObject.GetType().FullName == "NginxKit.NginxRoute");

    private static string[] VerboseLines(RunResult result) =>
        [.. result.Output.Select(o => o.BaseObject).OfType<VerboseRecord>().Select(v => v.Message)];

    [Fact]
    public void OptedInServicesAreRoutesAndTheOthersVerboseLinesNotWarnings()
    {
        var result = Session.Run("Get-NginxRoute -Path $example -Verbose 4>&1", ("example", Example));
        var routes = Routes(result).ToList();
        Assert.Equal(["volume", "api", "api-v2", "dashboard", "legacy"], routes.Select(r => Value(r, "Service")));
        Assert.Equal(80, Value(routes.Single(r => (string?)Value(r, "Service") == "api"), "Port"));
        Assert.Equal("/dashboard", Value(routes.Single(r => (string?)Value(r, "Service") == "dashboard"), "Path"));
        Assert.Equal(false, Value(routes.Single(r => (string?)Value(r, "Service") == "legacy"), "StripPrefix"));
        // Its port is named https.
        Assert.Equal("https", Value(routes.Single(r => (string?)Value(r, "Service") == "api-v2"), "BackendProtocol"));
        Assert.Equal("2023-03-10T12:00:00.0000000Z", ((DateTime)Value(routes.Single(r => (string?)Value(r, "Service") == "volume"), "Created")!).ToString("o"));
        Assert.Empty(result.Warnings);
        var verbose = VerboseLines(result);
        Assert.Contains("Skipped Service monitoring/grafana: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: \"true\".", verbose);
        Assert.Contains("Skipped Service storage/postgres: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: \"true\".", verbose);
        Assert.Contains("Skipped Service kube-system/metrics-server: it is in the system namespace kube-system and does not opt in with an annotation.", verbose);
        Assert.Equal(5, verbose.Length);
    }

    [Fact]
    public void ExposeAllRoutesEveryOtherServiceButNotTheSystemNamespacesTheApiServerOrTheEntry()
    {
        var result = Session.Run("Get-NginxRoute -Path $example -ExposeAll -Verbose 4>&1", ("example", Example));
        var routes = Routes(result).ToList();
        Assert.Equal(["volume", "api", "api-v2", "dashboard", "legacy", "grafana"], routes.Select(r => Value(r, "Service")));
        Assert.Equal("/grafana", Value(routes.Single(r => (string?)Value(r, "Service") == "grafana"), "Path"));
        var verbose = VerboseLines(result);
        Assert.Contains("Skipped Service default/kubernetes: it is the API server's own Service and does not opt in with an annotation.", verbose);
        Assert.Contains("Skipped Service nginx-entry/nginx-entry: it is the entry's own Service (app.kubernetes.io/managed-by: nginxkit) and does not opt in with an annotation.", verbose);
        Assert.Contains("Skipped Service kube-system/metrics-server: it is in the system namespace kube-system and does not opt in with an annotation.", verbose);
        Assert.Contains("Skipped Service storage/postgres: it is headless (no ClusterIP).", verbose);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void APathStaysWithTheOldestServiceWhateverTheNamespaceNamesAndTheErrorNamesTheHolder(bool exposeAll)
    {
        var file = Temp.File("five.yaml");
        File.WriteAllText(file, FiveServices);
        var result = Session.Run("Get-NginxRoute -Path $file -ExposeAll:$exposeAll", ("file", file), ("exposeAll", exposeAll));
        var routes = Routes(result).ToList();
        Assert.Equal("prod", Value(routes.Single(r => (string?)Value(r, "Path") == "/web"), "Namespace"));
        Assert.DoesNotContain("aaa-scratch", routes.Select(r => Value(r, "Namespace")));
        Assert.DoesNotContain("metrics-server", routes.Select(r => Value(r, "Service")));
        Assert.DoesNotContain("nginx-entry", routes.Select(r => Value(r, "Service")));
        Assert.Equal(exposeAll ? ["web", "shop"] : ["web"], routes.Select(r => Value(r, "Service")));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DuplicateRoutePath,", error.FullyQualifiedErrorId);
        Assert.Equal("aaa-scratch", PSObject.AsPSObject(error.TargetObject).Properties["Namespace"].Value);
        Assert.Contains("is held by route '/web' -> 10.96.1.1:80 (prod/web), created 2020-06-01T00:00:00Z, before 2026-01-05T00:00:00Z", error.ToString());
    }

    [Fact]
    public void PipedOnTheHolderStaysTheHolder()
    {
        var file = Temp.File("five.yaml");
        File.WriteAllText(file, FiveServices);
        var result = Session.Run("Get-NginxRoute -Path $file -ErrorAction SilentlyContinue | New-NginxConf", ("file", file));
        Assert.Contains("proxy_pass http://10.96.1.1:80/;", (string)Assert.Single(result.Output).BaseObject);
    }

    [Theory]
    [InlineData("/web/", "DuplicateRoutePath")]
    [InlineData("/Web", "DuplicateRoutePath")]
    [InlineData("/WEB/", "DuplicateRoutePath")]
    [InlineData("//web", "InvalidRoutePath")]
    [InlineData("/web/.", "InvalidRoutePath")]
    [InlineData("/web/..", "InvalidRoutePath")]
    [InlineData("/%77eb", "InvalidRoutePath")]
    [InlineData("/web%2F", "InvalidRoutePath")]
    [InlineData("/w%45b/", "InvalidRoutePath")]
    public void AnotherSpellingOfAHeldPathIsNoSideDoor(string path, string errorId)
    {
        var file = Temp.File("variant.yaml");
        // One document per Service, as kubectl apply files hold them.
        File.WriteAllText(file, $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: prod, creationTimestamp: '2020-06-01T00:00:00Z', annotations: { nginxkit.io/path: /web } }
            spec: { clusterIP: 10.96.1.1, ports: [ { port: 80 } ] }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: aaa, creationTimestamp: '2026-01-05T00:00:00Z', annotations: { nginxkit.io/path: '{{path}}' } }
            spec: { clusterIP: 10.96.9.9, ports: [ { port: 80 } ] }

            """);
        var result = Session.Run("$r = @(Get-NginxRoute -Path $file); $r.Namespace; $r | New-NginxConf", ("file", file));
        Assert.Equal(["prod"], result.Output.Take(result.Output.Count - 1).Select(o => o.BaseObject));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.DoesNotContain("10.96.9.9", (string)result.Output[^1].BaseObject);
    }

    [Fact]
    public void NamespaceAndSelectorFilterAndABadOneIsRefused()
    {
        var result = Session.Run("""
            (Get-NginxRoute -Path $example -Namespace storage -WarningAction SilentlyContinue).Service -join ','
            (Get-NginxRoute -Path $example -Namespace storage, monitoring -ExposeAll).Service -join ','
            (Get-NginxRoute -Path $example -Selector 'app=api' -WarningAction SilentlyContinue).Service -join ','
            try { Get-NginxRoute -Path $example -Selector 'app in api' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            try { Get-NginxRoute -Path $example -Namespace storage, 'a/b' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            """, ("example", Example));
        var lines = result.Output.Select(o => (string)o.BaseObject).ToList();
        Assert.Equal(5, lines.Count);
        Assert.Equal("volume", lines[0]);
        Assert.Equal("volume,grafana", lines[1]);
        Assert.Equal("api,api-v2", lines[2]);
        Assert.StartsWith("InvalidSelector,", lines[3]);
        Assert.StartsWith("InvalidNamespace,", lines[4]);
    }

    [Fact]
    public void ADirectoryTreeOfYamlAndJsonManifestsIsRead()
    {
        Directory.CreateDirectory(Temp.File("tree/apps"));
        File.WriteAllText(Temp.File("tree/apps/a.yaml"), "apiVersion: v1\nkind: Service\nmetadata: { name: a, namespace: x }\nspec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }\n");
        File.WriteAllText(Temp.File("tree/b.json"), """{"apiVersion":"v1","kind":"Service","metadata":{"name":"b","namespace":"x"},"spec":{"clusterIP":"10.0.0.2","ports":[{"port":81}]}}""" + "\n");
        File.WriteAllText(Temp.File("tree/readme.txt"), "not a manifest\n");
        var result = Session.Run("(Get-NginxRoute -Path $tree -ExposeAll).Service", ("tree", Temp.File("tree")));
        Assert.Empty(result.Errors);
        Assert.Equal(["a", "b"], result.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void TheAnnotationsSettingsAreOnTheRouteAndRenderAsTheSameSettingsGivenByHand()
    {
        var file = Temp.File("chat.yaml");
        File.WriteAllText(file, """
            apiVersion: v1
            kind: Service
            metadata:
              name: chat
              namespace: x
              annotations:
                nginxkit.io/expose: "true"
                nginxkit.io/websocket: "true"
                nginxkit.io/client-max-body-size: 50m
                nginxkit.io/proxy-read-timeout: 120s
                nginxkit.io/proxy-send-timeout: "60"
                nginxkit.io/proxy-redirect: "true"
            spec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }

            """);
        var result = Session.Run("""
            $r = Get-NginxRoute -Path $file
            $r.WebSocket; $r.ClientMaxBodySize; $r.ProxyReadTimeout; $r.ProxySendTimeout; $r.ProxyRedirect
            $r | New-NginxConf
            [pscustomobject]@{ Path = '/chat'; Backend = '10.0.0.1'; Port = 80; Service = 'chat'; Namespace = 'x'
                WebSocket = $true; ClientMaxBodySize = '50m'; ProxyReadTimeout = '120s'; ProxySendTimeout = '60'; ProxyRedirect = $true } | New-NginxConf
            """, ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(new object[] { true, "50m", "120s", "60", true }, result.Output.Take(5).Select(o => o.BaseObject));
        Assert.Equal(7, result.Output.Count);
        Assert.Equal(result.Output[6].BaseObject, result.Output[5].BaseObject);
    }

    [Fact]
    public void HostileAnnotationsAreRefusedWithNewNginxConfsErrorIdsAndNeverEmitted()
    {
        var file = Temp.File("hostile.yaml");
        File.WriteAllText(file, """
            apiVersion: v1
            kind: Service
            metadata:
              name: evil
              namespace: x
              annotations:
                nginxkit.io/path: "/volume/ { return 200; } } server { listen 127.0.0.1:18099; location /evil/ {"
            spec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: ok, namespace: x, annotations: { nginxkit.io/expose: "true" } }
            spec: { clusterIP: 10.0.0.2, ports: [ { port: 80 } ] }

            """);
        var result = Session.Run("$r = @(Get-NginxRoute -Path $file); $r.Service; $r | New-NginxConf", ("file", file));
        Assert.Equal(2, result.Output.Count);
        Assert.Equal("ok", result.Output[0].BaseObject);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidRoutePath,", error.FullyQualifiedErrorId);
        Assert.DoesNotMatch("evil|18099", (string)result.Output[1].BaseObject);
    }

    [Fact]
    public void AMissingFileAndAFileThatDoesNotParseAreOneErrorEach()
    {
        File.WriteAllText(Temp.File("broken.yaml"), "kind: Service\nmetadata: [unclosed\n");
        var result = Session.Run("Get-NginxRoute -Path $none, $broken, $example -WarningAction SilentlyContinue",
            ("none", Temp.File("none.yaml")), ("broken", Temp.File("broken.yaml")), ("example", Example));
        Assert.Equal(5, result.Output.Count);
        Assert.Equal(["ManifestNotFound", "ManifestParseError"], result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
    }
}
