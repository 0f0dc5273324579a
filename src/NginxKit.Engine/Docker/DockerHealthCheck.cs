using System.Net.Sockets;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>One health check, with what to do when it fails.</summary>
public sealed record DockerHealthCheck(string Name, bool Passed, string Message, string? Fix);
