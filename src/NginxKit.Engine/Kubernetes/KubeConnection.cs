using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// An open client for one cluster. The kubeconfig is found the way kubectl finds it: the given
/// file, else every file in $KUBECONFIG (merged), else ~/.kube/config, else the in-cluster
/// service account. Whatever KubernetesClient supports for users works: tokens, client
/// certificates, exec plugins.
/// </summary>
public sealed class KubeConnection : IDisposable
{

    private KubeConnection(IKubernetes client, KubeConnectionInfo info)
    {
        Client = client;
        Info = info;
    }

    internal IKubernetes Client { get; }

    public KubeConnectionInfo Info { get; }

    public static KubeConnection Open(KubeTarget target)
    {
        KubeWatchJson.Register();
        var (config, source, user) = BuildConfiguration(target);
        var auth = config.AccessToken is not null || config.TokenProvider is not null ? "token"
            : config.ClientCertificateData is not null || config.ClientCertificateFilePath is not null ? "client certificate"
            : config.Username is not null ? "basic" : "none";
        // A server URL may carry credentials (https://user:password@host): never shown.
        var info = new KubeConnectionInfo(Text.UserInfo.MaskUrls(config.Host), config.CurrentContext, user, config.Namespace, source, auth);
        return new KubeConnection(new k8s.Kubernetes(config), info);
    }

    /// <summary>The kubeconfig files that apply, in kubectl's order; empty when none exists.</summary>
    public static IReadOnlyList<string> ConfigFiles(string? kubeConfig)
    {
        if (!string.IsNullOrEmpty(kubeConfig)) return [Path.GetFullPath(kubeConfig)];
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env))
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Where(File.Exists).ToList();
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? [home] : [];
    }

    /// <summary>Context names in the kubeconfig, for tab completion; empty when it cannot be read.</summary>
    public static IReadOnlyList<string> ContextNames(string? kubeConfig)
    {
        try
        {
            var files = ConfigFiles(kubeConfig);
            if (files.Count == 0) return [];
            var config = Load(files);
            return config.Contexts?.Select(c => c.Name).Where(n => n is not null).Order(StringComparer.Ordinal).ToList() ?? [];
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or YamlDotNet.Core.YamlException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static (KubernetesClientConfiguration Config, string Source, string? User) BuildConfiguration(KubeTarget target)
    {
        var files = ConfigFiles(target.KubeConfig);
        try
        {
            if (target.KubeConfig is null && target.InClusterFirst && KubernetesClientConfiguration.IsInCluster())
                return (KubernetesClientConfiguration.InClusterConfig(), "in-cluster service account", "service account");
            if (target.KubeConfig is not null && !File.Exists(files[0]))
                throw Missing($"The kubeconfig '{files[0]}' does not exist.");
            if (files.Count > 0)
            {
                var merged = Load(files);
                var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, target.Context);
                var user = merged.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext)?.ContextDetails?.User;
                return (config, string.Join(Path.PathSeparator, files), user);
            }
            if (KubernetesClientConfiguration.IsInCluster())
            {
                if (target.Context is not null)
                    throw Missing($"There is no kubeconfig to take context '{target.Context}' from; in a pod only the service account applies.");
                return (KubernetesClientConfiguration.InClusterConfig(), "in-cluster service account", "service account");
            }
            throw Missing("No kubeconfig was found: give -KubeConfig, set $env:KUBECONFIG, create ~/.kube/config, or run in a pod.");
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw ErrorCatalog.KubeConfigInvalid.Exception($"The kubeconfig cannot be used: {Text.UserInfo.MaskUrls(ex.Message)}", target.KubeConfig, inner: ex);
        }
    }

    // kubectl's merge of $KUBECONFIG: the first file to name a cluster, user or context wins.
    internal static K8SConfiguration Load(IReadOnlyList<string> files) => WithoutEmptyUsers(Merge(files));

    // kubectl talks to a cluster without credentials when the user entry is empty; KubernetesClient
    // refuses such a user outright. Leaving the user out of the context gives kubectl's behaviour.
    private static K8SConfiguration WithoutEmptyUsers(K8SConfiguration config)
    {
        var empty = (config.Users ?? []).Where(u => u.UserCredentials is null || IsEmpty(u.UserCredentials)).Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var context in config.Contexts ?? [])
            if (context.ContextDetails?.User is { } user && empty.Contains(user)) context.ContextDetails.User = null;
        return config;
    }

    private static bool IsEmpty(UserCredentials u) =>
        string.IsNullOrEmpty(u.Token) && string.IsNullOrEmpty(u.ClientCertificateData) && string.IsNullOrEmpty(u.ClientCertificate)
        && string.IsNullOrEmpty(u.ClientKeyData) && string.IsNullOrEmpty(u.ClientKey) && string.IsNullOrEmpty(u.UserName)
        && string.IsNullOrEmpty(u.Password) && u.ExternalExecution is null && u.AuthProvider is null;

    private static K8SConfiguration Merge(IReadOnlyList<string> files)
    {
        var first = LoadResolved(files[0]);
        foreach (var file in files.Skip(1))
        {
            var next = LoadResolved(file);
            first.CurrentContext ??= next.CurrentContext;
            first.Clusters = Merge(first.Clusters, next.Clusters, c => c.Name);
            first.Users = Merge(first.Users, next.Users, u => u.Name);
            first.Contexts = Merge(first.Contexts, next.Contexts, c => c.Name);
        }
        return first;
    }

    // A relative path in a kubeconfig is relative to that file, as kubectl reads it. KubernetesClient
    // resolves against one file name only, which after a merge is the first file's; and it runs a
    // relative exec command from the working directory. Every file's paths are made absolute here.
    private static K8SConfiguration LoadResolved(string file)
    {
        var config = KubeConfigReader.Read(File.ReadAllText(file), file);
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        string? Resolve(string? path) => string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(path, directory);

        foreach (var cluster in config.Clusters ?? [])
            if (cluster.ClusterEndpoint is { } endpoint) endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority);
        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials is not { } credentials) continue;
            credentials.ClientCertificate = Resolve(credentials.ClientCertificate);
            credentials.ClientKey = Resolve(credentials.ClientKey);
            // kubectl looks a bare command name up in PATH, and resolves one with a slash against the file.
            if (credentials.ExternalExecution is { Command: { } command } exec && command.Contains('/'))
                exec.Command = Resolve(command);
        }
        return config;
    }

    private static List<T> Merge<T>(IEnumerable<T>? a, IEnumerable<T>? b, Func<T, string> name)
    {
        var merged = (a ?? []).ToList();
        var seen = merged.Select(name).ToHashSet(StringComparer.Ordinal);
        merged.AddRange((b ?? []).Where(x => seen.Add(name(x))));
        return merged;
    }

    private static NginxKitException Missing(string message) =>
        new(ErrorCatalog.KubeConfigNotFound.Problem(message, null));

    public void Dispose() => Client.Dispose();
}
