namespace NginxKit.Engine.Kubernetes;

/// <summary>The pod a sidecar runs in, as the downward API gives it (POD_NAME, POD_NAMESPACE, POD_UID).</summary>
public sealed record PodIdentity(string Name, string Namespace, string? Uid)
{
    public const string NameVariable = "POD_NAME";
    public const string NamespaceVariable = "POD_NAMESPACE";
    public const string UidVariable = "POD_UID";

    /// <summary>The pod from the environment; null outside a pod (or when a value is not a DNS name).</summary>
    public static PodIdentity? FromEnvironment(Func<string, string?> get)
    {
        var name = get(NameVariable);
        var ns = get(NamespaceVariable);
        var uid = get(UidVariable);
        if (name is null || ns is null || !IsName(name, 253) || Nginx.RouteRules.CheckDnsLabel(ns) is not null) return null;
        return new PodIdentity(name, ns, uid is not null && IsName(uid, 64) ? uid : null);
    }

    private static bool IsName(string s, int max) => s.Length is > 0 and <= 253 && s.Length <= max && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');
}
