using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>What an install would do, step by step: -WhatIf prints it, and nothing else happens.</summary>
public sealed record DockerInstallPlan(DockerSource Source, string Distribution, string Suite, string Architecture, IReadOnlyList<InstallStep> Steps)
{
    public bool Changed => Steps.Any(s => s.Needed);
}
