namespace NginxKit.Engine.Kubernetes;

/// <summary>The first hopeless state among a rollout's pods, with what it takes to explain it.</summary>
public sealed record PodFailure(PodFailureKind Kind, string Namespace, string Pod, string? Container, bool InitContainer,
    string Reason, string? Message, string? Image, string? PullPolicy, int Restarts);
