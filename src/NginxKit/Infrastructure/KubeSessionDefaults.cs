using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

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
