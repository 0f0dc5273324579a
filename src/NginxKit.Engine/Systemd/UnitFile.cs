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
            while (line.EndsWith('\\') && i + 1 < lines.Length)
                line = line[..^1] + " " + lines[++i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
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
    public static IReadOnlyList<string> Effective(IEnumerable<Directive> directives, string section, string key)
    {
        var values = new List<string>();
        foreach (var d in directives.Where(d => d.Section == section && d.Key == key))
        {
            if (d.Value.Length == 0) values.Clear();
            else values.Add(d.Value);
        }
        return values;
    }

    /// <summary>The directories systemd reads system units from, most specific first.</summary>
    public static readonly string[] SystemUnitDirectories = ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

    /// <summary>Finds a unit's file and drop-ins under a root ("/" for the running system), the way systemd orders them.</summary>
    public static (string? Fragment, IReadOnlyList<string> DropIns) Locate(string root, string unit)
    {
        string Under(string path) => Path.Combine(root, path.TrimStart('/'));
        var fragment = SystemUnitDirectories.Select(d => Under(Path.Combine(d, unit))).FirstOrDefault(File.Exists);
        // Drop-ins sort by file name across all directories; for equal names the first directory wins.
        var dropIns = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in SystemUnitDirectories)
        {
            var d = Under(Path.Combine(dir, unit + ".d"));
            if (!Directory.Exists(d)) continue;
            foreach (var file in Directory.EnumerateFiles(d, "*.conf"))
                dropIns.TryAdd(Path.GetFileName(file), file);
        }
        return (fragment, dropIns.Values.ToList());
    }
}
