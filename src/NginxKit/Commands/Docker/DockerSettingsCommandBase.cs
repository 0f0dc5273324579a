using System.Management.Automation;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>
/// The daemon settings Set-DockerEnvironmentFile and Set-DockerDaemonConfig both take: the same
/// names for the same options, whichever place they are written to.
/// </summary>
[RequiresLinux("systemd's docker.service")]
public abstract class DockerSettingsCommandBase : AsyncCmdlet
{
    /// <summary>DNS servers for containers (--dns, "dns"); an empty list removes them.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? Dns { get; set; }

    [Parameter]
    [AllowEmptyCollection]
    public string[]? RegistryMirror { get; set; }

    [Parameter]
    [AllowEmptyCollection]
    public string[]? InsecureRegistry { get; set; }

    /// <summary>The proxy dockerd uses for image pulls; an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? HttpProxy { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? HttpsProxy { get; set; }

    /// <summary>Hosts and networks that bypass the proxy, as a list or one comma-separated string; an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[]? NoProxy { get; set; }

    /// <summary>Operate on a tree mounted elsewhere (an image being built, an offline host) instead of /.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    protected string? NoProxyText => NoProxy is null ? null : string.Join(',', NoProxy);
}
