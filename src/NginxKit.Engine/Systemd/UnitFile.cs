using System.Text;

namespace NginxKit.Engine.Systemd;

/// <summary>
/// Reads directives from systemd unit files: [Section] headers, Key=Value lines, # and ;
/// comments, backslash continuations. List settings such as ExecStart accumulate across the unit
/// and its drop-ins, and an empty assignment resets them, as systemd does.
/// </summary>
public static class UnitFile
{
    public sealed record Directive(string Section, string Key, string Value, string Source);

    public static IReadOnlyList<Directive> Parse(string text, string source)
    {
        var result = new List<Directive>();
        var section = string.Empty;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            // A trailing backslash continues the line; comment lines inside a continuation are skipped.
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                if (next.Length > 0 && next[0] is '#' or ';') { line = line[..^1] + " "; continue; }
                line = line[..^1] + " " + next;
            }
            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1];
                continue;
            }
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            result.Add(new Directive(section, line[..eq].Trim(), line[(eq + 1)..].Trim(), source));
        }
        return result;
    }

    /// <summary>The effective values of a list setting across files read in order (an empty value clears the list).</summary>
    public static IReadOnlyList<string> Effective(IEnumerable<Directive> directives, string section, string key) =>
        EffectiveDirectives(directives, section, key).Select(d => d.Value).ToList();

    /// <summary>As <see cref="Effective"/>, with the file each value comes from.</summary>
    public static IReadOnlyList<Directive> EffectiveDirectives(IEnumerable<Directive> directives, string section, string key)
    {
        var values = new List<Directive>();
        foreach (var d in directives.Where(d => d.Section == section && d.Key == key))
        {
            if (d.Value.Length == 0) values.Clear();
            else values.Add(d);
        }
        return values;
    }

    /// <summary>
    /// The variables of Environment= lines in order, with the file that sets each: quoted words, C
    /// escapes and %% as systemd reads them (config_parse_environ); an empty Environment= clears them.
    /// </summary>
    public static IReadOnlyDictionary<string, (string Value, string Source)> Environment(IEnumerable<Directive> directives)
    {
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var d in directives.Where(d => d.Section == "Service" && d.Key == "Environment"))
        {
            if (d.Value.Length == 0) { map.Clear(); continue; }
            foreach (var word in Words(d.Value))
            {
                var assignment = word.Replace("%%", "%");
                var eq = assignment.IndexOf('=');
                if (eq > 0 && EnvironmentFile.IsValidName(assignment[..eq])) map[assignment[..eq]] = (assignment[(eq + 1)..], d.Source);
            }
        }
        return map;
    }

    /// <summary>systemd's word splitting with quotes and C escapes (extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE).</summary>
    public static List<string> Words(string value)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length)
            {
                var n = value[++i];
                word.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v', 's' => ' ', _ => n });
                inWord = true;
                continue;
            }
            if (quote != '\0')
            {
                if (c == quote) quote = '\0'; else word.Append(c);
                continue;
            }
            if (c is '"' or '\'') { quote = c; inWord = true; continue; }
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            word.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>The directories systemd 252 reads system units and drop-ins from, most specific first.</summary>
    public static readonly string[] SystemUnitDirectories =
    [
        "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient", "/run/systemd/generator.early",
        "/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system", "/run/systemd/system.attached",
        "/run/systemd/generator", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", "/run/systemd/generator.late",
    ];

    /// <summary>
    /// Finds a unit's file and drop-ins under a root ("/" for the running system), the way systemd 252
    /// orders them: drop-ins from &lt;unit&gt;.d, the prefix directories of a dashed name (a-.service.d)
    /// and the type directory (service.d) sort together by file name, whatever their directory; of
    /// two files with one name the more specific directory wins, and one linked to /dev/null masks the name.
    /// </summary>
    public static (string? Fragment, IReadOnlyList<DropIn> DropIns) LocateDropIns(string root, string unit)
    {
        string Under(string path) => Path.Combine(root, path.TrimStart('/'));
        var fragment = SystemUnitDirectories.Select(d => Under(Path.Combine(d, unit))).FirstOrDefault(File.Exists);
        var byName = new Dictionary<string, DropIn>(StringComparer.Ordinal);
        foreach (var dir in SystemUnitDirectories)
        {
            foreach (var dropInDir in DropInDirectoryNames(unit))
            {
                var d = Under(Path.Combine(dir, dropInDir));
                if (!Directory.Exists(d)) continue;
                foreach (var file in Directory.EnumerateFileSystemEntries(d, "*.conf"))
                {
                    var name = Path.GetFileName(file);
                    if (byName.ContainsKey(name)) continue;
                    var link = new FileInfo(file).LinkTarget;
                    var masked = link == "/dev/null";
                    if (!masked && !File.Exists(file)) continue;
                    byName[name] = new DropIn(name, file, "/" + Path.GetRelativePath(root, file), masked);
                }
            }
        }
        var ordered = byName.Values.OrderBy(d => Encoding.UTF8.GetBytes(d.Name), ByteOrder.Instance).ToList();
        return (fragment, ordered);
    }

    /// <summary>Finds a unit's file and the drop-ins that apply (masked ones left out), in systemd's order.</summary>
    public static (string? Fragment, IReadOnlyList<string> DropIns) Locate(string root, string unit)
    {
        var (fragment, dropIns) = LocateDropIns(root, unit);
        return (fragment, dropIns.Where(d => !d.Masked).Select(d => d.Path).ToList());
    }

    // docker.service.d; for a-b.service also a-.service.d; then service.d.
    private static IEnumerable<string> DropInDirectoryNames(string unit)
    {
        yield return unit + ".d";
        var dot = unit.LastIndexOf('.');
        if (dot <= 0) yield break;
        var (name, type) = (unit[..dot], unit[(dot + 1)..]);
        for (var dash = name.LastIndexOf('-', name.Length - 2 < 0 ? 0 : name.Length - 2); dash > 0; dash = name.LastIndexOf('-', dash - 1))
            yield return name[..(dash + 1)] + "." + type + ".d";
        yield return type + ".d";
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
