using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Kubernetes label selectors evaluated locally, for manifests read from files:
/// <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>.
/// </summary>
public sealed class LabelSelector
{

    private readonly List<Func<IDictionary<string, string>, bool>> requirements;

    private LabelSelector(List<Func<IDictionary<string, string>, bool>> requirements) => this.requirements = requirements;

    public string Text { get; private init; } = string.Empty;

    public bool Matches(IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var requirement in requirements)
            if (!requirement(labels)) return false;
        return true;
    }

    public static LabelSelector Parse(string selector)
    {
        var requirements = new List<Func<IDictionary<string, string>, bool>>();
        foreach (var raw in SplitTopLevel(selector))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            int setOp = IndexOfWord(part, " notin ");
            bool notIn = setOp >= 0;
            if (setOp < 0) setOp = IndexOfWord(part, " in ");
            if (setOp >= 0)
            {
                var key = part[..setOp].Trim();
                var rest = part[(setOp + (notIn ? 7 : 4))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')')) throw Invalid(selector, "a set needs parentheses");
                var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                Check(selector, key, values.ToArray());
                requirements.Add(notIn
                    ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                    : labels => labels.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (part.Contains("!="))
            {
                var (key, value) = Split(part, "!=");
                Check(selector, key, value);
                requirements.Add(labels => !labels.TryGetValue(key, out var v) || v != value);
            }
            else if (part.Contains('='))
            {
                var (key, value) = Split(part, part.Contains("==") ? "==" : "=");
                Check(selector, key, value);
                requirements.Add(labels => labels.TryGetValue(key, out var v) && v == value);
            }
            else if (part.StartsWith('!'))
            {
                var key = part[1..].Trim();
                Check(selector, key);
                requirements.Add(labels => !labels.ContainsKey(key));
            }
            else
            {
                Check(selector, part);
                requirements.Add(labels => labels.ContainsKey(part));
            }
        }
        return new LabelSelector(requirements) { Text = selector };
    }

    private static (string Key, string Value) Split(string part, string op)
    {
        var i = part.IndexOf(op, StringComparison.Ordinal);
        return (part[..i].Trim(), part[(i + op.Length)..].Trim());
    }

    private static int IndexOfWord(string part, string word) => part.IndexOf(word, StringComparison.Ordinal);

    private static void Check(string selector, string key, params string[] values)
    {
        if (LabelRules.CheckKey(key) is { } rule) throw Invalid(selector, $"'{key}' is not a label key ({rule})");
        foreach (var value in values)
            if (LabelRules.CheckValue(value) is { } valueRule) throw Invalid(selector, $"'{value}' is not a label value ({valueRule})");
    }

    private static NginxKitException Invalid(string selector, string why) =>
        new(ErrorCatalog.InvalidSelector.Problem($"Selector '{selector}' is not valid: {why}.", selector, "SelectorSyntax"));

    // Commas inside "in (a,b)" do not separate requirements.
    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(') depth++;
            else if (selector[i] == ')') depth--;
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }
        yield return selector[start..];
    }
}
