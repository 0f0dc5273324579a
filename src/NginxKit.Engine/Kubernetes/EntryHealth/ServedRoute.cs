namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// One route as nginx serves it: where (server name and location, <c>_/web/</c>), whose Service
/// (<c>namespace/name</c>) and the proxy_pass it goes to. What the sidecar records and the entry check compares.
/// </summary>
public sealed record ServedRoute(string Place, string Service, string Backend)
{
    public override string ToString() => $"{Place} -> {Service} ({Backend})";
}
