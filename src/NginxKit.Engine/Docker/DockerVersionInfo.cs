using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Docker;

/// <summary>Client and server versions; when the daemon does not answer, Server is null and ServerError says why.</summary>
public sealed record DockerVersionInfo(string DockerPath, DockerComponentVersion Client, DockerComponentVersion? Server, string? ServerError);
