namespace NginxKit.Engine.Kubernetes;

/// <summary>One request to the entry's NodePort on one node: where, and what answered (an HTTP status, or why nothing did).</summary>
public sealed record ProbeResult(string Node, string? Address, int Port, int? StatusCode, string? Error)
{
    public bool Answered => StatusCode == 200;

    public override string ToString() => $"{Node} ({Address ?? "no InternalIP"}:{Port}): {(StatusCode is { } c ? $"HTTP {c}" : Error)}";
}
