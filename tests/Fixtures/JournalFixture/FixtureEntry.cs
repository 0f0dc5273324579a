using System.Text;

namespace NginxKitTests.Journal;

/// <summary>
/// One entry as systemd-journal-remote will store it, and what Get-DockerJournal must make of it.
/// The expectations are declared by the scenario that writes the entry (what it is about, which
/// severity it carries), never derived from its fields by the rule the product implements, and
/// travel in the entry itself as FIXTURE_UNIT and FIXTURE_PRIORITY, which the product never reads.
/// </summary>
public sealed class FixtureEntry
{
    public ulong Realtime;      // µs since the epoch: __REALTIME_TIMESTAMP
    public ulong Monotonic;     // µs since boot: __MONOTONIC_TIMESTAMP
    public string BootId = "";
    public string Kind = "";    // what the generator meant it to be (docker, pid1, multiline, binary, …)
    public readonly List<KeyValuePair<string, byte[]>> Fields = [];

    /// <summary>The unit Get-DockerJournal must report for this entry; written as FIXTURE_UNIT.</summary>
    public string? ExpectedUnit;

    /// <summary>The priority Get-DockerJournal must report (0–7); written as FIXTURE_PRIORITY.</summary>
    public int? ExpectedPriority;

    public FixtureEntry Add(string name, string value) => Add(name, Encoding.UTF8.GetBytes(value));

    public FixtureEntry Add(string name, byte[] value)
    {
        Fields.Add(new KeyValuePair<string, byte[]>(name, value));
        return this;
    }

    /// <summary>Declares what the product must report for this entry.</summary>
    public FixtureEntry Expect(string unit, int priority)
    {
        ExpectedUnit = unit;
        ExpectedPriority = priority;
        return this;
    }

    public byte[]? Get(string name)
    {
        foreach (var f in Fields)
            if (f.Key == name) return f.Value;
        return null;
    }

    public string? Text(string name) => Get(name) is { } v ? Encoding.UTF8.GetString(v) : null;

    public byte[]? MessageBytes => Get("MESSAGE");
}
