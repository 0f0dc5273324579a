using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// A set of field paths in the managedFields "FieldsV1" shape: <c>{"f:metadata":{"f:labels":{"f:app":{}}}}</c>.
/// Path elements are <c>f:field</c>, <c>k:{"name":"web"}</c> (an associative list item) and
/// <c>v:"x"</c> (a set item); <c>"."</c> marks an interior node that is itself a member.
/// </summary>
public sealed class FieldSet
{
    private readonly SortedDictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    /// <summary>The node itself is owned (a leaf, or an interior node marked ".").</summary>
    public bool IsMember { get; private set; }

    public bool IsEmpty => !IsMember && _children.Count == 0;

    // Members of an object that no manager owns: identity, bookkeeping and (for the main resource) status.
    private static readonly HashSet<string> IgnoredTopLevel = ["apiVersion", "kind"];

    private static readonly HashSet<string> IgnoredMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
        "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
    ];

    private FieldSet Child(string element)
    {
        if (!_children.TryGetValue(element, out var child)) _children[element] = child = new FieldSet();
        return child;
    }

    public static FieldSet FromFieldsV1(JsonObject? fields)
    {
        var set = new FieldSet();
        foreach (var (key, value) in fields ?? [])
        {
            if (key == ".") set.IsMember = true;
            else set._children[key] = Node(value as JsonObject ?? []);
        }
        return set;

        // Below the root, an empty object is a leaf: the field itself is owned.
        static FieldSet Node(JsonObject fields)
        {
            var node = FromFieldsV1(fields);
            if (fields.Count == 0) node.IsMember = true;
            return node;
        }
    }

    public JsonObject ToFieldsV1()
    {
        var obj = new JsonObject();
        if (IsMember && _children.Count > 0) obj["."] = new JsonObject();
        foreach (var (key, child) in _children) obj[key] = child.ToFieldsV1();
        return obj;
    }

    /// <summary>The fields an applied configuration sets: its leaves and list items.</summary>
    public static FieldSet FromApplied(JsonObject applied, bool includeStatus)
    {
        var set = new FieldSet();
        foreach (var (key, value) in applied)
        {
            if (IgnoredTopLevel.Contains(key) || (key == "status" && !includeStatus)) continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                var metaSet = new FieldSet();
                foreach (var (mk, mv) in meta)
                    if (!IgnoredMetadata.Contains(mk)) metaSet.Child("f:" + mk).AddLeaves(mv, mk);
                if (!metaSet.IsEmpty) set._children["f:metadata"] = metaSet;
                continue;
            }
            set.Child("f:" + key).AddLeaves(value, key);
        }
        return set;
    }

    private void AddLeaves(JsonNode? value, string field)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } o:
                foreach (var (k, v) in o) Child("f:" + k).AddLeaves(v, k);
                break;
            case JsonArray a when ListKeys.IsSet(field):
                foreach (var item in a) Child("v:" + item?.ToJsonString(Json.Compact)).IsMember = true;
                break;
            case JsonArray a when ListKeys.For(field, a) is { } keys && a.All(i => i is JsonObject):
                foreach (var item in a.OfType<JsonObject>())
                {
                    var child = Child("k:" + ListKeys.KeyOf(item, keys).ToJsonString(Json.Compact));
                    child.IsMember = true;
                    foreach (var (k, v) in item) child.Child("f:" + k).AddLeaves(v, k);
                }
                break;
            default:
                IsMember = true;
                break;
        }
    }

    /// <summary>The fields an update added or changed going from <paramref name="old"/> to <paramref name="updated"/>.</summary>
    public static FieldSet Changed(JsonObject? old, JsonObject updated, bool includeStatus)
    {
        var set = new FieldSet();
        foreach (var (key, value) in updated)
        {
            if (IgnoredTopLevel.Contains(key) || (key == "status" && !includeStatus)) continue;
            var before = old?[key];
            if (key == "metadata" && value is JsonObject meta)
            {
                var metaSet = new FieldSet();
                foreach (var (mk, mv) in meta)
                    if (!IgnoredMetadata.Contains(mk)) metaSet.Child("f:" + mk).AddChanges(before?[mk], mv, mk);
                metaSet.Prune();
                if (!metaSet.IsEmpty) set._children["f:metadata"] = metaSet;
                continue;
            }
            set.Child("f:" + key).AddChanges(before, value, key);
        }
        set.Prune();
        return set;
    }

    private void AddChanges(JsonNode? before, JsonNode? after, string field)
    {
        if (Json.DeepEquals(before, after)) return;
        switch (after)
        {
            case JsonObject { Count: > 0 } o:
                if (before is not JsonObject) IsMember = true; // the map or struct itself appeared
                foreach (var (k, v) in o) Child("f:" + k).AddChanges(before?[k], v, k);
                break;
            case JsonArray a when ListKeys.For(field, a) is { } keys && a.All(i => i is JsonObject) && !ListKeys.IsSet(field):
                if (before is not JsonArray beforeList)
                {
                    IsMember = true;
                    beforeList = [];
                }
                foreach (var item in a.OfType<JsonObject>())
                {
                    var key = ListKeys.KeyOf(item, keys);
                    var at = ListKeys.IndexOf(beforeList, key, keys);
                    var previous = at >= 0 ? beforeList[at] as JsonObject : null;
                    if (Json.DeepEquals(previous, item)) continue;
                    var child = Child("k:" + key.ToJsonString(Json.Compact));
                    if (previous is null) child.IsMember = true;
                    foreach (var (k, v) in item) child.Child("f:" + k).AddChanges(previous?[k], v, k);
                }
                break;
            case JsonArray a when ListKeys.IsSet(field):
                var old = before as JsonArray ?? [];
                if (before is null) IsMember = true;
                foreach (var item in a.Where(i => !old.Any(o => Json.DeepEquals(o, i))))
                    Child("v:" + item?.ToJsonString(Json.Compact)).IsMember = true;
                break;
            default:
                IsMember = true;
                break;
        }
    }

    // Drops interior nodes that ended up owning nothing.
    private void Prune()
    {
        foreach (var (key, child) in _children.ToList())
        {
            child.Prune();
            if (child.IsEmpty) _children.Remove(key);
        }
    }

    public void UnionWith(FieldSet other)
    {
        IsMember |= other.IsMember;
        foreach (var (key, child) in other._children) Child(key).UnionWith(child);
    }

    /// <summary>Removes every member of <paramref name="other"/> from this set.</summary>
    public void ExceptWith(FieldSet other)
    {
        if (other.IsMember) IsMember = false;
        foreach (var (key, child) in other._children)
        {
            if (!_children.TryGetValue(key, out var mine)) continue;
            mine.ExceptWith(child);
            if (mine.IsEmpty) _children.Remove(key);
        }
    }

    /// <summary>Keeps only the paths that still exist in <paramref name="obj"/>.</summary>
    public void RetainExisting(JsonNode? obj)
    {
        foreach (var (key, child) in _children.ToList())
        {
            var value = Step(obj, key);
            if (value is null) _children.Remove(key);
            else
            {
                child.RetainExisting(value.Value.Node);
                if (child.IsEmpty) _children.Remove(key);
            }
        }
    }

    public bool Contains(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
            if (!node._children.TryGetValue(element, out node)) return false;
        return node.IsMember;
    }

    /// <summary>Every member path, deepest paths after their parents.</summary>
    public IEnumerable<IReadOnlyList<string>> Members()
    {
        var stack = new List<string>();
        return Walk(this, stack);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> prefix)
        {
            if (node.IsMember && prefix.Count > 0) yield return prefix.ToArray();
            foreach (var (key, child) in node._children)
            {
                prefix.Add(key);
                foreach (var path in Walk(child, prefix)) yield return path;
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    /// <summary>True when any member lies at or under <paramref name="path"/>.</summary>
    public bool Touches(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
            if (!node._children.TryGetValue(element, out node)) return false;
        return !node.IsEmpty;
    }

    /// <summary>Follows one path element into a document; null when it is absent.</summary>
    public static (JsonNode? Node, JsonNode Parent, object Slot)? Step(JsonNode? doc, string element)
    {
        if (element.StartsWith("f:", StringComparison.Ordinal) && doc is JsonObject o)
        {
            var name = element[2..];
            return o.TryGetPropertyValue(name, out var v) ? (v, o, name) : null;
        }
        if (element.StartsWith("k:", StringComparison.Ordinal) && doc is JsonArray a)
        {
            var key = JsonNode.Parse(element[2..]) as JsonObject;
            if (key is null) return null;
            var keys = key.Select(p => p.Key).ToArray();
            var at = ListKeys.IndexOf(a, key, keys);
            return at >= 0 ? (a[at], a, at) : null;
        }
        if (element.StartsWith("v:", StringComparison.Ordinal) && doc is JsonArray s)
        {
            var value = JsonNode.Parse(element[2..]);
            for (var i = 0; i < s.Count; i++)
                if (Json.DeepEquals(s[i], value)) return (s[i], s, i);
        }
        return null;
    }

    /// <summary>Resolves a whole path; null when any step is absent.</summary>
    public static (JsonNode? Node, JsonNode Parent, object Slot)? Resolve(JsonNode doc, IReadOnlyList<string> path)
    {
        (JsonNode? Node, JsonNode Parent, object Slot)? at = null;
        JsonNode? current = doc;
        foreach (var element in path)
        {
            at = Step(current, element);
            if (at is null) return null;
            current = at.Value.Node;
        }
        return at;
    }

    /// <summary>A path as the apiserver prints it in conflicts: <c>.spec.template.spec.containers[name="web"].image</c>.</summary>
    public static string Format(IReadOnlyList<string> path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var element in path)
        {
            if (element.StartsWith("f:", StringComparison.Ordinal)) text.Append('.').Append(element[2..]);
            else if (element.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(element[2..]) is JsonObject key)
                text.Append('[').Append(string.Join(",", key.Select(p => $"{p.Key}={p.Value?.ToJsonString(Json.Compact)}"))).Append(']');
            else if (element.StartsWith("v:", StringComparison.Ordinal)) text.Append("[=").Append(element[2..]).Append(']');
        }
        return text.ToString();
    }
}
