namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// How a served route table differs from the one the Services give now. With both tables known,
/// the routes themselves, each list cut to <see cref="ServedRouteTable.MaxNamed"/>; with only the
/// served table's hash (a table too large to record), only the counts.
/// </summary>
public sealed record RouteTableDifference(
    int ServedCount,
    int WantedCount,
    bool Known,
    int MissingCount,
    int ExtraCount,
    int ChangedCount,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Extra,
    IReadOnlyList<string> Changed)
{
    public bool InSync => Known ? MissingCount + ExtraCount + ChangedCount == 0 : false;

    /// <summary>The difference in words, bounded whatever the table's size.</summary>
    public string Describe()
    {
        if (!Known)
            return $"the pod serves {ServedCount} routes, the Services give {WantedCount} now, and the tables differ (the pod's table was too large to record route by route)";
        var parts = new List<string>();
        if (MissingCount > 0) parts.Add($"{MissingCount} not served{List(Missing, MissingCount)}");
        if (ExtraCount > 0) parts.Add($"{ExtraCount} served but gone from the Services{List(Extra, ExtraCount)}");
        if (ChangedCount > 0) parts.Add($"{ChangedCount} going elsewhere{List(Changed, ChangedCount)}");
        return string.Join("; ", parts);
    }

    private static string List(IReadOnlyList<string> names, int count) =>
        names.Count == 0 ? "" : $": {string.Join(", ", names)}{(count > names.Count ? $" and {count - names.Count} more" : "")}";
}
