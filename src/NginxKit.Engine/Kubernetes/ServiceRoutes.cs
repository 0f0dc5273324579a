using NginxKit.Engine.Text;
using System.Globalization;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Turns Services into routes. The annotations (all optional):
///   nginxkit.io/path          the path prefix; without it, /&lt;service-name&gt;
///   nginxkit.io/port          the Service port to use, by name or number; without it, the only port
///   nginxkit.io/strip-prefix  "false" passes the path on unchanged
///   nginxkit.io/server-name   the server_name the route belongs to
///   nginxkit.io/expose        "false" leaves the Service out
///   nginxkit.io/websocket, nginxkit.io/client-max-body-size, nginxkit.io/proxy-read-timeout,
///   nginxkit.io/proxy-send-timeout, nginxkit.io/proxy-redirect   the route's own settings (RouteSettings)
/// Services without a ClusterIP (headless, ExternalName) and the API server's own "kubernetes"
/// Service are skipped.
/// </summary>
public static class ServiceRoutes
{
    public const string AnnotationPrefix = "nginxkit.io/";
    public const string PathAnnotation = AnnotationPrefix + "path";
    public const string PortAnnotation = AnnotationPrefix + "port";
    public const string StripPrefixAnnotation = AnnotationPrefix + "strip-prefix";
    public const string ServerNameAnnotation = AnnotationPrefix + "server-name";
    public const string ExposeAnnotation = AnnotationPrefix + "expose";
    public const string WebSocketAnnotation = AnnotationPrefix + "websocket";
    public const string ClientMaxBodySizeAnnotation = AnnotationPrefix + "client-max-body-size";
    public const string ProxyReadTimeoutAnnotation = AnnotationPrefix + "proxy-read-timeout";
    public const string ProxySendTimeoutAnnotation = AnnotationPrefix + "proxy-send-timeout";
    public const string ProxyRedirectAnnotation = AnnotationPrefix + "proxy-redirect";

    public static ServiceRouteResult FromService(V1Service service)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        var name = service.Metadata?.Name ?? string.Empty;
        var annotations = service.Metadata?.Annotations ?? new Dictionary<string, string>();
        var labels = service.Metadata?.Labels ?? new Dictionary<string, string>();
        ServiceRouteResult Skip(string why) => new(ns, name, null, null, why);
        ServiceRouteResult Fail(ErrorKind kind, string message, string rule) =>
            new(ns, name, null, kind.Problem($"Service {Printable.Escape(ns)}/{Printable.Escape(name)}: {message}", $"{ns}/{name}", rule), null);

        if (annotations.TryGetValue(ExposeAnnotation, out var expose))
        {
            var flag = ParseBool(expose);
            if (flag is null) return Fail(ErrorCatalog.InvalidAnnotation, $"{ExposeAnnotation} must be \"true\" or \"false\".", "AnnotationBoolean");
            if (flag == false) return Skip($"{ExposeAnnotation} is \"false\"");
        }
        if (labels.TryGetValue("component", out var component) && component == "apiserver"
            && labels.TryGetValue("provider", out var provider) && provider == "kubernetes")
            return Skip("it is the API server's own Service");

        var spec = service.Spec;
        if (spec is null) return Skip("it has no spec");
        if (string.Equals(spec.Type, "ExternalName", StringComparison.Ordinal))
            return Skip("it is an ExternalName Service, with no ClusterIP to proxy to");
        if (string.IsNullOrEmpty(spec.ClusterIP) || string.Equals(spec.ClusterIP, "None", StringComparison.Ordinal))
            return Skip("it is headless (no ClusterIP)");

        var ports = spec.Ports ?? [];
        V1ServicePort? port;
        if (annotations.TryGetValue(PortAnnotation, out var wanted))
        {
            port = int.TryParse(wanted, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? ports.FirstOrDefault(p => p.Port == number)
                : ports.FirstOrDefault(p => string.Equals(p.Name, wanted, StringComparison.Ordinal));
            if (port is null)
                return Fail(ErrorCatalog.ServicePortNotFound, $"{PortAnnotation} names port '{Printable.Escape(wanted)}', which the Service does not have.", "PortAnnotationUnknown");
        }
        else if (ports.Count == 1)
        {
            port = ports[0];
        }
        else
        {
            return Fail(ErrorCatalog.AmbiguousServicePort, ports.Count == 0 ? "it has no ports." : $"it has {ports.Count} ports; name one with the {PortAnnotation} annotation.", "PortAmbiguous");
        }

        bool strip = true;
        if (annotations.TryGetValue(StripPrefixAnnotation, out var stripText))
        {
            var flag = ParseBool(stripText);
            if (flag is null) return Fail(ErrorCatalog.InvalidAnnotation, $"{StripPrefixAnnotation} must be \"true\" or \"false\".", "AnnotationBoolean");
            strip = flag.Value;
        }

        var flags = new bool?[2];
        foreach (var (i, key) in new[] { (0, WebSocketAnnotation), (1, ProxyRedirectAnnotation) })
        {
            if (!annotations.TryGetValue(key, out var text)) continue;
            if ((flags[i] = ParseBool(text)) is null) return Fail(ErrorCatalog.InvalidAnnotation, $"{key} must be \"true\" or \"false\".", "AnnotationBoolean");
        }
        string? Annotation(string key) => annotations.TryGetValue(key, out var value) ? value : null;
        var settings = new RouteSettings
        {
            WebSocket = flags[0],
            ProxyRedirect = flags[1],
            // Checked with the route, by the same rules as a route's own properties.
            ClientMaxBodySize = Annotation(ClientMaxBodySizeAnnotation),
            ProxyReadTimeout = Annotation(ProxyReadTimeoutAnnotation),
            ProxySendTimeout = Annotation(ProxySendTimeoutAnnotation),
        };

        var path = annotations.TryGetValue(PathAnnotation, out var annotated) ? annotated : "/" + name;
        annotations.TryGetValue(ServerNameAnnotation, out var serverName);
        var route = new Route(path, spec.ClusterIP, port.Port)
        {
            Service = name,
            Namespace = ns,
            StripPrefix = strip,
            ServerName = serverName,
            Settings = settings.IsEmpty ? null : settings,
        };
        return new ServiceRouteResult(ns, name, route, null, null);
    }

    private static bool? ParseBool(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };
}
