using System.Management.Automation;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>Client and server versions from docker version; the client part even when the daemon is down.</summary>
[Cmdlet(VerbsCommon.Get, "DockerVersion")]
[OutputType(typeof(DockerVersionInfo))]
public sealed class GetDockerVersionCommand : AsyncCmdlet
{
    /// <summary>The docker client to ask; by default the one on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerPath { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var info = await DockerVersionReader.ReadAsync(ProcessRunner.Instance, DockerPath, cancellationToken);
        if (info.Server is null)
            WriteWarning($"The Docker daemon did not answer: {info.ServerError}");
        WriteObject(info);
    }
}
