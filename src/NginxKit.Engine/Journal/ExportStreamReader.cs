using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Journal;

/// <summary>
/// The fallback reader for hosts without libsystemd.so.0: runs <c>journalctl -o export</c> with the
/// query's filters, through the process seam, and parses its binary-safe export stream as bytes, one
/// entry at a time, so memory stays flat however much it prints. Every filter runs inside journalctl,
/// as the same matches and seeks <see cref="SdJournalReader"/> makes through sd-journal, and entries
/// are built exactly as that reader builds them, so both give equal objects for the same query.
/// Where journalctl stops at an entry it cannot print, that entry is reported and left out, and a new
/// run goes on after it, as SdJournalReader goes on (<see cref="JournalDamage"/>).
/// Cancelling (Ctrl+C, Stop(), an early end of the pipeline) or disposing kills journalctl at once:
/// no child is left behind, even under -Follow.
/// </summary>
public sealed partial class ExportStreamReader : IJournalReader
{
    // Only the fields a JournalEntry is built from. journalctl still prints __CURSOR,
    // __REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP and _BOOT_ID (from the entry header) for every
    // entry; leaving the rest out cuts the stream to what is parsed.
    private const string OutputFields = "MESSAGE,PRIORITY,_PID,UNIT,_SYSTEMD_UNIT,_HOSTNAME,SYSLOG_IDENTIFIER";

    // journalctl's words (logs-show.c, journalctl.c): a malformed field (it printed the entry's header
    // and stops: the entry is left out and a new run goes on after it); data no output mode can read,
    // and an entry array it cannot follow (it stops: so does the read).
    private const string InvalidField = "Invalid field.";
    private const string CannotReadFields = "Failed to get journal fields: ";
    private const string CannotIterate = "Failed to iterate through journal: ";

    private static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["SYSTEMD_PAGER"] = "cat",
        ["LC_ALL"] = "C", // stderr in English, for the messages we pass on
    };

    private readonly JournalQuery query;
    private readonly string journalctl;
    private readonly IProcessRunner runner;
    private readonly Action<Problem> report;
    private readonly IReadOnlyList<string>? files; // -File: the ones that passed the checks
    private string? bootId;                        // -Boot resolved to an ID, matched as _BOOT_ID=
    private readonly object gate = new();
    private IStreamingProcess? running;
    private volatile bool disposed;

    private ExportStreamReader(JournalQuery query, string journalctl, IProcessRunner runner, Action<Problem> report, IReadOnlyList<string>? files)
    {
        this.query = query;
        this.journalctl = journalctl;
        this.runner = runner;
        this.report = report;
        this.files = files;
    }

    /// <summary>
    /// Checks the journal the query names as <see cref="SdJournalReader.Open"/> does (the same problems,
    /// reported the same way) and resolves -Boot, before anything is read.
    /// </summary>
    public static ExportStreamReader Open(JournalQuery query, Action<Problem> report, string? journalctlPath = null, IProcessRunner? runner = null)
    {
        runner ??= ProcessRunner.Instance;
        var journalctl = journalctlPath ?? NativeCommand.Find("journalctl")
            ?? throw ErrorCatalog.LibsystemdMissing.Exception("journalctl is not available on this host (it stands in when libsystemd.so.0 cannot be loaded), so the journal cannot be read.", "journalctl");
        List<string>? files = null;
        if (query.Files is not null)
        {
            files = LeaveOutCorrupt(runner, journalctl, JournalSourceCheck.ReadableFiles(query.Files, report), report);
            if (files.Count == 0) throw JournalSourceCheck.NoneLeft(query.Files);
        }
        else if (query.Directory is not null)
        {
            JournalSourceCheck.CheckDirectory(query.Directory);
            // journalctl skips a corrupt or unreadable file with a note on stderr; say which ones are
            // left out, up front, as SdJournalReader does.
            var candidates = new List<string>();
            foreach (var file in Directory.EnumerateFiles(query.Directory, "*.journal*", SearchOption.AllDirectories))
            {
                if (JournalSourceCheck.CheckReadable(file) is { } problem) report(problem);
                else candidates.Add(file);
            }
            LeaveOutCorrupt(runner, journalctl, candidates, report);
        }
        var reader = new ExportStreamReader(query, journalctl, runner, report, files);
        if (query.Boot is not null) reader.bootId = reader.ResolveBoot(query.Boot);
        return reader;
    }

    /// <summary>
    /// libsystemd's verdict on each file, through journalctl: one run over them all, and one per
    /// file only when that fails (journalctl --file refuses the whole set for one bad file).
    /// </summary>
    private static List<string> LeaveOutCorrupt(IProcessRunner runner, string journalctl, List<string> files, Action<Problem> report)
    {
        if (files.Count == 0 || OpenCheck(runner, journalctl, files) is null) return files;
        var good = new List<string>();
        foreach (var file in files)
        {
            if (OpenCheck(runner, journalctl, [file]) is { } error)
                report(ErrorCatalog.JournalCorrupt.Problem($"'{file}' is not a readable journal file ({error}); it is left out. Check it with journalctl --verify --file.", file));
            else good.Add(file);
        }
        return good;
    }

    private static string? OpenCheck(IProcessRunner runner, string journalctl, IReadOnlyList<string> files)
    {
        var args = new List<string> { "--no-pager", "--quiet", "-n", "0" };
        foreach (var f in files) args.Add("--file=" + f);
        var (result, _) = RunToEnd(runner, journalctl, args);
        return result.Succeeded ? null : FirstLine(result.StandardError) ?? $"journalctl exited with {result.ExitCode}";
    }

    /// <summary>A boot ID as it is; an offset (0, -1, …) through journalctl --list-boots, the order journalctl -b uses.</summary>
    private string ResolveBoot(string boot)
    {
        if (boot.Length == 32 && boot.All(char.IsAsciiHexDigit)) return boot.ToLowerInvariant();
        if (!int.TryParse(boot, out var offset) || offset > 0)
            throw ErrorCatalog.BootNotFound.Exception($"'{boot}' is neither a boot ID nor an offset such as 0 or -1.", boot);
        var args = new List<string> { "--no-pager", "--quiet", "--list-boots", "-o", "json" };
        args.AddRange(SourceArguments());
        var (result, stdout) = RunToEnd(runner, journalctl, args);
        var boots = new List<string>();
        if (result.Succeeded && stdout.TrimStart().StartsWith('['))
        {
            using var json = JsonDocument.Parse(stdout);
            boots.AddRange(json.RootElement.EnumerateArray().Select(b => b.GetProperty("boot_id").GetString()!));
        }
        else if (result.Succeeded)
        {
            // journalctl before v251 prints --list-boots as text only: " -1 <boot id> <first> — <last>", oldest first.
            foreach (var line in stdout.Split('\n'))
                if (BootLine().Match(line) is { Success: true } m) boots.Add(m.Groups[1].Value);
        }
        else if (!result.StandardError.Contains("No such boot", StringComparison.Ordinal) && !result.StandardError.Contains("No entries", StringComparison.Ordinal))
        {
            throw Failed(result, "list the boots");
        }
        var index = boots.Count - 1 + offset;
        if (index < 0 || index >= boots.Count)
            throw ErrorCatalog.BootNotFound.Exception($"There is no boot {offset}: the journal holds {boots.Count}.", boot);
        return boots[index];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*-?\d+\s+([0-9a-f]{32})\s")]
    private static partial System.Text.RegularExpressions.Regex BootLine();

    // --directory/--file, or the local journal when neither is given.
    private IEnumerable<string> SourceArguments()
    {
        if (files is not null) return files.Select(f => "--file=" + f);
        if (query.Directory is not null) return ["--directory=" + query.Directory];
        return [];
    }

    // The instant boundaries in microseconds, computed exactly as SdJournalReader.Read does so both
    // readers cut at the same entry.
    private ulong? SinceUsec => query.Since is { } s ? SdJournalReader.SinceUsec(s) : null;
    private ulong? UntilUsec => query.Until is { } u ? SdJournalReader.UntilUsec(u) : null;

    /// <summary>
    /// The journalctl arguments for one run. Matches go in as journalctl builds them for -u, -p and
    /// the boot's _BOOT_ID; the seek is the pass's.
    /// </summary>
    internal List<string> Arguments(Pass pass)
    {
        var args = new List<string> { "--no-pager", "--quiet", "-o", "export", "--output-fields=" + OutputFields };
        args.AddRange(SourceArguments());
        foreach (var unit in query.Units) args.Add("--unit=" + unit);
        if (query.Priority is var (most, least)) args.Add($"--priority={(int)most}..{(int)least}");
        args.AddRange(pass.Position());
        if (pass.Follow)
        {
            // journalctl -f quietly adds -b (the newest boot) unless --merge is given (journalctl.c, since
            // v250). On a directory or files that would hide other boots' entries, and SdJournalReader shows
            // them; --merge changes nothing else there. On the local journal new entries all come from the
            // current boot, and --merge would add remote journals, so it is left off; a -Boot ID match
            // keeps merged remote journals out anyway.
            args.Add("--follow");
            if (files is not null || query.Directory is not null || bootId is not null) args.Add("--merge");
        }
        // A plain match, the one SdJournalReader adds: an ID not in the journal selects nothing rather
        // than failing as journalctl -b would.
        if (bootId is not null) args.Add("_BOOT_ID=" + bootId);
        return args;
    }

    /// <summary>
    /// Where one journalctl run starts and how far it goes. After an entry journalctl cannot print,
    /// the same pass goes on in a new run from just after that entry (<see cref="After"/>).
    /// </summary>
    internal sealed record Pass
    {
        public ulong? Since { get; init; }
        public ulong? Until { get; init; }
        public int? Lines { get; init; }          // at most this many entries (journalctl -n), counting left-out ones
        public bool Reverse { get; init; }
        public bool Follow { get; init; }
        public string? AfterCursor { get; init; }

        public IEnumerable<string> Position()
        {
            if (AfterCursor is not null) yield return "--after-cursor=" + AfterCursor;
            // After a cursor, going forward, --since has been passed already; going backwards it still ends the pass.
            if (Since is { } s && (AfterCursor is null || Reverse)) yield return "--since=" + At(s);
            if (Until is { } u) yield return "--until=" + At(u);
            if (Reverse) yield return "--reverse";
            yield return Lines is { } n ? "--lines=" + n.ToString(CultureInfo.InvariantCulture) : "--lines=all";
        }

        /// <summary>
        /// The rest of this pass after <paramref name="cursor"/>, with <paramref name="used"/> of its lines
        /// gone; null when none are left. Following, everything after the cursor is new.
        /// </summary>
        public Pass? After(string cursor, int used) =>
            Follow ? this with { AfterCursor = cursor, Since = null, Lines = null }
            : Lines is { } n ? (n - used > 0 ? this with { AfterCursor = cursor, Lines = n - used } : null)
            : this with { AfterCursor = cursor };
    }

    private static string At(ulong usec) => "@" + (usec / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (usec % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    public IEnumerable<JournalEntry> Read(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var since = SinceUsec;
        var until = UntilUsec;
        var state = new RunState();

        // 1. What is there now, read to its end, as without -Follow.
        IEnumerable<JournalEntry> backlog;
        if (query.Lines is not { } lines)
        {
            // Forward from Since (or the head), to Until. Under -Follow, Until is checked on this side
            // only, so the first entry past it is seen (and ends the read, as in SdJournalReader) rather
            // than held back by journalctl.
            backlog = Run(new Pass { Since = since, Until = query.Follow ? null : until }, until, state, cancellationToken);
        }
        else if (lines == 0)
        {
            backlog = [];
        }
        else if (since is null && until is null)
        {
            backlog = Run(new Pass { Lines = lines }, null, state, cancellationToken);
        }
        else
        {
            // The last N in a time window. journalctl's -n counts from the journal's tail, not from
            // --until (and with --since shows the first N), so read the window backwards (-r stops
            // after N) and turn the N entries around: the same entries SdJournalReader reaches by
            // stepping back from Until. N is bounded by -Last, so holding them is fine.
            backlog = Reversed(Run(new Pass { Since = since, Until = until, Reverse = true, Lines = lines }, null, state, cancellationToken));
        }
        foreach (var entry in backlog) yield return entry;
        if (!query.Follow || state.PassedUntil) yield break;

        // 2. Then follow, from just after the newest entry read (journalctl --after-cursor). With none:
        // new entries only; or, after -Last with Until, from just past Until, where the first entry
        // found ends the read as in SdJournalReader.
        var follow = state.Newest is { } newest ? new Pass { AfterCursor = newest, Follow = true }
            : query.Lines is not null && until is { } u ? new Pass { Since = u + 1, Follow = true }
            : new Pass { Lines = 0, Follow = true };
        foreach (var entry in Run(follow, until, state, cancellationToken))
            yield return entry;
    }

    /// <summary>What the runs saw, for the ones after them.</summary>
    private sealed class RunState
    {
        public string? Newest;      // the newest entry's cursor, left-out ones included: -Follow goes on after it
        public ulong? LastRealtime; // the last entry's time, for a message when the journal cannot be read past it
        public bool PassedUntil;    // an entry after Until came: the read is over

        public void Saw(string? cursor, ulong realtime, bool reverse)
        {
            LastRealtime = realtime;
            if (cursor is not null && (!reverse || Newest is null)) Newest = cursor;
        }
    }

    private static List<JournalEntry> Reversed(IEnumerable<JournalEntry> newestFirst)
    {
        var list = newestFirst.ToList();
        list.Reverse();
        return list;
    }

    /// <summary>
    /// One pass, in as many journalctl runs as it takes: entries as they arrive, each entry journalctl
    /// cannot print reported and passed over. Stops at the first entry after <paramref name="until"/>.
    /// </summary>
    private IEnumerable<JournalEntry> Run(Pass? pass, ulong? until, RunState state, CancellationToken cancellationToken)
    {
        string? lastFailure = null;
        while (pass is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var process = Start(Arguments(pass));
            var used = 0;
            Pass? next = null;
            try
            {
                // The read below blocks in the pipe; cancelling kills journalctl, which ends the read at once.
                using var registration = cancellationToken.Register(process.Kill);
                var parser = new ExportParser(process.StandardOutput, skipped =>
                {
                    // An entry journalctl began and left unfinished to go on with the next: one it could not read.
                    report(JournalDamage.LeftOut(skipped.Realtime, skipped.Cursor, JournalDamage.Unreadable));
                    used++;
                    state.Saw(skipped.Cursor, skipped.Realtime, pass.Reverse);
                });
                while (true)
                {
                    JournalFields.Values fields;
                    try
                    {
                        if (!parser.TryRead(out fields)) break;
                    }
                    catch (InvalidDataException ex)
                    {
                        if (cancellationToken.IsCancellationRequested) break; // killed mid-entry
                        // journalctl died mid-entry (its exit code says why), or printed something that is not export format.
                        var result = process.WaitForExit();
                        if (!result.Succeeded) throw Failed(result, "read the journal");
                        throw ErrorCatalog.JournalCorrupt.Exception($"journalctl's export stream cannot be parsed: {ex.Message}", result.StandardError.Trim(), inner: ex);
                    }
                    if (until is { } u && fields.Realtime > u)
                    {
                        state.PassedUntil = true;
                        yield break;
                    }
                    used++;
                    state.Saw(fields.Cursor, fields.Realtime, pass.Reverse);
                    if (JournalFields.Build(fields) is { } entry) yield return entry;
                    else report(JournalDamage.LeftOut(fields.Realtime, fields.Cursor, JournalDamage.TimeOutOfRange));
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (disposed) yield break; // Dispose killed it
                var end = process.WaitForExit();
                if (!end.Succeeded)
                {
                    // journalctl prints an entry's cursor before its fields: when it stops inside an entry, that
                    // entry is the one it cannot print. Report it and go on after it, as SdJournalReader does.
                    var failure = FirstLine(end.StandardError) ?? string.Empty;
                    // Data no output mode can read, or an entry array it cannot follow: journalctl stops, and so does SdJournalReader.
                    if (failure.StartsWith(CannotIterate, StringComparison.Ordinal))
                        throw JournalDamage.StopsAfter(state.LastRealtime, failure[CannotIterate.Length..].Trim());
                    if (failure.StartsWith(CannotReadFields, StringComparison.Ordinal))
                        throw JournalDamage.StopsAfter(state.LastRealtime, failure[CannotReadFields.Length..].Trim());
                    if (parser.Incomplete is not { Cursor: { } bad } incomplete || bad == lastFailure || !failure.StartsWith(InvalidField, StringComparison.Ordinal))
                        throw Failed(end, "read the journal");
                    if (until is { } u && incomplete.Realtime > u)
                    {
                        state.PassedUntil = true;
                        yield break;
                    }
                    // -o export refuses a data object without '=' too; -o json, the rule both readers keep, passes over it.
                    if (ReadAsJson(bad) is { } salvaged)
                    {
                        if (JournalFields.Build(salvaged) is { } entry) yield return entry;
                        else report(JournalDamage.LeftOut(salvaged.Realtime, bad, JournalDamage.TimeOutOfRange));
                    }
                    else report(JournalDamage.LeftOut(incomplete.Realtime, bad, JournalDamage.MalformedField));
                    used++;
                    state.Saw(bad, incomplete.Realtime, pass.Reverse);
                    lastFailure = bad;
                    next = pass.After(bad, used);
                }
            }
            finally
            {
                // Ended early (stopped at Until, an error, the consumer let go): journalctl must not outlive us.
                lock (gate) if (ReferenceEquals(running, process)) running = null;
                process.Dispose();
            }
            pass = next;
        }
    }

    /// <summary>
    /// One entry, by its cursor, through journalctl -o json; null when that refuses it too ("Invalid
    /// field."). journalctl -o json prints binary values as arrays of byte values, and a field that
    /// repeats as an array of its values, of which the first is kept, as sd_journal_get_data gives it.
    /// </summary>
    private JournalFields.Values? ReadAsJson(string cursor)
    {
        var args = new List<string> { "--no-pager", "--quiet", "-o", "json", "--all", "--output-fields=" + OutputFields, "--cursor=" + cursor, "--lines=1" };
        args.AddRange(SourceArguments());
        var (result, stdout) = RunToEnd(runner, journalctl, args);
        if (!result.Succeeded)
        {
            if (FirstLine(result.StandardError)?.StartsWith(InvalidField, StringComparison.Ordinal) == true) return null;
            throw Failed(result, "read the journal");
        }
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.StartsWith('{'));
        if (line is null) return null;
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var values = JournalFields.FromHeader(
            ulong.Parse(root.GetProperty("__REALTIME_TIMESTAMP").GetString()!, CultureInfo.InvariantCulture),
            root.GetProperty("_BOOT_ID").GetString()!, root.GetProperty("__CURSOR").GetString());
        var collector = new JournalFields();
        foreach (var property in root.EnumerateObject())
            if (FirstValue(property.Value) is { } bytes) collector.Store(ref values, Encoding.UTF8.GetBytes(property.Name), bytes);
        return values;

        static byte[]? FirstValue(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => Encoding.UTF8.GetBytes(value.GetString()!),
            JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Number => [.. value.EnumerateArray().Select(b => b.GetByte())],
            JsonValueKind.Array when value.GetArrayLength() > 0 => FirstValue(value[0]),
            _ => null,
        };
    }

    private IStreamingProcess Start(List<string> args)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            running = runner.Start(new ProcessSpec(journalctl, args) { Environment = Environment });
            return running;
        }
    }

    private static NginxKitException Failed(ProcessResult result, string what)
    {
        var detail = FirstLine(result.StandardError) ?? $"exit code {result.ExitCode}";
        var id = detail.Contains("No such file or directory", StringComparison.Ordinal) ? ErrorCatalog.JournalNotFound
            : detail.Contains("Bad message", StringComparison.Ordinal) || detail.Contains("corrupt", StringComparison.OrdinalIgnoreCase) ? ErrorCatalog.JournalCorrupt
            : ErrorCatalog.JournalNotReadable;
        return id.Exception($"journalctl could not {what}: {detail}", result.StandardError.Trim());
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    // A short journalctl run read to its end: its result, and its output as text.
    private static (ProcessResult Result, string Stdout) RunToEnd(IProcessRunner runner, string journalctl, List<string> args)
    {
        using var process = runner.Start(new ProcessSpec(journalctl, args) { Environment = Environment });
        string stdout;
        using (var reader = new StreamReader(process.StandardOutput, Encoding.UTF8)) stdout = reader.ReadToEnd();
        return (process.WaitForExit(), stdout);
    }

    public void Dispose()
    {
        IStreamingProcess? process;
        lock (gate)
        {
            disposed = true;
            process = running;
            running = null;
        }
        process?.Kill();
    }
}
