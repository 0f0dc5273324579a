using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Kubernetes;

public class ServiceRoutesTests
{
    private static string Service(string name, string? annotations = null, string ports = "    - port: 8080\n", string clusterIp = "10.96.0.10", string type = "ClusterIP", string ns = "apps", string? labels = null) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        {(annotations is null ? "" : "  annotations:\n" + annotations)}{(labels is null ? "" : "  labels:\n" + labels)}
        spec:
          type: {type}
          clusterIP: {clusterIp}
          ports:
        {ports}
        """;

    private static DiscoveredRoute One(string yaml) =>
        Assert.Single(RouteDiscovery.FromServices(ServiceManifestReader.Parse(yaml), null, null));

    [Fact]
    public void AnnotatedPathAndTheOnlyPort()
    {
        var route = One(Service("volume", "    nginxkit.io/path: /volume\n")).Route!;
        Assert.Equal(("/volume", "10.96.0.10", 8080, "volume", "apps", true), (route.Path, route.Backend, route.Port, route.Service, route.Namespace, route.StripPrefix));
    }

    [Fact]
    public void WithoutAnAnnotationThePathIsTheServiceName() => Assert.Equal("/dashboard", One(Service("dashboard")).Route!.Path);

    [Theory]
    [InlineData("http", 80)]
    [InlineData("9090", 9090)]
    public void ThePortAnnotationPicksAPortByNameOrNumber(string wanted, int port)
    {
        var yaml = Service("api", $"    nginxkit.io/port: \"{wanted}\"\n", "    - name: http\n      port: 80\n    - name: metrics\n      port: 9090\n");
        Assert.Equal(port, One(yaml).Route!.Port);
    }

    [Fact]
    public void SeveralPortsWithoutAnAnnotationAreAmbiguous()
    {
        var found = One(Service("api", null, "    - name: http\n      port: 80\n    - name: metrics\n      port: 9090\n"));
        Assert.Equal(ErrorCatalog.AmbiguousServicePort.Id, found.Problem!.ErrorId);
    }

    [Fact]
    public void APortAnnotationNamingNoPortIsAnError() =>
        Assert.Equal(ErrorCatalog.ServicePortNotFound.Id, One(Service("api", "    nginxkit.io/port: grpc\n")).Problem!.ErrorId);

    [Theory]
    [InlineData("None", "ClusterIP", "headless")]
    [InlineData("", "ExternalName", "ExternalName")]
    public void ServicesWithoutAClusterIpAreSkippedWithAWarning(string clusterIp, string type, string why)
    {
        var found = One(Service("db", null, "    - port: 5432\n", clusterIp == "" ? "\"\"" : clusterIp, type));
        Assert.Null(found.Route);
        Assert.Contains(why, found.Warning);
    }

    [Fact]
    public void TheApiServersOwnServiceAndOptedOutServicesAreSkipped()
    {
        Assert.NotNull(One(Service("kubernetes", null, "    - port: 443\n", ns: "default", labels: "    component: apiserver\n    provider: kubernetes\n")).Warning);
        Assert.NotNull(One(Service("internal", "    nginxkit.io/expose: \"false\"\n")).Warning);
    }

    [Fact]
    public void StripPrefixAndServerNameAnnotations()
    {
        var route = One(Service("legacy", "    nginxkit.io/strip-prefix: \"false\"\n    nginxkit.io/server-name: shop.example.com\n")).Route!;
        Assert.False(route.StripPrefix);
        Assert.Equal("shop.example.com", route.ServerName);
        Assert.Equal(ErrorCatalog.InvalidAnnotation.Id, One(Service("x", "    nginxkit.io/strip-prefix: maybe\n")).Problem!.ErrorId);
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
        Assert.Equal(ErrorCatalog.InvalidServerName.Id, One(Service("evil", "    nginxkit.io/server-name: \"a; include /etc/passwd\"\n")).Problem!.ErrorId);

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
        var yaml = Service("a", ns: "x", labels: "    app: web\n") + "---\n" + Service("b", ns: "y", labels: "    app: db\n");
        var services = ServiceManifestReader.Parse(yaml);
        Assert.Equal(["a"], RouteDiscovery.FromServices(services, "x", null).Select(r => r.Route!.Service));
        Assert.Equal(["b"], RouteDiscovery.FromServices(services, null, LabelSelector.Parse("app in (db, cache)")).Select(r => r.Route!.Service));
    }
    [Fact]
    public void SettingsAnnotationsBecomeTheRoutesOwnSettings()
    {
        var route = One(Service("chat",
            "    nginxkit.io/websocket: \"true\"\n    nginxkit.io/client-max-body-size: 50m\n    nginxkit.io/proxy-read-timeout: 120s\n" +
            "    nginxkit.io/proxy-send-timeout: \"30\"\n    nginxkit.io/proxy-redirect: \"True\"\n")).Route!;
        Assert.Equal(new RouteSettings { WebSocket = true, ClientMaxBodySize = "50m", ProxyReadTimeout = "120s", ProxySendTimeout = "30", ProxyRedirect = true }, route.Settings);
        Assert.Null(One(Service("plain")).Route!.Settings);
    }

    [Theory]
    [InlineData("nginxkit.io/websocket", "yes please", "InvalidAnnotation", "AnnotationBoolean")]
    [InlineData("nginxkit.io/proxy-redirect", "1", "InvalidAnnotation", "AnnotationBoolean")]
    [InlineData("nginxkit.io/client-max-body-size", "50m; return 200", "InvalidRouteSetting", "ClientMaxBodySizeFormat")]
    [InlineData("nginxkit.io/proxy-read-timeout", "120s }", "InvalidRouteSetting", "ProxyReadTimeoutFormat")]
    [InlineData("nginxkit.io/proxy-send-timeout", "48h", "InvalidRouteSetting", "ProxySendTimeoutOutOfRange")]
    public void AHostileSettingsAnnotationIsRefusedByName(string key, string value, string errorId, string rule)
    {
        var found = One(Service("chat", $"    {key}: \"{value}\"\n"));
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
        Assert.Equal("PathReserved", One(Service("healthz")).Problem!.Rule);
    }
}
