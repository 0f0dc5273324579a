using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Commands.Nginx;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Builds the entry's manifests: Namespace, ServiceAccount, RBAC, Deployment and NodePort Service, with TLS from a Secret.</summary>
[Cmdlet(VerbsCommon.New, "NginxKitManifest")]
[OutputType(typeof(object))]
[OutputType(typeof(string))]
public sealed class NewNginxKitManifestCommand : RouteDefaultsCmdlet
{
    private static readonly EntryManifestOptions Defaults = new();

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = Defaults.Namespace;

    /// <summary>Name of the Deployment, Service and ServiceAccount.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = Defaults.Name;

    /// <summary>The image of every container: nginx plus nginxkit-sync, as build.ps1 Image builds it; a registry path for a real cluster.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = Defaults.Image;

    [Parameter]
    public int Replicas { get; set; } = Defaults.Replicas;

    [Parameter]
    public int NodePort { get; set; } = Defaults.NodePort;

    /// <summary>The role label value of the nodes the pods are pinned to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Role { get; set; } = Defaults.Role;

    [Parameter]
    public Hashtable? Annotation { get; set; }

    /// <summary>
    /// Only Services in these namespaces become routes, and the entry gets a Role in each of them
    /// instead of a ClusterRole; by default every namespace. (-Namespace is where the entry itself goes.)
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string[]? WatchNamespace { get; set; }

    /// <summary>The generator routes every Service, not only those that opt in (Sync-NginxConf -ExposeAll).</summary>
    [Parameter]
    public SwitchParameter ExposeAll { get; set; }

    /// <summary>A kubernetes.io/tls Secret in -Namespace: nginx serves it on 8443, the Service on 443.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsSecret { get; set; }

    /// <summary>The NodePort of the Service's port 443, with -TlsSecret.</summary>
    [Parameter]
    public int TlsNodePort { get; set; } = Defaults.TlsNodePort;

    /// <summary>Answer plain HTTP with a redirect to https (the health check excepted); needs -TlsSecret.</summary>
    [Parameter]
    public SwitchParameter RedirectHttp { get; set; }

    /// <summary>The https port the redirect names: where clients reach TLS.</summary>
    [Parameter]
    public int RedirectPort { get; set; } = Defaults.RedirectPort;

    /// <summary>One multi-document YAML string that kubectl apply -f accepts, instead of objects.</summary>
    [Parameter]
    public SwitchParameter AsYaml { get; set; }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in HashtableEntries.AsText(Annotation))
            annotations[key] = value ?? string.Empty;
        var options = new EntryManifestOptions
        {
            Namespace = Namespace,
            Name = Name,
            Image = Image,
            Replicas = Replicas,
            NodePort = NodePort,
            Role = Role,
            Annotations = annotations,
            WatchNamespaces = WatchNamespace ?? [],
            ExposeAll = ExposeAll,
            TlsSecret = TlsSecret,
            TlsNodePort = TlsNodePort,
            RedirectHttp = RedirectHttp,
            RedirectPort = RedirectPort,
            ClientMaxBodySize = ClientMaxBodySize,
            WebSocket = WebSocket,
            ProxyRedirect = ProxyRedirect,
            // Given is given: a 0 is refused, not read as "nginx's default".
            ProxyConnectTimeoutSec = BoundTimeout(nameof(ProxyConnectTimeoutSec), ProxyConnectTimeoutSec),
            ProxyReadTimeoutSec = BoundTimeout(nameof(ProxyReadTimeoutSec), ProxyReadTimeoutSec),
            ProxySendTimeoutSec = BoundTimeout(nameof(ProxySendTimeoutSec), ProxySendTimeoutSec),
        };
        if (EntryManifest.Validate(options) is [var bad, ..])
            ThrowProblem(bad);

        var objects = EntryManifest.Build(options);
        if (AsYaml) WriteObject(EntryManifest.ToYaml(objects));
        else WriteObject(objects, enumerateCollection: true);
        return Task.CompletedTask;
    }
}
