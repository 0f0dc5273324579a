namespace NginxKit.Engine.Journal;

/// <summary>
/// dockerd's log lines: <c>time="2026-11-25T10:00:00.1Z" level=info msg="Loading containers: done." key=value</c>.
/// Values are bare or double-quoted with backslash escapes.
/// </summary>
public static class Logfmt
{
    public sealed record Parsed(string? Level, string? Msg, IReadOnlyDictionary<string, string> Fields);

    /// <summary>The pairs of a logfmt line, or null when the message is not one (it must carry level= or msg=).</summary>
    public static Parsed? TryParse(string line)
    {
        if (!line.Contains("level=", StringComparison.Ordinal) && !line.Contains("msg=", StringComparison.Ordinal)) return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            int keyStart = i;
            while (i < line.Length && line[i] is not ('=' or ' ')) i++;
            if (i == keyStart) { i++; continue; }
            var key = line[keyStart..i];
            if (i >= line.Length || line[i] != '=')
            {
                fields[key] = string.Empty;
                continue;
            }
            i++;
            string value;
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        sb.Append(line[i] switch { 'n' => '\n', 't' => '\t', var c => c });
                    }
                    else sb.Append(line[i]);
                    i++;
                }
                i++;
                value = sb.ToString();
            }
            else
            {
                int start = i;
                while (i < line.Length && line[i] != ' ') i++;
                value = line[start..i];
            }
            fields[key] = value;
        }
        if (!fields.ContainsKey("level") && !fields.ContainsKey("msg")) return null;
        fields.Remove("level", out var level);
        fields.Remove("msg", out var msg);
        return new Parsed(level, msg, fields);
    }
}
