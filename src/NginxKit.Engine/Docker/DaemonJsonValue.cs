using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Values from a script to the JSON dockerd expects: dictionaries to objects (an ordered one keeps
/// its order, others are sorted so re-runs give the same bytes), lists to arrays, every integer
/// type to a number, and anything else refused (UnsupportedSettingValue) rather than written as a
/// string dockerd would reject. A value that contains itself is refused too.
/// </summary>
public static class DaemonJsonValue
{
    private const int MaxDepth = 64;

    /// <param name="value">The value.</param>
    /// <param name="key">The daemon.json key, for messages.</param>
    /// <param name="unwrap">Turns a host object (a PowerShell PSObject or PSCustomObject) into a plain one; returns the object itself otherwise.</param>
    public static JsonNode? From(object? value, string key, Func<object, object?>? unwrap = null)
    {
        var path = new HashSet<object>(ReferenceEqualityComparer.Instance);
        return Convert(value, key, unwrap ?? (v => v), path, 0);
    }

    private static JsonNode? Convert(object? value, string key, Func<object, object?> unwrap, HashSet<object> path, int depth)
    {
        if (value is null) return null;
        if (depth > MaxDepth) throw Unsupported(key, $"nests deeper than {MaxDepth} levels", "TooDeep");
        var identity = value;
        if (!path.Add(identity)) throw Unsupported(key, "contains itself, so it has no JSON form", "Cycle");
        try
        {
            var plain = unwrap(value);
            if (plain is null) return null;
            if (!ReferenceEquals(plain, value) && plain is not (string or ValueType) && !path.Add(plain))
                throw Unsupported(key, "contains itself, so it has no JSON form", "Cycle");
            try
            {
                return plain switch
                {
                    string s => JsonValue.Create(s),
                    char c => JsonValue.Create(c.ToString()),
                    bool b => JsonValue.Create(b),
                    sbyte or byte or short or ushort or int or uint or long or ulong or nint or nuint or BigInteger or Int128 or UInt128 =>
                        JsonNode.Parse(System.Convert.ToString(plain, CultureInfo.InvariantCulture)!),
                    float or double or decimal or Half => Number(plain, key),
                    Enum e => throw Unsupported(key, $"is an enum value ({e}); give its name or number", "UnsupportedType"),
                    IDictionary map => Object(map, key, unwrap, path, depth),
                    IEnumerable list => new JsonArray(list.Cast<object?>().Select(v => Convert(v, key, unwrap, path, depth + 1)).ToArray()),
                    _ => throw Unsupported(key, $"is a {plain.GetType().FullName}, which has no JSON form dockerd reads", "UnsupportedType"),
                };
            }
            finally
            {
                if (!ReferenceEquals(plain, value)) path.Remove(plain);
            }
        }
        finally
        {
            path.Remove(identity);
        }
    }

    private static JsonNode Number(object value, string key)
    {
        var d = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (double.IsNaN(d) || double.IsInfinity(d)) throw Unsupported(key, "is not a finite number", "NotFinite");
        return JsonNode.Parse(value is decimal m ? m.ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture))!;
    }

    private static JsonObject Object(IDictionary map, string key, Func<object, object?> unwrap, HashSet<object> path, int depth)
    {
        var entries = map.Cast<DictionaryEntry>().Select(e => (Key: e.Key is null ? string.Empty : System.Convert.ToString(e.Key, CultureInfo.InvariantCulture)!, e.Value));
        if (map is not IOrderedDictionary) entries = entries.OrderBy(e => e.Key, StringComparer.Ordinal);
        var obj = new JsonObject();
        foreach (var (k, v) in entries)
        {
            if (obj.ContainsKey(k)) throw Unsupported(key, $"has the key '{k}' twice", "DuplicateKey");
            obj[k] = Convert(v, key, unwrap, path, depth + 1);
        }
        return obj;
    }

    private static NginxKitException Unsupported(string key, string what, string rule) =>
        ErrorCatalog.UnsupportedSettingValue.Exception($"The value of daemon.json key '{key}' {what}.", key, rule,
            "Give strings, booleans, numbers, lists, hashtables or PSCustomObjects.");
}
