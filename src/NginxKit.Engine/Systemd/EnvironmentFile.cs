using NginxKit.Engine.Text;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Systemd;

/// <summary>
/// systemd's EnvironmentFile grammar (systemd.exec(5), env-file.c): KEY=VALUE lines; # or ;
/// starts a comment line; a value may be bare (outer whitespace trimmed, backslash escapes the next
/// character), 'single-quoted' (literal) or "double-quoted" (backslash escapes " \ ` $ and newline);
/// a trailing backslash continues the line. No variable is expanded. A line such as
/// <c>export http_proxy=...</c> is not an assignment to systemd: it is skipped with an error in
/// the journal, and the variable never reaches the service.
/// </summary>
public sealed class EnvironmentFile
{

    private readonly List<EnvironmentLine> lines;

    private EnvironmentFile(List<EnvironmentLine> lines) => this.lines = lines;

    public IReadOnlyList<EnvironmentLine> Lines => lines;

    /// <summary>The variables systemd passes to the service: the last assignment of a key wins.</summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in lines)
                if (line.IsAssignment) map[line.Key!] = line.Value!;
            return map;
        }
    }

    public IEnumerable<EnvironmentLine> ExportLines => lines.Where(l => l.IsExport);

    public static EnvironmentFile Parse(string text)
    {
        var result = new List<EnvironmentLine>();
        var physical = text.Replace("\r\n", "\n").Split('\n');
        int count = text.EndsWith('\n') ? physical.Length - 1 : physical.Length;
        for (int i = 0; i < count; i++)
        {
            int first = i;
            var raw = new StringBuilder(physical[i]);
            // A line continues while it ends in an odd number of backslashes (outside single quotes, near enough).
            while (EndsWithContinuation(physical[i]) && i + 1 < count && !IsCommentLine(physical[first]))
            {
                i++;
                raw.Append('\n').Append(physical[i]);
            }
            result.Add(ParseLine(raw.ToString(), first + 1));
        }
        return new EnvironmentFile(result);
    }

    public static EnvironmentFile Empty() => new([]);

    private static bool IsCommentLine(string line)
    {
        var t = line.TrimStart();
        return t.Length == 0 || t[0] is '#' or ';';
    }

    private static bool EndsWithContinuation(string line)
    {
        int n = 0;
        for (int i = line.Length - 1; i >= 0 && line[i] == '\\'; i--) n++;
        return n % 2 == 1;
    }

    private static EnvironmentLine ParseLine(string raw, int lineNumber)
    {
        var text = raw.TrimStart(' ', '\t');
        if (IsCommentLine(text)) return new EnvironmentLine(raw, null, null, false, lineNumber);
        var eq = text.IndexOf('=');
        if (eq <= 0) return new EnvironmentLine(raw, null, null, false, lineNumber);
        var key = text[..eq].TrimEnd(' ', '\t');
        var isExport = false;
        if (key.StartsWith("export ", StringComparison.Ordinal) || key.StartsWith("export\t", StringComparison.Ordinal))
        {
            isExport = true;
            key = key[7..].TrimStart(' ', '\t');
        }
        if (!IsValidName(key)) return new EnvironmentLine(raw, null, null, false, lineNumber);
        return new EnvironmentLine(raw, key, ParseValue(text[(eq + 1)..]), isExport, lineNumber);
    }

    /// <summary>Environment variable names systemd accepts: a letter or _, then letters, digits and _.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string ParseValue(string text)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        int lastNonSpace = 0; // bare values lose trailing whitespace, but not escaped or quoted whitespace
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0) end = text.Length;
                sb.Append(text, i + 1, end - i - 1);
                lastNonSpace = sb.Length;
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        var next = text[i + 1];
                        if (next == '\n') { i += 2; continue; }
                        if (next is '"' or '\\' or '`' or '$') { sb.Append(next); i += 2; continue; }
                    }
                    sb.Append(text[i]);
                    i++;
                }
                lastNonSpace = sb.Length;
                i++;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                if (text[i + 1] != '\n') sb.Append(text[i + 1]);
                lastNonSpace = sb.Length;
                i += 2;
            }
            else
            {
                sb.Append(c);
                if (c is not ' ' and not '\t') lastNonSpace = sb.Length;
                i++;
            }
        }
        return sb.ToString(0, lastNonSpace);
    }

    /// <summary>
    /// Checks a value can be written so that systemd reads back exactly it. Control characters
    /// (other than tab) cannot: systemd would cut the line or refuse the assignment.
    /// </summary>
    public static string? CheckValue(string value) =>
        value.Any(c => c < ' ' && c != '\t' || c == '\u007f') ? "ControlCharacter" : null;

    /// <summary>Writes a value systemd (and a POSIX shell) reads back exactly: double quotes, with " \ ` $ escaped.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\' or '`' or '$') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Sets (or, for null, removes) a variable. Existing lines keep their place; export lines for it become plain ones.</summary>
    public void Set(string key, string? value)
    {
        if (!IsValidName(key))
            throw ErrorCatalog.InvalidEnvironmentName.Exception($"'{Printable.Escape(key)}' is not an environment variable name (letters, digits and _, not starting with a digit).", key);
        if (value is not null && CheckValue(value) is { } rule)
            throw ErrorCatalog.InvalidEnvironmentValue.Exception($"The value of {key} holds a control character, which an EnvironmentFile cannot carry.", key, rule);

        var indexes = lines.Select((l, i) => (l, i)).Where(x => x.l.Key == key).Select(x => x.i).ToList();
        if (value is null)
        {
            for (int k = indexes.Count - 1; k >= 0; k--) lines.RemoveAt(indexes[k]);
            return;
        }
        var line = new EnvironmentLine($"{key}={Quote(value)}", key, value, false, 0);
        if (indexes.Count == 0)
        {
            lines.Add(line);
            return;
        }
        // Keep the last assignment's place (it is the one systemd used); drop the others.
        var keep = indexes[^1];
        if (lines[keep].IsAssignment && lines[keep].Value == value && !lines.Where((_, i) => indexes.Contains(i) && i != keep).Any())
            return; // untouched: the original text stays byte for byte
        lines[keep] = line;
        for (int k = indexes.Count - 2; k >= 0; k--) lines.RemoveAt(indexes[k]);
    }

    /// <summary>Rewrites every <c>export KEY=value</c> line as <c>KEY=value</c>, so systemd reads it; returns the keys.</summary>
    public IReadOnlyList<string> FixExportLines()
    {
        var fixedKeys = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            if (!l.IsExport) continue;
            lines[i] = new EnvironmentLine($"{l.Key}={Quote(l.Value!)}", l.Key, l.Value, false, l.LineNumber);
            fixedKeys.Add(l.Key!);
        }
        // As in a shell, which is what the author of an export line had in mind, the last assignment wins.
        return fixedKeys;
    }

    public string Render()
    {
        if (lines.Count == 0) return string.Empty;
        return string.Join('\n', lines.Select(l => l.Raw)) + "\n";
    }
}
