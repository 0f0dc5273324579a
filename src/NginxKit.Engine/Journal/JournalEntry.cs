namespace NginxKit.Engine.Journal;

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
