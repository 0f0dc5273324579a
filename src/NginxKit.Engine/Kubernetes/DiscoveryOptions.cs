namespace NginxKit.Engine.Kubernetes;

/// <summary>Which Services route discovery reads, and which of them become routes.</summary>
public sealed record DiscoveryOptions
{
    /// <summary>The namespaces to read, checked by <see cref="NamespaceScope.Parse"/>; empty means every namespace.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>A label selector, as kubectl takes it.</summary>
    public string? Selector { get; init; }

    /// <summary>Every Service gets the route /&lt;service-name&gt;, not only those that opt in (the system namespaces and the entry still need an annotation).</summary>
    public bool ExposeAll { get; init; }
}
