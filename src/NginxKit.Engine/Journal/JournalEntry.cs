namespace NginxKit.Engine.Journal;

/// <summary>syslog priorities, as journald stores them in PRIORITY.</summary>
public enum JournalPriority
{
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Informational = 6,
    Debug = 7,
}

/// <summary>One journal entry, with dockerd's logfmt message taken apart when it is one.</summary>
public sealed record JournalEntry(
    DateTimeOffset TimeCreated,
    JournalPriority Priority,
    string? Unit,
    int? Pid,
    string? Hostname,
    string? BootId,
    string Cursor,
    string Message,
    string? Identifier)
{
    // dockerd's logfmt is taken apart on first use: `Get-DockerJournal | Out-Null` over a million
    // entries need not pay for it, and Where-Object Level -eq 'error' pays once per entry.
    private readonly LogfmtCache logfmt = new();

    public string? Level => logfmt.Get(Message)?.Level;

    public string? Msg => logfmt.Get(Message)?.Msg;

    public IReadOnlyDictionary<string, string> Fields => logfmt.Get(Message)?.Fields ?? NoFields;

    private sealed class LogfmtCache
    {
        private Logfmt.Parsed? parsed;
        private bool done;

        public Logfmt.Parsed? Get(string message)
        {
            if (!done)
            {
                parsed = Logfmt.TryParse(message);
                done = true;
            }
            return parsed;
        }
    }

    /// <summary>The message's raw bytes when they are not valid UTF-8 (Message then shows U+FFFD for them).</summary>
    public byte[]? MessageBytes { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> NoFields = new Dictionary<string, string>();

    public static JournalEntry Create(DateTimeOffset time, int priority, string? unit, int? pid, string? hostname, string? bootId,
        string cursor, string message, string? identifier, byte[]? rawMessage)
    {
        return new JournalEntry(time, (JournalPriority)Math.Clamp(priority, 0, 7), unit, pid, hostname, bootId, cursor, message, identifier)
        {
            MessageBytes = rawMessage,
        };
    }
}

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
