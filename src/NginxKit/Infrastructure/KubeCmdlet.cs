using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

/// <summary>
/// Base for cmdlets that talk to a cluster: -KubeConfig and -Context, falling back to the
/// session default that Connect-NginxKitCluster sets, then to kubectl's own defaults.
/// </summary>
public abstract class KubeCmdlet : AsyncCmdlet
{
    private readonly KubeConnector cluster;

    protected KubeCmdlet() => cluster = new KubeConnector(this);

    /// <summary>A kubeconfig file; by default $env:KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    /// <summary>The connection for this invocation, opened on first use.</summary>
    protected KubeConnection Connection => cluster.Get(KubeConfig, Context);

    protected override void Dispose(bool disposing)
    {
        if (disposing) cluster.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Reports an API failure for one item and goes on, unless no other item could succeed either
    /// (no server, bad credentials): then the whole command stops.
    /// </summary>
    protected void WriteApiFailure(Exception exception, string what, object? target, string notFoundId)
    {
        var problem = KubeErrors.ToProblem(exception, what, target, notFoundId);
        if (KubeErrors.IsFatal(exception))
            ThrowTerminatingError(ErrorRecords.From(problem, exception));
        WriteProblem(problem, exception);
    }
}

/// <summary>Opens one cluster connection per command, on first use, and says which cluster it is (never the credentials).</summary>
internal sealed class KubeConnector(PSCmdlet cmdlet) : IDisposable
{
    private KubeConnection? connection;

    public KubeConnection Get(string? kubeConfig, string? context)
    {
        if (connection is null)
        {
            connection = KubeConnection.Open(KubeSessionDefaults.Resolve(cmdlet, kubeConfig, context));
            var info = connection.Info;
            cmdlet.WriteVerbose($"Cluster {info.Server} (context {info.Context ?? "<none>"}, auth {info.AuthKind}, from {info.Source}).");
        }
        return connection;
    }

    public void Dispose()
    {
        connection?.Dispose();
        connection = null;
    }
}

/// <summary>The session's default cluster, per runspace, as Connect-NginxKitCluster sets it.</summary>
internal static class KubeSessionDefaults
{
    private static readonly ConcurrentDictionary<Guid, KubeTarget> Defaults = new();

    private static Guid Key => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    public static void Set(KubeTarget target) => Defaults[Key] = target;

    public static KubeTarget? Current => Defaults.TryGetValue(Key, out var t) ? t : null;

    /// <summary>Parameters win; what they leave open comes from the session default.</summary>
    public static KubeTarget Resolve(PSCmdlet cmdlet, string? kubeConfig, string? context)
    {
        var session = Current;
        var path = kubeConfig is not null ? cmdlet.GetUnresolvedProviderPathFromPSPath(kubeConfig) : session?.KubeConfig;
        return new KubeTarget(path, context ?? (kubeConfig is null ? session?.Context : null));
    }
}
