using System.Net.Sockets;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>The engine's health: every check, and whether all passed.</summary>
public sealed record DockerHealth(bool Healthy, IReadOnlyList<DockerHealthCheck> Checks)
{
    public IEnumerable<DockerHealthCheck> Failed => Checks.Where(c => !c.Passed);
}
