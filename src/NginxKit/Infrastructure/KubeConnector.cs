using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

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
