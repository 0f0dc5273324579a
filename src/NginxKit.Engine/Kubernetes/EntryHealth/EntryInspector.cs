using System.Net;
using k8s;
using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Reads a deployed entry into an <see cref="EntrySnapshot"/>: the edge of Test-NginxKitEntry.
/// Only reads (GET and LIST) and, with probing, one GET of /healthz per Ready entry node; never a
/// write. A failure no other read would escape (no server, bad credentials) is thrown; any other
/// (a 403 on one kind) is kept in the snapshot for its check to report.
/// </summary>
public sealed class EntryInspector(KubeConnection connection)
{
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public async Task<EntrySnapshot> ReadAsync(string ns, string name, bool probe, CancellationToken cancellationToken)
    {
        var api = connection.Client;
        var s = new EntrySnapshot(ns, name, DateTimeOffset.UtcNow);

        var (deployment, deploymentError) = await ReadAsync($"Reading Deployment {ns}/{name}", () => api.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        s = s with { Deployment = deployment, DeploymentError = deploymentError };
        var spec = s.Spec;

        var (nodes, nodesError) = await ReadAsync("Listing nodes", () => new NodeLabeler(connection).ListAsync($"{NodeLabeler.RoleLabel}={spec.Role}", cancellationToken)).ConfigureAwait(false);
        var (pods, podsError) = await ReadAsync($"Listing pods in {ns}", () => api.CoreV1.ListNamespacedPodAsync(ns, labelSelector: spec.PodSelector, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var (service, serviceError) = await ReadAsync($"Reading Service {ns}/{name}", () => api.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        s = s with
        {
            Nodes = nodes ?? [], NodesError = nodesError,
            Pods = pods?.Items.ToList() ?? [], PodsError = podsError,
            EntryService = service, EntryServiceError = serviceError,
        };

        var (account, accountError) = await ReadAsync($"Reading ServiceAccount {ns}/{spec.ServiceAccount}", () => api.CoreV1.ReadNamespacedServiceAccountAsync(spec.ServiceAccount, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var (rbac, rbacError) = await ReadAsync("Listing RBAC roles and bindings", () => ReadRbacAsync(spec.WatchNamespaces.Append(ns).Distinct(StringComparer.Ordinal).ToList(), cancellationToken)).ConfigureAwait(false);
        s = s with { ServiceAccountFound = account is not null, Rbac = rbac, RbacError = accountError ?? rbacError };

        var (services, servicesError) = await ReadAsync("Listing Services", () => ListServicesAsync(spec.WatchNamespaces, cancellationToken)).ConfigureAwait(false);
        var (events, eventsError) = await ReadAsync($"Listing events in {ns}", () => api.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"reason={SyncedEvent.Reason},involvedObject.kind=Pod",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        s = s with { Services = services ?? [], ServicesError = servicesError, SyncedEvents = events?.Items.ToList() ?? [], EventsError = eventsError };

        if (probe) s = s with { Probes = await ProbeAsync(s, cancellationToken).ConfigureAwait(false), Now = DateTimeOffset.UtcNow };
        return s;
    }

    // A read that found nothing (404) is null without an error; another refusal is its message; a fatal failure is thrown.
    private static async Task<(T? Value, string? Error)> ReadAsync<T>(string what, Func<Task<T>> read) where T : class
    {
        try
        {
            return (await read().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (KubeErrors.IsApiFailure(ex) && !KubeErrors.IsFatal(ex))
        {
            if (KubeErrors.StatusOf(ex) == 404) return (null, null);
            return (null, KubeErrors.ToProblem(ex, what, null, Diagnostics.ErrorCatalog.KubeApiError).Message);
        }
    }

    private async Task<RbacSnapshot> ReadRbacAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken)
    {
        var rbac = connection.Client.RbacAuthorizationV1;
        var clusterRoles = await rbac.ListClusterRoleAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var clusterBindings = await rbac.ListClusterRoleBindingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var roles = new List<V1Role>();
        var bindings = new List<V1RoleBinding>();
        foreach (var ns in namespaces)
        {
            roles.AddRange((await rbac.ListNamespacedRoleAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items);
            bindings.AddRange((await rbac.ListNamespacedRoleBindingAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items);
        }
        return new RbacSnapshot(clusterRoles.Items.ToList(), clusterBindings.Items.ToList(), roles, bindings);
    }

    private async Task<IReadOnlyList<V1Service>> ListServicesAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken)
    {
        var services = new List<V1Service>();
        foreach (var scope in ClusterRoutes.Scopes(namespaces))
            services.AddRange((await ClusterRoutes.ListServicesAsync(connection, scope, null, cancellationToken).ConfigureAwait(false)).Items);
        return services;
    }

    // GET /healthz on each Ready entry node's InternalIP and the Service's plain NodePort, a few at a time.
    private async Task<IReadOnlyList<ProbeResult>> ProbeAsync(EntrySnapshot s, CancellationToken cancellationToken)
    {
        var port = s.EntryService?.Spec?.Ports?.FirstOrDefault(p => p.Name == "http" && p.NodePort is not null)?.NodePort
            ?? s.EntryService?.Spec?.Ports?.FirstOrDefault(p => p.NodePort is not null)?.NodePort;
        if (port is null) return [];
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = ProbeTimeout }) { Timeout = ProbeTimeout };
        using var gate = new SemaphoreSlim(8);
        var probes = s.Nodes.Where(n => n.Ready).Select(async node =>
        {
            if (node.InternalIP is null || !IPAddress.TryParse(node.InternalIP, out var ip))
                return new ProbeResult(node.Name, node.InternalIP, port.Value, null, "no InternalIP address");
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
                using var response = await http.GetAsync($"http://{host}:{port}{EntryManifest.HealthPath}", cancellationToken).ConfigureAwait(false);
                return new ProbeResult(node.Name, node.InternalIP, port.Value, (int)response.StatusCode, null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = ex is TaskCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ex.InnerException?.Message ?? ex.Message;
                return new ProbeResult(node.Name, node.InternalIP, port.Value, null, why);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(probes).ConfigureAwait(false);
    }
}
