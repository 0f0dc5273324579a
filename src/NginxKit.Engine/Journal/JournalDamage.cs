using System.Globalization;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>
/// What both readers say about damage inside a journal file, in the same words, so they agree on
/// a corrupt file as they do on a sound one. The rule is journalctl's -o json and -o export: an
/// entry they cannot print because a field is malformed, or that they skip as unreadable, is left
/// out, and unlike journalctl -o json, which stops at a malformed field, the entries after it are
/// still read (plain journalctl shows them too). Data that no output mode can read, and an entry
/// array that cannot be followed, end the read, as they end journalctl's.
/// </summary>
internal static class JournalDamage
{
    public const string MalformedField = "a field name is not valid";
    public const string TimeOutOfRange = "its time is past the year 9999";
    public const string Unreadable = "Bad message";

    /// <summary>The latest entry time a JournalEntry can carry: the end of the year 9999, in µs since 1970.</summary>
    public static readonly ulong MaxRealtime = (ulong)((DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);

    /// <summary>One entry left out, the read goes on. The target is the entry's cursor.</summary>
    public static Problem LeftOut(ulong realtime, string? cursor, string reason) =>
        ErrorCatalog.JournalCorrupt.Problem(
            $"The journal entry of {Time(realtime)} cannot be read ({reason}); it is left out, as journalctl -o json leaves it out, and the entries after it are read.",
            cursor, hint: "journalctl --verify --file=<file> names the damaged file.");

    /// <summary>
    /// The read ends: the next entry after <paramref name="afterRealtime"/> (the last one read, if any)
    /// cannot be read, or the journal cannot be iterated past it. journalctl stops there in every output mode.
    /// </summary>
    public static NginxKitException StopsAfter(ulong? afterRealtime, string reason) =>
        ErrorCatalog.JournalCorrupt.Exception(
            afterRealtime is { } t
                ? $"The journal cannot be read past the entry of {Time(t)} ({reason}); journalctl stops there too."
                : $"The journal's first entry cannot be read ({reason}); journalctl stops there too.",
            null, hint: "journalctl --verify --file=<file> names the damaged file; read the others with -File.");

    private static string Time(ulong realtime) => realtime > MaxRealtime
        ? $"{realtime} µs after 1970"
        : DateTimeOffset.UnixEpoch.AddTicks((long)realtime * 10).ToString("yyyy-MM-dd HH:mm:ss.ffffff 'UTC'", CultureInfo.InvariantCulture);
}
