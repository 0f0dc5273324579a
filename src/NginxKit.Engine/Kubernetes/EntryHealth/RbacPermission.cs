namespace NginxKit.Engine.Kubernetes;

/// <summary>One thing the sidecar must be allowed: a verb on a core resource, in a namespace or (null) in every namespace.</summary>
public sealed record RbacPermission(string Verb, string Resource, string? Namespace)
{
    public override string ToString() => $"{Verb} {Resource} {(Namespace is null ? "in every namespace" : $"in {Namespace}")}";
}
