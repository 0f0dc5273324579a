using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// metadata.managedFields and server-side apply. Every write records which manager set which
/// fields; an apply merges the applied configuration into the live object, removes fields the
/// manager applied before but no longer applies (unless someone else owns them), and fails with
/// a 409 conflict when it would change a value another manager owns, unless forced.
/// </summary>
public static class FieldManager
{
    private sealed class Entry
    {
        public required string Manager { get; init; }
        public required string Operation { get; init; }
        public string? Subresource { get; init; }
        public string ApiVersion { get; set; } = "";
        public string Time { get; set; } = "";
        public FieldSet Fields { get; set; } = new();
        public string OriginalFields { get; set; } = "";

        public bool Is(string manager, string operation, string? subresource) =>
            Manager == manager && Operation == operation && Subresource == subresource;
    }

    /// <summary>
    /// Records a create, update or non-apply patch by <paramref name="manager"/>: it takes
    /// ownership of every field it added or changed, and other managers lose those fields.
    /// Managed fields sent in the request (non-empty, not to a subresource) replace the stored
    /// ones first: that is how clients rewrite them (kubectl's client-side to server-side apply
    /// migration does).
    /// </summary>
    public static void RecordUpdate(ResourceType type, JsonObject? old, JsonObject updated, string manager, string? subresource, DateTimeOffset now)
    {
        var sent = Read(updated);
        var entries = sent.Count > 0 && subresource is null ? sent : Read(old);
        var changed = FieldSet.Changed(old, updated, includeStatus: subresource == "status" || !type.HasStatus);
        if (!changed.IsEmpty)
        {
            foreach (var e in entries) e.Fields.ExceptWith(changed);
            var mine = Find(entries, manager, "Update", subresource);
            mine.Fields.UnionWith(changed);
        }
        Write(updated, entries, now);
    }

    /// <summary>
    /// Merges <paramref name="applied"/> into <paramref name="live"/> (or a new object) for
    /// <paramref name="manager"/>. The result still needs defaults and <see cref="Finish"/>.
    /// </summary>
    public static JsonObject Apply(ResourceType type, JsonObject? live, JsonObject applied, string manager, bool force, string? subresource)
    {
        var entries = Read(live);
        var appliedSet = FieldSet.FromApplied(applied, includeStatus: subresource == "status");
        var others = entries.Where(e => e.Manager != manager).ToList();

        if (live is not null)
        {
            var conflicts = new List<(IReadOnlyList<string> Path, Entry Owner)>();
            foreach (var path in appliedSet.Members().Where(p => p[^1].StartsWith("f:", StringComparison.Ordinal)))
            {
                var current = FieldSet.Resolve(live, path);
                if (current is null || Json.DeepEquals(current.Value.Node, FieldSet.Resolve(applied, path)?.Node)) continue;
                conflicts.AddRange(others.Where(o => o.Fields.Contains(path)).Select(o => (path, o)));
            }
            if (conflicts.Count > 0 && !force) throw ConflictError(type, Json.Name(live) ?? "", conflicts);
            foreach (var (path, owner) in conflicts) owner.Fields.ExceptWith(Single(path));
        }

        var merged = (JsonObject)MergeApplied(live ?? new JsonObject(), applied, "")!;
        var mine = Find(entries, manager, "Apply", subresource);
        // Fields this manager applied last time and dropped now go, unless another manager still has them.
        // Parents come before their children, so a dropped list item goes whole (its fields then no longer resolve).
        foreach (var path in mine.Fields.Members().ToList())
        {
            if (appliedSet.Touches(path) || others.Any(o => o.Fields.Touches(path))) continue;
            if (FieldSet.Resolve(merged, path) is { } at)
            {
                if (at.Parent is JsonObject o) o.Remove((string)at.Slot);
                else if (at.Parent is JsonArray a) a.RemoveAt((int)at.Slot);
            }
        }
        mine.Fields = appliedSet;
        Json.Metadata(merged)["managedFields"] = Serialize(entries, DateTimeOffset.UtcNow, keepEmpty: true);
        return merged;
    }

    /// <summary>After defaulting: drops ownership of fields that no longer exist, and empty entries.</summary>
    public static void Finish(JsonObject obj, DateTimeOffset now) => Write(obj, Read(obj), now);

    /// <summary>The SSA merge: maps merge, associative lists merge by key, sets union, the rest replaces.</summary>
    private static JsonNode? MergeApplied(JsonNode? live, JsonNode? applied, string field)
    {
        switch (applied)
        {
            case JsonObject a:
            {
                var result = live is JsonObject l ? Json.Clone(l) : new JsonObject();
                foreach (var (key, value) in a)
                {
                    if (value is null) result.Remove(key);
                    else result[key] = MergeApplied(result[key], value, key);
                }
                return result;
            }
            case JsonArray a when ListKeys.IsSet(field):
            {
                var result = live is JsonArray l ? Json.Clone(l) : [];
                foreach (var item in a.Where(i => !result.Any(r => Json.DeepEquals(r, i)))) result.Add(item?.DeepClone());
                return result;
            }
            case JsonArray a when live is JsonArray l && ListKeys.For(field, a) is { } keys && a.All(i => i is JsonObject):
            {
                var result = Json.Clone(l);
                foreach (var item in a.OfType<JsonObject>())
                {
                    var at = ListKeys.IndexOf(result, ListKeys.KeyOf(item, keys), keys);
                    if (at >= 0) result[at] = MergeApplied(result[at], item, "");
                    else result.Add(item.DeepClone());
                }
                return result;
            }
            default:
                return applied?.DeepClone();
        }
    }

    private static KubeApiException ConflictError(ResourceType type, string name, List<(IReadOnlyList<string> Path, Entry Owner)> conflicts)
    {
        var causes = new JsonArray();
        foreach (var (path, owner) in conflicts)
            causes.Add(new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{owner.Manager}\"{Using(owner)}",
                ["field"] = FieldSet.Format(path),
            });
        string message;
        if (conflicts.Count == 1)
        {
            var (path, owner) = conflicts[0];
            message = $"Apply failed with 1 conflict: conflict with \"{owner.Manager}\"{Using(owner)}: {FieldSet.Format(path)}";
        }
        else
        {
            var parts = conflicts.GroupBy(c => c.Owner).Select(g => g.Count() == 1
                ? $"conflict with \"{g.Key.Manager}\"{Using(g.Key)}: {FieldSet.Format(g.First().Path)}"
                : $"conflicts with \"{g.Key.Manager}\"{Using(g.Key)}:\n" + string.Join("\n", g.Select(c => "- " + FieldSet.Format(c.Path))));
            message = $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", parts);
        }
        var details = KubeStatus.Details(type, name);
        details["causes"] = causes;
        return new KubeApiException(KubeStatus.Failure(409, "Conflict", message, details));
    }

    private static string Using(Entry e) =>
        (e.Operation == "Apply" ? "" : $" using {e.ApiVersion}") + (e.Subresource is null ? "" : $" with subresource \"{e.Subresource}\"");

    private static FieldSet Single(IReadOnlyList<string> path)
    {
        var obj = new JsonObject();
        var node = obj;
        foreach (var element in path)
        {
            var next = new JsonObject();
            node[element] = next;
            node = next;
        }
        return FieldSet.FromFieldsV1(obj);
    }

    private static Entry Find(List<Entry> entries, string manager, string operation, string? subresource)
    {
        var entry = entries.FirstOrDefault(e => e.Is(manager, operation, subresource));
        if (entry is null) entries.Add(entry = new Entry { Manager = manager, Operation = operation, Subresource = subresource });
        return entry;
    }

    private static List<Entry> Read(JsonObject? obj)
    {
        var list = new List<Entry>();
        if (obj?["metadata"]?["managedFields"] is not JsonArray fields) return list;
        foreach (var f in fields.OfType<JsonObject>())
        {
            var set = FieldSet.FromFieldsV1(f["fieldsV1"] as JsonObject);
            list.Add(new Entry
            {
                Manager = Json.Str(f["manager"]) ?? "",
                Operation = Json.Str(f["operation"]) ?? "Update",
                Subresource = Json.Str(f["subresource"]),
                ApiVersion = Json.Str(f["apiVersion"]) ?? "",
                Time = Json.Str(f["time"]) ?? "",
                Fields = set,
                OriginalFields = set.ToFieldsV1().ToJsonString(Json.Compact),
            });
        }
        return list;
    }

    private static void Write(JsonObject obj, List<Entry> entries, DateTimeOffset now)
    {
        foreach (var e in entries) e.Fields.RetainExisting(obj);
        var apiVersion = Json.Str(obj["apiVersion"]) ?? "";
        foreach (var e in entries) e.ApiVersion = apiVersion;
        var array = Serialize(entries, now, keepEmpty: false);
        if (array.Count > 0) Json.Metadata(obj)["managedFields"] = array;
        else Json.Metadata(obj).Remove("managedFields");
    }

    private static JsonArray Serialize(List<Entry> entries, DateTimeOffset now, bool keepEmpty)
    {
        var array = new JsonArray();
        foreach (var e in entries)
        {
            if (e.Fields.IsEmpty && !keepEmpty) continue;
            var fields = e.Fields.ToFieldsV1();
            // A manager whose fields did not change keeps its timestamp, so a no-op stays a no-op.
            var time = fields.ToJsonString(Json.Compact) == e.OriginalFields && e.Time.Length > 0 ? e.Time : Json.Rfc3339(now);
            var item = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                ["time"] = time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = fields,
            };
            if (e.Subresource is not null) item["subresource"] = e.Subresource;
            array.Add(item);
        }
        return array;
    }
}
