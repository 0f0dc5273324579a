using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What a connection points at, safe to print: never a token or a key.</summary>
public sealed record KubeConnectionInfo(string Server, string? Context, string? User, string? Namespace, string Source, string AuthKind);
