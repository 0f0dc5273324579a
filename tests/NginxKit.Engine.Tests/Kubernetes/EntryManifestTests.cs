using k8s;
using k8s.Models;
using NginxKit.Engine.Kubernetes;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Kubernetes;

public class EntryManifestTests
{
    private static readonly IReadOnlyList<object> Default = EntryManifest.Build(new EntryManifestOptions());

    [Fact]
    public void TheManifestIsBuiltInApplyOrderAndOtherKindsGoWithTheDeployment()
    {
        var kinds = Default.Cast<IKubernetesObject>().Select(o => o.Kind).ToList();
        Assert.Equal(ManifestApplier.Kinds, kinds);
        Assert.Equal(Enumerable.Range(0, kinds.Count), kinds.Select(ManifestApplier.ApplyOrder));
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

    [Fact]
    public void RbacIsTheLeastTheSidecarNeeds()
    {
        var role = Default.OfType<V1ClusterRole>().Single();
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["services"], rule.Resources);
        Assert.Equal(["list", "watch"], rule.Verbs);
        var binding = Default.OfType<V1ClusterRoleBinding>().Single();
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal("nginx-entry", Assert.Single(binding.Subjects).Name);
    }

    [Fact]
    public void OptionsReachTheObjects()
    {
        var objects = EntryManifest.Build(new EntryManifestOptions
        {
            Namespace = "edge", Replicas = 3, NodePort = 30080, Role = "edge", NginxImage = "registry.local/nginx:1.27.3",
            Annotations = new Dictionary<string, string> { ["team"] = "platform" }, WatchNamespace = "apps",
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
