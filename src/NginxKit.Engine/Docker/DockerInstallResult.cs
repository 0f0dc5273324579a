using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>What Install-DockerEngine did: the plan it carried out and the unit's state afterwards.</summary>
public sealed record DockerInstallResult(DockerInstallPlan Plan, bool Changed, SystemdUnit? Service);
