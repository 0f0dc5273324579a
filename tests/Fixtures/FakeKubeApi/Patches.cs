using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>The three classic patch formats. Each returns a new document and leaves its input alone.</summary>
public static class Patches
{
    public const string JsonPatchType = "application/json-patch+json";
    public const string MergePatchType = "application/merge-patch+json";
    public const string StrategicMergePatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatchType = "application/apply-patch+yaml";
    public const string ApplyCborPatchType = "application/apply-patch+cbor";

    public static readonly string[] Accepted = [JsonPatchType, MergePatchType, StrategicMergePatchType, ApplyPatchType];

    /// <summary>RFC 7386: objects merge recursively, null deletes a member, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject t ? Json.Clone(t) : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = Merge(result[key], value);
        }
        return result;
    }

    /// <summary>
    /// Strategic merge patch: a merge patch whose associative lists (containers, ports, env,
    /// volumes, ...) merge item by item on their key, honouring the <c>$patch</c>,
    /// <c>$retainKeys</c>, <c>$deleteFromPrimitiveList</c> and <c>$setElementOrder</c> directives.
    /// </summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        switch (Json.Str(patchObject["$patch"]))
        {
            case "replace": return WithoutDirectives(patchObject);
            case "delete": return null;
        }
        var result = target is JsonObject t ? Json.Clone(t) : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                    foreach (var item in list.Where(i => remove.Any(r => Json.DeepEquals(r, i))).ToList()) list.Remove(item);
                continue;
            }
            if (key.StartsWith('$')) continue; // $setElementOrder/..., $retainKeys, $patch: ordering and bookkeeping only
            if (value is null) result.Remove(key);
            else if (value is JsonArray patchList && result[key] is JsonArray liveList) result[key] = MergeList(key, liveList, patchList);
            else if (value is JsonArray newList) result[key] = MergeList(key, [], newList);
            else result[key] = StrategicMerge(result[key], value);
        }
        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(Json.Str).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) result.Remove(key);
        }
        return result;
    }

    private static JsonArray MergeList(string field, JsonArray live, JsonArray patch)
    {
        if (patch.Count == 1 && patch[0] is JsonObject only && Json.Str(only["$patch"]) == "replace")
            return [];
        if (ListKeys.IsSet(field))
        {
            var set = Json.Clone(live);
            foreach (var item in patch.Where(i => !set.Any(s => Json.DeepEquals(s, i)))) set.Add(item?.DeepClone());
            return set;
        }
        var keys = ListKeys.For(field, patch);
        if (keys is null) return new JsonArray(patch.Select(i => i is JsonObject o ? WithoutDirectives(o) : i?.DeepClone()).ToArray());

        var result = Json.Clone(live);
        foreach (var item in patch.OfType<JsonObject>())
        {
            var at = ListKeys.IndexOf(result, ListKeys.KeyOf(item, keys), keys);
            if (Json.Str(item["$patch"]) == "delete")
            {
                if (at >= 0) result.RemoveAt(at);
            }
            else if (at >= 0) result[at] = StrategicMerge(result[at], item);
            else result.Add(WithoutDirectives(item));
        }
        return result;
    }

    private static JsonObject WithoutDirectives(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
            if (!key.StartsWith('$')) copy[key] = value is JsonObject o ? WithoutDirectives(o) : value?.DeepClone();
        return copy;
    }

    /// <summary>RFC 6902 JSON patch. Failures are 422, as the apiserver answers them; malformed patches are 400.</summary>
    public static JsonNode ApplyJsonPatch(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
            throw KubeStatus.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        var doc = document.DeepClone();
        foreach (var op in operations)
        {
            if (op is not JsonObject o) throw KubeStatus.BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            var kind = Json.Str(o["op"]) ?? throw KubeStatus.PatchFailed("Unexpected kind: unknown");
            var path = Json.Str(o["path"]) ?? throw KubeStatus.PatchFailed($"{kind} operation missing path");
            switch (kind)
            {
                case "add": doc = Add(doc, path, Value(o, kind)); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace": doc = Replace(doc, path, Value(o, kind)); break;
                case "move":
                {
                    var from = Json.Str(o["from"]) ?? throw KubeStatus.PatchFailed("move operation missing from");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                }
                case "copy":
                {
                    var from = Json.Str(o["from"]) ?? throw KubeStatus.PatchFailed("copy operation missing from");
                    doc = Add(doc, path, Resolve(doc, from, kind)?.DeepClone());
                    break;
                }
                case "test":
                    if (!Json.DeepEquals(Resolve(doc, path, kind), Value(o, kind)))
                        throw KubeStatus.PatchFailed($"testing value {path} failed: test failed");
                    break;
                default:
                    throw KubeStatus.PatchFailed($"Unexpected kind: {kind}");
            }
        }
        return doc;
    }

    private static JsonNode? Value(JsonObject op, string kind) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw KubeStatus.PatchFailed($"{kind} operation missing value");

    /// <summary>Splits a JSON pointer into unescaped tokens (~1 is '/', ~0 is '~').</summary>
    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (!pointer.StartsWith('/')) throw KubeStatus.PatchFailed($"invalid JSON pointer: \"{pointer}\"");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Resolve(JsonNode doc, string path, string kind)
    {
        JsonNode? node = doc;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw KubeStatus.PatchFailed($"{kind} operation does not apply: doc is missing path: \"{path}\": missing value"),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) return value ?? throw KubeStatus.PatchFailed("add operation does not apply: cannot replace the document with null");
        var parent = Resolve(doc, "/" + string.Join('/', tokens[..^1].Select(Escape)), "add");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw KubeStatus.PatchFailed($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }
        return doc;
    }

    // Replaces in place, so the member keeps its position.
    private static JsonNode Replace(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) return value ?? throw KubeStatus.PatchFailed("replace operation does not apply: cannot replace the document with null");
        var parent = Resolve(doc, "/" + string.Join('/', tokens[..^1].Select(Escape)), "replace");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o[last] = value;
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                a[i] = value;
                break;
            default:
                throw KubeStatus.PatchFailed($"replace operation does not apply: doc is missing key: {path}: missing value");
        }
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) throw KubeStatus.PatchFailed("remove operation does not apply: cannot remove the whole document");
        var parent = Resolve(doc, "/" + string.Join('/', tokens[..^1].Select(Escape)), "remove");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var v):
                removed = v;
                o.Remove(last);
                return doc;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                return doc;
            default:
                throw KubeStatus.PatchFailed($"Unable to remove nonexistent key: {last}: missing value");
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");
}
