namespace NginxKit.Engine.Kubernetes;

/// <summary>One check of Test-NginxKitEntry: what was checked, the verdict, what was found, and what to do about it.</summary>
public sealed record EntryCheckResult(string Name, EntryCheckStatus Status, string Detail, string? Hint)
{
    public static EntryCheckResult Pass(string name, string detail) => new(name, EntryCheckStatus.Pass, detail, null);

    public static EntryCheckResult Warn(string name, string detail, string? hint) => new(name, EntryCheckStatus.Warn, detail, hint);

    public static EntryCheckResult Fail(string name, string detail, string? hint) => new(name, EntryCheckStatus.Fail, detail, hint);

    public override string ToString() => $"{Name}: {Status}: {Detail}";
}
