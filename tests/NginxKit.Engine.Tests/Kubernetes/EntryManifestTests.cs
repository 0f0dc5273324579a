using k8s;
using k8s.Models;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Kubernetes;

public class EntryManifestTests
{
    private static readonly IReadOnlyList<object> Default = EntryManifest.Build(new EntryManifestOptions());

    private static readonly IReadOnlyList<object> Scoped = EntryManifest.Build(new EntryManifestOptions { WatchNamespaces = ["shop", "apps", "shop"], ExposeAll = true });

    [Fact]
    public void TheManifestIsBuiltInApplyOrderAndOtherKindsGoWithTheDeployment()
    {
        var kinds = Default.Cast<IKubernetesObject>().Select(o => o.Kind).ToList();
        Assert.Equal(ManifestApplier.Kinds.Except(["Role", "RoleBinding"]), kinds);
        Assert.Equal(kinds.Select(ManifestApplier.ApplyOrder).Order(), kinds.Select(ManifestApplier.ApplyOrder));
        var scoped = Scoped.Cast<IKubernetesObject>().Select(o => o.Kind).ToList();
        Assert.Equal(["Namespace", "ServiceAccount", "Role", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "Deployment", "Service"], scoped);
        Assert.Equal(scoped.Select(ManifestApplier.ApplyOrder).Order(), scoped.Select(ManifestApplier.ApplyOrder));
        Assert.Equal(ManifestApplier.ApplyOrder("Deployment"), ManifestApplier.ApplyOrder("ConfigMap"));
        Assert.True(ManifestApplier.ApplyOrder("ConfigMap") < ManifestApplier.ApplyOrder("Service"));
    }

    [Fact]
    public void ObjectsAreOrderedByTheirKindNotByHowTheyAreShown()
    {
        // Reversed, plus a Namespace named like another kind and an object that is no Kubernetes object.
        var items = Default.Reverse().Append(new V1Namespace { Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "Service" } }).Append(new Dictionary<string, object>()).ToList();
        var ordered = items.OrderBy(ManifestApplier.ApplyOrderOf).ToList();
        Assert.Equal(["Namespace", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Dictionary", "Service"],
            ordered.Select(o => o is IKubernetesObject k ? k.Kind : "Dictionary"));
        Assert.Equal(ManifestApplier.ApplyOrder("Deployment"), ManifestApplier.ApplyOrderOf(new object()));
    }

    [Fact]
    public void TheDefaultManifestMatchesTheGoldenFile()
    {
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "entry-manifest.yaml"));
        Assert.Equal(golden, EntryManifest.ToYaml(Default));
    }

    [Fact]
    public void YamlRoundTripsThroughTheTypedModelsWithoutLoss()
    {
        var yaml = EntryManifest.ToYaml(Default);
        var back = EntryManifest.FromYaml(yaml);
        Assert.Equal(Default.Select(o => o.GetType()), back.Select(o => o.GetType()));
        Assert.Equal(yaml, EntryManifest.ToYaml(back));
        Assert.Equal(KubernetesJson.Serialize(Default[4]), KubernetesJson.Serialize(back[4]));
    }

    [Fact]
    public void TheDeploymentIsPinnedToEntryNodesWithAnInitContainerAndASidecar()
    {
        var d = Default.OfType<V1Deployment>().Single();
        var pod = d.Spec.Template.Spec;
        Assert.Equal(2, d.Spec.Replicas);
        Assert.Equal("entry", pod.NodeSelector["role"]);
        var init = Assert.Single(pod.InitContainers);
        Assert.Equal([EntryManifest.SyncPath], init.Command);
        Assert.Equal("once", init.Args[0]);
        Assert.Equal(["nginx", "sync"], pod.Containers.Select(c => c.Name));
        Assert.Equal([EntryManifest.SyncPath], pod.Containers[1].Command);
        Assert.Equal("watch", pod.Containers[1].Args[0]);
        Assert.All(pod.InitContainers.Concat(pod.Containers), c =>
        {
            Assert.StartsWith("/", c.Command[0]); // command replaces the image's ENTRYPOINT: a full path, nothing inherited
            Assert.NotNull(c.Resources.Requests);
            Assert.Contains(c.VolumeMounts, m => m.MountPath == EntryManifest.ConfDir);
        });
        Assert.NotNull(pod.Containers[0].ReadinessProbe);
        Assert.NotNull(pod.Containers[0].LivenessProbe);
        Assert.True(pod.ShareProcessNamespace);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "conf").EmptyDir);
    }

    [Fact]
    public void EveryContainerRunsTheOneImageOfThisVersionWithoutPullingItAgain()
    {
        var pod = Default.OfType<V1Deployment>().Single().Spec.Template.Spec;
        var psd1 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "NginxKit.psd1"));
        var version = System.Text.RegularExpressions.Regex.Match(psd1, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
        Assert.Equal($"nginxkit:{version}", EntryManifest.DefaultImage);
        Assert.All(pod.InitContainers.Concat(pod.Containers), c =>
        {
            Assert.Equal(EntryManifest.DefaultImage, c.Image);
            Assert.Equal("IfNotPresent", c.ImagePullPolicy);
        });
        var custom = EntryManifest.Build(new EntryManifestOptions { Image = "registry.example.com/platform/nginxkit:0.1.0" })
            .OfType<V1Deployment>().Single().Spec.Template.Spec;
        Assert.All(custom.InitContainers.Concat(custom.Containers), c => Assert.Equal("registry.example.com/platform/nginxkit:0.1.0", c.Image));
    }

    // The contract between nginx and the sidecar, read from the image's own nginx.conf rather than
    // from the manifest's constants: nginx writes its pid into a volume, and the sidecar's
    // --reload-pid-file names the same file through its own mount of that volume.
    [Fact]
    public void TheSidecarReadsThePidFileFromTheVolumeNginxWritesItInto()
    {
        var nginxConf = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "nginx.conf"));
        var pidPath = System.Text.RegularExpressions.Regex.Match(nginxConf, @"(?m)^\s*pid\s+(\S+);").Groups[1].Value;
        Assert.StartsWith("/", pidPath);
        var pod = Default.OfType<V1Deployment>().Single().Spec.Template.Spec;
        var nginx = pod.Containers.Single(c => c.Name == "nginx");
        var sync = pod.Containers.Single(c => c.Name == "sync");
        Assert.Equal(EntryManifest.NginxMainConfig, NginxMainConfigOf(nginx));
        // That nginx.conf is the one the image puts where -c points.
        var dockerfile = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "Dockerfile"));
        Assert.Matches($@"(?m)^COPY\s+src/Container/nginx\.conf\s+{System.Text.RegularExpressions.Regex.Escape(NginxMainConfigOf(nginx))}\s*$", dockerfile);

        var (nginxVolume, nginxRelative) = VolumePathOf(nginx, pidPath);
        Assert.False(nginxVolume.ReadOnlyProperty ?? false);
        var reloadPidFile = sync.Args[sync.Args.IndexOf("--reload-pid-file") + 1];
        var (syncVolume, syncRelative) = VolumePathOf(sync, reloadPidFile);
        Assert.Equal(nginxVolume.Name, syncVolume.Name);
        Assert.Equal(nginxRelative, syncRelative);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == nginxVolume.Name).EmptyDir);
    }

    private static string NginxMainConfigOf(V1Container nginx) => nginx.Args[nginx.Args.IndexOf("-c") + 1];

    // The mount that holds a path in a container, and the path inside the volume.
    private static (V1VolumeMount Mount, string Relative) VolumePathOf(V1Container container, string path)
    {
        var mount = container.VolumeMounts
            .Where(m => path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.MountPath.Length).FirstOrDefault();
        Assert.True(mount is not null, $"{container.Name} has no volume mounted over {path}");
        return (mount, path[(mount.MountPath.TrimEnd('/').Length + 1)..]);
    }

    [Fact]
    public void NoContainerRunsAsRootWritesItsRootFilesystemOrKeepsACapability()
    {
        var pod = Default.OfType<V1Deployment>().Single().Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.All(pod.InitContainers.Concat(pod.Containers), c =>
        {
            Assert.True(c.SecurityContext.ReadOnlyRootFilesystem, c.Name);
            Assert.False(c.SecurityContext.AllowPrivilegeEscalation, c.Name);
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
            Assert.Null(c.SecurityContext.Capabilities.Add);
            Assert.Null(c.SecurityContext.Privileged);
            // With the root filesystem read-only, every place a container writes is a volume.
            Assert.Contains(c.VolumeMounts, m => m.MountPath == EntryManifest.TmpDir);
        });
        // nginx binds a port a non-root user may bind without a capability.
        Assert.True(pod.Containers.Single(c => c.Name == "nginx").Ports.Single().ContainerPort > 1024);
    }

    [Fact]
    public void OnlyTheContainersThatCallTheApiGetTheServiceAccountToken()
    {
        var pod = Default.OfType<V1Deployment>().Single().Spec.Template.Spec;
        Assert.False(pod.AutomountServiceAccountToken);
        var tokenVolume = pod.Volumes.Single(v => v.Projected?.Sources?.Any(s => s.ServiceAccountToken is not null) == true);
        var withToken = pod.InitContainers.Concat(pod.Containers)
            .Where(c => c.VolumeMounts.Any(m => m.Name == tokenVolume.Name)).Select(c => c.Name).ToList();
        Assert.Equal(["render", "sync"], withToken);
        Assert.All(pod.InitContainers.Concat(pod.Containers).SelectMany(c => c.VolumeMounts).Where(m => m.Name == tokenVolume.Name), m =>
        {
            Assert.Equal(EntryManifest.ServiceAccountDir, m.MountPath);
            Assert.True(m.ReadOnlyProperty);
        });
        var files = tokenVolume.Projected.Sources.SelectMany(s =>
            (s.ServiceAccountToken is { } t ? [t.Path] : Array.Empty<string>())
            .Concat(s.ConfigMap?.Items?.Select(i => i.Path) ?? [])
            .Concat(s.DownwardAPI?.Items?.Select(i => i.Path) ?? [])).Order().ToList();
        Assert.Equal(["ca.crt", "namespace", "token"], files);
    }

    [Fact]
    public void TheServiceIsANodePortOnTheDeploymentsPods()
    {
        var s = Default.OfType<V1Service>().Single();
        Assert.Equal("NodePort", s.Spec.Type);
        var port = Assert.Single(s.Spec.Ports);
        Assert.Equal(80, port.Port);
        Assert.InRange(port.NodePort ?? 0, EntryManifest.DefaultNodePortRange.Low, EntryManifest.DefaultNodePortRange.High);
        Assert.Equal("http", port.TargetPort.Value);
        Assert.Contains(Default.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Ports, p => p.Name == "http");
        Assert.Equal(Default.OfType<V1Deployment>().Single().Spec.Selector.MatchLabels, s.Spec.Selector);
    }

    private static void AssertLeastRules(IList<V1PolicyRule> rules)
    {
        Assert.Equal(2, rules.Count);
        Assert.Equal(([""], ["services"], ["list", "watch"]), (rules[0].ApiGroups.ToArray(), rules[0].Resources.ToArray(), rules[0].Verbs.ToArray()), Comparer());
        Assert.Equal(([""], ["events"], ["create"]), (rules[1].ApiGroups.ToArray(), rules[1].Resources.ToArray(), rules[1].Verbs.ToArray()), Comparer());
        Assert.All(rules, r => Assert.Null(r.ResourceNames));
    }

    private static IEqualityComparer<(string[], string[], string[])> Comparer() => EqualityComparer<(string[], string[], string[])>.Create(
        (a, b) => a.Item1.SequenceEqual(b.Item1) && a.Item2.SequenceEqual(b.Item2) && a.Item3.SequenceEqual(b.Item3), _ => 0);

    [Fact]
    public void RbacIsTheLeastTheSidecarNeeds()
    {
        var role = Default.OfType<V1ClusterRole>().Single();
        AssertLeastRules(role.Rules);
        var binding = Default.OfType<V1ClusterRoleBinding>().Single();
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", "nginx-entry", "nginx-entry"), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Empty(Default.OfType<V1Role>());
    }

    [Fact]
    public void WatchingAListOfNamespacesGrantsARoleInEachAndNothingClusterWide()
    {
        Assert.Empty(Scoped.OfType<V1ClusterRole>());
        Assert.Empty(Scoped.OfType<V1ClusterRoleBinding>());
        var roles = Scoped.OfType<V1Role>().Where(r => r.Metadata.Name == "nginx-entry-watch-services").ToList();
        Assert.Equal(["apps", "shop"], roles.Select(r => r.Metadata.NamespaceProperty));
        Assert.All(roles, r => AssertLeastRules(r.Rules));
        // In the entry's own namespace: create Events (the sidecar's Synced Events on its pod), nothing else.
        var recordSync = Assert.Single(Scoped.OfType<V1Role>(), r => r.Metadata.Name == "nginx-entry-record-sync");
        Assert.Equal("nginx-entry", recordSync.Metadata.NamespaceProperty);
        var rule = Assert.Single(recordSync.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["events"], rule.Resources);
        Assert.Equal(["create"], rule.Verbs);
        var recordBinding = Assert.Single(Scoped.OfType<V1RoleBinding>(), b => b.Metadata.Name == "nginx-entry-record-sync");
        Assert.Equal(("nginx-entry", "Role", "nginx-entry-record-sync"), (recordBinding.Metadata.NamespaceProperty, recordBinding.RoleRef.Kind, recordBinding.RoleRef.Name));
        var bindings = Scoped.OfType<V1RoleBinding>().Where(b => b.Metadata.Name == "nginx-entry-watch-services").ToList();
        Assert.Equal(["apps", "shop"], bindings.Select(b => b.Metadata.NamespaceProperty));
        Assert.All(bindings, b =>
        {
            Assert.Equal(("Role", "nginx-entry-watch-services"), (b.RoleRef.Kind, b.RoleRef.Name));
            var subject = Assert.Single(b.Subjects);
            Assert.Equal(("ServiceAccount", "nginx-entry", "nginx-entry"), (subject.Kind, subject.Name, subject.NamespaceProperty));
        });
        var pod = Scoped.OfType<V1Deployment>().Single().Spec.Template.Spec;
        foreach (var args in new[] { pod.InitContainers[0].Args, pod.Containers[1].Args })
        {
            Assert.Equal(["--namespace", "apps,shop"], args.SkipWhile(a => a != "--namespace").Take(2));
            Assert.Contains("--expose-all", args);
        }
        var defaultArgs = Default.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[1].Args;
        Assert.DoesNotContain("--namespace", defaultArgs);
        Assert.DoesNotContain("--expose-all", defaultArgs);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("Apps")]
    [InlineData("../kube-system")]
    public void AWatchNamespaceThatIsNoNamespaceNameIsRefused(string name) =>
        Assert.Contains(EntryManifest.Validate(new EntryManifestOptions { WatchNamespaces = ["apps", name] }),
            p => p.ErrorId == ErrorCatalog.InvalidManifestOption.Id && p.Message.Contains("WatchNamespace"));

    [Fact]
    public void OptionsReachTheObjects()
    {
        var objects = EntryManifest.Build(new EntryManifestOptions
        {
            Namespace = "edge", Replicas = 3, NodePort = 28888, Role = "edge", Image = "registry.local/nginxkit:0.1.0",
            Annotations = new Dictionary<string, string> { ["team"] = "platform" }, WatchNamespaces = ["apps"],
        });
        var d = objects.OfType<V1Deployment>().Single();
        Assert.Equal("edge", d.Metadata.NamespaceProperty);
        Assert.Equal(3, d.Spec.Replicas);
        Assert.Equal("edge", d.Spec.Template.Spec.NodeSelector["role"]);
        Assert.Equal("registry.local/nginxkit:0.1.0", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(["--namespace", "apps"], d.Spec.Template.Spec.Containers[1].Args.SkipWhile(a => a != "--namespace").Take(2));
        Assert.Equal(["--namespace", "apps"], d.Spec.Template.Spec.InitContainers[0].Args.SkipWhile(a => a != "--namespace").Take(2));
        Assert.All(objects.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal("platform", o.Metadata.Annotations["team"]));
        Assert.Equal(28888, objects.OfType<V1Service>().Single().Spec.Ports[0].NodePort);
    }

    [Theory]
    [InlineData("nginx:1.27; rm -rf /")]
    [InlineData("nginx\n")]
    [InlineData("")]
    public void HostileImagesAreRefused(string image)
    {
        var problem = Assert.Single(EntryManifest.Validate(new EntryManifestOptions { Image = image }));
        Assert.Equal(ErrorCatalog.InvalidManifestOption.Id, problem.ErrorId);
        Assert.Equal("ImageReference", problem.Rule);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public void ANodePortOutsideAnyRangeIsRefusedNamingTheRange(int port)
    {
        var problem = Assert.Single(EntryManifest.Validate(new EntryManifestOptions { NodePort = port }));
        Assert.Equal("NodePortRange", problem.Rule);
        Assert.Contains("30000-32767", problem.Message);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.Message);
    }

    private static readonly EntryManifestOptions WithTls = new()
    {
        TlsSecret = "entry-tls", RedirectHttp = true, ClientMaxBodySize = "50m", WebSocket = true, ProxyRedirect = true,
        ProxyConnectTimeoutSec = 5, ProxyReadTimeoutSec = 120, ProxySendTimeoutSec = 60,
    };

    private static V1PodSpec PodOf(IReadOnlyList<object> objects) => objects.OfType<V1Deployment>().Single().Spec.Template.Spec;

    private static string ValueAfter(IList<string> args, string flag)
    {
        Assert.Equal(1, args.Count(a => a == flag));
        return args[args.IndexOf(flag) + 1];
    }

    [Fact]
    public void TheRenderSettingsReachBothGeneratorsAsNginxkitSyncFlags()
    {
        var pod = PodOf(EntryManifest.Build(WithTls));
        foreach (var args in new[] { pod.InitContainers.Single().Args, pod.Containers.Single(c => c.Name == "sync").Args })
        {
            Assert.Equal("50m", ValueAfter(args, "--client-max-body-size"));
            Assert.Equal("5", ValueAfter(args, "--proxy-connect-timeout"));
            Assert.Equal("120", ValueAfter(args, "--proxy-read-timeout"));
            Assert.Equal("60", ValueAfter(args, "--proxy-send-timeout"));
            Assert.Contains("--websocket", args);
            Assert.Contains("--proxy-redirect", args);
            Assert.Contains("--redirect-http", args);
            Assert.Equal("443", ValueAfter(args, "--redirect-port"));
            Assert.Equal(EntryManifest.HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ValueAfter(args, "--tls-listen"));
            Assert.Equal(EntryManifest.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ValueAfter(args, "--listen"));
        }
        // Without them, the generators get none of these flags: nginx's own defaults stand.
        var plain = PodOf(Default).Containers.Single(c => c.Name == "sync").Args;
        foreach (var flag in new[] { "--client-max-body-size", "--websocket", "--proxy-redirect", "--proxy-connect-timeout", "--proxy-read-timeout",
            "--proxy-send-timeout", "--tls-certificate", "--tls-key", "--tls-listen", "--redirect-http", "--redirect-port" })
            Assert.DoesNotContain(flag, plain);
    }

    [Fact]
    public void ATlsSecretIsMountedReadOnlyWhereNginxAndTheGeneratorsReadItsFiles()
    {
        var objects = EntryManifest.Build(WithTls);
        var pod = PodOf(objects);
        var volume = pod.Volumes.Single(v => v.Secret is not null);
        Assert.Equal("entry-tls", volume.Secret.SecretName);
        Assert.Equal(["tls.crt", "tls.key"], volume.Secret.Items.Select(i => i.Key));
        Assert.Equal(Convert.ToInt32("440", 8), volume.Secret.DefaultMode); // the key is the pod group's alone
        Assert.Equal(EntryManifest.RunAsUser, pod.SecurityContext.FsGroup);

        var nginx = pod.Containers.Single(c => c.Name == "nginx");
        Assert.All(new[] { pod.InitContainers.Single(), nginx, pod.Containers.Single(c => c.Name == "sync") }, c =>
        {
            var mount = Assert.Single(c.VolumeMounts, m => m.Name == volume.Name);
            Assert.True(mount.ReadOnlyProperty, c.Name);
        });
        // The paths the generators put in the config are the Secret's files, through nginx's own mount;
        // the sidecar polls the same files (its own mount) and reloads nginx when the kubelet updates them.
        foreach (var generator in new[] { pod.InitContainers.Single(), pod.Containers.Single(c => c.Name == "sync") })
        {
            foreach (var (flag, key) in new[] { ("--tls-certificate", "tls.crt"), ("--tls-key", "tls.key") })
            {
                var path = ValueAfter(generator.Args, flag);
                var (inGenerator, relative) = VolumePathOf(generator, path);
                Assert.Equal(volume.Name, inGenerator.Name);
                Assert.Equal(volume.Secret.Items.Single(i => i.Key == key).Path, relative);
                var (inNginx, nginxRelative) = VolumePathOf(nginx, path);
                Assert.Equal((volume.Name, relative), (inNginx.Name, nginxRelative));
            }
        }
    }

    [Fact]
    public void WithTlsNginxServes8443AndTheServiceExposes443OnItsOwnNodePort()
    {
        var objects = EntryManifest.Build(WithTls with { TlsNodePort = 31443 });
        var nginx = PodOf(objects).Containers.Single(c => c.Name == "nginx");
        var https = nginx.Ports.Single(p => p.Name == "https");
        Assert.Equal(EntryManifest.HttpsPort, https.ContainerPort);
        Assert.True(https.ContainerPort > 1024, "nginx binds without a capability");
        var service = objects.OfType<V1Service>().Single();
        Assert.Equal([("http", 80, "http", EntryManifest.DefaultNodePort), ("https", 443, "https", 31443)],
            service.Spec.Ports.Select(p => (p.Name, p.Port, p.TargetPort.Value, p.NodePort ?? 0)));
        Assert.DoesNotContain(Default.OfType<V1Service>().Single().Spec.Ports, p => p.Port == 443);
        Assert.DoesNotContain(PodOf(Default).Volumes, v => v.Secret is not null);
        Assert.Single(PodOf(Default).Containers.Single(c => c.Name == "nginx").Ports);
    }

    [Fact]
    public void TheProbesAskNginxsOwnHealthCheckOnThePlainPortEvenWhenItRedirects()
    {
        foreach (var options in new[] { new EntryManifestOptions(), WithTls })
        {
            var nginx = PodOf(EntryManifest.Build(options)).Containers.Single(c => c.Name == "nginx");
            foreach (var probe in new[] { nginx.ReadinessProbe, nginx.LivenessProbe })
            {
                Assert.Null(probe.TcpSocket);
                Assert.Equal((EntryManifest.HealthPath, "http"), (probe.HttpGet.Path, probe.HttpGet.Port.Value));
                Assert.Null(probe.HttpGet.Scheme);
            }
            Assert.Equal(EntryManifest.HttpPort, nginx.Ports.Single(p => p.Name == "http").ContainerPort);
        }
        // The path is the one the renderer answers itself, also in the server that redirects to https.
        var render = new NginxConfOptions
        {
            Listen = ["8080"], TlsCertificate = "/etc/nginxkit/tls/tls.crt", TlsKey = "/etc/nginxkit/tls/tls.key", TlsListen = ["8443"], RedirectHttp = true, RedirectPort = 443,
        };
        var conf = NginxConf.Render(RouteSet.Build([new Route("/a", "10.0.0.1", 80)], render.ServerName).Accepted, render).Text;
        var redirectServer = conf[..conf.IndexOf("}\n\nserver {", StringComparison.Ordinal)];
        Assert.Contains($"location = {EntryManifest.HealthPath} {{", redirectServer);
        Assert.Contains("listen 8080", redirectServer);
    }

    [Theory]
    [InlineData("TlsSecret", "SecretName")]
    [InlineData("TlsSecretTooLong", "SecretName")]
    [InlineData("RedirectHttp", "RedirectHttpNeedsTls")]
    [InlineData("TlsNodePort", "NodePortRange")]
    [InlineData("TlsNodePortSameAsNodePort", "NodePortRange")]
    [InlineData("RedirectPort", "PortOutOfRange")]
    [InlineData("ClientMaxBodySize", "BodySize")]
    [InlineData("ProxyConnectTimeoutSec", "TimeoutOutOfRange")]
    [InlineData("ProxyReadTimeoutSec", "TimeoutOutOfRange")]
    [InlineData("ProxySendTimeoutSec", "TimeoutOutOfRange")]
    public void ABadRenderSettingIsRefusedNamingTheOptionTheRuleAndWhatIsAllowed(string option, string rule)
    {
        var tls = new EntryManifestOptions { TlsSecret = "entry-tls" };
        var options = option switch
        {
            "TlsSecret" => tls with { TlsSecret = "Entry_TLS; rm" },
            "TlsSecretTooLong" => tls with { TlsSecret = string.Join('.', Enumerable.Repeat(new string('a', 63), 5)) },
            "RedirectHttp" => new EntryManifestOptions { RedirectHttp = true },
            "TlsNodePort" => tls with { TlsNodePort = 70000 },
            "TlsNodePortSameAsNodePort" => tls with { TlsNodePort = EntryManifest.DefaultNodePort },
            "RedirectPort" => tls with { RedirectHttp = true, RedirectPort = 0 },
            "ClientMaxBodySize" => new EntryManifestOptions { ClientMaxBodySize = "50m; include /etc/passwd" },
            "ProxyConnectTimeoutSec" => new EntryManifestOptions { ProxyConnectTimeoutSec = 0 },
            "ProxyReadTimeoutSec" => new EntryManifestOptions { ProxyReadTimeoutSec = 86401 },
            _ => new EntryManifestOptions { ProxySendTimeoutSec = -1 },
        };
        var problem = Assert.Single(EntryManifest.Validate(options));
        Assert.Equal(ErrorCatalog.InvalidManifestOption.Id, problem.ErrorId);
        Assert.Equal(rule, problem.Rule);
        Assert.StartsWith(option.Replace("TooLong", "").Replace("SameAsNodePort", ""), problem.Message);
        Assert.Matches(": .*[a-z].*\\.$", problem.Message); // says what is allowed
    }

    [Fact]
    public void GoodRenderSettingsPassValidation() => Assert.Empty(EntryManifest.Validate(WithTls with { TlsSecret = "entry.example.com-tls", TlsNodePort = 30443, ClientMaxBodySize = "0" }));

    [Fact]
    public void TheImageProvidesWhatTheContainersRun()
    {
        var dockerfile = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "Dockerfile"));
        Assert.Matches($@"(?m)^COPY \S*nginxkit-sync {System.Text.RegularExpressions.Regex.Escape(EntryManifest.SyncPath)}$", dockerfile);
        Assert.Matches($@"(?m)^COPY \S*nginx\.conf {System.Text.RegularExpressions.Regex.Escape(EntryManifest.NginxMainConfig)}$", dockerfile);
        Assert.Matches(@"(?m)^ARG BASE=nginx:\d+\.\d+\.\d+", dockerfile); // the official image, pinned by version
    }
}
