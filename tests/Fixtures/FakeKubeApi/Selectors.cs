using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// A label selector in the apiserver's string syntax: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>,
/// <c>!a</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a&gt;1</c>, <c>a&lt;1</c>, comma-separated (all must hold).
/// </summary>
public sealed class LabelSelector
{
    private enum Op { Equals, NotEquals, Exists, NotExists, In, NotIn, GreaterThan, LessThan }

    private sealed record Requirement(string Key, Op Op, string[] Values);

    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
            requirements.Add(ParseRequirement(part.Trim(), text));
        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r =>
    {
        var has = labels.TryGetValue(r.Key, out var value);
        return r.Op switch
        {
            Op.Exists => has,
            Op.NotExists => !has,
            Op.Equals or Op.In => has && r.Values.Contains(value),
            Op.NotEquals or Op.NotIn => !has || !r.Values.Contains(value),
            Op.GreaterThan => has && long.TryParse(value, out var g) && g > long.Parse(r.Values[0]),
            Op.LessThan => has && long.TryParse(value, out var l) && l < long.Parse(r.Values[0]),
            _ => false,
        };
    });

    // Commas separate requirements, except inside the parentheses of in/notin.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static Requirement ParseRequirement(string part, string whole)
    {
        KubeApiException Bad(string why) =>
            KubeStatus.BadRequest($"unable to parse requirement: {why}");

        if (part.Length == 0) throw Bad($"found '', expected: identifier in selector \"{whole}\"");
        if (part.StartsWith('!'))
            return new(ValidKey(part[1..].Trim(), Bad), Op.NotExists, []);

        foreach (var (token, op) in new[] { (" notin ", Op.NotIn), (" in ", Op.In) })
        {
            var at = part.IndexOf(token, StringComparison.Ordinal);
            if (at < 0) continue;
            var set = part[(at + token.Length)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')')) throw Bad($"found '{set}', expected: '('");
            var values = set[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
            if (values.Length == 0) throw Bad("for 'in', 'notin' operators, values set can't be empty");
            return new(ValidKey(part[..at].Trim(), Bad), op, values.Select(v => ValidValue(v, Bad)).ToArray());
        }

        foreach (var (token, op) in new[] { ("!=", Op.NotEquals), ("==", Op.Equals), ("=", Op.Equals), (">", Op.GreaterThan), ("<", Op.LessThan) })
        {
            var at = part.IndexOf(token, StringComparison.Ordinal);
            if (at < 0) continue;
            var value = part[(at + token.Length)..].Trim();
            if (op is Op.GreaterThan or Op.LessThan && !long.TryParse(value, out _))
                throw Bad($"for 'Gt', 'Lt' operators, the value must be an integer");
            return new(ValidKey(part[..at].Trim(), Bad), op, [ValidValue(value, Bad)]);
        }
        return new(ValidKey(part, Bad), Op.Exists, []);
    }

    private static string ValidKey(string key, Func<string, KubeApiException> bad)
    {
        if (Validation.QualifiedNameError(key) is { } why) throw bad($"key: Invalid value: \"{key}\": {why}");
        return key;
    }

    private static string ValidValue(string value, Func<string, KubeApiException> bad)
    {
        if (Validation.LabelValueError(value) is { } why) throw bad($"values[0]: Invalid value: \"{value}\": {why}");
        return value;
    }
}

/// <summary>
/// A field selector: <c>metadata.name=x</c>, <c>metadata.namespace!=y</c>, plus the few
/// per-kind fields the apiserver also indexes for the served kinds.
/// </summary>
public sealed class FieldSelector
{
    private sealed record Term(string Field, bool Equal, string Value);

    private readonly List<Term> _terms;

    private FieldSelector(List<Term> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var terms = new List<Term>();
        foreach (var raw in SplitUnescaped(text, ','))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            var (field, equal, value) = SplitTerm(part);
            if (!SupportedFields(type).Contains(field))
                throw KubeStatus.BadRequest($"field label not supported: {field}");
            terms.Add(new(field, equal, value));
        }
        return new FieldSelector(terms);
    }

    /// <summary>The <c>metadata.name</c> an equality term pins, if any (a watch on one object).</summary>
    public string? ExactName => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal)?.Value;

    public bool Matches(JsonObject obj) =>
        _terms.All(t => (FieldValue(obj, t.Field) == t.Value) == t.Equal);

    private static string[] SupportedFields(ResourceType type) => type.Kind switch
    {
        "Node" => ["metadata.name", "spec.unschedulable"],
        "Namespace" => ["metadata.name", "status.phase"],
        "Service" => ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"],
        "Pod" => ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"],
        "Event" => ["metadata.name", "metadata.namespace", "involvedObject.apiVersion", "involvedObject.fieldPath", "involvedObject.kind", "involvedObject.name",
            "involvedObject.namespace", "involvedObject.resourceVersion", "involvedObject.uid", "reason", "reportingComponent", "source", "type"],
        _ => type.Namespaced ? ["metadata.name", "metadata.namespace"] : ["metadata.name"],
    };

    private static string FieldValue(JsonObject obj, string field)
    {
        if (field == "source" && obj["kind"] is not null && Json.Str(obj["kind"]) == "Event") field = "source.component";
        JsonNode? node = obj;
        foreach (var segment in field.Split('.')) node = node?[segment];
        return node switch
        {
            null when field == "spec.unschedulable" => "false",
            null => "",
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    private static (string Field, bool Equal, string Value) SplitTerm(string part)
    {
        foreach (var (op, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            var at = IndexOfUnescaped(part, op);
            if (at >= 0) return (part[..at].Trim(), equal, Unescape(part[(at + op.Length)..].Trim()));
        }
        throw KubeStatus.BadRequest($"invalid selector: '{part}'; can't understand '{part}'");
    }

    private static int IndexOfUnescaped(string s, string token)
    {
        for (var i = 0; i <= s.Length - token.Length; i++)
        {
            if (s[i] == '\\') { i++; continue; }
            if (string.CompareOrdinal(s, i, token, 0, token.Length) == 0) return i;
        }
        return -1;
    }

    private static IEnumerable<string> SplitUnescaped(string s, char separator)
    {
        var current = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length) { current.Append(s[i]).Append(s[++i]); continue; }
            if (s[i] == separator) { yield return current.ToString(); current.Clear(); continue; }
            current.Append(s[i]);
        }
        yield return current.ToString();
    }

    private static string Unescape(string s)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
