using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// How a list field merges, shared by strategic merge patch and server-side apply: the
/// Kubernetes schema marks some lists as maps keyed by fields ("associative"), some as sets,
/// and the rest as atomic (replaced whole). Only the lists of the served kinds are listed.
/// </summary>
public static class ListKeys
{
    private static readonly Dictionary<string, string[]> Keys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["ephemeralContainers"] = ["name"],
        ["env"] = ["name"],
        ["volumes"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["volumeDevices"] = ["devicePath"],
        ["imagePullSecrets"] = ["name"],
        ["hostAliases"] = ["ip"],
        ["topologySpreadConstraints"] = ["topologyKey", "whenUnsatisfiable"],
        ["conditions"] = ["type"],
        ["addresses"] = ["type"],
        ["taints"] = ["key", "effect"],
        ["ownerReferences"] = ["uid"],
    };

    private static readonly HashSet<string> Sets = new(StringComparer.Ordinal) { "finalizers" };

    /// <summary>The key fields of the list <paramref name="field"/>, or null when it is not associative.</summary>
    public static string[]? For(string field, JsonArray items)
    {
        if (field == "ports")
        {
            // Container ports are keyed by containerPort, service ports by port; both with protocol.
            return items.OfType<JsonObject>().Any(i => i.ContainsKey("containerPort"))
                ? ["containerPort", "protocol"]
                : ["port", "protocol"];
        }
        return Keys.TryGetValue(field, out var keys) ? keys : null;
    }

    public static bool IsSet(string field) => Sets.Contains(field);

    /// <summary>An item's key as a JSON object, e.g. <c>{"name":"web"}</c>; protocol defaults to TCP as in the schema.</summary>
    public static JsonObject KeyOf(JsonObject item, string[] keys)
    {
        var key = new JsonObject();
        foreach (var k in keys.Order(StringComparer.Ordinal))
        {
            var value = item[k]?.DeepClone();
            if (value is null && k == "protocol") value = "TCP";
            if (value is not null) key[k] = value;
        }
        return key;
    }

    public static int IndexOf(JsonArray list, JsonObject key, string[] keys)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] is JsonObject item && Json.DeepEquals(KeyOf(item, keys), key)) return i;
        return -1;
    }
}
