using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Docker;

/// <summary>What Set-DockerEnvironmentFile did.</summary>
public sealed record DockerEnvironmentResult(
    bool Changed,
    IReadOnlyList<string> FilesTouched,
    bool DaemonReloaded,
    bool Restarted,
    bool RestartPending,
    IReadOnlyList<string> FixedExportKeys,
    string? Diff);
