using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Docker;

/// <summary>The files a change touches, their new text, and the diff (with credentials masked).</summary>
public sealed record DockerEnvironmentPlan(
    string EnvironmentFile,
    string NewEnvironmentText,
    bool EnvironmentChanged,
    string DropInFile,
    string? NewDropInText,
    bool DropInChanged,
    IReadOnlyList<string> FixedExportKeys,
    string Diff)
{
    public bool Changed => EnvironmentChanged || DropInChanged;
}
