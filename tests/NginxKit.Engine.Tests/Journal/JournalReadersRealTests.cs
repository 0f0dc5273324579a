using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// Both readers on a real journal written by systemd-journal-remote: equal objects for the same
/// query, and the export reader's journalctl never outliving a cancelled or abandoned read.
/// The full comparison with journalctl, filter by filter, is tests/Pester/Journal.Tests.ps1.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // as the engine is
public sealed class JournalReadersRealTests : IDisposable
{
    private const string JournalRemote = "/lib/systemd/systemd-journal-remote";
    private static readonly string BootA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", BootB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";
    private const ulong Start = 1_795_248_000_000_000;
    private readonly string dir = Path.Combine(Path.GetTempPath(), "nginxkit-journal-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    // 300 entries over two boots: dockerd at every priority, PID 1 about docker, ssh noise, a
    // multi-line and a non-UTF-8 message.
    private static byte[] Fixture(int count = 300, ulong start = Start, string tag = "e")
    {
        var w = new ExportParserTests.ExportWriter();
        for (int i = 0; i < count; i++)
        {
            var boot = i < count / 2 ? BootA : BootB;
            var t = start + (ulong)i * 10_007;
            object message = (i % 50) switch
            {
                7 => "panic: x\n\ngoroutine 1 [running]:\n\tmain.go:1",
                9 => new byte[] { 0x61, 0xFF, 0x62 },
                _ => $"time=\"t\" level=info msg=\"{tag} {i}\" n={i}",
            };
            if (i % 10 == 3)
                w.EntryIn(boot, t, ("_SYSTEMD_UNIT", "init.scope"), ("_PID", "1"), ("UNIT", "docker.service"), ("PRIORITY", "5"), ("MESSAGE", "Started docker.service."));
            else if (i % 10 == 6)
                w.EntryIn(boot, t, ("_SYSTEMD_UNIT", "ssh.service"), ("_PID", "900"), ("PRIORITY", "6"), ("MESSAGE", "Accepted publickey"));
            else
                w.EntryIn(boot, t, ("_SYSTEMD_UNIT", "docker.service"), ("_PID", "812"), ("PRIORITY", (i % 8).ToString()), ("_HOSTNAME", "h"),
                    ("SYSLOG_IDENTIFIER", "dockerd"), ("MESSAGE", message));
        }
        // (journal-remote ignores the __CURSOR line ExportWriter writes; it makes its own.)
        return w.ToArray();
    }

    private static Process StartRemote(string output)
    {
        var psi = new ProcessStartInfo(JournalRemote) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--output=" + output);
        psi.ArgumentList.Add("-");
        var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }

    private void Write(byte[] export)
    {
        Directory.CreateDirectory(dir);
        using var p = StartRemote(Path.Combine(dir, "docker.journal"));
        p.StandardInput.BaseStream.Write(export);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(0, p.ExitCode);
    }

    private static List<string> Flatten(IJournalReader reader) =>
        reader.Read(CancellationToken.None).Select(e => string.Join('\u0002',
            e.TimeCreated.UtcTicks, e.Priority, e.Unit, e.Pid, e.Hostname, e.BootId, e.Cursor, e.Message, e.Identifier, e.Level, e.Msg,
            string.Join('\u0001', e.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + f.Value)),
            e.MessageBytes is null ? "-" : Convert.ToBase64String(e.MessageBytes))).ToList();

    public static TheoryData<string> Queries() =>
    [
        "default", "units", "err", "range", "last", "last-window", "boot0", "boot-1", "since-until", "all-priorities",
    ];

    private JournalQuery Query(string name) => name switch
    {
        "default" => new JournalQuery { Directory = dir },
        "units" => new JournalQuery { Directory = dir, Units = ["docker.service", "ssh.service"] },
        "err" => new JournalQuery { Directory = dir, Priority = (JournalPriority.Emergency, JournalPriority.Error) },
        "range" => new JournalQuery { Directory = dir, Priority = (JournalPriority.Error, JournalPriority.Warning) },
        "all-priorities" => new JournalQuery { Directory = dir, Priority = (JournalPriority.Emergency, JournalPriority.Debug) },
        "last" => new JournalQuery { Directory = dir, Last = 9 },
        "last-window" => new JournalQuery { Directory = dir, Last = 4, Until = At(Start + 100 * 10_007 + 3) },
        "boot0" => new JournalQuery { Directory = dir, Boot = "0" },
        "boot-1" => new JournalQuery { Directory = dir, Boot = "-1" },
        "since-until" => new JournalQuery { Directory = dir, Since = At(Start + 20 * 10_007), Until = At(Start + 200 * 10_007) },
        _ => throw new ArgumentException(name),
    };

    private static DateTimeOffset At(ulong usec) => DateTimeOffset.UnixEpoch.AddTicks((long)usec * 10);

    [RealTheory(JournalRemote)]
    [MemberData(nameof(Queries))]
    public void BothReadersGiveEqualObjects(string name)
    {
        Write(Fixture());
        var problems = new List<Problem>();
        using var sd = SdJournalReader.Open(Query(name), problems.Add);
        using var export = ExportStreamReader.Open(Query(name), problems.Add);
        var expected = Flatten(sd);
        var actual = Flatten(export);
        Assert.Empty(problems);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [RealFact(JournalRemote)]
    public void CancellingAFollowKillsJournalctlAtOnce()
    {
        Write(Fixture(20));
        using var reader = ExportStreamReader.Open(new JournalQuery { Directory = dir, Follow = true }, _ => { });
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var read = Task.Run(() =>
        {
            foreach (var _ in reader.Read(cts.Token)) Interlocked.Increment(ref seen);
        });
        // Following: the old entries shown, journalctl waiting for more.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref seen) > 0 && JournalctlFor(dir).Count == 1, 30_000), $"saw {seen}");

        cts.Cancel();
        var ex = Assert.ThrowsAny<AggregateException>(() => read.Wait(30_000));
        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
        Assert.True(SpinWait.SpinUntil(() => JournalctlFor(dir).Count == 0, 30_000), "journalctl outlived the cancelled read");
    }

    [RealFact(JournalRemote)]
    public void LettingGoOfTheEntriesEarlyEndsJournalctl()
    {
        Write(Fixture(20));
        using var reader = ExportStreamReader.Open(new JournalQuery { Directory = dir, Follow = true }, _ => { });
        var first = reader.Read(CancellationToken.None).Take(3).ToList(); // Take disposes the enumerator
        Assert.Equal(3, first.Count);
        Assert.True(SpinWait.SpinUntil(() => JournalctlFor(dir).Count == 0, 30_000));
    }

    [RealFact(JournalRemote)]
    public void FollowSeesWhatIsAppendedLater()
    {
        Directory.CreateDirectory(dir);
        using var remote = StartRemote(Path.Combine(dir, "docker.journal"));
        remote.StandardInput.BaseStream.Write(Fixture(10, tag: "old"));
        remote.StandardInput.BaseStream.Flush();
        try
        {
            // journal-remote writes what it is fed within moments; wait until all 9 of docker's are there.
            Assert.True(SpinWait.SpinUntil(() =>
            {
                using var probe = ExportStreamReader.Open(new JournalQuery { Directory = dir }, _ => { });
                return probe.Read(CancellationToken.None).Count() == 9;
            }, 30_000));
            using var reader = ExportStreamReader.Open(new JournalQuery { Directory = dir, Follow = true, Last = 2 }, _ => { });
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var messages = new List<string>();
            foreach (var e in reader.Read(cts.Token))
            {
                messages.Add(e.Msg ?? e.Message);
                if (messages.Count == 2)
                {
                    remote.StandardInput.BaseStream.Write(Fixture(2, Start + 10_000_000, "new"));
                    remote.StandardInput.BaseStream.Flush();
                }
                if (messages.Count == 4) break;
            }
            // The last two of docker's (entry 8, and 9 with its non-UTF-8 message), then the two appended.
            Assert.Equal(["old 8", "a\uFFFDb", "new 0", "new 1"], messages);
        }
        finally
        {
            remote.StandardInput.Close();
            remote.WaitForExit(10_000);
        }
    }

    public static TheoryData<string, string> FollowCases() => new()
    {
        { "sdjournal", "default" }, { "export", "default" },
        { "sdjournal", "last 3" }, { "export", "last 3" },
        { "sdjournal", "last 0" }, { "export", "last 0" },
        { "sdjournal", "since" }, { "export", "since" },
    };

    /// <summary>
    /// -Follow as journalctl -f: the last 10 entries (journalctl -n 10), or the last N with -Last N, or
    /// none with -Last 0, or all from -Since; then each entry appended while it runs. Which old entries
    /// come is journalctl's answer for the same question; the appended ones are known by their text.
    /// </summary>
    [RealTheory(JournalRemote)]
    [MemberData(nameof(FollowCases))]
    public void FollowShowsWhatJournalctlFollowShows(string reader, string shape)
    {
        Directory.CreateDirectory(dir);
        using var remote = new NginxKitTests.Journal.JournalRemote(JournalRemote, Path.Combine(dir, "docker.journal"));
        remote.AddRange(NginxKitTests.Journal.Scenarios.Small(30, Start, "old")); // 27 of docker.service
        remote.Flush();
        Assert.True(SpinWait.SpinUntil(() => JournalctlCursors().Count == 27, 30_000), "journal-remote writes what it is fed");
        var (query, expectedOld) = shape switch
        {
            "default" => (new JournalQuery { Directory = dir, Follow = true }, JournalctlCursors("-n", "10")),
            "last 3" => (new JournalQuery { Directory = dir, Follow = true, Last = 3 }, JournalctlCursors("-n", "3")),
            "last 0" => (new JournalQuery { Directory = dir, Follow = true, Last = 0 }, []),
            _ => (new JournalQuery { Directory = dir, Follow = true, Since = At(Start) }, JournalctlCursors("--since", "@" + Start / 1_000_000)),
        };
        Assert.Equal(shape == "default" ? 10 : shape == "last 3" ? 3 : shape == "last 0" ? 0 : 27, expectedOld.Count);

        using var follow = reader == "export" ? (IJournalReader)ExportStreamReader.Open(query, _ => { }) : SdJournalReader.Open(query, _ => { });
        using var cts = new CancellationTokenSource();
        var got = new System.Collections.Concurrent.ConcurrentQueue<JournalEntry>();
        var read = Task.Run(() =>
        {
            foreach (var e in follow.Read(cts.Token)) got.Enqueue(e);
        });
        try
        {
            var next = Start + 10_000_000UL;
            if (shape == "last 0")
            {
                // Nothing old comes, so nothing says when the reader has found the journal's end: feed it
                // probes, one at a time, until one arrives. Whatever came before that must be probes too.
                var probes = 0;
                while (got.IsEmpty && probes < 60)
                {
                    remote.AddRange(NginxKitTests.Journal.Scenarios.Follow(next, 1, "probe" + probes++, BootB));
                    remote.Flush();
                    next += 1000;
                    SpinWait.SpinUntil(() => !got.IsEmpty, 500);
                }
            }
            else Assert.True(SpinWait.SpinUntil(() => got.Count >= expectedOld.Count, 30_000), $"got {got.Count} of {expectedOld.Count} old entries");
            remote.AddRange(NginxKitTests.Journal.Scenarios.Follow(next + 1_000_000, 3, "new", BootB));
            remote.Flush();
            Assert.True(SpinWait.SpinUntil(() => got.Any(e => e.Msg == "new 2"), 30_000), $"the appended entries arrive ({got.Count} so far)");
        }
        finally
        {
            cts.Cancel();
            try { read.Wait(30_000); } catch (AggregateException) { }
            remote.Complete(30_000);
        }
        Assert.True(read.IsCompleted, "cancelling ends the follow");
        Assert.IsAssignableFrom<OperationCanceledException>(read.Exception?.InnerException);
        var all = got.ToList();
        var old = all.Where(e => e.Msg is null || !(e.Msg.StartsWith("probe", StringComparison.Ordinal) || e.Msg.StartsWith("new", StringComparison.Ordinal))).Select(e => e.Cursor);
        Assert.Equal(expectedOld, old);
        Assert.Equal(["new 0", "new 1", "new 2"], all.SkipWhile(e => e.Msg?.StartsWith("new", StringComparison.Ordinal) != true).Select(e => e.Msg));
        if (shape == "last 0") Assert.All(all.TakeWhile(e => e.Msg?.StartsWith("new", StringComparison.Ordinal) != true), e => Assert.StartsWith("probe", e.Msg));
    }

    // journalctl's answer for docker.service in this test's directory: the cursors, oldest first.
    private List<string> JournalctlCursors(params string[] args)
    {
        var psi = new ProcessStartInfo("journalctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--no-pager", "--quiet", "--directory=" + dir, "-u", "docker.service", "-o", "json" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        return [.. lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("__CURSOR").GetString()!)];
    }

    public static TheoryData<string> Readers() => ["sdjournal", "export"];

    /// <summary>Files were named and none is left to read: JournalNotFound, and the host's own journal is never read instead.</summary>
    [RealTheory(JournalRemote)]
    [MemberData(nameof(Readers))]
    public void NamedFilesThatAreAllMissingNeverFallBackToTheHostJournal(string reader)
    {
        foreach (var files in new[] { Array.Empty<string>(), [Path.Combine(dir, "nomatch*.journal")] })
        {
            var problems = new List<Problem>();
            var query = new JournalQuery { Files = files };
            var ex = Assert.Throws<NginxKitException>(() =>
            {
                using var r = reader == "export" ? (IJournalReader)ExportStreamReader.Open(query, problems.Add) : SdJournalReader.Open(query, problems.Add);
            });
            Assert.Equal(ErrorCatalog.JournalNotFound.Id, ex.Problem.ErrorId);
            Assert.Equal(files.Length, problems.Count(p => p.ErrorId == ErrorCatalog.JournalNotFound.Id));
            if (files.Length > 0) Assert.Contains("No journal file matches", problems[0].Message);
        }
    }

    [RealFact(JournalRemote)]
    public void ReportsMissingAndCorruptFilesAsJournalReaderDoes()
    {
        Write(Fixture(30));
        var bad = Path.Combine(dir, "x.journal");
        File.WriteAllBytes(bad, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
        var sdProblems = new List<Problem>();
        var exportProblems = new List<Problem>();
        using (var sd = SdJournalReader.Open(new JournalQuery { Directory = dir }, sdProblems.Add))
        using (var export = ExportStreamReader.Open(new JournalQuery { Directory = dir }, exportProblems.Add))
            Assert.Equal(Flatten(sd), Flatten(export));
        Assert.Equal([ErrorCatalog.JournalCorrupt.Id], sdProblems.Select(p => p.ErrorId));
        Assert.Equal([ErrorCatalog.JournalCorrupt.Id], exportProblems.Select(p => p.ErrorId));
        Assert.Equal(bad, exportProblems[0].Target);

        var missing = Assert.Throws<NginxKitException>(() => ExportStreamReader.Open(new JournalQuery { Directory = dir + "-missing" }, _ => { }));
        Assert.Equal(ErrorCatalog.JournalNotFound.Id, missing.Problem.ErrorId);
        var none = Assert.Throws<NginxKitException>(() => ExportStreamReader.Open(new JournalQuery { Files = [bad] }, exportProblems.Add));
        Assert.Equal(ErrorCatalog.JournalNotFound.Id, none.Problem.ErrorId);
    }

    /// <summary>journalctl processes reading <paramref name="path"/>, found through /proc.</summary>
    private static List<int> JournalctlFor(string path)
    {
        var found = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var id)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains("journalctl", StringComparison.Ordinal) && cmd.Contains(path, StringComparison.Ordinal)) found.Add(id);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
