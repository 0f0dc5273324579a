using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Which cluster to talk to: a kubeconfig file (or the defaults) and a context.</summary>
public sealed record KubeTarget(string? KubeConfig = null, string? Context = null);
