using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

public enum DockerSource
{
    /// <summary>The distribution's own package: docker.io on Debian and Ubuntu.</summary>
    Distribution,

    /// <summary>Docker's apt repository: docker-ce, with its key in a signed-by keyring.</summary>
    Docker,
}
