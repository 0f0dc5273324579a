using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Systemd;

/// <summary>A unit's state from <c>systemctl show</c>, with the raw properties kept.</summary>
public sealed record SystemdUnit(
    string Name,
    string? FragmentPath,
    string UnitFileState,
    string ActiveState,
    string SubState,
    int MainPID,
    IReadOnlyList<string> DropInPaths,
    IReadOnlyList<string> EnvironmentFiles,
    string? ExecStart,
    bool NeedDaemonReload,
    IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>Environment= of the unit and its drop-ins, as systemd has it; proxy credentials masked.</summary>
    public IReadOnlyList<string> Environment => RawEnvironment.Select(e => e.Key + "=" + Docker.Credentials.MaskVariable(e.Key, e.Value)).ToList();

    // The unmasked values, for working out what dockerd receives; never shown.
    internal IReadOnlyDictionary<string, string> RawEnvironment { get; init; } = new Dictionary<string, string>();

    internal string? RawExecStart { get; init; }

    public bool IsActive => ActiveState is "active" or "reloading" or "activating";

    public bool IsEnabled => UnitFileState is "enabled" or "enabled-runtime" or "static" or "alias" or "linked";

    public bool Exists => Properties.TryGetValue("LoadState", out var s) && s != "not-found";

    public static readonly string[] Shown =
    [
        "Id", "LoadState", "FragmentPath", "UnitFileState", "ActiveState", "SubState", "MainPID", "DropInPaths",
        "EnvironmentFiles", "Environment", "ExecStart", "NeedDaemonReload", "Description", "Result", "ActiveEnterTimestamp",
    ];

    /// <summary>Parses <c>systemctl show</c> output: Key=Value lines, where a key may repeat (EnvironmentFiles).</summary>
    public static SystemdUnit Parse(string name, string output)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        var environmentFiles = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq];
            var value = line[(eq + 1)..];
            if (key == "EnvironmentFiles")
            {
                // "/etc/default/docker (ignore_errors=yes)"
                var paren = value.LastIndexOf(" (", StringComparison.Ordinal);
                var path = paren > 0 ? value[..paren] : value;
                var optional = value.EndsWith("(ignore_errors=yes)", StringComparison.Ordinal);
                if (path.Length > 0) environmentFiles.Add(optional ? "-" + path : path);
            }
            props[key] = props.TryGetValue(key, out var existing) && key == "EnvironmentFiles" ? existing + "\n" + value : value;
        }
        string Get(string key) => props.TryGetValue(key, out var v) ? v : string.Empty;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in UnitFile.Words(Get("Environment")))
        {
            var eq = word.IndexOf('=');
            if (eq > 0) environment[word[..eq]] = word[(eq + 1)..];
        }
        var execStart = ArgvOf(Get("ExecStart"));
        // What is shown is masked: Environment= may hold a proxy password, ExecStart a mirror's.
        foreach (var key in props.Keys.ToList()) props[key] = Docker.Credentials.MaskText(props[key]);
        return new SystemdUnit(
            name,
            Get("FragmentPath") is { Length: > 0 } f ? f : null,
            Get("UnitFileState"),
            Get("ActiveState"),
            Get("SubState"),
            int.TryParse(Get("MainPID"), out var pid) ? pid : 0,
            Get("DropInPaths").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            environmentFiles,
            execStart is null ? null : Docker.Credentials.MaskText(execStart),
            Get("NeedDaemonReload") == "yes",
            props) { RawEnvironment = environment, RawExecStart = execStart };
    }

    // "{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// $DOCKER_OPTS ; ignore_errors=no ; ... }"
    private static string? ArgvOf(string execStart)
    {
        var start = execStart.IndexOf("argv[]=", StringComparison.Ordinal);
        if (start < 0) return execStart.Length == 0 ? null : execStart;
        start += 7;
        var end = execStart.IndexOf(" ; ", start, StringComparison.Ordinal);
        return end < 0 ? execStart[start..] : execStart[start..end];
    }
}
