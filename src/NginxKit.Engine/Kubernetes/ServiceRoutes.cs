using NginxKit.Engine.Text;
using System.Globalization;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Turns Services into routes. A Service becomes a route only when it opts in, with
/// nginxkit.io/path or nginxkit.io/expose: "true"; exposeAll gives every other Service the route
/// /&lt;service-name&gt;, except the system namespaces, the API server's own Service and the entry's
/// own Services, which only an annotation exposes. The annotations (all optional):
///   nginxkit.io/path              the path prefix; without it, /&lt;service-name&gt;
///   nginxkit.io/port              the Service port to use, by name or number; without it, the only port
///   nginxkit.io/strip-prefix      "false" passes the path on unchanged
///   nginxkit.io/server-name       the server_name the route belongs to
///   nginxkit.io/expose            "true" opts in; "false" leaves the Service out, even with a path
///   nginxkit.io/backend-protocol  "http" or "https"; without it, https for a port that speaks TLS
///   nginxkit.io/websocket, nginxkit.io/client-max-body-size, nginxkit.io/proxy-read-timeout,
///   nginxkit.io/proxy-send-timeout, nginxkit.io/proxy-redirect   the route's own settings (RouteSettings)
/// Services without a ClusterIP (headless, ExternalName) are skipped.
/// </summary>
public static class ServiceRoutes
{
    public const string AnnotationPrefix = "nginxkit.io/";
    public const string PathAnnotation = AnnotationPrefix + "path";
    public const string PortAnnotation = AnnotationPrefix + "port";
    public const string StripPrefixAnnotation = AnnotationPrefix + "strip-prefix";
    public const string ServerNameAnnotation = AnnotationPrefix + "server-name";
    public const string ExposeAnnotation = AnnotationPrefix + "expose";
    public const string BackendProtocolAnnotation = AnnotationPrefix + "backend-protocol";
    public const string WebSocketAnnotation = AnnotationPrefix + "websocket";
    public const string ClientMaxBodySizeAnnotation = AnnotationPrefix + "client-max-body-size";
    public const string ProxyReadTimeoutAnnotation = AnnotationPrefix + "proxy-read-timeout";
    public const string ProxySendTimeoutAnnotation = AnnotationPrefix + "proxy-send-timeout";
    public const string ProxyRedirectAnnotation = AnnotationPrefix + "proxy-redirect";

    /// <summary>The label the entry's own objects carry; a Service with it is never routed unless annotated.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "nginxkit";

    /// <summary>Namespaces of the cluster's own components: never routed unless annotated.</summary>
    public static readonly IReadOnlySet<string> SystemNamespaces = new HashSet<string>(StringComparer.Ordinal) { "kube-system", "kube-public", "kube-node-lease" };

    public static ServiceRouteResult FromService(V1Service service, bool exposeAll = false)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        var name = service.Metadata?.Name ?? string.Empty;
        var annotations = service.Metadata?.Annotations ?? new Dictionary<string, string>();
        var labels = service.Metadata?.Labels ?? new Dictionary<string, string>();
        ServiceRouteResult Fail(ErrorKind kind, string message, string rule) =>
            new(ns, name, null, kind.Problem($"Service {Printable.Escape(ns)}/{Printable.Escape(name)}: {message}", $"{ns}/{name}", rule), null);

        bool? expose = null;
        if (annotations.TryGetValue(ExposeAnnotation, out var exposeText))
        {
            expose = ParseBool(exposeText);
            if (expose is null) return Fail(ErrorCatalog.InvalidAnnotation, $"{ExposeAnnotation} must be \"true\" or \"false\".", "AnnotationBoolean");
        }
        var optedIn = expose == true || (expose is null && annotations.ContainsKey(PathAnnotation));
        ServiceRouteResult Skip(string why) => new(ns, name, null, null, why) { OptedIn = optedIn };

        if (expose == false) return Skip($"{ExposeAnnotation} is \"false\"");
        if (!optedIn)
        {
            // Only an annotation exposes these, even under exposeAll.
            if (SystemNamespaces.Contains(ns)) return Skip($"it is in the system namespace {ns} and does not opt in with an annotation");
            if (IsApiServer(ns, name, labels)) return Skip("it is the API server's own Service and does not opt in with an annotation");
            if (labels.TryGetValue(ManagedByLabel, out var manager) && manager == ManagedByValue)
                return Skip($"it is the entry's own Service ({ManagedByLabel}: {ManagedByValue}) and does not opt in with an annotation");
            if (!exposeAll) return Skip($"it does not opt in: give it {PathAnnotation}, or {ExposeAnnotation}: \"true\"");
        }

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

        string? protocol = SpeaksTls(port) ? RouteRules.Https : null;
        if (annotations.TryGetValue(BackendProtocolAnnotation, out var protocolText))
        {
            protocol = RouteRules.BackendProtocolOf(protocolText?.Trim());
            if (protocol is null)
                return Fail(ErrorCatalog.InvalidBackendProtocol, $"{BackendProtocolAnnotation} is '{Printable.Escape(protocolText)}'; it must be \"http\" or \"https\".", "BackendProtocolUnknown");
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
            BackendProtocol = protocol == RouteRules.Https ? protocol : null,
            Created = CreatedOf(service),
            Settings = settings.IsEmpty ? null : settings,
        };
        return new ServiceRouteResult(ns, name, route, null, null) { OptedIn = optedIn };
    }

    /// <summary>
    /// A port that speaks TLS, so that nginx must not send it plain HTTP: appProtocol https (or
    /// kubernetes.io/wss), else a name of https or https-*, else the number 443. An appProtocol that
    /// names another protocol is the Service owner's word and wins over the name and the number.
    /// </summary>
    public static bool SpeaksTls(V1ServicePort port)
    {
        if (!string.IsNullOrEmpty(port.AppProtocol))
            return port.AppProtocol.Equals("https", StringComparison.OrdinalIgnoreCase) || port.AppProtocol.Equals("kubernetes.io/wss", StringComparison.OrdinalIgnoreCase);
        if (port.Name is { } portName && (portName == "https" || portName.StartsWith("https-", StringComparison.Ordinal))) return true;
        return port.Port == 443;
    }

    private static bool IsApiServer(string ns, string name, IDictionary<string, string> labels) =>
        (ns == "default" && name == "kubernetes")
        || (labels.TryGetValue("component", out var component) && component == "apiserver"
            && labels.TryGetValue("provider", out var provider) && provider == "kubernetes");

    // KubernetesClient reads RFC 3339 times into a DateTime; a time without a zone is the API's UTC.
    private static DateTimeOffset? CreatedOf(V1Service service) => service.Metadata?.CreationTimestamp switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        var time => new DateTimeOffset(DateTime.SpecifyKind(time.Value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static bool? ParseBool(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };
}
