using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Reads a kubeconfig file into KubernetesClient's model, key by key as client-go names them
/// (clientcmd/api/v1). No reflection: KubernetesClient's own loader orders members by metadata
/// token, which a NativeAOT program (nginxkit-sync) does not have, and YamlDotNet's object
/// deserializer builds its collections by reflection. Unknown keys are ignored, as kubectl does.
/// </summary>
public static class KubeConfigReader
{
    public static K8SConfiguration Read(string text, string fileName)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text)) stream.Load(reader);
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        var config = new K8SConfiguration { FileName = fileName };
        if (root is null || root is YamlScalarNode { Value: null or "" or "~" or "null" }) return config;
        var map = Map(root, "the kubeconfig");
        config.ApiVersion = Text(map, "apiVersion");
        config.Kind = Text(map, "kind");
        config.CurrentContext = Text(map, "current-context");
        config.Clusters = Named(map, "clusters", "cluster", (name, m) => new Cluster { Name = name, ClusterEndpoint = m is null ? null : Endpoint(m) });
        config.Users = Named(map, "users", "user", (name, m) => new User { Name = name, UserCredentials = m is null ? null : Credentials(m) });
        config.Contexts = Named(map, "contexts", "context", (name, m) => new Context
        {
            Name = name,
            ContextDetails = m is null ? null : new ContextDetails { Cluster = Text(m, "cluster"), User = Text(m, "user"), Namespace = Text(m, "namespace") },
        });
        return config;
    }

    private static ClusterEndpoint Endpoint(YamlMappingNode m) => new()
    {
        Server = Text(m, "server"),
        TlsServerName = Text(m, "tls-server-name"),
        SkipTlsVerify = Bool(m, "insecure-skip-tls-verify"),
        CertificateAuthority = Text(m, "certificate-authority"),
        CertificateAuthorityData = Text(m, "certificate-authority-data"),
    };

    private static UserCredentials Credentials(YamlMappingNode m)
    {
        var credentials = new UserCredentials
        {
            ClientCertificate = Text(m, "client-certificate"),
            ClientCertificateData = Text(m, "client-certificate-data"),
            ClientKey = Text(m, "client-key"),
            ClientKeyData = Text(m, "client-key-data"),
            Token = Text(m, "token"),
            Impersonate = Text(m, "as"),
            ImpersonateGroups = Strings(m, "as-groups"),
            UserName = Text(m, "username"),
            Password = Text(m, "password"),
        };
        if (Child(m, "auth-provider") is YamlMappingNode provider)
            credentials.AuthProvider = new AuthProvider { Name = Text(provider, "name"), Config = StringMap(provider, "config") };
        if (Child(m, "exec") is YamlMappingNode exec)
        {
            credentials.ExternalExecution = new ExternalExecution
            {
                ApiVersion = Text(exec, "apiVersion"),
                Command = Text(exec, "command"),
                Arguments = Strings(exec, "args")?.ToList(),
                InstallHint = Text(exec, "installHint"),
                ProvideClusterInfo = Bool(exec, "provideClusterInfo"),
                EnvironmentVariables = Child(exec, "env") is YamlSequenceNode env
                    ? env.Children.Select(e => Map(e, "exec env")).Select(e => new Dictionary<string, string>
                    {
                        ["name"] = Text(e, "name") ?? "",
                        ["value"] = Text(e, "value") ?? "",
                    }).ToList()
                    : null,
            };
        }
        return credentials;
    }

    // clusters, users and contexts: lists of {name, <inner>}.
    private static List<T> Named<T>(YamlMappingNode map, string key, string inner, Func<string?, YamlMappingNode?, T> make)
    {
        if (Child(map, key) is not { } node || node is YamlScalarNode { Value: null or "" or "~" or "null" }) return [];
        if (node is not YamlSequenceNode list) throw Bad($"'{key}' must be a list");
        return list.Children.Select(item =>
        {
            var entry = Map(item, $"an entry of '{key}'");
            var body = Child(entry, inner);
            return make(Text(entry, "name"), body is null || body is YamlScalarNode { Value: null or "" or "~" or "null" } ? null : Map(body, $"'{inner}' of an entry of '{key}'"));
        }).ToList();
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static YamlMappingNode Map(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Bad($"{what} must be a mapping");

    private static string? Text(YamlMappingNode map, string key) => Child(map, key) switch
    {
        null => null,
        YamlScalarNode s => s.Style is YamlDotNet.Core.ScalarStyle.Plain && s.Value is "~" or "null" ? null : s.Value,
        _ => throw Bad($"'{key}' must be a single value"),
    };

    private static bool Bool(YamlMappingNode map, string key) => Text(map, key) switch
    {
        null or "" or "false" or "False" or "FALSE" => false,
        "true" or "True" or "TRUE" => true,
        var other => throw Bad($"'{key}' must be true or false, not '{other}'"),
    };

    private static IEnumerable<string>? Strings(YamlMappingNode map, string key) => Child(map, key) switch
    {
        null => null,
        YamlSequenceNode list => list.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw Bad($"'{key}' must be a list of values")).ToList(),
        _ => throw Bad($"'{key}' must be a list"),
    };

    private static Dictionary<string, string>? StringMap(YamlMappingNode map, string key) => Child(map, key) switch
    {
        null => null,
        YamlMappingNode m => m.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => (p.Value as YamlScalarNode)?.Value ?? ""),
        _ => throw Bad($"'{key}' must be a mapping"),
    };

    private static KubeConfigException Bad(string message) => new(message);
}
