using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Kubernetes;

public class ServiceRoutesTests
{
    private const string OptIn = "    nginxkit.io/expose: \"true\"\n";

    private static string Service(string name, string? annotations = null, string ports = "    - port: 8080\n", string clusterIp = "10.96.0.10", string type = "ClusterIP", string ns = "apps", string? labels = null, string? created = null) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        {(created is null ? "" : $"  creationTimestamp: \"{created}\"\n")}{(annotations is null ? "" : "  annotations:\n" + annotations)}{(labels is null ? "" : "  labels:\n" + labels)}
        spec:
          type: {type}
          clusterIP: {clusterIp}
          ports:
        {ports}
        """;

    private static DiscoveredRoute One(string yaml, bool exposeAll = false) =>
        Assert.Single(RouteDiscovery.FromServices(ServiceManifestReader.Parse(yaml), [], null, exposeAll));

    [Fact]
    public void AnnotatedPathAndTheOnlyPort()
    {
        var route = One(Service("volume", "    nginxkit.io/path: /volume\n")).Route!;
        Assert.Equal(("/volume", "10.96.0.10", 8080, "volume", "apps", true), (route.Path, route.Backend, route.Port, route.Service, route.Namespace, route.StripPrefix));
    }

    [Fact]
    public void WithoutAPathAnnotationThePathIsTheServiceName()
    {
        Assert.Equal("/dashboard", One(Service("dashboard", OptIn)).Route!.Path);
        Assert.Equal("/dashboard", One(Service("dashboard"), exposeAll: true).Route!.Path);
    }

    [Fact]
    public void AServiceThatDoesNotOptInIsSkippedWithAVerboseLineNotAWarning()
    {
        var found = One(Service("dashboard", "    nginxkit.io/port: \"8080\"\n"));
        Assert.Null(found.Route);
        Assert.Null(found.Problem);
        Assert.Null(found.Warning);
        Assert.Contains("apps/dashboard", found.Skipped);
        Assert.Contains("does not opt in", found.Skipped);
        Assert.Contains("nginxkit.io/path", found.Skipped);
    }

    [Theory]
    [InlineData("    nginxkit.io/path: /dash\n", "/dash")]
    [InlineData("    nginxkit.io/expose: \"true\"\n", "/dashboard")]
    [InlineData("    nginxkit.io/expose: \"TRUE\"\n    nginxkit.io/path: /d\n", "/d")]
    public void APathOrExposeTrueOptsIn(string annotations, string path) =>
        Assert.Equal(path, One(Service("dashboard", annotations)).Route!.Path);

    [Fact]
    public void ExposeFalseLeavesTheServiceOutEvenWithAPathAndUnderExposeAll()
    {
        var found = One(Service("internal", "    nginxkit.io/expose: \"false\"\n    nginxkit.io/path: /internal\n"), exposeAll: true);
        Assert.Null(found.Route);
        Assert.Null(found.Warning);
        Assert.Contains("\"false\"", found.Skipped);
    }

    [Theory]
    [InlineData("metrics-server", "kube-system", null)]
    [InlineData("dns", "kube-public", null)]
    [InlineData("lease", "kube-node-lease", null)]
    [InlineData("kubernetes", "default", null)]
    [InlineData("apiserver", "apps", "    component: apiserver\n    provider: kubernetes\n")]
    [InlineData("nginx-entry", "nginx-entry", "    app.kubernetes.io/managed-by: nginxkit\n")]
    public void ExposeAllLeavesOutTheSystemNamespacesTheApiServerAndTheEntryUnlessAnnotated(string name, string ns, string? labels)
    {
        var skipped = One(Service(name, null, "    - name: https\n      port: 443\n", ns: ns, labels: labels), exposeAll: true);
        Assert.Null(skipped.Route);
        Assert.Null(skipped.Warning);
        Assert.Contains($"{ns}/{name}", skipped.Skipped);
        Assert.Contains("does not opt in with an annotation", skipped.Skipped);

        var annotated = One(Service(name, "    nginxkit.io/path: /system\n", "    - name: https\n      port: 443\n", ns: ns, labels: labels), exposeAll: false);
        Assert.Equal("/system", annotated.Route!.Path);
        Assert.Equal("https", annotated.Route.BackendProtocol);
    }

    [Theory]
    [InlineData("http", 80)]
    [InlineData("9090", 9090)]
    public void ThePortAnnotationPicksAPortByNameOrNumber(string wanted, int port)
    {
        var yaml = Service("api", $"{OptIn}    nginxkit.io/port: \"{wanted}\"\n", "    - name: http\n      port: 80\n    - name: metrics\n      port: 9090\n");
        Assert.Equal(port, One(yaml).Route!.Port);
    }

    [Fact]
    public void SeveralPortsWithoutAnAnnotationAreAmbiguous()
    {
        var found = One(Service("api", OptIn, "    - name: http\n      port: 80\n    - name: metrics\n      port: 9090\n"));
        Assert.Equal(ErrorCatalog.AmbiguousServicePort.Id, found.Problem!.ErrorId);
    }

    [Fact]
    public void APortAnnotationNamingNoPortIsAnError() =>
        Assert.Equal(ErrorCatalog.ServicePortNotFound.Id, One(Service("api", OptIn + "    nginxkit.io/port: grpc\n")).Problem!.ErrorId);

    [Theory]
    [InlineData("None", "ClusterIP", "headless")]
    [InlineData("", "ExternalName", "ExternalName")]
    public void AServiceThatOptsInWithoutAClusterIpIsAWarningAndUnderExposeAllAVerboseLine(string clusterIp, string type, string why)
    {
        var asked = One(Service("db", "    nginxkit.io/path: /db\n", "    - port: 5432\n", clusterIp == "" ? "\"\"" : clusterIp, type));
        Assert.Null(asked.Route);
        Assert.Contains(why, asked.Warning);
        var swept = One(Service("db", null, "    - port: 5432\n", clusterIp == "" ? "\"\"" : clusterIp, type), exposeAll: true);
        Assert.Null(swept.Warning);
        Assert.Contains(why, swept.Skipped);
    }

    [Fact]
    public void StripPrefixAndServerNameAnnotations()
    {
        var route = One(Service("legacy", OptIn + "    nginxkit.io/strip-prefix: \"false\"\n    nginxkit.io/server-name: shop.example.com\n")).Route!;
        Assert.False(route.StripPrefix);
        Assert.Equal("shop.example.com", route.ServerName);
        Assert.Equal(ErrorCatalog.InvalidAnnotation.Id, One(Service("x", OptIn + "    nginxkit.io/strip-prefix: maybe\n")).Problem!.ErrorId);
        Assert.Equal(ErrorCatalog.InvalidAnnotation.Id, One(Service("x", "    nginxkit.io/expose: yes\n")).Problem!.ErrorId);
    }

    [Theory]
    [InlineData("    - name: https\n      port: 8443\n", null, "https")]
    [InlineData("    - name: https-admin\n      port: 9443\n", null, "https")]
    [InlineData("    - name: web\n      port: 8443\n      appProtocol: https\n", null, "https")]
    [InlineData("    - name: ws\n      port: 8443\n      appProtocol: kubernetes.io/wss\n", null, "https")]
    [InlineData("    - name: web\n      port: 443\n", null, "https")]
    [InlineData("    - port: 443\n", null, "https")]
    [InlineData("    - name: web\n      port: 8443\n", null, null)]
    [InlineData("    - name: httpsx\n      port: 8080\n", null, null)]
    [InlineData("    - name: web\n      port: 443\n      appProtocol: http\n", null, null)]
    [InlineData("    - name: https\n      port: 443\n", "http", null)]
    [InlineData("    - name: http\n      port: 8080\n", "https", "https")]
    [InlineData("    - name: http\n      port: 8080\n", " HTTPS ", "https")]
    public void ATlsPortIsProxiedOverHttpsUnlessTheAnnotationSaysOtherwise(string ports, string? annotation, string? protocol)
    {
        var annotations = OptIn + (annotation is null ? "" : $"    nginxkit.io/backend-protocol: \"{annotation}\"\n");
        var found = One(Service("secure", annotations, ports));
        Assert.Null(found.Problem);
        Assert.Equal(protocol, found.Route!.BackendProtocol);
        var accepted = RouteRules.Accept(found.Route, "_", out _)!;
        Assert.StartsWith(protocol == "https" ? "https://" : "http://", accepted.ProxyPass);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("grpc")]
    [InlineData("https; include /etc/passwd")]
    [InlineData("")]
    public void AnyOtherBackendProtocolIsRefused(string annotation)
    {
        var found = One(Service("secure", $"{OptIn}    nginxkit.io/backend-protocol: \"{annotation}\"\n", "    - name: https\n      port: 443\n"));
        Assert.Null(found.Route);
        Assert.Equal(ErrorCatalog.InvalidBackendProtocol.Id, found.Problem!.ErrorId);
        Assert.Equal("apps/secure", found.Problem.Target);
    }

    [Fact]
    public void TheRouteCarriesTheServicesCreationTimeInUtc()
    {
        var route = One(Service("web", OptIn, created: "2020-03-01T10:00:00Z")).Route!;
        Assert.Equal(new DateTimeOffset(2020, 3, 1, 10, 0, 0, TimeSpan.Zero), route.Created);
        Assert.Equal(TimeSpan.Zero, route.Created!.Value.Offset);
        Assert.Null(One(Service("web", OptIn)).Route!.Created);
    }

    [Theory]
    [InlineData("\"/volume/ { return 200; } } server { listen 127.0.0.1:18099; location /evil/ {\"", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("\"/a\\nb\"", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("\"/$host\"", nameof(ErrorCatalog.InvalidRoutePath))]
    [InlineData("/vol%2e%2e", nameof(ErrorCatalog.InvalidRoutePath))]
    public void HostileAnnotationsAreRefusedByTheSameRulesAsNewNginxConf(string path, string errorId)
    {
        var found = One(Service("evil", $"    nginxkit.io/path: {path}\n"));
        Assert.Null(found.Route);
        Assert.Equal(errorId, found.Problem!.ErrorId);
    }

    [Fact]
    public void HostileServerNameAnnotationIsRefused() =>
        Assert.Equal(ErrorCatalog.InvalidServerName.Id, One(Service("evil", OptIn + "    nginxkit.io/server-name: \"a; include /etc/passwd\"\n")).Problem!.ErrorId);

    [Fact]
    public void ReadsKubectlListOutputJsonAndMultipleDocuments()
    {
        var list = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: { name: a, namespace: x }
              spec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }
            - apiVersion: apps/v1
              kind: Deployment
              metadata: { name: d }
            ---
            apiVersion: v1
            kind: ServiceList
            items:
            - metadata: { name: b, namespace: y }
              spec: { clusterIP: 10.0.0.2, ports: [ { port: 81 } ] }
            """;
        Assert.Equal(["a", "b"], ServiceManifestReader.Parse(list).Select(s => s.Metadata.Name));
        var json = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"j","namespace":"z"},"spec":{"clusterIP":"10.0.0.3","ports":[{"port":82}]}}""";
        Assert.Equal(82, ServiceManifestReader.Parse(json).Single().Spec.Ports[0].Port);
    }

    [Fact]
    public void NamespaceAndSelectorFilter()
    {
        var yaml = Service("a", OptIn, ns: "x", labels: "    app: web\n") + "---\n" + Service("b", OptIn, ns: "y", labels: "    app: db\n")
            + "---\n" + Service("c", OptIn, ns: "z", labels: "    app: db\n");
        var services = ServiceManifestReader.Parse(yaml);
        Assert.Equal(["a"], RouteDiscovery.FromServices(services, ["x"], null, false).Select(r => r.Route!.Service));
        Assert.Equal(["a", "c"], RouteDiscovery.FromServices(services, ["x", "z"], null, false).Select(r => r.Route!.Service));
        Assert.Equal(["b", "c"], RouteDiscovery.FromServices(services, [], LabelSelector.Parse("app in (db, cache)"), false).Select(r => r.Route!.Service));
    }

    [Fact]
    public void DiscoveryLeavesEachPathToItsOldestClaimAndNamesTheHolder()
    {
        // The newer Service sorts first by namespace: the order the API lists them in.
        var yaml = Service("web", "    nginxkit.io/path: /web\n", ns: "aaa-scratch", created: "2026-01-05T00:00:00Z", clusterIp: "10.96.0.66")
            + "---\n" + Service("web", "    nginxkit.io/path: /web/\n", ns: "prod", created: "2020-06-01T00:00:00Z");
        var found = RouteDiscovery.Settled(RouteDiscovery.FromServices(ServiceManifestReader.Parse(yaml), [], null, false).ToList());
        Assert.Equal(2, found.Count);
        Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, found[0].Problem!.ErrorId);
        Assert.Contains("(prod/web)", found[0].Problem!.Message);
        Assert.Contains("2020-06-01T00:00:00Z", found[0].Problem!.Message);
        Assert.Equal("prod", found[1].Route!.Namespace);
    }
    [Fact]
    public void SettingsAnnotationsBecomeTheRoutesOwnSettings()
    {
        var route = One(Service("chat", OptIn +
            "    nginxkit.io/websocket: \"true\"\n    nginxkit.io/client-max-body-size: 50m\n    nginxkit.io/proxy-read-timeout: 120s\n" +
            "    nginxkit.io/proxy-send-timeout: \"30\"\n    nginxkit.io/proxy-redirect: \"True\"\n")).Route!;
        Assert.Equal(new RouteSettings { WebSocket = true, ClientMaxBodySize = "50m", ProxyReadTimeout = "120s", ProxySendTimeout = "30", ProxyRedirect = true }, route.Settings);
        Assert.Null(One(Service("plain", OptIn)).Route!.Settings);
    }

    [Theory]
    [InlineData("nginxkit.io/websocket", "yes please", "InvalidAnnotation", "AnnotationBoolean")]
    [InlineData("nginxkit.io/proxy-redirect", "1", "InvalidAnnotation", "AnnotationBoolean")]
    [InlineData("nginxkit.io/client-max-body-size", "50m; return 200", "InvalidRouteSetting", "ClientMaxBodySizeFormat")]
    [InlineData("nginxkit.io/proxy-read-timeout", "120s }", "InvalidRouteSetting", "ProxyReadTimeoutFormat")]
    [InlineData("nginxkit.io/proxy-send-timeout", "48h", "InvalidRouteSetting", "ProxySendTimeoutOutOfRange")]
    public void AHostileSettingsAnnotationIsRefusedByName(string key, string value, string errorId, string rule)
    {
        var found = One(Service("chat", $"{OptIn}    {key}: \"{value}\"\n"));
        Assert.Null(found.Route);
        Assert.Equal(errorId, found.Problem!.ErrorId);
        Assert.Equal(rule, found.Problem.Rule);
    }

    [Fact]
    public void NoServiceCanClaimTheHealthCheck()
    {
        var found = One(Service("sneaky", "    nginxkit.io/path: /healthz\n"));
        Assert.Equal(ErrorCatalog.InvalidRoutePath.Id, found.Problem!.ErrorId);
        Assert.Equal("PathReserved", found.Problem.Rule);
        Assert.Equal("PathReserved", One(Service("healthz", OptIn)).Problem!.Rule);
    }
}
