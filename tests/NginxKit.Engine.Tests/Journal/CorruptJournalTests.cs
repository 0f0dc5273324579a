using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Journal;
using NginxKitTests.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// Both readers on a corpus of damaged journal files (cut short, a tail of zeros, malformed fields,
/// data claiming a compression it lacks, flipped bits anywhere), each checked against what the real
/// journalctl -o json makes of the same file (<see cref="JournalctlOracle"/>), and against each other.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CorruptJournalTests : IClassFixture<CorruptJournalTests.Corpus>
{
    private const string JournalRemoteTool = "/lib/systemd/systemd-journal-remote";
    private readonly Corpus corpus;

    public CorruptJournalTests(Corpus corpus) => this.corpus = corpus;

    /// <summary>300 entries written by systemd-journal-remote, and 70 damaged copies of them, made once for the class.</summary>
    public sealed class Corpus : IDisposable
    {
        public readonly string Directory = Path.Combine(Path.GetTempPath(), "nginxkit-corrupt-" + Guid.NewGuid().ToString("N")[..12]);
        private List<string>? files;

        public string Sound => Path.Combine(Directory, "sound", "docker.journal");

        public List<string> Files
        {
            get
            {
                if (files is null)
                {
                    JournalRemote.Write(Sound, Scenarios.Small(300, 1_795_248_000_000_000));
                    files = JournalFileDamage.Corpus(Sound, Path.Combine(Directory, "damaged"), seed: 11, flips: 60);
                }
                return files;
            }
        }

        public void Dispose()
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); }
            catch (DirectoryNotFoundException) { }
        }
    }

    private sealed record Outcome(List<JournalEntry> Entries, List<Problem> Problems, NginxKitException? Stop);

    private static Outcome ReadAll(Func<JournalQuery, Action<Problem>, IJournalReader> open, JournalQuery query)
    {
        var entries = new List<JournalEntry>();
        var problems = new List<Problem>();
        NginxKitException? stop = null;
        try
        {
            using var reader = open(query, problems.Add);
            foreach (var e in reader.Read(CancellationToken.None)) entries.Add(e);
        }
        catch (NginxKitException ex)
        {
            stop = ex;
        }
        return new Outcome(entries, problems, stop);
    }

    private static readonly Func<JournalQuery, Action<Problem>, IJournalReader> Sd = (q, r) => SdJournalReader.Open(q, r);
    private static readonly Func<JournalQuery, Action<Problem>, IJournalReader> Export = (q, r) => ExportStreamReader.Open(q, r);

    private static string Flatten(JournalEntry e) => string.Join('\u0002',
        e.TimeCreated.UtcTicks, e.Priority, e.Unit, e.Pid, e.Hostname, e.BootId, e.Cursor, e.Message, e.Identifier,
        e.MessageBytes is null ? "-" : Convert.ToBase64String(e.MessageBytes));

    private static string Describe(Outcome o) =>
        $"{o.Entries.Count} entries; problems {string.Join(", ", o.Problems.Select(p => $"{p.ErrorId}@{p.Target}"))}; stop {o.Stop?.Problem.ErrorId}: {o.Stop?.Message}";

    [RealFact(JournalRemoteTool)]
    public void EachReaderGivesWhatJournalctlGivesOnEveryDamagedFile()
    {
        var failures = new List<string>();
        int malformed = 0, stopped = 0, cannotOpen = 0, shortened = 0, sound = 0;
        var files = corpus.Files;
        var original = JournalctlOracle.Read(corpus.Sound);
        Assert.Equal(270, original.Keys.Count);
        Assert.DoesNotContain(original.Keys, k => k.Contains("|?|", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var oracle = JournalctlOracle.Read(file, original);
            malformed += oracle.Malformed.Count > 0 ? 1 : 0;
            stopped += oracle.Stopped is not null ? 1 : 0;
            cannotOpen += oracle.CannotOpen ? 1 : 0;
            shortened += oracle.Stopped is null && !oracle.CannotOpen && oracle.Keys.Count + oracle.Malformed.Count + oracle.TimeOutOfRange.Count < 270 ? 1 : 0;
            sound += oracle.Keys.Count == 270 ? 1 : 0;
            foreach (var (reader, open) in new[] { ("sd-journal", Sd), ("export", Export) })
            {
                var o = ReadAll(open, new JournalQuery { Files = [file] });
                var what = $"{name} ({reader}): {Describe(o)}";
                if (oracle.CannotOpen)
                {
                    if (o.Stop?.Problem.ErrorId != "JournalNotFound" || !o.Problems.Any(p => p.ErrorId == "JournalCorrupt" && Equals(p.Target, file)))
                        failures.Add($"{what}: journalctl cannot open it, so it must be JournalCorrupt and then JournalNotFound");
                    continue;
                }
                var keys = o.Entries.Select((e, i) => JournalctlOracle.Key(e, i < oracle.Keys.Count ? oracle.Keys[i] : "")).ToList();
                if (!keys.SequenceEqual(oracle.Keys))
                {
                    var at = keys.Zip(oracle.Keys).TakeWhile(p => p.First == p.Second).Count();
                    failures.Add($"{what}: entry {at} differs from journalctl's {oracle.Keys.Count}: {keys.ElementAtOrDefault(at)} / {oracle.Keys.ElementAtOrDefault(at)}");
                }
                var leftOut = o.Problems.Where(p => p.ErrorId == "JournalCorrupt").Select(p => p.Target as string).ToList();
                var expected = oracle.Malformed.Concat(oracle.TimeOutOfRange).ToList();
                if (!leftOut.Order().SequenceEqual(expected.Order()))
                    failures.Add($"{what}: left out {string.Join(", ", leftOut)}; journalctl stopped at or could not date {string.Join(", ", expected)}");
                if (o.Problems.Any(p => p.ErrorId != "JournalCorrupt"))
                    failures.Add($"{what}: a problem other than JournalCorrupt");
                if ((oracle.Stopped is not null) != (o.Stop is not null) || (o.Stop is not null && o.Stop.Problem.ErrorId != "JournalCorrupt"))
                    failures.Add($"{what}: journalctl {(oracle.Stopped is null ? "reads to the end" : "stops: " + oracle.Stopped)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        // The corpus reaches every way journalctl handles damage; a corpus that no longer did would prove nothing.
        Assert.True(malformed >= 3, $"{malformed} files with a malformed field");
        Assert.True(stopped >= 2, $"{stopped} files journalctl stops in");
        Assert.True(cannotOpen >= 2, $"{cannotOpen} files journalctl cannot open");
        Assert.True(shortened >= 1, $"{shortened} files journalctl reads only part of");
        Assert.True(sound >= 10, $"{sound} files with every entry readable");
    }

    public static TheoryData<string> Windows() => ["tail", "window", "since"];

    // The readers against each other where the oracle would need journalctl's own seeks: the last 50
    // (counting back from the end, and from -Until), and from -Since, across every damaged file.
    [RealTheory(JournalRemoteTool)]
    [MemberData(nameof(Windows))]
    public void BothReadersAgreeOnDamagedFilesWith(string window)
    {
        var failures = new List<string>();
        var compared = 0;
        foreach (var file in corpus.Files)
        {
            var query = window switch
            {
                "tail" => new JournalQuery { Files = [file], Last = 50 },
                "window" => new JournalQuery { Files = [file], Last = 50, Since = At(1_795_248_000_500_000), Until = At(1_795_248_002_800_000) },
                _ => new JournalQuery { Files = [file], Since = At(1_795_248_001_000_000) },
            };
            var sd = ReadAll(Sd, query);
            var export = ReadAll(Export, query);
            // Read backwards, the window meets data no output mode can read from the other side; there the
            // readers stop in different places (see the report), and only the stop itself is compared.
            if (window == "window" && sd.Stop is not null && export.Stop is not null)
            {
                if (sd.Stop.Problem.ErrorId != export.Stop.Problem.ErrorId) failures.Add($"{Path.GetFileName(file)}: {Describe(sd)} / {Describe(export)}");
                continue;
            }
            compared++;
            if (!sd.Entries.Select(Flatten).SequenceEqual(export.Entries.Select(Flatten))
                || !sd.Problems.Select(p => $"{p.ErrorId}@{p.Target}").Order().SequenceEqual(export.Problems.Select(p => $"{p.ErrorId}@{p.Target}").Order())
                || sd.Stop?.Problem.ErrorId != export.Stop?.Problem.ErrorId)
                failures.Add($"{Path.GetFileName(file)}: sd-journal {Describe(sd)} / export {Describe(export)}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(compared > 60, $"only {compared} files compared");
    }

    private static DateTimeOffset At(ulong usec) => DateTimeOffset.UnixEpoch.AddTicks((long)usec * 10);
}
