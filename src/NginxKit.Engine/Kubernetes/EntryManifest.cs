using NginxKit.Engine.Text;
using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Builds the entry's objects: Namespace, ServiceAccount, the least RBAC the sidecar needs (list
/// and watch Services, create the Events that tell a Service's owner its path is taken), the
/// Deployment and its NodePort Service. Pure: no cluster needed. Watching every namespace takes a
/// ClusterRole; watching a list of namespaces takes a Role and a RoleBinding in each, and nothing
/// cluster-wide.
/// </summary>
public static class EntryManifest
{
    public const string ConfDir = "/etc/nginx/conf.d";
    public const string RunDir = "/var/run";
    public const string SidecarRunDir = "/run/nginx";
    public const string PwshPath = "/usr/bin/pwsh";
    public const string NginxPath = "/usr/sbin/nginx";

    public static IReadOnlyList<Problem> Validate(EntryManifestOptions o)
    {
        var problems = new List<Problem>();
        void Check(bool ok, string what, object? value) =>
            _ = ok ? 0 : Add(problems, $"{what} is not valid: {Printable.Escape(value?.ToString())}.", value);
        Check(Nginx.RouteRules.CheckDnsLabel(o.Namespace) is null, "Namespace", o.Namespace);
        Check(Nginx.RouteRules.CheckDnsLabel(o.Name) is null, "Name", o.Name);
        foreach (var watched in o.WatchNamespaces)
            Check(Nginx.RouteRules.CheckDnsLabel(watched) is null, "WatchNamespace", watched);
        Check(IsImage(o.NginxImage), "NginxImage", o.NginxImage);
        Check(IsImage(o.GeneratorImage), "GeneratorImage", o.GeneratorImage);
        Check(o.Replicas is >= 0 and <= 1000, "Replicas", o.Replicas);
        Check(o.NodePort is >= 1 and <= 65535, "NodePort", o.NodePort);
        Check(LabelRules.CheckValue(o.Role) is null && o.Role.Length > 0, "Role", o.Role);
        foreach (var key in o.Annotations.Keys)
            Check(LabelRules.CheckKey(key) is null, "Annotation key", key);
        return problems;
    }

    private static int Add(List<Problem> problems, string message, object? target)
    {
        problems.Add(ErrorCatalog.InvalidManifestOption.Problem(message, target));
        return 0;
    }

    // Image references: registry/path:tag@digest, none of it able to break a YAML scalar or a shell.
    private static bool IsImage(string image) =>
        image.Length is > 0 and <= 512 && image.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or ':' or '@')
        && char.IsAsciiLetterOrDigit(image[0]);

    public static IReadOnlyList<object> Build(EntryManifestOptions o)
    {
        o = o with { WatchNamespaces = o.WatchNamespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() };
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = o.Name,
            ["app.kubernetes.io/managed-by"] = "nginxkit",
        };
        var selector = new Dictionary<string, string> { ["app.kubernetes.io/name"] = o.Name };
        V1ObjectMeta Meta(string name, bool namespaced = true) => new()
        {
            Name = name,
            NamespaceProperty = namespaced ? o.Namespace : null,
            Labels = new Dictionary<string, string>(labels),
            Annotations = o.Annotations.Count == 0 ? null : new Dictionary<string, string>(o.Annotations),
        };
        var syncArgs = $"-OutFile {ConfDir}/default.conf -Listen 80"
            + (o.WatchNamespaces.Count == 0 ? "" : $" -Namespace {string.Join(',', o.WatchNamespaces)}")
            + (o.ExposeAll ? " -ExposeAll" : "");
        var watchName = $"{o.Name}-watch-services";

        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(o.Name),
            Spec = new V1DeploymentSpec
            {
                Replicas = o.Replicas,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 1, MaxSurge = 0 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = new Dictionary<string, string>(labels),
                        Annotations = o.Annotations.Count == 0 ? null : new Dictionary<string, string>(o.Annotations),
                    },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = o.Name,
                        NodeSelector = new Dictionary<string, string> { [NodeLabeler.RoleLabel] = o.Role },
                        // The sidecar signals the nginx master by the PID in its pidfile.
                        ShareProcessNamespace = true,
                        InitContainers =
                        [
                            new V1Container
                            {
                                Name = "render",
                                Image = o.GeneratorImage,
                                // Full paths: an init container or sidecar does not inherit the image's ENTRYPOINT.
                                Command = [PwshPath, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", $"Sync-NginxConf -Once {syncArgs}"],
                                VolumeMounts = [new V1VolumeMount { Name = "conf", MountPath = ConfDir }],
                                Resources = Requests("50m", "96Mi"),
                            },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "nginx",
                                Image = o.NginxImage,
                                Command = [NginxPath, "-g", "daemon off;"],
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = 80, Protocol = "TCP" }],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "run", MountPath = RunDir },
                                ],
                                ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 }, PeriodSeconds = 5 },
                                LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 }, InitialDelaySeconds = 10, PeriodSeconds = 10 },
                                Resources = Requests("100m", "64Mi"),
                            },
                            new V1Container
                            {
                                Name = "sync",
                                Image = o.GeneratorImage,
                                Command = [PwshPath, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command",
                                    $"Sync-NginxConf -Watch {syncArgs} -ReloadPidFile {SidecarRunDir}/nginx.pid | ForEach-Object {{ $_ | ConvertTo-Json -Compress }}"],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir },
                                    new V1VolumeMount { Name = "run", MountPath = SidecarRunDir },
                                ],
                                Resources = Requests("50m", "96Mi"),
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = "conf", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "run", EmptyDir = new V1EmptyDirVolumeSource() },
                        ],
                    },
                },
            },
        };

        return
        [
            new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = Meta(o.Namespace, namespaced: false) },
            new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta(o.Name) },
            .. Rbac(o, watchName, Meta),
            deployment,
            new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = Meta(o.Name),
                Spec = new V1ServiceSpec
                {
                    Type = "NodePort",
                    Selector = selector,
                    Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 80, NodePort = o.NodePort, Protocol = "TCP" }],
                },
            },
        ];
    }

    // What the sidecar does with the API, and nothing more: list and watch Services, and create an
    // Event on a Service whose path an older Service holds (never read, change or delete one).
    private static List<V1PolicyRule> Rules() =>
    [
        new V1PolicyRule { ApiGroups = [""], Resources = ["services"], Verbs = ["list", "watch"] },
        new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create"] },
    ];

    private static IEnumerable<object> Rbac(EntryManifestOptions o, string name, Func<string, bool, V1ObjectMeta> meta)
    {
        var subject = new Rbacv1Subject { Kind = "ServiceAccount", Name = o.Name, NamespaceProperty = o.Namespace };
        if (o.WatchNamespaces.Count == 0)
        {
            yield return new V1ClusterRole { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "ClusterRole", Metadata = meta(name, false), Rules = Rules() };
            yield return new V1ClusterRoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "ClusterRoleBinding",
                Metadata = meta(name, false),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
                Subjects = [subject],
            };
            yield break;
        }
        // Every Role before any RoleBinding: the order Deploy-NginxKit applies kinds in.
        foreach (var watched in o.WatchNamespaces)
        {
            var roleMeta = meta(name, true);
            roleMeta.NamespaceProperty = watched;
            yield return new V1Role { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = roleMeta, Rules = Rules() };
        }
        foreach (var watched in o.WatchNamespaces)
        {
            var bindingMeta = meta(name, true);
            bindingMeta.NamespaceProperty = watched;
            yield return new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = bindingMeta,
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = name },
                Subjects = [subject],
            };
        }
    }

    private static V1ResourceRequirements Requests(string cpu, string memory) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
    };

    /// <summary>Multi-document YAML that kubectl apply -f accepts.</summary>
    public static string ToYaml(IEnumerable<object> objects) =>
        string.Join("---\n", objects.Select(KubernetesYaml.Serialize).Select(y => y.EndsWith('\n') ? y : y + "\n"));

    /// <summary>Reads manifests back into typed objects (the round trip the tests check).</summary>
    public static IReadOnlyList<object> FromYaml(string yaml) => KubernetesYaml.LoadAllFromString(yaml);

    /// <summary>Reads a manifest file; a file that cannot be read or parsed is one Problem.</summary>
    public static IReadOnlyList<object> ReadFile(string path, out Problem? problem)
    {
        var text = ServiceManifestReader.ReadText(path, out problem);
        if (text is null) return [];
        try
        {
            return FromYaml(text);
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            problem = ErrorCatalog.ManifestParseError.Problem($"'{path}' is not a manifest NginxKit can apply: {ex.Message}", path);
        }
        return [];
    }
}
