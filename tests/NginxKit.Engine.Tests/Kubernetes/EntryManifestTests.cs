using k8s;
using k8s.Models;
using NginxKit.Engine.Kubernetes;
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
        Assert.Equal(["Namespace", "ServiceAccount", "Role", "Role", "RoleBinding", "RoleBinding", "Deployment", "Service"], scoped);
        Assert.Equal(scoped.Select(ManifestApplier.ApplyOrder).Order(), scoped.Select(ManifestApplier.ApplyOrder));
        Assert.Equal(ManifestApplier.ApplyOrder("Deployment"), ManifestApplier.ApplyOrder("ConfigMap"));
        Assert.True(ManifestApplier.ApplyOrder("ConfigMap") < ManifestApplier.ApplyOrder("Service"));
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
        Assert.Contains("Sync-NginxConf -Once", init.Command[^1]);
        Assert.Equal(["nginx", "sync"], pod.Containers.Select(c => c.Name));
        Assert.Contains("Sync-NginxConf -Watch", pod.Containers[1].Command[^1]);
        Assert.All(pod.InitContainers.Concat(pod.Containers), c =>
        {
            Assert.StartsWith("/", c.Command[0]); // no image ENTRYPOINT is inherited
            Assert.NotNull(c.Resources.Requests);
            Assert.Contains(c.VolumeMounts, m => m.MountPath == EntryManifest.ConfDir);
        });
        Assert.NotNull(pod.Containers[0].ReadinessProbe);
        Assert.NotNull(pod.Containers[0].LivenessProbe);
        Assert.True(pod.ShareProcessNamespace);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "conf").EmptyDir);
    }

    [Fact]
    public void TheServiceIsANodePortOnTheDeploymentsPods()
    {
        var s = Default.OfType<V1Service>().Single();
        Assert.Equal("NodePort", s.Spec.Type);
        var port = Assert.Single(s.Spec.Ports);
        Assert.Equal((80, 28888), (port.Port, port.NodePort ?? 0));
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
        var roles = Scoped.OfType<V1Role>().ToList();
        Assert.Equal(["apps", "shop"], roles.Select(r => r.Metadata.NamespaceProperty));
        Assert.All(roles, r => AssertLeastRules(r.Rules));
        var bindings = Scoped.OfType<V1RoleBinding>().ToList();
        Assert.Equal(["apps", "shop"], bindings.Select(b => b.Metadata.NamespaceProperty));
        Assert.All(bindings, b =>
        {
            Assert.Equal(("Role", "nginx-entry-watch-services"), (b.RoleRef.Kind, b.RoleRef.Name));
            var subject = Assert.Single(b.Subjects);
            Assert.Equal(("ServiceAccount", "nginx-entry", "nginx-entry"), (subject.Kind, subject.Name, subject.NamespaceProperty));
        });
        var pod = Scoped.OfType<V1Deployment>().Single().Spec.Template.Spec;
        foreach (var command in new[] { pod.InitContainers[0].Command[^1], pod.Containers[1].Command[^1] })
            Assert.Contains("-Listen 80 -Namespace apps,shop -ExposeAll", command);
        Assert.DoesNotContain("-Namespace", Default.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[1].Command[^1]);
        Assert.DoesNotContain("-ExposeAll", Default.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[1].Command[^1]);
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
            Namespace = "edge", Replicas = 3, NodePort = 30080, Role = "edge", NginxImage = "registry.local/nginx:1.27.3",
            Annotations = new Dictionary<string, string> { ["team"] = "platform" }, WatchNamespaces = ["apps"],
        });
        var d = objects.OfType<V1Deployment>().Single();
        Assert.Equal("edge", d.Metadata.NamespaceProperty);
        Assert.Equal(3, d.Spec.Replicas);
        Assert.Equal("edge", d.Spec.Template.Spec.NodeSelector["role"]);
        Assert.Equal("registry.local/nginx:1.27.3", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Contains("-Namespace apps", d.Spec.Template.Spec.Containers[1].Command[^1]);
        Assert.All(objects.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal("platform", o.Metadata.Annotations["team"]));
        Assert.Equal(30080, objects.OfType<V1Service>().Single().Spec.Ports[0].NodePort);
    }

    [Theory]
    [InlineData("nginx:1.27; rm -rf /")]
    [InlineData("nginx\n")]
    [InlineData("")]
    public void HostileImagesAreRefused(string image) =>
        Assert.Contains(EntryManifest.Validate(new EntryManifestOptions { NginxImage = image }), p => p.ErrorId == ErrorCatalog.InvalidManifestOption.Id);

    [Fact]
    public void TheContainerImageProvidesTheCommandsTheManifestRuns()
    {
        var dockerfile = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "Dockerfile"));
        Assert.Contains($"ln -s /opt/pwsh/pwsh {EntryManifest.PwshPath}", dockerfile);
        Assert.Contains("/usr/local/share/powershell/Modules/NginxKit", dockerfile);
        Assert.Contains("nginx-light", dockerfile);
    }
}
