using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Server-side printing: the meta.k8s.io Table that <c>kubectl get</c> asks for
/// (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>), with the same columns and
/// cell formats as the apiserver's printers for the served kinds.
/// </summary>
public static class Tables
{
    private sealed record Column(string Name, string Type, int Priority, string Description, Func<JsonObject, DateTimeOffset, JsonNode?> Cell, string Format = "");

    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    private const string AgeDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.";

    private static readonly Column NameColumn = new("Name", "string", 0, NameDescription, (o, _) => Json.Name(o), "name");
    private static readonly Column AgeColumn = new("Age", "string", 0, AgeDescription, (o, now) => Age(o, now));

    private static Column[] ColumnsFor(ResourceType type) => type.Kind switch
    {
        "Node" =>
        [
            NameColumn,
            new("Status", "string", 0, "The status of the node", (o, _) => NodeStatus(o)),
            new("Roles", "string", 0, "The roles of the node", (o, _) => NodeRoles(o)),
            AgeColumn,
            new("Version", "string", 0, "Kubelet Version reported by the node.", (o, _) => Json.Str(o["status"]?["nodeInfo"]?["kubeletVersion"]) ?? ""),
            new("Internal-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available.", (o, _) => NodeAddress(o, "InternalIP")),
            new("External-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available.", (o, _) => NodeAddress(o, "ExternalIP")),
            new("OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", (o, _) => OrUnknown(o["status"]?["nodeInfo"]?["osImage"])),
            new("Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", (o, _) => OrUnknown(o["status"]?["nodeInfo"]?["kernelVersion"])),
            new("Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", (o, _) => OrUnknown(o["status"]?["nodeInfo"]?["containerRuntimeVersion"])),
        ],
        "Namespace" =>
        [
            NameColumn,
            new("Status", "string", 0, "The status of the namespace", (o, _) => Json.Str(o["status"]?["phase"]) ?? ""),
            AgeColumn,
        ],
        "Service" =>
        [
            NameColumn,
            new("Type", "string", 0, "type determines how the Service is exposed.", (o, _) => Json.Str(o["spec"]?["type"]) ?? "ClusterIP"),
            new("Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly.", (o, _) => ClusterIp(o)),
            new("External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.", (o, _) => ServiceExternalIp(o)),
            new("Port(s)", "string", 0, "The ports that are exposed by this service.", (o, _) => ServicePorts(o)),
            AgeColumn,
            new("Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector.", (o, _) => FormatLabels(o["spec"]?["selector"] as JsonObject)),
        ],
        "ServiceAccount" =>
        [
            NameColumn,
            new("Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", (o, _) => (o["secrets"] as JsonArray)?.Count ?? 0),
            AgeColumn,
        ],
        "ConfigMap" =>
        [
            NameColumn,
            new("Data", "string", 0, "Data contains the configuration data.", (o, _) => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)),
            AgeColumn,
        ],
        "Deployment" =>
        [
            NameColumn,
            new("Ready", "string", 0, "Number of the pod with ready state", (o, _) => $"{Int(o["status"]?["readyReplicas"])}/{Int(o["spec"]?["replicas"])}"),
            new("Up-to-date", "string", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", (o, _) => Int(o["status"]?["updatedReplicas"])),
            new("Available", "string", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", (o, _) => Int(o["status"]?["availableReplicas"])),
            AgeColumn,
            new("Containers", "string", 1, "Names of each container in the template.", (o, _) => Containers(o, "name")),
            new("Images", "string", 1, "Images referenced by each container in the template.", (o, _) => Containers(o, "image")),
            new("Selector", "string", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", (o, _) => FormatSelector(o["spec"]?["selector"] as JsonObject)),
        ],
        "Event" =>
        [
            new("Last Seen", "string", 0, "The time at which the most recent occurrence of this event was recorded.", (o, now) => EventLastSeen(o, now)),
            new("Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future", (o, _) => Json.Str(o["type"]) ?? ""),
            new("Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", (o, _) => Json.Str(o["reason"]) ?? ""),
            new("Object", "string", 0, "The object that this event is about.", (o, _) => EventObject(o)),
            new("Subobject", "string", 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", (o, _) => Json.Str(o["involvedObject"]?["fieldPath"]) ?? ""),
            new("Source", "string", 1, "The component reporting this event. Should be a short machine understandable string.", (o, _) => EventSource(o)),
            new("Message", "string", 0, "A human-readable description of the status of this operation.", (o, _) => (Json.Str(o["message"]) ?? "").Trim()),
            new("First Seen", "string", 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", (o, now) => Since(o["firstTimestamp"] ?? o["eventTime"], now)),
            new("Count", "string", 1, "The number of times this event has occurred.", (o, _) => Json.Long(o["count"]) is > 0 and var n ? n : 1),
            new("Name", "string", 1, NameDescription, (o, _) => Json.Name(o), "name"),
        ],
        "ClusterRole" or "Role" =>
        [
            NameColumn,
            new("Created At", "date", 0, AgeDescription, (o, _) => Json.Str(o["metadata"]?["creationTimestamp"]) ?? ""),
        ],
        "Pod" =>
        [
            NameColumn,
            new("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic.", (o, _) => PodReady(o)),
            new("Status", "string", 0, "The aggregate status of the containers in this pod.", (o, _) => PodStatus(o)),
            new("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", (o, _) => PodRestarts(o)),
            AgeColumn,
            new("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", (o, _) => Json.Str(o["status"]?["podIP"]) is { Length: > 0 } ip ? ip : "<none>"),
            new("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node.", (o, _) => Json.Str(o["spec"]?["nodeName"]) is { Length: > 0 } n ? n : "<none>"),
            new("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node.", (o, _) => Json.Str(o["status"]?["nominatedNodeName"]) is { Length: > 0 } n ? n : "<none>"),
            new("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness.", (o, _) => "<none>"),
        ],
        "ClusterRoleBinding" or "RoleBinding" =>
        [
            NameColumn,
            new("Role", "string", 0, "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.", (o, _) => $"{Json.Str(o["roleRef"]?["kind"])}/{Json.Str(o["roleRef"]?["name"])}"),
            AgeColumn,
            new("Users", "string", 1, "Users in the roleBinding", (o, _) => Subjects(o, "User")),
            new("Groups", "string", 1, "Groups in the roleBinding", (o, _) => Subjects(o, "Group")),
            new("ServiceAccounts", "string", 1, "ServiceAccounts in the roleBinding", (o, _) => Subjects(o, "ServiceAccount")),
        ],
        _ => [NameColumn, new("Created At", "date", 0, AgeDescription, (o, _) => Json.Str(o["metadata"]?["creationTimestamp"]) ?? "")],
    };

    /// <summary>A Table for <paramref name="items"/>; includeObject is None, Metadata (the default) or Object.</summary>
    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> items, JsonObject listMetadata, string? includeObject, string apiVersion = "meta.k8s.io/v1")
    {
        var columns = ColumnsFor(type);
        var now = DateTimeOffset.UtcNow;
        var definitions = new JsonArray();
        foreach (var c in columns)
            definitions.Add(new JsonObject
            {
                ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority,
            });
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(columns.Select(c => c.Cell(item, now)).ToArray()) };
            switch (includeObject)
            {
                case "None": break;
                case "Object": row["object"] = Json.Clone(item); break;
                default: row["object"] = PartialObjectMetadata(item); break;
            }
            rows.Add(row);
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = apiVersion,
            ["metadata"] = listMetadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    /// <summary>The metadata-only view of an object (<c>as=PartialObjectMetadata</c>).</summary>
    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    /// <summary>kubectl's human duration: 45s, 5m10s, 3h20m, 2d4h, 1y20d.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8) return (hours / 24) % 365 == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{(hours / 24) % 365}d";
        return $"{hours / 24 / 365}y";
    }

    private static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod, string list) =>
        (pod["status"]?[list] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static string PodReady(JsonObject pod)
    {
        var total = (pod["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = ContainerStatuses(pod, "containerStatuses").Count(c => c["ready"] is JsonValue v && v.TryGetValue<bool>(out var r) && r);
        return $"{ready}/{total}";
    }

    private static string PodRestarts(JsonObject pod) =>
        ContainerStatuses(pod, "containerStatuses").Sum(c => Int(c["restartCount"])).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // The apiserver's printPod, the parts the served pods use: the phase, then init containers
    // (Init:reason or Init:n/m), then the last container's waiting or terminated reason.
    private static string PodStatus(JsonObject pod)
    {
        var reason = Json.Str(pod["status"]?["reason"]) is { Length: > 0 } r ? r : Json.Str(pod["status"]?["phase"]) ?? "Pending";
        var inits = ContainerStatuses(pod, "initContainerStatuses").ToList();
        var initTotal = (pod["spec"]?["initContainers"] as JsonArray)?.Count ?? 0;
        var initializing = false;
        for (var i = 0; i < inits.Count; i++)
        {
            var state = inits[i]["state"];
            if (state?["terminated"] is JsonObject t && Int(t["exitCode"]) == 0) continue;
            initializing = true;
            reason = state?["terminated"] is JsonObject failed
                ? $"Init:{(Json.Str(failed["reason"]) is { Length: > 0 } fr ? fr : $"ExitCode:{Int(failed["exitCode"])}")}"
                : state?["waiting"] is JsonObject w && Json.Str(w["reason"]) is { Length: > 0 } wr && wr != "PodInitializing"
                    ? $"Init:{wr}"
                    : $"Init:{i}/{initTotal}";
            break;
        }
        if (!initializing)
        {
            foreach (var c in ContainerStatuses(pod, "containerStatuses").Reverse())
            {
                if (c["state"]?["waiting"] is JsonObject w && Json.Str(w["reason"]) is { Length: > 0 } wr) reason = wr;
                else if (c["state"]?["terminated"] is JsonObject t && Json.Str(t["reason"]) is { Length: > 0 } tr) reason = tr;
            }
        }
        if (pod["metadata"]?["deletionTimestamp"] is not null) reason = "Terminating";
        return reason;
    }

    private static string Age(JsonObject o, DateTimeOffset now) =>
        DateTimeOffset.TryParse(Json.Str(o["metadata"]?["creationTimestamp"]), out var created)
            ? HumanDuration(now - created)
            : "<unknown>";

    // The apiserver's printer: lastTimestamp, else the first time seen.
    private static string EventLastSeen(JsonObject e, DateTimeOffset now) =>
        e["lastTimestamp"] is { } last && Json.Str(last) is { Length: > 0 } ? Since(last, now) : Since(e["firstTimestamp"] ?? e["eventTime"], now);

    private static string Since(JsonNode? time, DateTimeOffset now) =>
        DateTimeOffset.TryParse(Json.Str(time), out var t) ? HumanDuration(now - t) : "<unknown>";

    private static string EventObject(JsonObject e)
    {
        var kind = (Json.Str(e["involvedObject"]?["kind"]) ?? "").ToLowerInvariant();
        return Json.Str(e["involvedObject"]?["name"]) is { Length: > 0 } name ? $"{kind}/{name}" : kind;
    }

    private static string EventSource(JsonObject e)
    {
        var component = Json.Str(e["source"]?["component"]) is { Length: > 0 } c ? c : Json.Str(e["reportingComponent"]) ?? "";
        var host = Json.Str(e["source"]?["host"]) is { Length: > 0 } h ? h : Json.Str(e["reportingInstance"]) ?? "";
        if (component.Length == 0) return "";
        return host.Length == 0 ? component : $"{component}, {host}";
    }

    private static string NodeStatus(JsonObject node)
    {
        var status = new List<string>();
        var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Json.Str(c["type"]) == "Ready");
        if (ready is not null) status.Add(Json.Str(ready["status"]) == "True" ? "Ready" : "NotReady");
        if (status.Count == 0) status.Add("Unknown");
        if (node["spec"]?["unschedulable"] is JsonValue v && v.TryGetValue<bool>(out var u) && u) status.Add("SchedulingDisabled");
        return string.Join(",", status);
    }

    private static string NodeRoles(JsonObject node)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in Json.Labels(node))
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
                roles.Add(key["node-role.kubernetes.io/".Length..]);
            else if (key == "kubernetes.io/role" && value.Length > 0)
                roles.Add(value);
        }
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string NodeAddress(JsonObject node, string type) =>
        (node["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>()
            .Where(a => Json.Str(a["type"]) == type).Select(a => Json.Str(a["address"])).FirstOrDefault() ?? "<none>";

    private static string OrUnknown(JsonNode? node) => Json.Str(node) is { Length: > 0 } s ? s : "<unknown>";

    private static string ClusterIp(JsonObject svc) =>
        Json.Str((svc["spec"]?["clusterIPs"] as JsonArray)?.FirstOrDefault()) ?? Json.Str(svc["spec"]?["clusterIP"]) ?? "<none>";

    private static string ServiceExternalIp(JsonObject svc)
    {
        var spec = svc["spec"];
        var external = (spec?["externalIPs"] as JsonArray)?.Select(Json.Str).OfType<string>().ToList() ?? [];
        switch (Json.Str(spec?["type"]) ?? "ClusterIP")
        {
            case "ExternalName":
                return Json.Str(spec?["externalName"]) ?? "<none>";
            case "LoadBalancer":
                var ingress = (svc["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.OfType<JsonObject>()
                    .Select(i => Json.Str(i["ip"]) ?? Json.Str(i["hostname"])).OfType<string>().ToList() ?? [];
                var all = ingress.Concat(external).ToList();
                return all.Count > 0 ? string.Join(",", all) : "<pending>";
            default:
                return external.Count > 0 ? string.Join(",", external) : "<none>";
        }
    }

    private static string ServicePorts(JsonObject svc)
    {
        if (svc["spec"]?["ports"] is not JsonArray { Count: > 0 } ports) return "<none>";
        return string.Join(",", ports.OfType<JsonObject>().Select(p =>
        {
            var protocol = Json.Str(p["protocol"]) ?? "TCP";
            return p["nodePort"] is { } nodePort
                ? $"{p["port"]}:{nodePort}/{protocol}"
                : $"{p["port"]}/{protocol}";
        }));
    }

    private static string FormatLabels(JsonObject? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Json.Str(p.Value)}"));

    private static string FormatSelector(JsonObject? selector)
    {
        if (selector is null) return "<none>";
        var parts = new List<string>();
        if (selector["matchLabels"] is JsonObject labels)
            parts.AddRange(labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Json.Str(p.Value)}"));
        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = Json.Str(e["key"]);
                var values = string.Join(",", (e["values"] as JsonArray ?? []).Select(Json.Str));
                parts.Add(Json.Str(e["operator"]) switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "Exists" => key!,
                    "DoesNotExist" => $"!{key}",
                    _ => $"{key} {Json.Str(e["operator"])} ({values})",
                });
            }
        }
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }

    private static string Containers(JsonObject deployment, string field) =>
        string.Join(",", (deployment["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [])
            .OfType<JsonObject>().Select(c => Json.Str(c[field])));

    private static string Subjects(JsonObject binding, string kind) =>
        string.Join(", ", (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(s => Json.Str(s["kind"]) == kind)
            .Select(s => kind == "ServiceAccount" ? $"{Json.Str(s["namespace"])}/{Json.Str(s["name"])}" : Json.Str(s["name"])));

    private static long Int(JsonNode? node) => Json.Long(node) ?? 0;
}
