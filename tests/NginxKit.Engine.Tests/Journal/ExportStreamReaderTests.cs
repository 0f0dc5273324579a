using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// ExportStreamReader through the process seam, with journalctl's answers scripted: how it goes on
/// after an entry journalctl cannot print, and where it stops. The real journalctl on damaged files
/// is <see cref="CorruptJournalTests"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ExportStreamReaderTests
{
    private const string Boot = "00112233445566778899aabbccddeeff";

    private static string Entry(int i) =>
        $"__CURSOR=c{i}\n__REALTIME_TIMESTAMP={1_000_000 + i}\n__MONOTONIC_TIMESTAMP={i}\n_BOOT_ID={Boot}\n_SYSTEMD_UNIT=docker.service\nMESSAGE=m{i}\n\n";

    // The header journalctl prints before it fails on an entry.
    private static string Header(int i) => $"__CURSOR=c{i}\n__REALTIME_TIMESTAMP={1_000_000 + i}\n__MONOTONIC_TIMESTAMP={i}\n_BOOT_ID={Boot}\n";

    private static ScriptedRunner.Answer A(string stdout, int exit, string stderr) => new(stdout, exit, stderr);

    private static (List<string> Messages, List<Problem> Problems, NginxKitException? Stop, ScriptedRunner Runner) Read(JournalQuery query, params ScriptedRunner.Answer[] answers)
    {
        var runner = new ScriptedRunner(answers);
        var problems = new List<Problem>();
        var messages = new List<string>();
        NginxKitException? stop = null;
        try
        {
            using var reader = ExportStreamReader.Open(query, problems.Add, "/usr/bin/journalctl", runner);
            foreach (var e in reader.Read(CancellationToken.None)) messages.Add(e.Message);
        }
        catch (NginxKitException ex)
        {
            stop = ex;
        }
        return (messages, problems, stop, runner);
    }

    [Fact]
    public void GoesOnAfterAnEntryWithAMalformedFieldThatJsonRefusesToo()
    {
        var (messages, problems, stop, runner) = Read(new JournalQuery(),
            A(Entry(1) + Entry(2) + Header(3) + "_SYSTEMD_UNIT=docker.service\n", 1, "Invalid field.\n"),
            A("", 1, "Invalid field.\n"),  // -o json on that entry alone: refused too
            A(Entry(4), 0, ""));
        Assert.Null(stop);
        Assert.Equal(["m1", "m2", "m4"], messages);
        var left = Assert.Single(problems);
        Assert.Equal("JournalCorrupt", left.ErrorId);
        Assert.Equal("c3", left.Target);
        Assert.Contains(JournalDamage.MalformedField, left.Message);
        Assert.Contains("--cursor=c3", runner.Calls[1]);
        Assert.Contains("json", runner.Calls[1]);
        Assert.Contains("--after-cursor=c3", runner.Calls[2]);
        Assert.Contains("--lines=all", runner.Calls[2]);
    }

    [Fact]
    public void ShowsAnEntryThatOnlyExportRefusesAsJsonShowsIt()
    {
        // A data object without '=' stops -o export; -o json passes over it and prints the entry.
        var json = "{\"__CURSOR\":\"c3\",\"__REALTIME_TIMESTAMP\":\"1000003\",\"_BOOT_ID\":\"" + Boot + "\",\"_SYSTEMD_UNIT\":\"docker.service\","
            + "\"PRIORITY\":[\"4\",\"5\"],\"MESSAGE\":[104,105,255]}\n";
        var (messages, problems, stop, _) = Read(new JournalQuery(),
            A(Entry(1) + Header(3), 1, "Invalid field.\n"),
            A(json, 0, ""),
            A(Entry(4), 0, ""));
        Assert.Null(stop);
        Assert.Empty(problems);
        Assert.Equal(["m1", "hi\uFFFD", "m4"], messages);
    }

    [Fact]
    public void KeepsTheLineBudgetOfLastAcrossTheRuns()
    {
        var (messages, problems, _, runner) = Read(new JournalQuery { Last = 5 },
            A(Entry(1) + Header(2), 1, "Invalid field.\n"),
            A("", 1, "Invalid field.\n"),
            A(Entry(3) + Entry(4) + Entry(5), 0, ""));
        Assert.Equal(["m1", "m3", "m4", "m5"], messages);
        Assert.Single(problems);
        Assert.Contains("--lines=5", runner.Calls[0]);
        Assert.Contains("--after-cursor=c2", runner.Calls[2]);
        Assert.Contains("--lines=3", runner.Calls[2]); // 5, less the one shown and the one left out
    }

    [Fact]
    public void LeavesOutAnEntryJournalctlSkippedHalfWritten()
    {
        // journalctl skipped an entry it could not read after printing part of it: no empty line, the next __CURSOR.
        var (messages, problems, stop, _) = Read(new JournalQuery(), A(Entry(1) + Header(2) + "PRIORITY=3\n" + Entry(3), 0, ""));
        Assert.Null(stop);
        Assert.Equal(["m1", "m3"], messages);
        Assert.Equal("c2", Assert.Single(problems).Target);
    }

    [Theory]
    [InlineData("Failed to get journal fields: Cannot allocate memory", "Cannot allocate memory")]
    [InlineData("Failed to iterate through journal: Bad message", "Bad message")]
    public void StopsWhereJournalctlCannotGoOn(string failure, string reason)
    {
        var (messages, _, stop, runner) = Read(new JournalQuery(), A(Entry(1) + Entry(2), 1, failure + "\n"));
        Assert.Equal(["m1", "m2"], messages);
        Assert.Equal("JournalCorrupt", stop?.Problem.ErrorId);
        Assert.Contains(reason, stop!.Message);
        Assert.Contains("1970-01-01 00:00:01.000002 UTC", stop.Message); // past the last entry read
        Assert.Single(runner.Calls);
    }

    [Fact]
    public void RunsJournalctlThroughTheSeamWithItsEnvironment()
    {
        var (_, _, _, runner) = Read(new JournalQuery { Units = ["docker.service"], Priority = (JournalPriority.Emergency, JournalPriority.Error) }, A(Entry(1), 0, ""));
        var spec = Assert.Single(runner.Specs);
        Assert.Equal("/usr/bin/journalctl", spec.FileName);
        Assert.Equal("C", spec.Environment!["LC_ALL"]);
        Assert.Contains("--unit=docker.service", spec.Arguments);
        Assert.Contains("--priority=0..3", spec.Arguments);
        Assert.Contains("export", spec.Arguments);
    }

    /// <summary>Answers each Start with the next scripted output, exit code and stderr.</summary>
    private sealed class ScriptedRunner(ScriptedRunner.Answer[] answers) : IProcessRunner
    {
        public sealed record Answer(string Stdout, int Exit, string Stderr);

        public List<ProcessSpec> Specs { get; } = [];
        public List<string> Calls => Specs.Select(s => string.Join(' ', s.Arguments)).ToList();

        public Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IStreamingProcess Start(ProcessSpec spec)
        {
            Specs.Add(spec);
            if (Specs.Count > answers.Length) throw new InvalidOperationException($"unexpected run: {spec}");
            return new Scripted(spec.ToString(), answers[Specs.Count - 1]);
        }

        private sealed class Scripted(string command, Answer answer) : IStreamingProcess
        {
            public string Command => command;
            public Stream StandardOutput { get; } = new MemoryStream(Encoding.UTF8.GetBytes(answer.Stdout));
            public bool HasExited => true;
            public ProcessResult WaitForExit() => new(command, answer.Exit, "", answer.Stderr, TimeSpan.Zero);
            public void Kill() { }
            public void Dispose() { }
        }
    }
}
