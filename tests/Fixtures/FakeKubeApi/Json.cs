using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>Small JsonNode helpers shared by the store, the patchers and the endpoints.</summary>
public static class Json
{
    // Escapes only what JSON requires (plus control characters): '+' and '<' stay readable, as Go mostly keeps them.
    public static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static JsonObject Metadata(JsonObject obj) =>
        obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    public static string? Name(JsonObject obj) => Str(obj["metadata"]?["name"]);

    public static string? Namespace(JsonObject obj) => Str(obj["metadata"]?["namespace"]);

    /// <summary>An integer member, whether it came from parsed JSON or was set in code (as int or long).</summary>
    public static long? Long(JsonNode? node) =>
        node is JsonValue && long.TryParse(node.ToJsonString(), out var l) ? l : null;

    public static long ResourceVersionOf(JsonObject obj) =>
        long.TryParse(Str(obj["metadata"]?["resourceVersion"]), out var rv) ? rv : 0;

    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static T Clone<T>(T node) where T : JsonNode => (T)node.DeepClone();

    /// <summary>Labels as a dictionary (empty when absent).</summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject labels)
            foreach (var (k, v) in labels)
                result[k] = Str(v) ?? v?.ToJsonString() ?? "";
        return result;
    }

    /// <summary>
    /// Parses a request body as JSON, or as YAML when it is not JSON (the apiserver accepts both
    /// for apply patches and application/yaml creates).
    /// </summary>
    public static JsonNode? ParseJsonOrYaml(string body, bool allowYaml)
    {
        var looksLikeJson = body.TrimStart() is var t && (t.StartsWith('{') || t.StartsWith('['));
        if (looksLikeJson || !allowYaml)
        {
            try
            {
                return JsonNode.Parse(body);
            }
            catch (JsonException ex) when (!allowYaml)
            {
                throw KubeStatus.BadRequest($"error decoding JSON body: {ex.Message}");
            }
            catch (JsonException)
            {
                // Flow-style YAML starts with '{' too: let the YAML reader decide.
            }
        }
        return Yaml.ToJson(body);
    }

    /// <summary>
    /// Drops null members recursively: Go decoding turns them into zero values that are then
    /// omitted, so a stored object never holds an explicit null.
    /// </summary>
    public static void StripNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList()) o.Remove(key);
                foreach (var (_, v) in o) StripNulls(v);
                break;
            case JsonArray a:
                foreach (var v in a) StripNulls(v);
                break;
        }
    }

    /// <summary>
    /// A copy ordered like the apiserver's Go structs (kind, apiVersion, metadata, spec, ...,
    /// status; metadata in ObjectMeta order), re-parsed so every value is JSON-backed however it was set.
    /// </summary>
    public static JsonObject Canonical(JsonObject obj)
    {
        static JsonObject Ordered(JsonObject source, string[] first, string? last)
        {
            var keys = first.Where(source.ContainsKey)
                .Concat(source.Select(p => p.Key).Where(k => !first.Contains(k) && k != last))
                .Concat(last is not null && source.ContainsKey(last) ? [last] : Array.Empty<string>());
            var result = new JsonObject();
            foreach (var key in keys) result[key] = source[key]?.DeepClone();
            return result;
        }
        var ordered = Ordered(obj, ["kind", "apiVersion", "metadata"], "status");
        if (ordered["metadata"] is JsonObject meta) ordered["metadata"] = Ordered(meta, MetadataOrder, null);
        return JsonNode.Parse(ordered.ToJsonString(Compact))!.AsObject();
    }

    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ];

    public static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(Compact));

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
