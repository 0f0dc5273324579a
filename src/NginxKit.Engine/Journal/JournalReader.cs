using System.Runtime.InteropServices;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>
/// Reads journal entries through sd-journal. Every filter is a journal match or a seek, as
/// journalctl builds them, so -Last 5 on a million entries reads five, and memory stays flat:
/// entries stream out one at a time.
/// </summary>
public sealed unsafe class JournalReader : IJournalReader
{
    public const string JournalNotFound = nameof(JournalNotFound);
    public const string JournalNotReadable = nameof(JournalNotReadable);
    public const string JournalCorrupt = nameof(JournalCorrupt);
    public const string BootNotFound = nameof(BootNotFound);
    public const string LibsystemdMissing = nameof(LibsystemdMissing);

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly JournalQuery query;
    private IntPtr journal;

    private JournalReader(JournalQuery query, IntPtr journal)
    {
        this.query = query;
        this.journal = journal;
    }

    /// <summary>Opens the journal the query names, checks each file, and applies the matches.</summary>
    public static JournalReader Open(JournalQuery query, Action<Problem> report)
    {
        if (!SdJournal.IsAvailable)
            throw new NginxKitException(new Problem(LibsystemdMissing, ProblemCategory.NotInstalled,
                "libsystemd.so.0 is not available on this host, so the journal cannot be read directly.", null));
        var journal = OpenJournal(query, report);
        var reader = new JournalReader(query, journal);
        try
        {
            SdJournal.sd_journal_set_data_threshold(journal, 0); // whole messages, not the first 64 KiB
            reader.AddMatches();
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private static IntPtr OpenJournal(JournalQuery query, Action<Problem> report)
    {
        IntPtr journal;
        int r;
        if (query.Files.Count > 0)
        {
            var files = new List<string>();
            foreach (var file in query.Files)
            {
                if (!File.Exists(file)) { report(new Problem(JournalNotFound, ProblemCategory.ObjectNotFound, $"The journal file '{file}' does not exist.", file)); continue; }
                if (CheckFile(file) is { } problem) { report(problem); continue; }
                files.Add(file);
            }
            if (files.Count == 0)
                throw new NginxKitException(new Problem(JournalNotFound, ProblemCategory.ObjectNotFound, "None of the given journal files can be read.", query.Files));
            r = OpenFiles(files, out journal);
        }
        else if (query.Directory is not null)
        {
            if (!System.IO.Directory.Exists(query.Directory))
                throw new NginxKitException(new Problem(JournalNotFound, ProblemCategory.ObjectNotFound, $"The journal directory '{query.Directory}' does not exist.", query.Directory));
            // sd-journal skips a corrupt file in silence; say which ones are left out.
            foreach (var file in System.IO.Directory.EnumerateFiles(query.Directory, "*.journal*", SearchOption.AllDirectories))
                if (CheckFile(file) is { } problem) report(problem);
            var path = Encoding.UTF8.GetBytes(query.Directory + "\0");
            fixed (byte* p = path) r = SdJournal.sd_journal_open_directory(out journal, p, 0);
        }
        else
        {
            r = SdJournal.sd_journal_open(out journal, SdJournal.LocalOnly);
        }
        if (r < 0)
            throw new NginxKitException(new Problem(JournalNotReadable, ProblemCategory.ReadError,
                $"The journal cannot be opened: {Errno(r)}.", query.Directory ?? (object?)query.Files));
        return journal;
    }

    private static Problem? CheckFile(string file)
    {
        try
        {
            using (File.OpenRead(file)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new Problem(JournalNotReadable, ProblemCategory.PermissionDenied, $"The journal file '{file}' cannot be read: {ex.Message}", file);
        }
        var r = OpenFiles([file], out var j);
        if (r < 0)
            return new Problem(JournalCorrupt, ProblemCategory.InvalidData, $"'{file}' is not a readable journal file ({Errno(r)}); it is left out. Check it with journalctl --verify --file.", file);
        SdJournal.sd_journal_close(j);
        return null;
    }

    private static int OpenFiles(IReadOnlyList<string> files, out IntPtr journal)
    {
        var handles = files.Select(f => GCHandle.Alloc(Encoding.UTF8.GetBytes(f + "\0"), GCHandleType.Pinned)).ToList();
        try
        {
            var pointers = stackalloc byte*[files.Count + 1];
            for (int i = 0; i < files.Count; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
            pointers[files.Count] = null;
            return SdJournal.sd_journal_open_files(out journal, pointers, 0);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    private static string Errno(int r) => $"{Marshal.GetPInvokeErrorMessage(-r)} (errno {-r})";

    // The same matches journalctl adds, in its order: boot, units, priorities.
    private void AddMatches()
    {
        if (query.Boot is not null)
        {
            Match("_BOOT_ID=" + ResolveBoot(query.Boot));
            Check(SdJournal.sd_journal_add_conjunction(journal));
        }
        if (query.Units.Count > 0)
        {
            for (int i = 0; i < query.Units.Count; i++)
            {
                var unit = query.Units[i];
                if (i > 0) Check(SdJournal.sd_journal_add_disjunction(journal));
                Match("_SYSTEMD_UNIT=" + unit);
                Check(SdJournal.sd_journal_add_disjunction(journal));
                Match("MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1"); // its coredumps
                Match("_UID=0");
                Match("COREDUMP_UNIT=" + unit);
                Check(SdJournal.sd_journal_add_disjunction(journal));
                Match("_PID=1"); // PID 1 about the unit
                Match("UNIT=" + unit);
                Check(SdJournal.sd_journal_add_disjunction(journal));
                Match("_UID=0"); // privileged daemons about the unit
                Match("OBJECT_SYSTEMD_UNIT=" + unit);
            }
            Check(SdJournal.sd_journal_add_conjunction(journal));
        }
        // All eight priorities is no filter at all, as in journalctl: entries without PRIORITY stay in.
        if (query.Priority is var (most, least) && (most, least) != (JournalPriority.Emergency, JournalPriority.Debug))
        {
            for (var p = (int)most; p <= (int)least; p++) Match($"PRIORITY={p}");
            Check(SdJournal.sd_journal_add_conjunction(journal));
        }
    }

    private void Match(string match)
    {
        var bytes = Encoding.UTF8.GetBytes(match);
        fixed (byte* p = bytes) Check(SdJournal.sd_journal_add_match(journal, p, (nuint)bytes.Length));
    }

    private static void Check(int r)
    {
        if (r < 0) throw new NginxKitException(new Problem(JournalNotReadable, ProblemCategory.ReadError, $"The journal refused a filter: {Errno(r)}.", null));
    }

    /// <summary>A boot ID, or an offset from the newest boot in these files (0, -1, …) as journalctl -b takes it.</summary>
    private string ResolveBoot(string boot)
    {
        if (boot.Length == 32 && boot.All(char.IsAsciiHexDigit)) return boot.ToLowerInvariant();
        if (!int.TryParse(boot, out var offset) || offset > 0)
            throw new NginxKitException(new Problem(BootNotFound, ProblemCategory.InvalidArgument, $"'{boot}' is neither a boot ID nor an offset such as 0 or -1.", boot));
        var boots = Boots();
        var index = boots.Count - 1 + offset;
        if (index < 0 || index >= boots.Count)
            throw new NginxKitException(new Problem(BootNotFound, ProblemCategory.ObjectNotFound, $"There is no boot {offset}: the journal holds {boots.Count}.", boot));
        return boots[index];
    }

    /// <summary>Boot IDs in the order they started.</summary>
    public IReadOnlyList<string> Boots()
    {
        var ids = new List<string>();
        fixed (byte* field = "_BOOT_ID"u8)
        {
            Check(SdJournal.sd_journal_query_unique(journal, field));
            SdJournal.sd_journal_restart_unique(journal);
            while (SdJournal.sd_journal_enumerate_unique(journal, out var data, out var length) > 0)
                ids.Add(Encoding.ASCII.GetString(data + 9, (int)length - 9));
        }
        var starts = new List<(ulong Start, string Id)>();
        foreach (var id in ids)
        {
            SdJournal.sd_journal_flush_matches(journal);
            Match("_BOOT_ID=" + id);
            SdJournal.sd_journal_seek_head(journal);
            if (SdJournal.sd_journal_next(journal) > 0 && SdJournal.sd_journal_get_realtime_usec(journal, out var usec) >= 0)
                starts.Add((usec, id));
        }
        SdJournal.sd_journal_flush_matches(journal);
        return starts.OrderBy(s => s.Start).Select(s => s.Id).ToList();
    }

    // Since and Until to the microsecond, as journalctl --since/--until cut: entries at or after Since
    // (rounded up to the next µs) and at or before Until (rounded down). ExportStreamReader uses the same.
    internal static ulong SinceUsec(DateTimeOffset since) =>
        since <= DateTimeOffset.UnixEpoch ? 0 : (ulong)((since.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + 9) / 10);

    internal static ulong UntilUsec(DateTimeOffset until) =>
        until <= DateTimeOffset.UnixEpoch ? 0 : (ulong)((until.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);

    /// <summary>The entries, oldest first; with Follow, waits for new ones until cancelled.</summary>
    public IEnumerable<JournalEntry> Read(CancellationToken cancellationToken)
    {
        var until = query.Until is { } u ? UntilUsec(u) : ulong.MaxValue;
        bool positioned;
        if (query.Last is { } last)
        {
            // The last N entries up to Until: step back from the tail (or from Until).
            if (query.Until is not null) SdJournal.sd_journal_seek_realtime_usec(journal, until + 1);
            else SdJournal.sd_journal_seek_tail(journal);
            int back = 0;
            while (back < last && SdJournal.sd_journal_previous(journal) > 0)
            {
                if (query.Until is not null && Realtime() > until) continue;
                back++;
            }
            if (back == 0 && !query.Follow) yield break;
            positioned = back > 0; // standing on the first entry to show
            if (query.Since is { } since && positioned)
            {
                while (positioned && Realtime() < SinceUsec(since))
                    positioned = SdJournal.sd_journal_next(journal) > 0;
            }
        }
        else
        {
            if (query.Since is { } since) SdJournal.sd_journal_seek_realtime_usec(journal, SinceUsec(since));
            else SdJournal.sd_journal_seek_head(journal);
            positioned = false;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!positioned)
            {
                var r = SdJournal.sd_journal_next(journal);
                if (r < 0) Check(r);
                if (r == 0)
                {
                    if (!query.Follow) yield break;
                    // Wake at least every 100 ms so Ctrl+C is seen promptly.
                    SdJournal.sd_journal_wait(journal, 100_000);
                    continue;
                }
            }
            positioned = false;
            var time = Realtime();
            if (time > until) yield break;
            yield return Current(time);
        }
    }

    private ulong Realtime()
    {
        SdJournal.sd_journal_get_realtime_usec(journal, out var usec);
        return usec;
    }

    private JournalEntry Current(ulong realtime)
    {
        SdJournal.sd_journal_get_monotonic_usec(journal, out _, out var boot);
        string cursor = string.Empty;
        if (SdJournal.sd_journal_get_cursor(journal, out var c) >= 0)
        {
            cursor = Marshal.PtrToStringUTF8(c) ?? string.Empty;
            SdJournal.free(c);
        }
        var messageBytes = Field("MESSAGE"u8);
        string message;
        byte[]? raw = null;
        try
        {
            message = messageBytes.Length == 0 ? string.Empty : StrictUtf8.GetString(messageBytes);
        }
        catch (DecoderFallbackException)
        {
            raw = messageBytes.ToArray();
            message = Encoding.UTF8.GetString(messageBytes);
        }
        var pid = ParseInt(Field("_PID"u8));
        var unit = pid == 1 ? Text(Field("UNIT"u8)) ?? Text(Field("_SYSTEMD_UNIT"u8)) : Text(Field("_SYSTEMD_UNIT"u8)) ?? Text(Field("UNIT"u8));
        var priority = ParseInt(Field("PRIORITY"u8)) ?? 6;
        return JournalEntry.Create(DateTimeOffset.FromUnixTimeMilliseconds((long)(realtime / 1000)).AddTicks((long)(realtime % 1000) * 10),
            priority, unit, pid, Text(Field("_HOSTNAME"u8)), boot.ToString(), cursor, message, Text(Field("SYSLOG_IDENTIFIER"u8)), raw);
    }

    // The value of FIELD=value for the current entry, or empty when the entry has none.
    private ReadOnlySpan<byte> Field(ReadOnlySpan<byte> name)
    {
        fixed (byte* n = name)
        {
            if (SdJournal.sd_journal_get_data(journal, n, out var data, out var length) < 0) return default;
            var skip = name.Length + 1;
            return (int)length <= skip ? default : new ReadOnlySpan<byte>(data + skip, (int)length - skip);
        }
    }

    private static string? Text(ReadOnlySpan<byte> value) => value.Length == 0 ? null : Encoding.UTF8.GetString(value);

    private static int? ParseInt(ReadOnlySpan<byte> value) =>
        System.Buffers.Text.Utf8Parser.TryParse(value, out int n, out var consumed) && consumed == value.Length && value.Length > 0 ? n : null;

    public void Dispose()
    {
        if (journal != IntPtr.Zero)
        {
            SdJournal.sd_journal_close(journal);
            journal = IntPtr.Zero;
        }
    }
}
