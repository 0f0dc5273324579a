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
    public const int DefaultTlsNodePort = 30443;
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

    /// <summary>nginx serves TLS here in the pod, with a TLS Secret; the Service's 443 points at it.</summary>
    public const int HttpsPort = 8443;

    /// <summary>Where the TLS Secret's files (tls.crt, tls.key) are mounted, read-only, in nginx and the sidecar.</summary>
    public const string TlsDir = "/etc/nginxkit/tls";

    /// <summary>The health check the rendered config answers from nginx itself; the probes ask it.</summary>
    public const string HealthPath = "/healthz";

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
        ValidateRender(o, Check);
        return problems;
    }

    // The generator's settings, by the rules nginxkit-sync applies to them, so that a manifest never
    // holds a pod whose init container would refuse its own command line.
    private static void ValidateRender(EntryManifestOptions o, Action<bool, string, object?, string, string> check)
    {
        if (o.TlsSecret is not null)
            check(CheckSubdomain(o.TlsSecret), "TlsSecret", o.TlsSecret, "SecretName",
                "a Secret name: a DNS subdomain of at most 253 characters, lower-case letters, digits, '-' and '.'.");
        check(!o.RedirectHttp || o.TlsSecret is not null, "RedirectHttp", o.RedirectHttp, "RedirectHttpNeedsTls",
            "a redirect to https needs TLS: give -TlsSecret too.");
        if (o.TlsSecret is not null)
        {
            check(o.TlsNodePort is >= 1 and <= 65535 && o.TlsNodePort != o.NodePort, "TlsNodePort", o.TlsNodePort, "NodePortRange",
                $"a port 1-65535 other than -NodePort, inside the cluster's --service-node-port-range (by default {DefaultNodePortRange.Low}-{DefaultNodePortRange.High}).");
            check(Nginx.RouteRules.CheckPort(o.RedirectPort) is null, "RedirectPort", o.RedirectPort, "PortOutOfRange", "a port 1-65535.");
        }
        if (o.ClientMaxBodySize is not null)
            check(Nginx.RouteRules.CheckSize(o.ClientMaxBodySize, out _) is null, "ClientMaxBodySize", o.ClientMaxBodySize, "BodySize",
                "digits with an optional k, m or g, such as 50m; 0 means no limit.");
        foreach (var (what, seconds) in new[] { ("ProxyConnectTimeoutSec", o.ProxyConnectTimeoutSec), ("ProxyReadTimeoutSec", o.ProxyReadTimeoutSec), ("ProxySendTimeoutSec", o.ProxySendTimeoutSec) })
        {
            if (seconds is { } s)
                check(s is >= 1 and <= 86400, what, s, "TimeoutOutOfRange", "1 to 86400 seconds.");
        }
    }

    // Secret names are DNS subdomains: dot-separated DNS labels, at most 253 characters in all.
    private static bool CheckSubdomain(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(label => Nginx.RouteRules.CheckDnsLabel(label) is null);

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
        static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        List<string> args = [watch ? "watch" : "once", "--out-file", $"{ConfDir}/default.conf", "--listen", Text(HttpPort)];
        if (o.TlsSecret is not null)
        {
            // The sidecar's certificate poll reads these files: the kubelet's update of the Secret reloads nginx.
            args.AddRange(["--tls-certificate", $"{TlsDir}/tls.crt", "--tls-key", $"{TlsDir}/tls.key", "--tls-listen", Text(HttpsPort)]);
            if (o.RedirectHttp) args.AddRange(["--redirect-http", "--redirect-port", Text(o.RedirectPort)]);
        }
        if (o.ClientMaxBodySize is not null) args.AddRange(["--client-max-body-size", o.ClientMaxBodySize]);
        if (o.WebSocket) args.Add("--websocket");
        if (o.ProxyRedirect) args.Add("--proxy-redirect");
        if (o.ProxyConnectTimeoutSec is { } connect) args.AddRange(["--proxy-connect-timeout", Text(connect)]);
        if (o.ProxyReadTimeoutSec is { } read) args.AddRange(["--proxy-read-timeout", Text(read)]);
        if (o.ProxySendTimeoutSec is { } send) args.AddRange(["--proxy-send-timeout", Text(send)]);
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
        // The TLS Secret goes where it is read: nginx serves it; the init container's and the sidecar's
        // nginx -t load it, and the sidecar watches it for rotation.
        var tls = o.TlsSecret is null ? null : new V1VolumeMount { Name = "tls", MountPath = TlsDir, ReadOnlyProperty = true };
        V1VolumeMount[] WithTls(params V1VolumeMount[] mounts) => tls is null ? mounts : [.. mounts, tls];
        // The rendered config answers /healthz from nginx itself, on the plain port even when it redirects to https.
        V1Probe Health(int? initialDelay, int period) => new()
        {
            HttpGet = new V1HTTPGetAction { Path = HealthPath, Port = "http" },
            InitialDelaySeconds = initialDelay,
            PeriodSeconds = period,
        };

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
                                VolumeMounts = WithTls(
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir },
                                    new V1VolumeMount { Name = "sync-tmp", MountPath = TmpDir },
                                    apiAccess),
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
                                Ports = tls is null
                                    ? [new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" }]
                                    : [new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" }, new V1ContainerPort { Name = "https", ContainerPort = HttpsPort, Protocol = "TCP" }],
                                VolumeMounts = WithTls(
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "run", MountPath = runDir },
                                    new V1VolumeMount { Name = "nginx-tmp", MountPath = TmpDir }),
                                ReadinessProbe = Health(null, 5),
                                LivenessProbe = Health(10, 10),
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
                                // Its own pod, on which it records a Synced Event saying what nginx serves (Test-NginxKitEntry reads it).
                                Env =
                                [
                                    FieldEnv(PodIdentity.NameVariable, "metadata.name"),
                                    FieldEnv(PodIdentity.NamespaceVariable, "metadata.namespace"),
                                    FieldEnv(PodIdentity.UidVariable, "metadata.uid"),
                                ],
                                VolumeMounts = WithTls(
                                    new V1VolumeMount { Name = "conf", MountPath = ConfDir },
                                    new V1VolumeMount { Name = "run", MountPath = runDir, ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "sync-tmp", MountPath = TmpDir },
                                    apiAccess),
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
                            .. TlsVolume(o),
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
                    Ports = o.TlsSecret is null
                        ? [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http", NodePort = o.NodePort, Protocol = "TCP" }]
                        :
                        [
                            new V1ServicePort { Name = "http", Port = 80, TargetPort = "http", NodePort = o.NodePort, Protocol = "TCP" },
                            new V1ServicePort { Name = "https", Port = 443, TargetPort = "https", NodePort = o.TlsNodePort, Protocol = "TCP" },
                        ],
                },
            },
        ];
    }

    // The Secret's tls.crt and tls.key, readable by the pod's group (fsGroup) and nobody else. The
    // kubelet updates the files in place when the Secret changes; the sidecar's poll then reloads nginx.
    private static IEnumerable<V1Volume> TlsVolume(EntryManifestOptions o)
    {
        if (o.TlsSecret is null) yield break;
        yield return new V1Volume
        {
            Name = "tls",
            Secret = new V1SecretVolumeSource
            {
                SecretName = o.TlsSecret,
                DefaultMode = 0b100_100_000, // 0440
                Items = [new V1KeyToPath { Key = "tls.crt", Path = "tls.crt" }, new V1KeyToPath { Key = "tls.key", Path = "tls.key" }],
            },
        };
    }

    // What the sidecar does with the API, and nothing more: list and watch Services, and create an
    // Event on a Service whose path an older Service holds (never read, change or delete one).
    private static List<V1PolicyRule> Rules() =>
    [
        new V1PolicyRule { ApiGroups = [""], Resources = ["services"], Verbs = ["list", "watch"] },
        new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create"] },
    ];

    /// <summary>With watched namespaces, the Role in the entry's namespace that lets the sidecar record Synced Events on its pod.</summary>
    public static string RecordSyncRoleName(string name) => $"{name}-record-sync";

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
        // Every Role before any RoleBinding: the order Deploy-NginxKit applies kinds in. The entry's
        // own namespace gets one more, for the Synced Events the sidecar records on its pod.
        var roles = o.WatchNamespaces.Select(watched => (Namespace: watched, Name: name, Rules: Rules()))
            .Append((Namespace: o.Namespace, Name: RecordSyncRoleName(o.Name), Rules: [new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create"] }]))
            .ToList();
        foreach (var role in roles)
        {
            var roleMeta = meta(role.Name, true);
            roleMeta.NamespaceProperty = role.Namespace;
            yield return new V1Role { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = roleMeta, Rules = role.Rules };
        }
        foreach (var role in roles)
        {
            var bindingMeta = meta(role.Name, true);
            bindingMeta.NamespaceProperty = role.Namespace;
            yield return new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = bindingMeta,
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role.Name },
                Subjects = [subject],
            };
        }
    }

    private static V1EnvVar FieldEnv(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = path } } };

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
