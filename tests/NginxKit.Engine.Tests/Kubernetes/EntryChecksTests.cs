using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

/// <summary>The entry checks, evaluated from snapshots of what the cluster holds: a healthy entry, then each broken state.</summary>
public class EntryChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<object> Manifest = EntryManifest.Build(new EntryManifestOptions());

    private static V1Service Service(string name, string ns, string? path = null, DateTime? created = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name, NamespaceProperty = ns, CreationTimestamp = created ?? new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            Annotations = new Dictionary<string, string> { [ServiceRoutes.PathAnnotation] = path ?? "/" + name },
        },
        Spec = new V1ServiceSpec { ClusterIP = "10.96.0." + (name.Length + 10), Ports = [new V1ServicePort { Port = 8080 }] },
    };

    private static V1Pod RunningPod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "nginx-entry" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginxkit:0.1.0", ImagePullPolicy = "IfNotPresent" }] },
        Status = new V1PodStatus { Phase = "Running" },
    };

    private static EntryNode Node(string name, bool ready = true) =>
        new(name, ready, [], new Dictionary<string, string> { ["role"] = "entry" }, null, "10.0.0.1", "v1.31.0", "1");

    private static readonly V1Service[] Services = [Service("web", "shop"), Service("api", "apps")];

    private static Corev1Event Synced(string pod, IEnumerable<V1Service> services, DateTimeOffset at) =>
        SyncedEvent.Build(new PodIdentity(pod, "nginx-entry", "uid-1"), "xxh128:" + new string('a', 32), ServedRouteTable.FromServices(services, [], false, null), at);

    private static EntrySnapshot Healthy()
    {
        var deployment = Manifest.OfType<V1Deployment>().Single();
        deployment.Status = new V1DeploymentStatus { ReadyReplicas = 2, UpdatedReplicas = 2, AvailableReplicas = 2, Replicas = 2 };
        return new EntrySnapshot("nginx-entry", "nginx-entry", Now)
        {
            Deployment = deployment,
            EntryService = Manifest.OfType<V1Service>().Single(),
            Nodes = [Node("node-1"), Node("node-2")],
            Pods = [RunningPod("nginx-entry-a"), RunningPod("nginx-entry-b")],
            ServiceAccountFound = true,
            Rbac = new RbacSnapshot(Manifest.OfType<V1ClusterRole>().ToList(), Manifest.OfType<V1ClusterRoleBinding>().ToList(), [], []),
            Services = Services,
            SyncedEvents = [Synced("nginx-entry-a", Services, Now.AddSeconds(-30)), Synced("nginx-entry-b", Services, Now.AddSeconds(-90))],
        };
    }

    private static EntryCheckResult Check(EntrySnapshot s, string name, TimeSpan? syncAge = null) =>
        Assert.Single(EntryChecks.Evaluate(s, syncAge ?? EntryChecks.DefaultSyncAge), r => r.Name == name);

    [Fact]
    public void AHealthyEntryPassesEveryCheckInOrder()
    {
        var results = EntryChecks.Evaluate(Healthy() with { Probes = [new ProbeResult("node-1", "10.0.0.1", 30080, 200, null)] }, EntryChecks.DefaultSyncAge);
        Assert.Equal(["EntryNodes", "Rollout", "NodePort", "Rbac", "Config", "LastSync"], results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Status == EntryCheckStatus.Pass, r.ToString()));
        Assert.All(results, r => Assert.Null(r.Hint));
        Assert.Contains("2/2 replicas ready", results[1].Detail);
        Assert.Contains("answered 200 on node-1 (10.0.0.1:30080)", results[2].Detail);
        Assert.Contains("ClusterRoleBinding nginx-entry-watch-services", results[3].Detail);
        Assert.Contains("serve the 2 routes", results[4].Detail);
        Assert.Contains("Last sync 90 s ago (nginx-entry-b", results[5].Detail);
    }

    [Fact]
    public void NoLabelledNodeFailsWithTheLabellingHint()
    {
        var r = Check(Healthy() with { Nodes = [] }, EntryChecks.Nodes);
        Assert.Equal(EntryCheckStatus.Fail, r.Status);
        Assert.Contains("No node carries the label role=entry", r.Detail);
        Assert.Contains("Set-EntryNodeLabel", r.Hint);
    }

    [Fact]
    public void NodesThatAreNotReadyWarnAndNoneReadyFails()
    {
        Assert.Equal(EntryCheckStatus.Warn, Check(Healthy() with { Nodes = [Node("node-1"), Node("node-2", ready: false)] }, EntryChecks.Nodes).Status);
        var none = Check(Healthy() with { Nodes = [Node("node-2", ready: false)] }, EntryChecks.Nodes);
        Assert.Equal(EntryCheckStatus.Fail, none.Status);
        Assert.Contains("none is Ready: node-2", none.Detail);
    }

    [Theory]
    [InlineData("ErrImagePull")]
    [InlineData("ImagePullBackOff")]
    public void AnImagePullFailureFailsTheRolloutWithTheImageAndTheRegistryHint(string reason)
    {
        var s = Healthy();
        s.Deployment!.Status.ReadyReplicas = 0;
        var pod = RunningPod("nginx-entry-c");
        pod.Status = new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses = [new V1ContainerStatus { Name = "nginx", Image = "nginxkit:0.1.0", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = "pull access denied" } } }],
        };
        var r = Check(s with { Pods = [pod] }, EntryChecks.Rollout);
        Assert.Equal(EntryCheckStatus.Fail, r.Status);
        Assert.Contains($"0/2 replicas ready", r.Detail);
        Assert.Contains($"container 'nginx' cannot pull image 'nginxkit:0.1.0' with pull policy IfNotPresent ({reason}: pull access denied)", r.Detail);
        Assert.Contains("New-NginxKitManifest -Image", r.Hint);
    }

    [Fact]
    public void AMissingDeploymentFailsTheRolloutWithTheDeployHint()
    {
        var r = Check(Healthy() with { Deployment = null }, EntryChecks.Rollout);
        Assert.Equal((EntryCheckStatus.Fail, "Deployment nginx-entry/nginx-entry was not found."), (r.Status, r.Detail));
        Assert.Contains("Deploy-NginxKit", r.Hint);
    }

    [Fact]
    public void AnIncompleteRolloutWarnsAndNoReadyReplicaFails()
    {
        var s = Healthy();
        s.Deployment!.Status.ReadyReplicas = 1;
        Assert.Equal(EntryCheckStatus.Warn, Check(s, EntryChecks.Rollout).Status);
        s.Deployment.Status.ReadyReplicas = 0;
        Assert.Equal(EntryCheckStatus.Fail, Check(s, EntryChecks.Rollout).Status);
    }

    [Fact]
    public void WithoutProbingTheNodePortIsOnlyReadAndAFailedProbeNamesTheNode()
    {
        var unprobed = Check(Healthy(), EntryChecks.NodePort);
        Assert.Equal(EntryCheckStatus.Pass, unprobed.Status);
        Assert.Contains("NodePort http 30080 (not probed", unprobed.Detail);
        var failed = Check(Healthy() with { Probes = [new ProbeResult("node-1", "10.0.0.1", 30080, 200, null), new ProbeResult("node-2", "10.0.0.2", 30080, null, "Connection refused")] }, EntryChecks.NodePort);
        Assert.Equal(EntryCheckStatus.Fail, failed.Status);
        Assert.Contains("1 of 2 nodes: node-2 (10.0.0.2:30080): Connection refused", failed.Detail);
        Assert.Contains("firewall", failed.Hint);
    }

    [Fact]
    public void MissingRbacFailsNamingEachPermission()
    {
        var noBinding = Check(Healthy() with { Rbac = new RbacSnapshot(Manifest.OfType<V1ClusterRole>().ToList(), [], [], []) }, EntryChecks.Rbac);
        Assert.Equal(EntryCheckStatus.Fail, noBinding.Status);
        Assert.Contains("may not list services in every namespace, watch services in every namespace, create events in every namespace", noBinding.Detail);
        Assert.Contains("Deploy-NginxKit", noBinding.Hint);

        var role = Manifest.OfType<V1ClusterRole>().Single();
        var readOnly = new V1ClusterRole { Metadata = role.Metadata, Rules = [role.Rules[0]] };
        var r = Check(Healthy() with { Rbac = new RbacSnapshot([readOnly], Manifest.OfType<V1ClusterRoleBinding>().ToList(), [], []) }, EntryChecks.Rbac);
        Assert.Equal("ServiceAccount nginx-entry/nginx-entry may not create events in every namespace.", r.Detail);
        Assert.Equal(EntryCheckStatus.Fail, Check(Healthy() with { ServiceAccountFound = false }, EntryChecks.Rbac).Status);
    }

    [Fact]
    public void RbacIsEvaluatedAsTheAuthorizerDoesForWatchedNamespaces()
    {
        var scoped = EntryManifest.Build(new EntryManifestOptions { WatchNamespaces = ["shop", "apps"] });
        var spec = EntrySpec.From(scoped.OfType<V1Deployment>().Single(), "nginx-entry");
        Assert.Equal(["apps", "shop"], spec.WatchNamespaces);
        var rbac = new RbacSnapshot([], [], scoped.OfType<V1Role>().ToList(), scoped.OfType<V1RoleBinding>().ToList());
        Assert.Empty(rbac.Missing("nginx-entry", "nginx-entry", spec.NeededPermissions("nginx-entry")));
        // A Role in another namespace grants nothing here; a rule limited to names grants no list.
        Assert.NotNull(rbac.Granting("nginx-entry", "nginx-entry", new RbacPermission("create", "events", "nginx-entry")));
        Assert.Null(rbac.Granting("nginx-entry", "nginx-entry", new RbacPermission("list", "services", "nginx-entry")));
        Assert.Null(rbac.Granting("other", "nginx-entry", new RbacPermission("list", "services", "shop")));
        var named = new V1Role { Metadata = new V1ObjectMeta { Name = "nginx-entry-watch-services", NamespaceProperty = "shop" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["services"], Verbs = ["list"], ResourceNames = ["web"] }] };
        var limited = rbac with { Roles = [named, .. scoped.OfType<V1Role>().Where(r => r.Metadata.NamespaceProperty != "shop")] };
        Assert.Null(limited.Granting("nginx-entry", "nginx-entry", new RbacPermission("list", "services", "shop")));
        // A rule for other verbs grants none of these.
        var getOnly = new V1Role { Metadata = named.Metadata, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["services", "events"], Verbs = ["get"] }] };
        var readers = rbac with { Roles = [getOnly] };
        Assert.Equal(["list services in shop", "watch services in shop", "create events in shop"],
            readers.Missing("nginx-entry", "nginx-entry", spec.NeededPermissions("nginx-entry")).Where(p => p.Namespace == "shop").Select(p => p.ToString()));
    }

    [Fact]
    public void AConfigOutOfStepWithTheServicesFailsNamingTheRoutes()
    {
        var now = Services.Append(Service("billing", "shop")).ToArray();
        var r = Check(Healthy() with { Services = now }, EntryChecks.Config);
        Assert.Equal(EntryCheckStatus.Fail, r.Status);
        Assert.Contains("differs from the 3 routes the Services give now", r.Detail);
        Assert.Contains("pod nginx-entry-a: 1 not served: _/billing/ (shop/billing)", r.Detail);
        Assert.Contains("kubectl logs", r.Hint);

        var moved = Check(Healthy() with { Services = [Service("web", "shop", "/store"), Services[1]] }, EntryChecks.Config);
        Assert.Contains("1 not served: _/store/ (shop/web); 1 served but gone from the Services: _/web/ (shop/web)", moved.Detail);
    }

    [Fact]
    public void ATableTooLargeToRecordIsComparedByItsHashAndCounts()
    {
        var many = Enumerable.Range(0, 2000).Select(i => Service($"svc-{i:0000}", "bulk")).ToList();
        var table = ServedRouteTable.FromServices(many, [], false, null);
        Assert.True(table.Text.Length > ServedRouteTable.MaxRecordedBytes);
        var e = SyncedEvent.Build(new PodIdentity("nginx-entry-a", "nginx-entry", null), "xxh128:" + new string('b', 32), table, Now);
        Assert.False(e.Metadata.Annotations.ContainsKey(SyncedEvent.RoutesAnnotation));
        var s = Healthy() with { Pods = [RunningPod("nginx-entry-a")], SyncedEvents = [e] };
        Assert.Equal(EntryCheckStatus.Pass, Check(s with { Services = many }, EntryChecks.Config).Status);
        var r = Check(s with { Services = many.Skip(1).ToList() }, EntryChecks.Config);
        Assert.Equal(EntryCheckStatus.Fail, r.Status);
        Assert.Contains("the pod serves 2000 routes, the Services give 1999 now, and the tables differ", r.Detail);
    }

    [Fact]
    public void ADifferenceAtScaleNamesTenRoutesAndCountsTheRest()
    {
        var served = ServedRouteTable.FromServices([], [], false, null);
        var wanted = ServedRouteTable.FromServices(Enumerable.Range(0, 10_000).Select(i => Service($"s{i:00000}", "bulk")), [], false, null);
        var diff = ServedRouteTable.Compare(served, served.Hash, 0, wanted);
        Assert.Equal((10_000, 10), (diff.MissingCount, diff.Missing.Count));
        Assert.EndsWith("and 9990 more", diff.Describe());
        Assert.True(diff.Describe().Length < 1000);
    }

    [Fact]
    public void AStaleSyncAndAPodWithoutOneFail()
    {
        var stale = Check(Healthy(), EntryChecks.LastSync, TimeSpan.FromSeconds(60));
        Assert.Equal(EntryCheckStatus.Fail, stale.Status);
        Assert.Contains("Stale: last sync 90 s ago (nginx-entry-b", stale.Detail);
        Assert.Contains("kubectl logs -n nginx-entry nginx-entry-b -c sync", stale.Hint);

        var none = Check(Healthy() with { SyncedEvents = [Synced("nginx-entry-a", Services, Now)] }, EntryChecks.LastSync);
        Assert.Equal(EntryCheckStatus.Fail, none.Status);
        Assert.Contains("No Synced event from nginx-entry-b", none.Detail);
    }

    [Fact]
    public void TheNewestEventOfEachPodCountsAndEventsOfOtherPodsOrKindsDoNot()
    {
        var old = Synced("nginx-entry-a", [], Now.AddHours(-1));
        var other = Synced("gone-pod", [], Now);
        var warning = Synced("nginx-entry-a", Services, Now);
        warning.Reason = PathConflictEvent.Reason;
        var s = Healthy() with { SyncedEvents = [.. Healthy().SyncedEvents, old, other] };
        var records = EntryChecks.LastRecords(s);
        Assert.Equal(["nginx-entry-a", "nginx-entry-b"], records.Keys);
        Assert.Equal(Now.AddSeconds(-30), records["nginx-entry-a"]!.Time);
        Assert.Null(SyncedEvent.Read(warning));
    }

    [Fact]
    public void ASyncedEventIsReadBackOnlyWhenEveryValuePassesItsRule()
    {
        var e = Synced("nginx-entry-a", Services, Now);
        var record = SyncedEvent.Read(e)!;
        Assert.Equal((2, "nginx-entry-a"), (record.RouteCount, record.Pod));
        Assert.Equal(record.RoutesHash, record.Routes!.Hash);
        Assert.True(e.Message.Length < 1024);
        e.Metadata.Annotations[SyncedEvent.RoutesAnnotation] = "_/web/\tshop/web\thttp://10.0.0.1:80/ \n";
        Assert.Null(SyncedEvent.Read(e)!.Routes);  // a field with a space is not a rendered value
        e.Metadata.Annotations[SyncedEvent.RoutesAnnotation] = "_/web/\tshop/web\thttp://10.0.0.9:80/\n";
        Assert.Null(SyncedEvent.Read(e)!.Routes);  // a table that does not hash to the recorded hash is not used
        e.Metadata.Annotations[SyncedEvent.ConfigHashAnnotation] = "sha1:xyz";
        Assert.Null(SyncedEvent.Read(e));
    }

    [Fact]
    public void TheTableReadFromARenderedConfigIsTheTableItWasRenderedFrom()
    {
        var routes = new[]
        {
            new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "shop" },
            new Route("/api", "api.apps.svc", 8443) { Service = "api", Namespace = "apps", BackendProtocol = "https", StripPrefix = false },
            new Route("/", "10.0.0.3", 80) { Service = "home", Namespace = "www", ServerName = "www.example.com" },
        };
        var set = RouteSet.Build(routes, "_");
        foreach (var options in new[]
        {
            new NginxConfOptions(),
            new NginxConfOptions { ServerName = "edge.example.com", WebSocket = true },
        })
        {
            var text = NginxConf.Render(RouteSet.Build(routes, options.ServerName).Accepted, options).Text;
            var conf = ServedConf.Parse(text);
            var read = ServedRouteTable.FromConfig(conf);
            Assert.Equal(ServedRouteTable.FromRoutes(routes, ServedRouteTable.DefaultServerOf(conf)).Text, read.Text);
            Assert.Equal(options.ServerName, ServedRouteTable.DefaultServerOf(conf));
        }
        Assert.Equal(3, set.Accepted.Count);
    }

    [Fact]
    public void OfflineAConfigThatDiffersFromTheManifestsFailsAndAnEditedOneWarns()
    {
        var routes = new[] { new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "shop" } };
        var text = NginxConf.Render(RouteSet.Build(routes).Accepted, new NginxConfOptions()).Text;
        var same = EntryChecks.EvaluateOffline("default.conf", text, ServedConf.Parse(text), ServedRouteTable.FromRoutes(routes, "_"));
        Assert.Equal([(EntryChecks.ConfigFile, EntryCheckStatus.Pass), (EntryChecks.Config, EntryCheckStatus.Pass)], same.Select(r => (r.Name, r.Status)));
        var more = routes.Append(new Route("/api", "10.0.0.2", 80) { Service = "api", Namespace = "shop" });
        var differs = EntryChecks.EvaluateOffline("default.conf", text, ServedConf.Parse(text), ServedRouteTable.FromRoutes(more, "_"));
        Assert.Equal(EntryCheckStatus.Fail, differs[1].Status);
        Assert.Contains("1 not served: _/api/ (shop/api)", differs[1].Detail);
        var editedText = text.Replace("proxy_redirect off;", "proxy_redirect default;");
        var edited = EntryChecks.EvaluateOffline("default.conf", editedText, ServedConf.Parse(editedText), ServedRouteTable.FromRoutes(routes, "_"));
        Assert.Equal(EntryCheckStatus.Warn, edited[0].Status);
    }

    [Fact]
    public void OfflineOnlyManifestsThatCannotBeReadAreErrorsAndAConfigWithAnotherLayoutIsRefused()
    {
        var routes = new[] { new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "shop" } };
        var text = NginxConf.Render(RouteSet.Build(routes).Accepted, new NginxConfOptions()).Text;
        var path = Path.Combine(Path.GetTempPath(), $"nginxkit-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, text);
        try
        {
            var unreadable = ErrorCatalog.ManifestParseError.Problem("bad YAML", "a.yaml");
            var refused = ErrorCatalog.InvalidRoutePath.Problem("bad path", "shop/odd");
            var report = OfflineEntryCheck.Run(path, [new DiscoveredRoute(routes[0], null, null), new DiscoveredRoute(null, null, unreadable), new DiscoveredRoute(null, null, refused)]);
            Assert.Same(unreadable, Assert.Single(report.UnreadableManifests));
            Assert.Equal([EntryCheckStatus.Pass, EntryCheckStatus.Pass], report.Checks.Select(c => c.Status));

            // A regex location is not a layout NginxKit renders: its routes cannot be read, so it is refused, not compared.
            File.WriteAllText(path, text.Replace("location /web/ {", "location ~ ^/web/ {"));
            Assert.Equal(ErrorCatalog.UnsupportedConfConstruct.Id, Assert.Throws<NginxKitException>(() => OfflineEntryCheck.Run(path, [])).Problem.ErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AConfigNginxKitDidNotWriteIsConfigNotFromNginxKit()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nginxkit-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "server { listen 80; }\n");
        try
        {
            var ex = Assert.Throws<NginxKitException>(() => OfflineEntryCheck.Run(path, []));
            Assert.Equal(ErrorCatalog.ConfigNotFromNginxKit.Id, ex.Problem.ErrorId);
            Assert.Equal(ErrorCatalog.ConfigNotReadable.Id, Assert.Throws<NginxKitException>(() => OfflineEntryCheck.Run(path + ".missing", [])).Problem.ErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ThePodIsTakenFromTheDownwardApiOnlyWhenItsValuesAreNames()
    {
        var env = new Dictionary<string, string> { ["POD_NAME"] = "nginx-entry-7d9c-abcde", ["POD_NAMESPACE"] = "nginx-entry", ["POD_UID"] = "0f6c2a4e-1111-2222-3333-444455556666" };
        Assert.Equal(new PodIdentity("nginx-entry-7d9c-abcde", "nginx-entry", "0f6c2a4e-1111-2222-3333-444455556666"), PodIdentity.FromEnvironment(env.GetValueOrDefault));
        Assert.Null(PodIdentity.FromEnvironment(new Dictionary<string, string> { ["POD_NAME"] = "a\nb", ["POD_NAMESPACE"] = "x" }.GetValueOrDefault));
        Assert.Null(PodIdentity.FromEnvironment(_ => null));
        var sync = Manifest.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single(c => c.Name == "sync");
        Assert.Equal([("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_UID", "metadata.uid")],
            sync.Env.Select(e => (e.Name, e.ValueFrom.FieldRef.FieldPath)));
    }
}
