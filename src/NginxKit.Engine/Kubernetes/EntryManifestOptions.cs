using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>The knobs of the entry deployment. Defaults are the ones the docs describe.</summary>
public sealed record EntryManifestOptions
{
    public string Namespace { get; init; } = "nginx-entry";
    public string Name { get; init; } = "nginx-entry";

    /// <summary>
    /// The one image every container runs: nginx plus nginxkit-sync (src/Container/Dockerfile),
    /// by default the tag build.ps1 Image gives it; a registry path for a real cluster.
    /// </summary>
    public string Image { get; init; } = EntryManifest.DefaultImage;

    public int Replicas { get; init; } = 2;

    /// <summary>The NodePort. Kubernetes' default --service-node-port-range is 30000-32767; another port needs a cluster whose range holds it.</summary>
    public int NodePort { get; init; } = EntryManifest.DefaultNodePort;

    /// <summary>Value of the role label that pins pods to entry nodes.</summary>
    public string Role { get; init; } = NodeLabeler.DefaultRole;

    /// <summary>Annotations for every object (and the pod template).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Only Services in these namespaces become routes, with a Role in each instead of a ClusterRole; empty means every namespace.</summary>
    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    /// <summary>Every Service becomes a route, not only those that opt in (the generator's -ExposeAll).</summary>
    public bool ExposeAll { get; init; }

    /// <summary>
    /// A kubernetes.io/tls Secret in <see cref="Namespace"/>: mounted into nginx and the sidecar,
    /// served on <see cref="EntryManifest.HttpsPort"/>, and exposed on the Service's port 443.
    /// </summary>
    public string? TlsSecret { get; init; }

    /// <summary>The NodePort of the Service's port 443, with <see cref="TlsSecret"/>.</summary>
    public int TlsNodePort { get; init; } = EntryManifest.DefaultTlsNodePort;

    /// <summary>Plain HTTP is answered with a redirect to https (needs <see cref="TlsSecret"/>).</summary>
    public bool RedirectHttp { get; init; }

    /// <summary>The https port the redirect names: where clients reach TLS (the Service's 443 behind a load balancer, or the TLS NodePort).</summary>
    public int RedirectPort { get; init; } = 443;

    // The generator's rendering settings, passed to nginxkit-sync as they are to Sync-NginxConf.
    public string? ClientMaxBodySize { get; init; }
    public bool WebSocket { get; init; }
    public bool ProxyRedirect { get; init; }
    public int? ProxyConnectTimeoutSec { get; init; }
    public int? ProxyReadTimeoutSec { get; init; }
    public int? ProxySendTimeoutSec { get; init; }
}
