using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Journal;

/// <summary>
/// The fallback reader for hosts without libsystemd.so.0: runs <c>journalctl -o export</c> with the
/// query's filters and parses its binary-safe export stream from stdout as bytes, one entry at a
/// time, so memory stays flat however much it prints. Every filter runs inside journalctl, as the
/// same matches and seeks <see cref="SdJournalReader"/> makes through sd-journal, and entries are built
/// exactly as that reader builds them, so both give equal objects for the same query.
/// Cancelling (Ctrl+C, Stop(), an early end of the pipeline) or disposing kills journalctl at once:
/// no child is left behind, even under -Follow.
/// </summary>
public sealed partial class ExportStreamReader : IJournalReader
{
    // Only the fields a JournalEntry is built from. journalctl still prints __CURSOR,
    // __REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP and _BOOT_ID (from the entry header) for every
    // entry; leaving the rest out cuts the stream to what is parsed.
    private const string OutputFields = "MESSAGE,PRIORITY,_PID,UNIT,_SYSTEMD_UNIT,_HOSTNAME,SYSLOG_IDENTIFIER";
    private const int StderrLimit = 16 * 1024;

    private readonly JournalQuery query;
    private readonly string journalctl;
    private readonly IReadOnlyList<string> files; // -File: the ones that passed the checks
    private string? bootId;                       // -Boot resolved to an ID, matched as _BOOT_ID=
    private readonly object gate = new();
    private Process? running;
    private volatile bool disposed;

    private ExportStreamReader(JournalQuery query, string journalctl, IReadOnlyList<string> files)
    {
        this.query = query;
        this.journalctl = journalctl;
        this.files = files;
    }

    /// <summary>
    /// Checks the journal the query names as <see cref="SdJournalReader.Open"/> does (the same problems,
    /// reported the same way) and resolves -Boot, before anything is read.
    /// </summary>
    public static ExportStreamReader Open(JournalQuery query, Action<Problem> report, string? journalctlPath = null)
    {
        var journalctl = journalctlPath ?? NativeCommand.Find("journalctl")
            ?? throw ErrorCatalog.LibsystemdMissing.Exception("journalctl is not available on this host (it stands in when libsystemd.so.0 cannot be loaded), so the journal cannot be read.", "journalctl");
        var files = new List<string>();
        if (query.Files.Count > 0)
        {
            foreach (var file in query.Files)
            {
                if (!File.Exists(file)) { report(ErrorCatalog.JournalNotFound.Problem($"The journal file '{file}' does not exist.", file)); continue; }
                if (CheckReadable(file) is { } problem) { report(problem); continue; }
                files.Add(file);
            }
            files = LeaveOutCorrupt(journalctl, files, report);
            if (files.Count == 0)
                throw ErrorCatalog.JournalNotFound.Exception("None of the given journal files can be read.", query.Files);
        }
        else if (query.Directory is not null)
        {
            if (!Directory.Exists(query.Directory))
                throw ErrorCatalog.JournalNotFound.Exception($"The journal directory '{query.Directory}' does not exist.", query.Directory);
            // journalctl skips a corrupt or unreadable file with a note on stderr; say which ones are
            // left out, up front, as SdJournalReader does.
            var candidates = new List<string>();
            foreach (var file in Directory.EnumerateFiles(query.Directory, "*.journal*", SearchOption.AllDirectories))
            {
                if (CheckReadable(file) is { } problem) report(problem);
                else candidates.Add(file);
            }
            LeaveOutCorrupt(journalctl, candidates, report);
        }
        var reader = new ExportStreamReader(query, journalctl, files);
        if (query.Boot is not null) reader.bootId = reader.ResolveBoot(query.Boot);
        return reader;
    }

    private static Problem? CheckReadable(string file)
    {
        try
        {
            using (File.OpenRead(file)) { }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ErrorCatalog.JournalNotReadable.Problem($"The journal file '{file}' cannot be read: {ex.Message}", file);
        }
    }

    /// <summary>
    /// libsystemd's verdict on each file, through journalctl: one run over them all, and one per
    /// file only when that fails (journalctl --file refuses the whole set for one bad file).
    /// </summary>
    private static List<string> LeaveOutCorrupt(string journalctl, List<string> files, Action<Problem> report)
    {
        if (files.Count == 0 || OpenCheck(journalctl, files) is null) return files;
        var good = new List<string>();
        foreach (var file in files)
        {
            if (OpenCheck(journalctl, [file]) is { } error)
                report(ErrorCatalog.JournalCorrupt.Problem($"'{file}' is not a readable journal file ({error}); it is left out. Check it with journalctl --verify --file.", file));
            else good.Add(file);
        }
        return good;
    }

    private static string? OpenCheck(string journalctl, IReadOnlyList<string> files)
    {
        var args = new List<string> { "--no-pager", "--quiet", "-n", "0" };
        foreach (var f in files) args.Add("--file=" + f);
        var (exit, _, stderr) = RunToEnd(journalctl, args);
        return exit == 0 ? null : FirstLine(stderr) ?? $"journalctl exited with {exit}";
    }

    /// <summary>A boot ID as it is; an offset (0, -1, …) through journalctl --list-boots, the order journalctl -b uses.</summary>
    private string ResolveBoot(string boot)
    {
        if (boot.Length == 32 && boot.All(char.IsAsciiHexDigit)) return boot.ToLowerInvariant();
        if (!int.TryParse(boot, out var offset) || offset > 0)
            throw ErrorCatalog.BootNotFound.Exception($"'{boot}' is neither a boot ID nor an offset such as 0 or -1.", boot);
        var args = new List<string> { "--no-pager", "--quiet", "--list-boots", "-o", "json" };
        args.AddRange(SourceArguments());
        var (exit, stdout, stderr) = RunToEnd(journalctl, args);
        var boots = new List<string>();
        if (exit == 0 && stdout.TrimStart().StartsWith('['))
        {
            using var json = JsonDocument.Parse(stdout);
            boots.AddRange(json.RootElement.EnumerateArray().Select(b => b.GetProperty("boot_id").GetString()!));
        }
        else if (exit == 0)
        {
            // journalctl before v251 prints --list-boots as text only: " -1 <boot id> <first> — <last>", oldest first.
            foreach (var line in stdout.Split('\n'))
                if (BootLine().Match(line) is { Success: true } m) boots.Add(m.Groups[1].Value);
        }
        else if (exit != 0 && !stderr.Contains("No such boot", StringComparison.Ordinal) && !stderr.Contains("No entries", StringComparison.Ordinal))
        {
            throw Failed(exit, stderr, "list the boots");
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
        if (files.Count > 0) return files.Select(f => "--file=" + f);
        if (query.Directory is not null) return ["--directory=" + query.Directory];
        return [];
    }

    // The instant boundaries in microseconds, computed exactly as SdJournalReader.Read does so both
    // readers cut at the same entry.
    private ulong? SinceUsec => query.Since is { } s ? SdJournalReader.SinceUsec(s) : null;
    private ulong? UntilUsec => query.Until is { } u ? SdJournalReader.UntilUsec(u) : null;

    /// <summary>
    /// The journalctl arguments for one run. Matches go in as journalctl builds them for -u, -p and
    /// the boot's _BOOT_ID; the seek is the caller's (<paramref name="position"/>).
    /// </summary>
    internal List<string> Arguments(IEnumerable<string> position)
    {
        var args = new List<string> { "--no-pager", "--quiet", "-o", "export", "--output-fields=" + OutputFields };
        args.AddRange(SourceArguments());
        foreach (var unit in query.Units) args.Add("--unit=" + unit);
        if (query.Priority is var (most, least)) args.Add($"--priority={(int)most}..{(int)least}");
        args.AddRange(position);
        // A plain match, the one SdJournalReader adds: an ID not in the journal selects nothing rather
        // than failing as journalctl -b would.
        if (bootId is not null) args.Add("_BOOT_ID=" + bootId);
        return args;
    }

    private static string At(ulong usec) => "@" + (usec / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (usec % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    public IEnumerable<JournalEntry> Read(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var since = SinceUsec;
        var until = UntilUsec;
        var run = new RunState();

        // 1. What is there now, read to its end, as without -Follow.
        IEnumerable<JournalEntry> backlog;
        if (query.Last is not { } last)
        {
            // Forward from Since (or the head), to Until. Under -Follow, Until is checked on this side
            // only, so the first entry past it is seen (and ends the read, as in SdJournalReader) rather
            // than held back by journalctl.
            var position = new List<string>();
            if (since is { } s) position.Add("--since=" + At(s));
            if (until is { } u && !query.Follow) position.Add("--until=" + At(u));
            backlog = Run(Arguments(position), until, run, cancellationToken);
        }
        else if (last == 0)
        {
            backlog = [];
        }
        else if (since is null && until is null)
        {
            backlog = Run(Arguments(["--lines=" + last.ToString(CultureInfo.InvariantCulture)]), null, run, cancellationToken);
        }
        else
        {
            // The last N in a time window. journalctl's -n counts from the journal's tail, not from
            // --until (and with --since shows the first N), so read the window backwards (-r stops
            // after N) and turn the N entries around: the same entries SdJournalReader reaches by
            // stepping back from Until. N is bounded by -Last, so holding them is fine.
            var window = new List<string>();
            if (since is { } s) window.Add("--since=" + At(s));
            if (until is { } u) window.Add("--until=" + At(u));
            window.AddRange(["--reverse", "--lines=" + last.ToString(CultureInfo.InvariantCulture)]);
            backlog = Reversed(Run(Arguments(window), null, run, cancellationToken));
        }
        foreach (var entry in backlog)
        {
            run.LastCursor = entry.Cursor;
            yield return entry;
        }
        if (!query.Follow || run.PassedUntil) yield break;

        // 2. Then follow, from just after the last entry shown (journalctl --after-cursor). With nothing
        // shown: new entries only; or, after -Last with Until, from just past Until, where the first
        // entry found ends the read as in SdJournalReader.
        List<string> follow = run.LastCursor is not null ? ["--after-cursor=" + run.LastCursor, "--lines=all"]
            : query.Last is not null && until is { } u2 ? ["--since=" + At(u2 + 1), "--lines=all"]
            : ["--lines=0"];
        follow.Add("--follow");
        // journalctl -f quietly adds -b (the newest boot) unless --merge is given (journalctl.c, since
        // v250). On a directory or files that would hide other boots' entries, and SdJournalReader shows
        // them; --merge changes nothing else there. On the local journal new entries all come from the
        // current boot, and --merge would add remote journals, so it is left off; a -Boot ID match
        // keeps merged remote journals out anyway.
        if (files.Count > 0 || query.Directory is not null || bootId is not null) follow.Add("--merge");
        foreach (var entry in Run(Arguments(follow), until, run, cancellationToken))
            yield return entry;
    }

    /// <summary>What a run saw, for the next one.</summary>
    private sealed class RunState
    {
        public string? LastCursor;
        public bool PassedUntil; // an entry after Until came: the read is over
    }

    private static IEnumerable<JournalEntry> Reversed(IEnumerable<JournalEntry> newestFirst)
    {
        var list = newestFirst.ToList();
        list.Reverse();
        return list;
    }

    /// <summary>One journalctl run, its entries as they arrive; stops at the first entry after <paramref name="until"/>.</summary>
    private IEnumerable<JournalEntry> Run(List<string> args, ulong? until, RunState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stderr = new StringBuilder();
        var process = Start(args, stderr);
        var stopped = false;
        try
        {
            // The read below blocks in the pipe; cancelling kills journalctl, which ends the read at once.
            using var registration = cancellationToken.Register(() => Kill(process));
            var parser = new ExportParser(process.StandardOutput.BaseStream);
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
                    process.WaitForExit();
                    string text;
                    lock (stderr) text = stderr.ToString();
                    if (process.ExitCode != 0) throw Failed(process.ExitCode, text, "read the journal");
                    throw ErrorCatalog.JournalCorrupt.Exception($"journalctl's export stream cannot be parsed: {ex.Message}", text.Trim(), inner: ex);
                }
                if (until is { } u && fields.Realtime > u)
                {
                    stopped = state.PassedUntil = true;
                    yield break;
                }
                yield return JournalFields.Build(fields);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (disposed) yield break; // Dispose killed it
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string text;
                lock (stderr) text = stderr.ToString();
                throw Failed(process.ExitCode, text, "read the journal");
            }
        }
        finally
        {
            // Ended early (stopped at Until, an error, the consumer let go): journalctl must not outlive us.
            if (stopped || !process.HasExited) Kill(process);
            lock (gate) if (ReferenceEquals(running, process)) running = null;
            process.Dispose();
        }
    }

    private Process Start(List<string> args, StringBuilder stderr)
    {
        var psi = new ProcessStartInfo(journalctl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // not the terminal: journalctl gets nothing to read and no tty
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SYSTEMD_PAGER"] = "cat";
        psi.Environment["LC_ALL"] = "C"; // stderr in English, for the messages we pass on
        var process = new Process { StartInfo = psi };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) if (stderr.Length < StderrLimit) stderr.Append(e.Data).Append('\n');
        };
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                process.Dispose();
                throw ErrorCatalog.NativeCommandNotFound.Exception($"Cannot run '{journalctl}': {ex.Message}.", journalctl, inner: ex);
            }
            running = process;
        }
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (process.HasExited) return;
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static NginxKitException Failed(int exit, string stderr, string what)
    {
        var detail = FirstLine(stderr) ?? $"exit code {exit}";
        var id = detail.Contains("No such file or directory", StringComparison.Ordinal) ? ErrorCatalog.JournalNotFound
            : detail.Contains("Bad message", StringComparison.Ordinal) || detail.Contains("corrupt", StringComparison.OrdinalIgnoreCase) ? ErrorCatalog.JournalCorrupt
            : ErrorCatalog.JournalNotReadable;
        var category = id == ErrorCatalog.JournalNotFound ? ProblemCategory.ObjectNotFound
            : id == ErrorCatalog.JournalCorrupt ? ProblemCategory.InvalidData : ProblemCategory.ReadError;
        return id.Exception($"journalctl could not {what}: {detail}", stderr.Trim());
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    private static (int Exit, string Stdout, string Stderr) RunToEnd(string fileName, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SYSTEMD_PAGER"] = "cat";
        psi.Environment["LC_ALL"] = "C";
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }

    public void Dispose()
    {
        Process? process;
        lock (gate)
        {
            disposed = true;
            process = running;
            running = null;
        }
        if (process is not null) Kill(process);
    }
}
