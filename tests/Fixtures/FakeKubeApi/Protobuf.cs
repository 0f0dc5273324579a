using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Decodes <c>application/vnd.kubernetes.protobuf</c> request bodies into JSON. kubectl's typed
/// generators (<c>kubectl create namespace|configmap|serviceaccount|deployment|service|
/// clusterrole|clusterrolebinding|role|rolebinding</c>) send protobuf, not JSON.
/// <para>
/// The body is "k8s\0" plus a runtime.Unknown {typeMeta=1, raw=2} whose raw bytes are the typed
/// object. The schema below covers the fields of the served kinds that those generators (and
/// common hand-written objects) use. Go's protobuf marshalling writes every non-pointer field,
/// zero or not, so a field missing from the schema is skipped when it holds a zero value and
/// rejected (415) otherwise: a body the fake cannot decode faithfully fails loudly.
/// </para>
/// </summary>
public static class Protobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private enum Kind { String, Int, Bool, Bytes, Message, StringMap, BytesMap, QuantityMap, IntOrString, Time, Quantity, Ignore }

    // Pointer fields keep zero values (replicas: 0 means something); repeated fields keep every item.
    private sealed record Field(string Name, Kind Kind, string? Message = null, bool Repeated = false, bool Pointer = false);

    private static Field S(string name) => new(name, Kind.String);
    private static Field I(string name, bool pointer = false) => new(name, Kind.Int, Pointer: pointer);
    private static Field B(string name, bool pointer = false) => new(name, Kind.Bool, Pointer: pointer);
    private static Field M(string name, string message, bool repeated = false) => new(name, Kind.Message, message, repeated);
    private static Field Strings(string name) => new(name, Kind.String, Repeated: true);

    private static readonly Dictionary<string, Dictionary<int, Field>> Messages = new()
    {
        ["TypeMeta"] = new() { [1] = S("apiVersion"), [2] = S("kind") },
        ["ObjectMeta"] = new()
        {
            [1] = S("name"), [2] = S("generateName"), [3] = S("namespace"), [4] = S("selfLink"), [5] = S("uid"),
            [6] = S("resourceVersion"), [7] = I("generation"), [8] = new("creationTimestamp", Kind.Time),
            [9] = new("deletionTimestamp", Kind.Time), [10] = I("deletionGracePeriodSeconds", pointer: true),
            [11] = new("labels", Kind.StringMap), [12] = new("annotations", Kind.StringMap),
            [13] = M("ownerReferences", "OwnerReference", repeated: true), [14] = Strings("finalizers"),
            [17] = new("managedFields", Kind.Ignore),
        },
        ["OwnerReference"] = new()
        {
            [1] = S("kind"), [3] = S("name"), [4] = S("uid"), [5] = S("apiVersion"),
            [6] = B("controller", pointer: true), [7] = B("blockOwnerDeletion", pointer: true),
        },
        ["ObjectReference"] = new()
        {
            [1] = S("kind"), [2] = S("namespace"), [3] = S("name"), [4] = S("uid"), [5] = S("apiVersion"),
            [6] = S("resourceVersion"), [7] = S("fieldPath"),
        },
        ["LocalObjectReference"] = new() { [1] = S("name") },
        ["LabelSelector"] = new() { [1] = new("matchLabels", Kind.StringMap), [2] = M("matchExpressions", "LabelSelectorRequirement", repeated: true) },
        ["LabelSelectorRequirement"] = new() { [1] = S("key"), [2] = S("operator"), [3] = Strings("values") },

        ["Namespace"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "NamespaceSpec"), [3] = M("status", "NamespaceStatus") },
        ["NamespaceSpec"] = new() { [1] = Strings("finalizers") },
        ["NamespaceStatus"] = new() { [1] = S("phase") },
        ["ConfigMap"] = new()
        {
            [1] = M("metadata", "ObjectMeta"), [2] = new("data", Kind.StringMap), [3] = new("binaryData", Kind.BytesMap),
            [4] = B("immutable", pointer: true),
        },
        ["ServiceAccount"] = new()
        {
            [1] = M("metadata", "ObjectMeta"), [2] = M("secrets", "ObjectReference", repeated: true),
            [3] = M("imagePullSecrets", "LocalObjectReference", repeated: true), [4] = B("automountServiceAccountToken", pointer: true),
        },
        ["Service"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "ServiceSpec"), [3] = new("status", Kind.Ignore) },
        ["ServiceSpec"] = new()
        {
            [1] = M("ports", "ServicePort", repeated: true), [2] = new("selector", Kind.StringMap), [3] = S("clusterIP"), [4] = S("type"),
            [5] = Strings("externalIPs"), [7] = S("sessionAffinity"), [8] = S("loadBalancerIP"), [9] = Strings("loadBalancerSourceRanges"),
            [10] = S("externalName"), [11] = S("externalTrafficPolicy"), [12] = I("healthCheckNodePort"), [13] = B("publishNotReadyAddresses"),
        },
        ["ServicePort"] = new()
        {
            [1] = S("name"), [2] = S("protocol"), [3] = I("port"), [4] = new("targetPort", Kind.IntOrString), [5] = I("nodePort"),
            [6] = new("appProtocol", Kind.String, Pointer: true),
        },
        ["Deployment"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "DeploymentSpec"), [3] = new("status", Kind.Ignore) },
        ["DeploymentSpec"] = new()
        {
            [1] = I("replicas", pointer: true), [2] = M("selector", "LabelSelector"), [3] = M("template", "PodTemplateSpec"),
            [4] = M("strategy", "DeploymentStrategy"), [5] = I("minReadySeconds"), [6] = I("revisionHistoryLimit", pointer: true),
            [7] = B("paused"), [9] = I("progressDeadlineSeconds", pointer: true),
        },
        ["DeploymentStrategy"] = new() { [1] = S("type"), [2] = M("rollingUpdate", "RollingUpdateDeployment") },
        ["RollingUpdateDeployment"] = new() { [1] = new("maxUnavailable", Kind.IntOrString), [2] = new("maxSurge", Kind.IntOrString) },
        ["PodTemplateSpec"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "PodSpec") },
        ["PodSpec"] = new()
        {
            [2] = M("containers", "Container", repeated: true), [3] = S("restartPolicy"), [4] = I("terminationGracePeriodSeconds", pointer: true),
            [5] = I("activeDeadlineSeconds", pointer: true), [6] = S("dnsPolicy"), [7] = new("nodeSelector", Kind.StringMap),
            [8] = S("serviceAccountName"), [9] = S("serviceAccount"), [10] = S("nodeName"), [11] = B("hostNetwork"), [12] = B("hostPID"),
            [13] = B("hostIPC"), [15] = M("imagePullSecrets", "LocalObjectReference", repeated: true), [16] = S("hostname"),
            [17] = S("subdomain"), [19] = S("schedulerName"), [20] = M("initContainers", "Container", repeated: true),
            [24] = S("priorityClassName"),
        },
        ["Container"] = new()
        {
            [1] = S("name"), [2] = S("image"), [3] = Strings("command"), [4] = Strings("args"), [5] = S("workingDir"),
            [6] = M("ports", "ContainerPort", repeated: true), [7] = M("env", "EnvVar", repeated: true),
            [8] = M("resources", "ResourceRequirements"), [13] = S("terminationMessagePath"), [14] = S("imagePullPolicy"),
            [16] = B("stdin"), [17] = B("stdinOnce"), [18] = B("tty"), [20] = S("terminationMessagePolicy"),
        },
        ["ContainerPort"] = new() { [1] = S("name"), [2] = I("hostPort"), [3] = I("containerPort"), [4] = S("protocol"), [5] = S("hostIP") },
        ["EnvVar"] = new() { [1] = S("name"), [2] = S("value") },
        ["ResourceRequirements"] = new() { [1] = new("limits", Kind.QuantityMap), [2] = new("requests", Kind.QuantityMap) },

        ["ClusterRole"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("rules", "PolicyRule", repeated: true) },
        ["Role"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("rules", "PolicyRule", repeated: true) },
        ["PolicyRule"] = new()
        {
            [1] = Strings("verbs"), [2] = Strings("apiGroups"), [3] = Strings("resources"), [4] = Strings("resourceNames"),
            [5] = Strings("nonResourceURLs"),
        },
        ["ClusterRoleBinding"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("subjects", "Subject", repeated: true), [3] = M("roleRef", "RoleRef") },
        ["RoleBinding"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("subjects", "Subject", repeated: true), [3] = M("roleRef", "RoleRef") },
        ["Subject"] = new() { [1] = S("kind"), [2] = S("apiGroup"), [3] = S("name"), [4] = S("namespace") },
        ["RoleRef"] = new() { [1] = S("apiGroup"), [2] = S("kind"), [3] = S("name") },

        // kubectl create token: a TokenRequest posted to serviceaccounts/{name}/token.
        ["TokenRequest"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "TokenRequestSpec"), [3] = new("status", Kind.Ignore) },
        ["TokenRequestSpec"] = new()
        {
            [1] = Strings("audiences"), [3] = M("boundObjectRef", "BoundObjectReference"), [4] = I("expirationSeconds", pointer: true),
        },
        ["BoundObjectReference"] = new() { [1] = S("kind"), [2] = S("apiVersion"), [3] = S("name"), [4] = S("uid") },
    };

    // Kinds a subresource takes, which no resource of the catalog serves.
    private static readonly HashSet<(string ApiVersion, string Kind)> SubresourceKinds = [("authentication.k8s.io/v1", "TokenRequest")];

    /// <summary>The object in a protobuf body, as JSON with kind and apiVersion set.</summary>
    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0)
            throw KubeStatus.BadRequest("provided protobuf body does not start with the 'k8s\\0' prefix");
        var reader = new Reader(body.AsMemory(4));
        string apiVersion = "", kind = "";
        ReadOnlyMemory<byte> raw = default;
        while (!reader.End)
        {
            var (number, wire) = reader.Key();
            switch (number)
            {
                case 1:
                    var typeMeta = Decode(reader.Bytes(), "TypeMeta");
                    apiVersion = Json.Str(typeMeta["apiVersion"]) ?? "";
                    kind = Json.Str(typeMeta["kind"]) ?? "";
                    break;
                case 2: raw = reader.Bytes(); break;
                default: reader.Skip(wire); break;
            }
        }
        if (!Messages.ContainsKey(kind) || (ResourceCatalog.FindByKind(apiVersion, kind) is null && !SubresourceKinds.Contains((apiVersion, kind))))
            throw Unsupported($"{apiVersion} {kind}");
        var obj = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        var decoded = Decode(raw, kind);
        foreach (var key in decoded.Select(p => p.Key).ToList())
        {
            var value = decoded[key];
            decoded.Remove(key);
            obj[key] = value;
        }
        return obj;
    }

    private static JsonObject Decode(ReadOnlyMemory<byte> bytes, string message)
    {
        var schema = Messages[message];
        var obj = new JsonObject();
        var reader = new Reader(bytes);
        while (!reader.End)
        {
            var (number, wire) = reader.Key();
            if (!schema.TryGetValue(number, out var field))
            {
                if (!reader.SkipZero(wire)) throw Unsupported($"field {number} of {message}");
                continue;
            }
            var value = ReadValue(ref reader, field, wire, message);
            if (value is null) continue;
            if (field.Repeated)
            {
                var list = obj[field.Name] as JsonArray ?? (JsonArray)(obj[field.Name] = new JsonArray());
                list.Add(value);
            }
            else if (field.Kind is Kind.StringMap or Kind.BytesMap or Kind.QuantityMap)
            {
                var map = obj[field.Name] as JsonObject ?? (JsonObject)(obj[field.Name] = new JsonObject());
                foreach (var (k, v) in ((JsonObject)value).ToList())
                {
                    ((JsonObject)value).Remove(k);
                    map[k] = v;
                }
            }
            else obj[field.Name] = value;
        }
        return obj;
    }

    // One field value; null when it is a zero value Go would omit from JSON.
    private static JsonNode? ReadValue(ref Reader reader, Field field, int wire, string message)
    {
        switch (field.Kind)
        {
            case Kind.String:
            {
                var s = Encoding.UTF8.GetString(reader.Bytes().Span);
                return s.Length > 0 || field.Repeated || field.Pointer ? JsonValue.Create(s) : null;
            }
            case Kind.Int:
            {
                var v = (long)reader.Varint(); // negative int32s arrive sign-extended to 64 bits
                return v != 0 || field.Pointer ? JsonValue.Create(v) : null;
            }
            case Kind.Bool:
            {
                var b = reader.Varint() != 0;
                return b || field.Pointer ? JsonValue.Create(b) : null;
            }
            case Kind.Bytes:
                return JsonValue.Create(Convert.ToBase64String(reader.Bytes().Span));
            case Kind.Message:
                return Decode(reader.Bytes(), field.Message!);
            case Kind.StringMap or Kind.BytesMap or Kind.QuantityMap:
            {
                var entry = new Reader(reader.Bytes());
                string key = "";
                JsonNode? value = "";
                while (!entry.End)
                {
                    var (n, w) = entry.Key();
                    if (n == 1) key = Encoding.UTF8.GetString(entry.Bytes().Span);
                    else if (n == 2)
                        value = field.Kind switch
                        {
                            Kind.BytesMap => Convert.ToBase64String(entry.Bytes().Span),
                            Kind.QuantityMap => Quantity(entry.Bytes()),
                            _ => Encoding.UTF8.GetString(entry.Bytes().Span),
                        };
                    else entry.Skip(w);
                }
                return new JsonObject { [key] = value };
            }
            case Kind.IntOrString:
            {
                var ios = new Reader(reader.Bytes());
                long type = 0, intVal = 0;
                string strVal = "";
                while (!ios.End)
                {
                    var (n, w) = ios.Key();
                    switch (n)
                    {
                        case 1: type = (long)ios.Varint(); break;
                        case 2: intVal = (int)ios.Varint(); break;
                        case 3: strVal = Encoding.UTF8.GetString(ios.Bytes().Span); break;
                        default: ios.Skip(w); break;
                    }
                }
                return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create(intVal);
            }
            case Kind.Time:
            {
                var time = new Reader(reader.Bytes());
                long seconds = 0;
                while (!time.End)
                {
                    var (n, w) = time.Key();
                    if (n == 1) seconds = (long)time.Varint();
                    else time.Skip(w);
                }
                return seconds == 0 ? null : JsonValue.Create(Json.Rfc3339(DateTimeOffset.FromUnixTimeSeconds(seconds)));
            }
            case Kind.Quantity:
                return Quantity(reader.Bytes());
            default:
                reader.Skip(wire);
                return null;
        }
    }

    private static JsonNode Quantity(ReadOnlyMemory<byte> bytes)
    {
        var q = new Reader(bytes);
        var text = "";
        while (!q.End)
        {
            var (n, w) = q.Key();
            if (n == 1) text = Encoding.UTF8.GetString(q.Bytes().Span);
            else q.Skip(w);
        }
        return JsonValue.Create(text);
    }

    private static KubeApiException Unsupported(string what) =>
        new(KubeStatus.Failure(415, "UnsupportedMediaType",
            $"the fake apiserver cannot decode {what} from {ContentType} (it knows the fields kubectl's generators send); send application/json instead"));

    /// <summary>A protobuf wire-format reader over one message.</summary>
    private struct Reader(ReadOnlyMemory<byte> data)
    {
        private int _at;

        public readonly bool End => _at >= data.Length;

        public (int Number, int Wire) Key()
        {
            var key = Varint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_at >= data.Length) throw KubeStatus.BadRequest("truncated protobuf body");
                var b = data.Span[_at++];
                result |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return result;
            }
            throw KubeStatus.BadRequest("malformed protobuf varint");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || _at + length > data.Length) throw KubeStatus.BadRequest("truncated protobuf body");
            var slice = data.Slice(_at, length);
            _at += length;
            return slice;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _at += 8; break;
                case 2: Bytes(); break;
                case 5: _at += 4; break;
                default: throw KubeStatus.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }

        /// <summary>Skips a field, answering whether it held a zero value (0, "", or an empty message).</summary>
        public bool SkipZero(int wire)
        {
            switch (wire)
            {
                case 0: return Varint() == 0;
                case 2: return Bytes().Length == 0;
                default: Skip(wire); return false;
            }
        }
    }
}
