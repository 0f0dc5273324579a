using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>One thing an install writes or runs; Needed is false when it is already in place.</summary>
public sealed record InstallStep(string Kind, string Target, bool Needed, string Description)
{
    public string? Content { get; init; }

    internal byte[]? Bytes { get; init; }

    internal IReadOnlyList<string>? Command { get; init; }
}
