using System.Management.Automation;
using NginxKit.Engine.Journal;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Journal;

/// <summary>Docker's logs from journald as objects, filtered inside the journal; -Follow streams new ones.</summary>
[RequiresLinux("journald")]
[Cmdlet(VerbsCommon.Get, "DockerJournal")]
[OutputType(typeof(JournalEntry))]
public sealed class GetDockerJournalCommand : AsyncCmdlet
{
    /// <summary>The units to read; docker.service by default. Give several to read them together: -Unit docker, containerd.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    public string[] Unit { get; set; } = ["docker.service"];

    /// <summary>
    /// Entries at or after this time: a DateTime, or journalctl's forms such as "1 hour ago", "today", "@1764064800".
    /// Read when the command runs, so a time that cannot be read is InvalidJournalTime, not a binding error.
    /// </summary>
    [Parameter]
    [ArgumentCompletions("now", "today", "yesterday", "'1 hour ago'", "'30 min ago'", "'2 days ago'")]
    public object? Since { get; set; }

    [Parameter]
    [ArgumentCompletions("now", "today", "yesterday", "'1 hour ago'", "'30 min ago'", "'2 days ago'")]
    public object? Until { get; set; }

    /// <summary>Only the last N entries (still oldest first).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>A priority and everything more severe (err), or a range (warning..err).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompletions("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "warning..err")]
    public string? Priority { get; set; }

    /// <summary>A boot: 0 for the newest in the journal, -1 the one before, or a boot ID.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Boot { get; set; }

    /// <summary>The last 10 entries (or -Last N, or from -Since), then new ones until Ctrl+C, as journalctl -f.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>A directory of journal files, for example copied from another host.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Directory { get; set; }

    /// <summary>Journal files to read; wildcards are expanded, and a pattern that matches nothing is JournalNotFound.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? File { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.Now;
        var query = new JournalQuery
        {
            Units = Unit.Select(u => u.Contains('.') ? u : u + ".service").ToList(),
            Since = JournalQuery.ReadTime(Since is PSObject s ? s.BaseObject : Since, now),
            Until = JournalQuery.ReadTime(Until is PSObject u ? u.BaseObject : Until, now),
            Last = Last,
            Priority = Priority is null ? null : JournalQuery.ParsePriority(Priority),
            Boot = Boot,
            Directory = Directory is null ? null : GetUnresolvedProviderPathFromPSPath(Directory),
            Files = File?.SelectMany(ResolveFile).ToList(),
            Follow = Follow,
        };
        // sd-journal in process when libsystemd.so.0 loads, else journalctl -o export (NGINXKIT_JOURNAL_READER forces one).
        using var reader = JournalReaderFactory.Open(query, problem => WriteProblem(problem));
        foreach (var entry in reader.Read(cancellationToken))
            WriteObject(entry);
        return Task.CompletedTask;
    }

    // A wildcard's matches; a pattern that matches nothing stays as given, so the engine reports it
    // as a missing file (JournalNotFound) instead of the list going empty.
    private IEnumerable<string> ResolveFile(string path)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(path)) return [GetUnresolvedProviderPathFromPSPath(path)];
        try
        {
            var matches = GetResolvedProviderPathFromPSPath(path, out _);
            return matches.Count > 0 ? matches : [GetUnresolvedProviderPathFromPSPath(path)];
        }
        catch (ItemNotFoundException)
        {
            return [GetUnresolvedProviderPathFromPSPath(path)];
        }
    }
}
