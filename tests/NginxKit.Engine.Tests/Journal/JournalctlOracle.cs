using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Journal;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// What the real journalctl makes of a journal file: <c>journalctl -o json</c> for docker.service,
/// resumed just after each entry it stops at because a field is malformed (the entry whose cursor
/// <c>journalctl -o export</c> prints before it fails on it). Every value is journalctl's own, except
/// the unit and priority, which are what the fixture declared for the entry (FIXTURE_UNIT,
/// FIXTURE_PRIORITY), never derived from its fields. On a damaged copy those declarations hold only
/// for entries whose PRIORITY, _PID, _SYSTEMD_UNIT and UNIT journalctl reads as it reads them in the
/// sound file (<see cref="Sources"/>); elsewhere the damage changed what the entry says, and the unit
/// and priority are not judged ("?").
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class JournalctlOracle
{
    public const string Unit = "docker.service";

    /// <summary>One entry's comparable line; "?" where the fixture's declaration did not survive the damage.</summary>
    public List<string> Keys { get; } = [];

    /// <summary>Per cursor, the fields the unit and priority come from, as journalctl read them.</summary>
    public Dictionary<string, string> Sources { get; } = [];

    private IReadOnlyDictionary<string, string>? sound;

    /// <summary>The cursors of the entries journalctl -o json stopped at for a malformed field.</summary>
    public List<string> Malformed { get; } = [];

    /// <summary>The cursors of entries whose time no DateTimeOffset holds (journalctl prints the number).</summary>
    public List<string> TimeOutOfRange { get; } = [];

    /// <summary>journalctl could not open the file at all.</summary>
    public bool CannotOpen { get; private set; }

    /// <summary>journalctl stopped for good (data it cannot read, an entry array it cannot follow): its message.</summary>
    public string? Stopped { get; private set; }

    public static JournalctlOracle Read(string file, JournalctlOracle? sound = null)
    {
        var oracle = new JournalctlOracle { sound = sound?.Sources };
        string? after = null;
        while (true)
        {
            var args = new List<string> { "--no-pager", "--quiet", "--file=" + file, "-u", Unit, "-o", "json", "--all" };
            if (after is not null) args.Add("--after-cursor=" + after);
            var (exit, stdout, stderr) = Run(args);
            foreach (var line in Encoding.UTF8.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                oracle.Add(line);
            if (exit == 0) return oracle;
            var failure = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"exit {exit}";
            if (failure.StartsWith("Failed to open files", StringComparison.Ordinal))
            {
                oracle.CannotOpen = true;
                return oracle;
            }
            if (failure != "Invalid field.")
            {
                oracle.Stopped = failure;
                return oracle;
            }
            // The entry -o json stopped at: -o export prints its cursor before it fails on it.
            args[args.IndexOf("json")] = "export";
            var export = Encoding.UTF8.GetString(Run(args).Stdout);
            var cursor = export.Split('\n').Last(l => l.StartsWith("__CURSOR=", StringComparison.Ordinal))["__CURSOR=".Length..];
            if (cursor == after) throw new InvalidOperationException($"journalctl keeps stopping at {cursor}");
            oracle.Malformed.Add(cursor);
            after = cursor;
        }
    }

    private void Add(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;
        var cursor = Text(e, "__CURSOR")!;
        var realtime = Text(e, "__REALTIME_TIMESTAMP")!;
        if (ulong.Parse(realtime, CultureInfo.InvariantCulture) > (ulong)((DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10))
        {
            TimeOutOfRange.Add(cursor);
            return;
        }
        var message = e.TryGetProperty("MESSAGE", out var m) ? Bytes(m) : [];
        var sources = string.Join('|', Text(e, "PRIORITY"), Text(e, "_PID"), Text(e, "_SYSTEMD_UNIT"), Text(e, "UNIT"));
        Sources[cursor] = sources;
        var declared = sound is null || (sound.TryGetValue(cursor, out var was) && was == sources);
        Keys.Add(string.Join('|', cursor, realtime, (declared ? Text(e, "FIXTURE_PRIORITY") : null) ?? "?", Text(e, "_PID"), (declared ? Text(e, "FIXTURE_UNIT") : null) ?? "?",
            Text(e, "_HOSTNAME"), Text(e, "_BOOT_ID"), Text(e, "SYSLOG_IDENTIFIER"), Convert.ToBase64String(message)));
    }

    /// <summary>The same line for an entry a reader gave, with "?" where the oracle has it.</summary>
    public static string Key(JournalEntry e, string expected)
    {
        var want = expected.Split('|');
        var usec = (ulong)(e.TimeCreated.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var message = e.MessageBytes ?? Encoding.UTF8.GetBytes(e.Message);
        return string.Join('|', e.Cursor, usec, want.Length > 2 && want[2] == "?" ? "?" : ((int)e.Priority).ToString(CultureInfo.InvariantCulture),
            e.Pid, want.Length > 4 && want[4] == "?" ? "?" : e.Unit, e.Hostname, e.BootId, e.Identifier, Convert.ToBase64String(message));
    }

    // A field's first value: journalctl prints binary values as arrays of byte values, and repeated fields as arrays of values.
    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? Encoding.UTF8.GetString(Bytes(v)) : null;

    private static byte[] Bytes(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => Encoding.UTF8.GetBytes(v.GetString()!),
        JsonValueKind.Array when v.GetArrayLength() > 0 && v[0].ValueKind == JsonValueKind.Number => [.. v.EnumerateArray().Select(b => b.GetByte())],
        JsonValueKind.Array when v.GetArrayLength() > 0 => Bytes(v[0]),
        _ => [],
    };

    private static (int Exit, byte[] Stdout, string Stderr) Run(List<string> args)
    {
        var psi = new ProcessStartInfo("journalctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(stdout);
        p.WaitForExit();
        return (p.ExitCode, stdout.ToArray(), stderr.GetAwaiter().GetResult());
    }
}
