using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class EntryRemoverTests
{
    [Fact]
    public void TheManifestIsRemovedInTheReverseOfTheApplyOrder()
    {
        var objects = EntryManifest.Build(new EntryManifestOptions { Namespace = "edge", Name = "entry" });
        var targets = EntryRemover.Targets(objects, keepNamespace: false);
        // Cluster-wide, the manifest has a ClusterRole and no Role; scoped to namespaces, Roles and no ClusterRole.
        Assert.Equal(ManifestApplier.Kinds.Where(k => k is not ("Role" or "RoleBinding")).Reverse(), targets.Select(t => t.Kind));
        var scoped = EntryRemover.Targets(EntryManifest.Build(new EntryManifestOptions { Namespace = "edge", Name = "entry", WatchNamespaces = ["shop"] }), keepNamespace: false);
        Assert.Equal(ManifestApplier.Kinds.Where(k => k is not ("ClusterRole" or "ClusterRoleBinding")).Reverse(), scoped.Select(t => t.Kind).Distinct());
        Assert.Contains(("Role", (string?)"shop", "entry-watch-services"), scoped);
        Assert.Contains(("Role", (string?)"edge", "entry-record-sync"), scoped);
        Assert.Contains(("ClusterRole", (string?)null, "entry-watch-services"), targets);
        Assert.Contains(("Deployment", (string?)"edge", "entry"), targets);
        Assert.DoesNotContain(EntryRemover.Targets(objects, keepNamespace: true), t => t.Kind == "Namespace");
    }

    [Fact]
    public void EveryObjectOfTheManifestCarriesTheLabelRemovalLooksFor() =>
        Assert.All(EntryManifest.Build(new EntryManifestOptions()).Cast<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>>(),
            o => Assert.Equal(EntryRemover.ManagedByValue, o.Metadata.Labels[EntryRemover.ManagedByLabel]));
}
