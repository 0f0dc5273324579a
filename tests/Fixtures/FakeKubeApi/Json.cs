using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>Small JsonNode helpers shared by the store, the patchers and the endpoints.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static JsonObject Metadata(JsonObject obj) =>
        obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    public static string? Name(JsonObject obj) => Str(obj["metadata"]?["name"]);

    public static string? Namespace(JsonObject obj) => Str(obj["metadata"]?["namespace"]);

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

    /// <summary>Reorders members like the apiserver's Go structs: kind, apiVersion, metadata, spec, ..., status.</summary>
    public static JsonObject Canonical(JsonObject obj)
    {
        var ordered = new JsonObject();
        void Move(JsonObject from, JsonObject to, string key)
        {
            if (from.ContainsKey(key))
            {
                var v = from[key];
                from.Remove(key);
                to[key] = v;
            }
        }
        foreach (var key in new[] { "kind", "apiVersion", "metadata" }) Move(obj, ordered, key);
        foreach (var key in obj.Select(p => p.Key).Where(k => k != "status").ToList()) Move(obj, ordered, key);
        Move(obj, ordered, "status");

        if (ordered["metadata"] is JsonObject meta)
        {
            var m = new JsonObject();
            foreach (var key in MetadataOrder) Move(meta, m, key);
            foreach (var key in meta.Select(p => p.Key).ToList()) Move(meta, m, key);
            ordered["metadata"] = m;
        }
        return ordered;
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
