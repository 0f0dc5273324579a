namespace NginxKit.Engine.Sync;

/// <summary>A Service's place in the watch's index: by namespace, then name, as discovery orders Services.</summary>
internal readonly record struct ServiceKey(string Namespace, string Name) : IComparable<ServiceKey>
{
    public int CompareTo(ServiceKey other)
    {
        var byNamespace = string.CompareOrdinal(Namespace, other.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(Name, other.Name);
    }
}
