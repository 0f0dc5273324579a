using k8s;
using NginxKit.Engine.Text;
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
    public const int DefaultNodePort = 30080;
    public static readonly (int Low, int High) DefaultNodePortRange = (30000, 32767);

    // Paths inside the image (src/Container/Dockerfile and nginx.conf) that the containers' commands name.
    public const string SyncPath = "/usr/local/bin/nginxkit-sync";
    public const string NginxPath = "/usr/sbin/nginx";
    public const string NginxMainConfig = "/etc/nginxkit/nginx.conf";
    public const string ConfDir = "/etc/nginx/conf.d";
    /// <summary>nginx writes its pid here (nginx.conf's pid directive); the sidecar reads it to send SIGHUP.</summary>
    public const string PidFile = "/run/nginx/nginx.pid";
    public const string TmpDir = "/tmp";
    /// <summary>Where a pod's service-account token, CA and namespace are, and where KubernetesClient looks for them.</summary>
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>nginx listens here in the pod: above 1024, so it needs no capability to bind.</summary>
    public const int HttpPort = 8080;

    /// <summary>The user every container runs as: nginx's user in the official image; nothing of the image needs root.</summary>
    public const long RunAsUser = 101;

    /// <summary>The image build.ps1 Image builds: nginxkit tagged with the module's version.</summary>
    public static string DefaultImage => $"nginxkit:{Version}";

    /// <summary>NginxKit's version (NginxKit.psd1's ModuleVersion, which the build gives every assembly).</summary>
    public static string Version { get; } =
        (typeof(EntryManifest).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    public static IReadOnlyList<Problem> Validate(EntryManifestOptions o)
    {
        var problems = new List<Problem>();
        void Check(bool ok, string what, object? value, string rule, string allowed) =>
            _ = ok ? 0 : Add(problems, $"{what} '{Printable.Escape(value?.ToString())}' is not valid: {allowed}", value, rule);
        const string Label = "a DNS label: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit.";
        Check(Nginx.RouteRules.CheckDnsLabel(o.Namespace) is null, "Namespace", o.Namespace, "DnsLabel", Label);
        Check(Nginx.RouteRules.CheckDnsLabel(o.Name) is null, "Name", o.Name, "DnsLabel", Label);
        foreach (var watched in o.WatchNamespaces)
            Check(Nginx.RouteRules.CheckDnsLabel(watched) is null, "WatchNamespace", watched, "DnsLabel", Label);
        Check(IsImage(o.Image), "Image", o.Image, "ImageReference",
            "an image reference, [registry/]path[:tag][@digest], of letters, digits and . - _ / : @, at most 512 characters.");
        Check(o.Replicas is >= 0 and <= 1000, "Replicas", o.Replicas, "ReplicasRange", "0 to 1000.");
        Check(o.NodePort is >= 1 and <= 65535, "NodePort", o.NodePort, "NodePortRange",
            $"a port 1-65535, inside the cluster's --service-node-port-range (by default {DefaultNodePortRange.Low}-{DefaultNodePortRange.High}).");
        Check(LabelRules.CheckValue(o.Role) is null && o.Role.Length > 0, "Role", o.Role, "LabelValue",
            "a label value: 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.");
        foreach (var key in o.Annotations.Keys)
            Check(LabelRules.CheckKey(key) is null, "Annotation key", key, "AnnotationKey", "[prefix/]name, as Kubernetes label keys.");
        return problems;
    }

    private static int Add(List<Problem> problems, string message, object? target, string rule)
    {
        problems.Add(ErrorCatalog.InvalidManifestOption.Problem(message, target, rule));
        return 0;
    }

    // Image references: registry/path:tag@digest, none of it able to break a YAML scalar or a shell.
    private static bool IsImage(string image) =>
        image.Length is > 0 and <= 512 && image.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or ':' or '@')
        && char.IsAsciiLetterOrDigit(image[0]);

    /// <summary>The arguments of nginxkit-sync for the init container (once) and the sidecar (watch).</summary>
    public static IReadOnlyList<string> SyncArgs(EntryManifestOptions o, bool watch)
    {
        List<string> args = [watch ? "watch" : "once", "--out-file", $"{ConfDir}/default.conf", "--listen", HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (o.WatchNamespaces.Count > 0) args.AddRange(["--namespace", string.Join(',', o.WatchNamespaces)]);
        if (o.ExposeAll) args.Add("--expose-all");
        if (watch) args.AddRange(["--reload-pid-file", PidFile]);
        return args;
    }

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
        var watchName = $"{o.Name}-watch-services";
        var runDir = Path.GetDirectoryName(PidFile)!;

        // Nothing in the pod needs root, a writable root filesystem or a capability: nginx listens
        // above 1024 and writes only to its volumes, and the sidecar signals nginx as the same user.
        static V1SecurityContext Locked() => new()
        {
            AllowPrivilegeEscalation = false,
            ReadOnlyRootFilesystem = true,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
        };
        // The token goes only where the API is called: the init container and the sidecar, never
        // the internet-facing nginx. The same files the kubelet would mount, projected by hand.
        var apiAccess = new V1VolumeMount { Name = "kube-api-access", MountPath = ServiceAccountDir, ReadOnlyProperty = true };

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
                        AutomountServiceAccountToken = false,
                        NodeSelector = new Dictionary<string, string> { [NodeLabeler.RoleLabel] = o.Role },
                        // The sidecar signals the nginx master by the PID in its pid file.
                        ShareProcessNamespace = true,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = RunAsUser,
                            RunAsGroup = RunAsUser,
                            FsGroup = RunAsUser,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        InitContainers =
                        [
                            new V1Container
                            {
                                Name = "render",
                                Image = o.Image,
                                ImagePullPolicy = "IfNotPresent",
                                // command replaces the image's ENTRYPOINT, args its CMD.
                                Command = [SyncPath],
                                Args = [.. SyncArgs(o, watch: false)],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir },
                                    new V1VolumeMount { Name = "sync-tmp", MountPath = TmpDir },
                                    apiAccess,
                                ],
                                SecurityContext = Locked(),
                                Resources = Requests("50m", "64Mi"),
                            },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "nginx",
                                Image = o.Image,
                                ImagePullPolicy = "IfNotPresent",
                                Command = [NginxPath],
                                Args = ["-c", NginxMainConfig, "-e", "stderr", "-g", "daemon off;"],
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" }],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "run", MountPath = runDir },
                                    new V1VolumeMount { Name = "nginx-tmp", MountPath = TmpDir },
                                ],
                                ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, PeriodSeconds = 5 },
                                LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, InitialDelaySeconds = 10, PeriodSeconds = 10 },
                                SecurityContext = Locked(),
                                Resources = Requests("100m", "64Mi"),
                            },
                            new V1Container
                            {
                                Name = "sync",
                                Image = o.Image,
                                ImagePullPolicy = "IfNotPresent",
                                Command = [SyncPath],
                                Args = [.. SyncArgs(o, watch: true)],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir },
                                    new V1VolumeMount { Name = "run", MountPath = runDir, ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "sync-tmp", MountPath = TmpDir },
                                    apiAccess,
                                ],
                                SecurityContext = Locked(),
                                Resources = Requests("50m", "64Mi"),
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = "conf", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "run", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "nginx-tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "sync-tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume
                            {
                                Name = "kube-api-access",
                                Projected = new V1ProjectedVolumeSource
                                {
                                    Sources =
                                    [
                                        new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                                        new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                                        new V1VolumeProjection
                                        {
                                            DownwardAPI = new V1DownwardAPIProjection
                                            {
                                                Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                                            },
                                        },
                                    ],
                                },
                            },
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
                    Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http", NodePort = o.NodePort, Protocol = "TCP" }],
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
