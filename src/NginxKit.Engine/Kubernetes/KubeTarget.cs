using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Which cluster to talk to: a kubeconfig file (or the defaults) and a context.</summary>
public sealed record KubeTarget(string? KubeConfig = null, string? Context = null)
{
    /// <summary>
    /// In a pod, the service account comes before $KUBECONFIG and ~/.kube/config: what a container
    /// in the cluster should use, whatever files its image happens to hold.
    /// </summary>
    public bool InClusterFirst { get; init; }
}
