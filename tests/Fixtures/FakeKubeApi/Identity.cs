namespace FakeKubeApi;

/// <summary>
/// Who a request is, as the apiserver's authenticators say: a user name and groups. The cluster
/// admin (a client certificate the fake's CA issued, the --token, or anybody when the fake asks
/// for no credentials) may do anything; a ServiceAccount may do what RBAC grants it.
/// </summary>
public sealed record Identity(string? Name, IReadOnlyList<string> Groups, bool Admin)
{
    public static Identity Anyone { get; } = new(null, ["system:masters", "system:authenticated"], Admin: true);

    public static Identity ClusterAdmin(string name) => new(name, ["system:masters", "system:authenticated"], Admin: true);

    public static Identity ServiceAccount(string ns, string name) =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], Admin: false);
}
