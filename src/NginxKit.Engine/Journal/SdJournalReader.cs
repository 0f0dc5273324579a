using System.Runtime.InteropServices;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>
/// Reads journal entries through sd-journal. Every filter is a journal match or a seek, as
/// journalctl builds them, so -Last 5 on a million entries reads five, and memory stays flat:
/// entries stream out one at a time.
/// </summary>
public sealed unsafe class SdJournalReader : IJournalReader
{

    private readonly JournalQuery query;
    private readonly Action<Problem> report;
    private IntPtr journal;

    private SdJournalReader(JournalQuery query, IntPtr journal, Action<Problem> report)
    {
        this.query = query;
        this.journal = journal;
        this.report = report;
    }

    /// <summary>Opens the journal the query names, checks each file, and applies the matches.</summary>
    public static SdJournalReader Open(JournalQuery query, Action<Problem> report)
    {
        if (!SdJournal.IsAvailable)
            throw ErrorCatalog.LibsystemdMissing.Exception("libsystemd.so.0 is not available on this host, so the journal cannot be read directly.", null);
        var journal = OpenJournal(query, report);
        var reader = new SdJournalReader(query, journal, report);
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
        if (query.Files is not null)
        {
            var files = new List<string>();
            foreach (var file in JournalSourceCheck.ReadableFiles(query.Files, report))
            {
                if (CheckOpens(file) is { } problem) report(problem);
                else files.Add(file);
            }
            if (files.Count == 0) throw JournalSourceCheck.NoneLeft(query.Files);
            r = OpenFiles(files, out journal);
        }
        else if (query.Directory is not null)
        {
            JournalSourceCheck.CheckDirectory(query.Directory);
            // sd-journal skips a corrupt file in silence; say which ones are left out.
            foreach (var file in System.IO.Directory.EnumerateFiles(query.Directory, "*.journal*", SearchOption.AllDirectories))
                if ((JournalSourceCheck.CheckReadable(file) ?? CheckOpens(file)) is { } problem) report(problem);
            var path = Encoding.UTF8.GetBytes(query.Directory + "\0");
            fixed (byte* p = path) r = SdJournal.sd_journal_open_directory(out journal, p, 0);
        }
        else
        {
            r = SdJournal.sd_journal_open(out journal, SdJournal.LocalOnly);
        }
        if (r < 0)
            throw ErrorCatalog.JournalNotReadable.Exception($"The journal cannot be opened: {Errno(r)}.", query.Directory ?? (object?)query.Files);
        return journal;
    }

    // libsystemd's verdict on one file: a file it cannot open is left out, and said so.
    private static Problem? CheckOpens(string file)
    {
        var r = OpenFiles([file], out var j);
        if (r < 0)
            return ErrorCatalog.JournalCorrupt.Problem($"'{file}' is not a readable journal file ({Errno(r)}); it is left out. Check it with journalctl --verify --file.", file);
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
        if (r < 0) throw ErrorCatalog.JournalNotReadable.Exception($"The journal refused a filter: {Errno(r)}.", null);
    }

    /// <summary>A boot ID, or an offset from the newest boot in these files (0, -1, …) as journalctl -b takes it.</summary>
    private string ResolveBoot(string boot)
    {
        if (boot.Length == 32 && boot.All(char.IsAsciiHexDigit)) return boot.ToLowerInvariant();
        if (!int.TryParse(boot, out var offset) || offset > 0)
            throw ErrorCatalog.BootNotFound.Exception($"'{boot}' is neither a boot ID nor an offset such as 0 or -1.", boot);
        var boots = Boots();
        var index = boots.Count - 1 + offset;
        if (index < 0 || index >= boots.Count)
            throw ErrorCatalog.BootNotFound.Exception($"There is no boot {offset}: the journal holds {boots.Count}.", boot);
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
        if (query.Lines is { } last)
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
            if (back == 0)
            {
                if (!query.Follow) yield break;
                // Nothing old to show, only what comes next. After seek_tail, libsystemd's next()
                // returns the newest entry again, so stand on that entry and let next() move past it.
                if (query.Until is null) SdJournal.sd_journal_previous(journal);
            }
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

        ulong? lastRead = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!positioned)
            {
                var r = SdJournal.sd_journal_next(journal);
                // A broken entry array: journalctl stops here too ("Failed to iterate through journal").
                if (r < 0) throw JournalDamage.StopsAfter(lastRead, Marshal.GetPInvokeErrorMessage(-r));
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
            if (++sinceRelease == JournalPages.ReleaseEvery)
            {
                sinceRelease = 0;
                JournalPages.Release();
            }
            var entry = Current(time, out var cursor, out var damage, out var unreadable);
            // Data no output mode can read: journalctl stops here, and so does this reader.
            if (unreadable) throw JournalDamage.StopsAfter(lastRead, damage!);
            lastRead = time;
            if (entry is not null) yield return entry;
            else report(JournalDamage.LeftOut(time, cursor, damage!));
        }
    }

    private int sinceRelease;

    /// <summary>
    /// sd-journal reads the files through mmap, in 8 MiB windows of which it keeps up to 64 mapped,
    /// and every page it touches stays in this process's RSS until the file is closed: reading a
    /// million entries (380 MB of journal) took peak RSS from 120 MB to 390 MB, two thirds of it the
    /// journal's own pages. Every few thousand entries, tell the kernel it may drop them. The
    /// mappings are libsystemd's, read-only and file-backed (MAP_SHARED of files opened O_RDONLY),
    /// so MADV_DONTNEED loses nothing: the next access faults the page back in from the page cache,
    /// and every pointer stays valid. Measured on bench/Journal.Bench.ps1: no change in read time.
    /// </summary>
    private static class JournalPages
    {
        public const int ReleaseEvery = 8192;
        private const int MadviseDontNeed = 4;

        [DllImport("libc", SetLastError = true)]
        private static extern int madvise(IntPtr address, nuint length, int advice);

        public static void Release()
        {
            string[] maps;
            try { maps = File.ReadAllLines("/proc/self/maps"); }
            catch (IOException) { return; }
            catch (UnauthorizedAccessException) { return; }
            foreach (var line in maps)
            {
                // start-end perms offset dev inode path; only shared read-only mappings of journal files.
                if (!(line.EndsWith(".journal", StringComparison.Ordinal) || line.EndsWith(".journal~", StringComparison.Ordinal))) continue;
                var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2 || fields[1] != "r--s") continue;
                var dash = fields[0].IndexOf('-');
                if (dash < 0
                    || !ulong.TryParse(fields[0].AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var start)
                    || !ulong.TryParse(fields[0].AsSpan(dash + 1), System.Globalization.NumberStyles.HexNumber, null, out var end)
                    || end <= start) continue;
                madvise((IntPtr)(long)start, (nuint)(end - start), MadviseDontNeed);
            }
        }
    }

    private ulong Realtime()
    {
        SdJournal.sd_journal_get_realtime_usec(journal, out var usec);
        return usec;
    }

    // Decodes and builds entries exactly as ExportStreamReader does (JournalFields), so both readers agree.
    private readonly JournalFields fields = new();
    private SdJournal.Id128 lastBoot;
    private string? lastBootText;

    // The entry, or null and why when journalctl -o json would not print it either: data it skips
    // as unreadable (Bad message), a malformed field, a time past 9999; or data it cannot read at all
    // (<paramref name="unreadable"/>: the walk over the entry's data objects fails otherwise).
    private JournalEntry? Current(ulong realtime, out string? cursor, out string? damage, out bool unreadable)
    {
        SdJournal.sd_journal_get_monotonic_usec(journal, out _, out var boot);
        cursor = null;
        if (SdJournal.sd_journal_get_cursor(journal, out var c) >= 0)
        {
            cursor = Marshal.PtrToStringUTF8(c);
            SdJournal.free(c);
        }
        var values = JournalFields.FromHeader(realtime, BootText(boot), cursor);
        // One pass over the entry's data objects: sd_journal_get_data walks them all for every field
        // asked for, and eight lookups per entry took two thirds of the read (bench/Journal.Bench.ps1).
        // Each object is decoded before the next call, which may unmap it.
        SdJournalData.sd_journal_restart_data(journal);
        damage = null;
        unreadable = false;
        int r;
        while ((r = SdJournalData.sd_journal_enumerate_data(journal, out var data, out var length)) > 0)
            if (!fields.StoreItem(ref values, new ReadOnlySpan<byte>(data, (int)length))) damage ??= JournalDamage.MalformedField;
        if (r is -EBADMSG or -EADDRNOTAVAIL) damage = JournalDamage.Unreadable;
        else if (r < 0)
        {
            damage = Marshal.GetPInvokeErrorMessage(-r);
            unreadable = true;
        }
        if (damage is not null) return null;
        var entry = JournalFields.Build(values);
        if (entry is null) damage = JournalDamage.TimeOutOfRange;
        return entry;
    }

    // What journalctl's output reports as "Bad message" when it skips an entry it cannot read.
    private const int EBADMSG = 74, EADDRNOTAVAIL = 99;

    private string BootText(SdJournal.Id128 boot)
    {
        if (lastBootText is null || !Bytes(ref lastBoot).SequenceEqual(Bytes(ref boot)))
        {
            lastBoot = boot;
            lastBootText = boot.ToString();
        }
        return lastBootText;

        static ReadOnlySpan<byte> Bytes(ref SdJournal.Id128 id) => MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref id, 1));
    }

    // The two calls SdJournalReader needs beyond SdJournal's set (both in libsystemd since v195).
    private static class SdJournalData
    {
        [DllImport("libsystemd.so.0")] public static extern void sd_journal_restart_data(IntPtr journal);
        [DllImport("libsystemd.so.0")] public static extern int sd_journal_enumerate_data(IntPtr journal, out byte* data, out nuint length);
    }

    public void Dispose()
    {
        if (journal != IntPtr.Zero)
        {
            SdJournal.sd_journal_close(journal);
            journal = IntPtr.Zero;
        }
    }
}
