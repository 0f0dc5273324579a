using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FakeKubeApi;

/// <summary>Name, label and per-kind checks, with the apiserver's own wording.</summary>
public static partial class Validation
{
    private const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private const string QualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex(@"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    /// <summary>Why a label/annotation key is invalid, or null.</summary>
    public static string? QualifiedNameError(string key)
    {
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0) return "prefix part must be non-empty";
            if (prefix.Length > 253 || !Dns1123Subdomain().IsMatch(prefix)) return "prefix part " + Dns1123SubdomainMessage;
        }
        if (name.Length == 0) return "name part must be non-empty";
        if (name.Length > 63) return "name part must be no more than 63 characters";
        return QualifiedNamePart().IsMatch(name) ? null : QualifiedNameMessage;
    }

    public static string? LabelValueError(string value)
    {
        if (value.Length > 63) return "must be no more than 63 characters";
        return LabelValue().IsMatch(value) ? null : LabelValueMessage;
    }

    private static string? NameError(ResourceType type, string name)
    {
        if (type.Group == "rbac.authorization.k8s.io")
        {
            // RBAC names are path segments, not DNS names.
            if (name is "." or "..") return $"may not be '{name}'";
            return name.IndexOfAny(['/', '%']) >= 0 ? $"may not contain '{(name.Contains('/') ? "/" : "%")}'" : null;
        }
        return type.Kind switch
        {
            "Namespace" => name.Length > 63 ? "must be no more than 63 characters" : Dns1123Label().IsMatch(name) ? null : Dns1123LabelMessage,
            "Service" => name.Length > 63 ? "must be no more than 63 characters" : Dns1035Label().IsMatch(name) ? null : Dns1035LabelMessage,
            _ => name.Length > 253 ? "must be no more than 253 characters" : Dns1123Subdomain().IsMatch(name) ? null : Dns1123SubdomainMessage,
        };
    }

    /// <summary>
    /// The type errors the apiserver's decoder would hit on the served kinds (labels, annotations and
    /// ConfigMap data must be strings, ports and replicas integers); a 400, as the real decoding error is.
    /// </summary>
    public static void CheckTypes(ResourceType type, JsonObject obj)
    {
        void Fail(string field, JsonNode? value, string goType) => throw KubeStatus.BadRequest(
            $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: json: cannot unmarshal {JsonKind(value)} into Go struct field {field} of type {goType}");

        foreach (var map in new[] { "labels", "annotations" })
            if (obj["metadata"]?[map] is JsonObject entries)
                foreach (var (_, v) in entries)
                    if (Json.Str(v) is null) Fail($"ObjectMeta.metadata.{map}", v, "string");
        if (type.Kind == "ConfigMap")
            foreach (var map in new[] { "data", "binaryData" })
                if (obj[map] is JsonObject entries)
                    foreach (var (_, v) in entries)
                        if (Json.Str(v) is null) Fail($"ConfigMap.{map}", v, map == "data" ? "string" : "[]uint8");
        if (type.Kind == "Service" && obj["spec"]?["ports"] is JsonArray ports)
            foreach (var p in ports.OfType<JsonObject>())
                foreach (var f in new[] { "port", "nodePort" })
                    if (p[f] is { } v && Json.Long(v) is null) Fail($"ServicePort.spec.ports.{f}", v, "int32");
        if (type.Kind == "Deployment" && obj["spec"]?["replicas"] is { } replicas && Json.Long(replicas) is null)
            Fail("DeploymentSpec.spec.replicas", replicas, "int32");
    }

    private static string JsonKind(JsonNode? value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "bool",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => "number",
        _ => "string",
    };

    /// <summary>Checks an object about to be stored; throws 422 Invalid with every error found.</summary>
    public static void Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        CheckTypes(type, obj);
        var errors = new List<FieldError>();
        var name = Json.Name(obj) ?? "";
        if (name.Length == 0) errors.Add(FieldError.Required("metadata.name"));
        else if (NameError(type, name) is { } why) errors.Add(FieldError.InvalidValue("metadata.name", name, why));

        if (type.Namespaced && string.IsNullOrEmpty(Json.Namespace(obj)))
            errors.Add(FieldError.Required("metadata.namespace"));

        foreach (var (key, value) in Json.Labels(obj))
        {
            if (QualifiedNameError(key) is { } keyWhy) errors.Add(FieldError.InvalidValue("metadata.labels", key, keyWhy));
            if (LabelValueError(value) is { } valueWhy) errors.Add(FieldError.InvalidValue("metadata.labels", value, valueWhy));
        }
        if (obj["metadata"]?["annotations"] is JsonObject annotations)
            foreach (var (key, _) in annotations)
                if (QualifiedNameError(key) is { } keyWhy) errors.Add(FieldError.InvalidValue("metadata.annotations", key, keyWhy));

        switch (type.Kind)
        {
            case "Deployment": ValidateDeployment(obj, old, errors); break;
            case "Service": ValidateService(obj, old, errors); break;
            case "ClusterRoleBinding" or "RoleBinding": ValidateBinding(obj, old, errors); break;
            case "Event": ValidateEvent(obj, errors); break;
        }
        if (errors.Count > 0) throw KubeStatus.Invalid(type, name, errors);
    }

    private static void ValidateDeployment(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        if (spec?["selector"] is not JsonObject selector)
        {
            errors.Add(FieldError.Required("spec.selector"));
            return;
        }
        // apps/v1 made the selector immutable; the apiserver prints the Go value it refused.
        if (old?["spec"]?["selector"] is JsonObject oldSelector && !Json.DeepEquals(oldSelector, selector))
            errors.Add(new("spec.selector", "FieldValueInvalid", $"Invalid value: {GoLabelSelector(selector)}: field is immutable"));
        var templateLabels = spec["template"]?["metadata"]?["labels"] as JsonObject ?? [];
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (k, v) in matchLabels)
            {
                if (!Json.DeepEquals(templateLabels[k], v))
                {
                    var shown = string.Join(",", templateLabels.Select(p => $"{p.Key}:{Json.Str(p.Value)}"));
                    errors.Add(FieldError.InvalidValue("spec.template.metadata.labels", $"map[{shown}]", "`selector` does not match template `labels`"));
                    break;
                }
            }
        }
        if (spec["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 } containers)
        {
            errors.Add(FieldError.Required("spec.template.spec.containers"));
            return;
        }
        for (var i = 0; i < containers.Count; i++)
        {
            if (string.IsNullOrEmpty(Json.Str(containers[i]?["name"]))) errors.Add(FieldError.Required($"spec.template.spec.containers[{i}].name"));
            if (string.IsNullOrEmpty(Json.Str(containers[i]?["image"]))) errors.Add(FieldError.Required($"spec.template.spec.containers[{i}].image"));
        }
    }

    /// <summary>The apiserver's --service-node-port-range; its default is 30000-32767.</summary>
    public static (int Low, int High) NodePortRange { get; set; } = (30000, 32767);

    private static void ValidateService(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        var type = Json.Str(spec?["type"]) ?? "ClusterIP";
        var headless = Json.Str(spec?["clusterIP"]) == "None";
        ValidateClusterIpsUpdate(spec, old?["spec"] as JsonObject, type, errors);
        if (type != "ExternalName" && !headless && spec?["ports"] is not JsonArray { Count: > 0 })
            errors.Add(FieldError.Required("spec.ports"));
        if (type is not ("NodePort" or "LoadBalancer") || spec?["ports"] is not JsonArray ports) return;
        for (var i = 0; i < ports.Count; i++)
        {
            // The apiserver's wording, value unquoted: it is a number.
            // A number read from JSON or decoded from protobuf (stored as a long).
            if (Json.Long(ports[i]?["nodePort"]) is { } nodePort && nodePort != 0
                && (nodePort < NodePortRange.Low || nodePort > NodePortRange.High))
                errors.Add(new($"spec.ports[{i}].nodePort", "FieldValueInvalid",
                    $"Invalid value: {nodePort}: provided port is not in the valid range. The range of valid ports is {NodePortRange.Low}-{NodePortRange.High}"));
        }
    }

    // The apiserver's validateUpgradeDowngradeClusterIPs, for the single-stack case: an allocated
    // cluster IP may not change, except to or from ExternalName or between two headless Services.
    private static void ValidateClusterIpsUpdate(JsonObject? spec, JsonObject? oldSpec, string type, List<FieldError> errors)
    {
        if (oldSpec is null || type == "ExternalName" || Json.Str(oldSpec["type"]) == "ExternalName") return;
        if (Json.Str(oldSpec["clusterIP"]) == "None" && Json.Str(spec?["clusterIP"]) == "None") return;
        var oldIps = (oldSpec["clusterIPs"] as JsonArray)?.Select(Json.Str).ToList() ?? [];
        var newIps = (spec?["clusterIPs"] as JsonArray)?.Select(Json.Str).ToList() ?? [];
        var shown = "[]string{" + string.Join(", ", newIps.Select(ip => $"\"{ip}\"")) + "}";
        for (var i = 0; i < Math.Min(oldIps.Count, newIps.Count); i++)
            if (oldIps[i] != newIps[i])
                errors.Add(new($"spec.clusterIPs[{i}]", "FieldValueInvalid", $"Invalid value: {shown}: may not change once set"));
        if (oldIps.Count > 0 && newIps.Count == 0)
            errors.Add(new("spec.clusterIPs[0]", "FieldValueInvalid", $"Invalid value: {shown}: primary clusterIP can not be unset"));
    }

    // How Go's %#v prints a metav1.LabelSelector, which is how the apiserver shows a refused selector.
    private static string GoLabelSelector(JsonObject selector)
    {
        var labels = selector["matchLabels"] is JsonObject m
            ? "map[string]string{" + string.Join(", ", m.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":\"{Json.Str(p.Value)}\"")) + "}"
            : "map[string]string(nil)";
        var expressions = selector["matchExpressions"] is JsonArray { Count: > 0 } e ? $"[]v1.LabelSelectorRequirement{{...{e.Count}}}" : "[]v1.LabelSelectorRequirement(nil)";
        return $"v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{expressions}}}";
    }

    // The legacy (core/v1) event check, which is all the apiserver applies to a core/v1 Event without
    // an eventTime: the event lives in its object's namespace.
    private static void ValidateEvent(JsonObject obj, List<FieldError> errors)
    {
        var involvedNs = Json.Str(obj["involvedObject"]?["namespace"]) ?? "";
        if (involvedNs.Length > 0 && involvedNs != Json.Namespace(obj))
            errors.Add(FieldError.InvalidValue("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    }

    private static void ValidateBinding(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        if (obj["roleRef"] is not JsonObject roleRef || string.IsNullOrEmpty(Json.Str(roleRef["name"])))
        {
            errors.Add(FieldError.Required("roleRef.name"));
            return;
        }
        if (old?["roleRef"] is JsonObject oldRef && !Json.DeepEquals(oldRef, roleRef))
            errors.Add(new("roleRef", "FieldValueInvalid", $"Invalid value: {roleRef.ToJsonString()}: cannot change roleRef"));
    }
}
