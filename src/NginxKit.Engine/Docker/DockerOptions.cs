using NginxKit.Engine.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Docker;

/// <summary>
/// The words of DOCKER_OPTS as dockerd receives them. systemd splits an unbraced
/// <c>$DOCKER_OPTS</c> into words with its own rules (whitespace separates, quotes group, a
/// backslash drops itself before the next character), measured on systemd 252. NginxKit writes
/// only plain words, refusing whitespace, quotes and backslashes in a value rather than letting
/// systemd change it on the way; it reads existing values by systemd's rules.
/// </summary>
public sealed class DockerOptions
{

    private readonly List<string> words;

    private DockerOptions(List<string> words) => this.words = words;

    public IReadOnlyList<string> Words => words;

    public static DockerOptions Parse(string? value) => new(SplitWords(value ?? string.Empty));

    /// <summary>systemd's splitting of an unbraced $VARIABLE: whitespace, '…', "…" and \x.</summary>
    public static List<string> SplitWords(string value)
    {
        var result = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quote == '\'')
            {
                if (c == '\'') quote = '\0'; else word.Append(c);
                continue;
            }
            if (c == '\\' && i + 1 < value.Length)
            {
                word.Append(value[++i]);
                inWord = true;
                continue;
            }
            if (quote == '"')
            {
                if (c == '"') quote = '\0'; else word.Append(c);
                continue;
            }
            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) result.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            word.Append(c);
            inWord = true;
        }
        if (inWord) result.Add(word.ToString());
        return result;
    }

    /// <summary>The words as DOCKER_OPTS text; a word that needs it (read from a hand-written file) is double-quoted.</summary>
    public override string ToString() => string.Join(' ', words.Select(w =>
        w.Length > 0 && !w.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\') ? w
            : "\"" + w.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));

    /// <summary>Every value of a flag, in either form: <c>--dns 8.8.8.8</c> or <c>--dns=8.8.8.8</c>.</summary>
    public IReadOnlyList<string> ValuesOf(params string[] flags)
    {
        var values = new List<string>();
        for (int i = 0; i < words.Count; i++)
        {
            foreach (var flag in flags)
            {
                if (words[i] == flag && i + 1 < words.Count) values.Add(words[i + 1]);
                else if (words[i].StartsWith(flag + "=", StringComparison.Ordinal)) values.Add(words[i][(flag.Length + 1)..]);
            }
        }
        return values;
    }

    /// <summary>Replaces every occurrence of a flag with one <c>flag value</c> pair per value (none removes it).</summary>
    public void Replace(string flag, IEnumerable<string> values, params string[] aliases)
    {
        var all = aliases.Prepend(flag).ToArray();
        var kept = new List<string>();
        int at = -1;
        for (int i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (all.Contains(word)) { at = at < 0 ? kept.Count : at; i++; continue; }
            if (all.Any(f => word.StartsWith(f + "=", StringComparison.Ordinal))) { at = at < 0 ? kept.Count : at; continue; }
            kept.Add(word);
        }
        var added = new List<string>();
        foreach (var value in values)
        {
            if (CheckWord(value) is { } rule)
                throw Invalid($"{flag} {Printable.Escape(value)}", rule);
            added.Add(flag);
            added.Add(value);
        }
        kept.InsertRange(at < 0 ? kept.Count : at, added);
        words.Clear();
        words.AddRange(kept);
    }

    /// <summary>Checks raw options given as one string: every word must survive systemd's splitting as it is.</summary>
    public static DockerOptions FromRaw(string raw)
    {
        if (raw.Contains('"') || raw.Contains('\'') || raw.Contains('\\'))
            throw Invalid(raw, "QuotedValue", "systemd applies its own quoting and escaping rules when it splits $DOCKER_OPTS, so NginxKit takes plain words only. Use values without spaces, quotes or backslashes, or daemon.json (Set-DockerDaemonConfig).");
        var options = Parse(raw);
        foreach (var word in options.words)
            if (CheckWord(word) is { } rule) throw Invalid(word, rule);
        return options;
    }

    private static string? CheckWord(string word)
    {
        if (word.Length == 0) return "EmptyValue";
        if (word.Any(char.IsWhiteSpace)) return "WhitespaceInValue";
        if (word.Any(c => c is '"' or '\'' or '\\')) return "QuoteOrBackslashInValue";
        if (word.Any(c => char.IsControl(c))) return "ControlCharacter";
        return null;
    }

    private static NginxKitException Invalid(string what, string rule, string? hint = null) =>
        new(ErrorCatalog.InvalidDockerOption.Problem($"'{Printable.Escape(Credentials.MaskText(what))}' cannot be passed through DOCKER_OPTS ({rule}). " +
            (hint ?? "systemd splits $DOCKER_OPTS into words at whitespace and applies its own quote and backslash rules, so a value may hold none of them. Use daemon.json (Set-DockerDaemonConfig) for such values."),
            Credentials.MaskText(what), rule));
}
