using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Docker;

/// <summary>One side of <c>docker version</c>.</summary>
public sealed record DockerComponentVersion(string? Version, string? ApiVersion, string? GoVersion, string? GitCommit, string? Built, string? Os, string? Arch);
