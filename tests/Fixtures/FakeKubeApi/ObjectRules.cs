using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// What the apiserver's registry strategies do to an object before it is stored: defaulting,
/// status handling, allocated values (cluster IPs, node ports) and generation.
/// </summary>
public sealed class ObjectRules
{
    private int _nextClusterIp = 10;
    private int _nextNodePort = 30000;

    /// <summary>Prepares a new object: status the user may not set is reset, defaults and allocations applied.</summary>
    public void PrepareForCreate(ResourceType type, JsonObject obj)
    {
        if (type.HasStatus && type.Kind != "Node") obj.Remove("status");
        if (type.TracksGeneration) Json.Metadata(obj)["generation"] = 1;
        ApplyDefaults(type, obj, old: null);
    }

    /// <summary>
    /// Prepares an update of the main resource (status kept from the stored object) or of the
    /// status subresource (only status taken from the new object).
    /// </summary>
    public JsonObject PrepareForUpdate(ResourceType type, JsonObject old, JsonObject updated, string? subresource)
    {
        if (subresource == "status")
        {
            var result = Json.Clone(old);
            if (updated["status"] is { } status) result["status"] = status.DeepClone();
            else result.Remove("status");
            return result;
        }
        if (type.HasStatus)
        {
            if (old["status"] is { } oldStatus) updated["status"] = oldStatus.DeepClone();
            else updated.Remove("status");
        }
        ApplyDefaults(type, updated, old);
        if (type.TracksGeneration)
        {
            var generation = Json.Long(old["metadata"]?["generation"]) ?? 1;
            if (!Json.DeepEquals(old["spec"], updated["spec"])) generation++;
            Json.Metadata(updated)["generation"] = generation;
        }
        return updated;
    }

    private void ApplyDefaults(ResourceType type, JsonObject obj, JsonObject? old)
    {
        switch (type.Kind)
        {
            case "Namespace": DefaultNamespace(obj); break;
            case "Service": DefaultService(obj, old); break;
            case "Deployment": DefaultDeployment(obj); break;
            case "ClusterRoleBinding" or "RoleBinding": DefaultSubjects(obj); break;
        }
        TrimEmptyMetadata(obj);
    }

    private static void DefaultNamespace(JsonObject obj)
    {
        var name = Json.Name(obj);
        // The apiserver has labelled every namespace with its own name since 1.21.
        var labels = Json.Metadata(obj)["labels"] as JsonObject ?? (JsonObject)(Json.Metadata(obj)["labels"] = new JsonObject());
        labels["kubernetes.io/metadata.name"] = name;
        var spec = Ensure(obj, "spec");
        spec["finalizers"] ??= new JsonArray("kubernetes");
        var status = Ensure(obj, "status");
        status["phase"] ??= "Active";
    }

    private void DefaultService(JsonObject obj, JsonObject? old)
    {
        var spec = Ensure(obj, "spec");
        var type = Json.Str(spec["type"]) ?? "ClusterIP";
        spec["type"] = type;
        spec["sessionAffinity"] ??= "None";
        var oldSpec = old?["spec"] as JsonObject;

        if (type != "ExternalName")
        {
            // Allocated values survive an update that omits them, as in the real service registry.
            if (Json.Str(spec["clusterIP"]) == "") spec.Remove("clusterIP"); // "" asks for an allocation
            spec["clusterIP"] ??= oldSpec?["clusterIP"]?.DeepClone() ?? $"10.96.{_nextClusterIp / 250}.{_nextClusterIp++ % 250 + 1}";
            // A changed clusterIP with clusterIPs as stored moves clusterIPs[0] with it (the registry's
            // normalizeClusterIPs), so validation then names clusterIPs[0], as the apiserver does.
            if (oldSpec?["clusterIPs"] is JsonArray { Count: > 0 } oldIps && spec["clusterIP"] is not null
                && Json.Str(spec["clusterIP"]) != Json.Str(oldSpec["clusterIP"]) && (spec["clusterIPs"] is null || Json.DeepEquals(spec["clusterIPs"], oldIps)))
            {
                var moved = (JsonArray)oldIps.DeepClone();
                moved[0] = Json.Str(spec["clusterIP"]);
                spec["clusterIPs"] = moved;
            }
            spec["clusterIPs"] ??= oldSpec?["clusterIPs"]?.DeepClone() ?? new JsonArray(Json.Str(spec["clusterIP"]));
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }
        if (type is "NodePort" or "LoadBalancer")
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
            if (type == "LoadBalancer") spec["allocateLoadBalancerNodePorts"] ??= true;
        }
        if (spec["ports"] is JsonArray ports)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
                if (type is "NodePort" or "LoadBalancer" && port["nodePort"] is null)
                {
                    var previous = (oldSpec?["ports"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p =>
                        Json.DeepEquals(p["port"], port["port"]) && Json.DeepEquals(p["protocol"], port["protocol"]));
                    port["nodePort"] = previous?["nodePort"]?.DeepClone() ?? _nextNodePort++;
                }
            }
        }
        if (Ensure(obj, "status")["loadBalancer"] is null) ((JsonObject)obj["status"]!)["loadBalancer"] = new JsonObject();
    }

    private static void DefaultDeployment(JsonObject obj)
    {
        var spec = Ensure(obj, "spec");
        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        var strategy = Ensure(spec, "strategy");
        strategy["type"] ??= "RollingUpdate";
        if (Json.Str(strategy["type"]) == "RollingUpdate")
        {
            var rolling = Ensure(strategy, "rollingUpdate");
            rolling["maxUnavailable"] ??= "25%";
            rolling["maxSurge"] ??= "25%";
        }
        var podSpec = Ensure(Ensure(spec, "template"), "spec");
        podSpec["restartPolicy"] ??= "Always";
        podSpec["terminationGracePeriodSeconds"] ??= 30;
        podSpec["dnsPolicy"] ??= "ClusterFirst";
        podSpec["securityContext"] ??= new JsonObject();
        podSpec["schedulerName"] ??= "default-scheduler";
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (podSpec[list] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                c["resources"] ??= new JsonObject();
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
                var image = Json.Str(c["image"]) ?? "";
                var tagged = image.Contains('@') || image[(image.LastIndexOf('/') + 1)..].Contains(':');
                c["imagePullPolicy"] ??= !tagged || image.EndsWith(":latest") ? "Always" : "IfNotPresent";
                if (c["ports"] is JsonArray ports)
                    foreach (var p in ports.OfType<JsonObject>()) p["protocol"] ??= "TCP";
            }
        }
    }

    private static void DefaultSubjects(JsonObject obj)
    {
        if (obj["subjects"] is not JsonArray subjects) return;
        foreach (var s in subjects.OfType<JsonObject>())
            if (Json.Str(s["kind"]) is "User" or "Group") s["apiGroup"] ??= "rbac.authorization.k8s.io";
    }

    // Go omits empty maps and slices in ObjectMeta, so an object whose last label was removed has no labels member.
    private static void TrimEmptyMetadata(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta) return;
        foreach (var key in new[] { "labels", "annotations", "finalizers", "ownerReferences", "managedFields" })
        {
            if (meta[key] is JsonObject { Count: 0 } or JsonArray { Count: 0 }) meta.Remove(key);
        }
    }

    private static JsonObject Ensure(JsonObject parent, string key) =>
        parent[key] as JsonObject ?? (JsonObject)(parent[key] = new JsonObject());
}
