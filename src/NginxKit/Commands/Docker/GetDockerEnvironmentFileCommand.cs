using System.Management.Automation;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;
using NginxKit.Engine.Docker;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Commands.Docker;

/// <summary>/etc/default/docker as systemd reads it: the variables, DOCKER_OPTS split into its words, and the export lines systemd ignores.</summary>
[RequiresLinux("systemd's docker.service")]
[Cmdlet(VerbsCommon.Get, "DockerEnvironmentFile")]
[OutputType(typeof(DockerEnvironmentFileInfo))]
public sealed class GetDockerEnvironmentFileCommand : AsyncCmdlet
{
    /// <summary>Operate on a tree mounted elsewhere (an image being built, an offline host) instead of /.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    /// <summary>The file, relative to -Root; /etc/default/docker by default.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = DockerEnvironment.EnvironmentFilePath;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var path = DockerEnvironment.UnderRoot(root, Path);
        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            WriteProblem(ErrorCatalog.EnvironmentFileNotFound.Problem($"{path} does not exist. Set-DockerEnvironmentFile creates it.", path));
            return Task.CompletedTask;
        }
        var info = DockerEnvironmentFileInfo.Read(path, root);
        foreach (var line in info.IgnoredLines)
        {
            if (line.IsExport)
                WriteWarning($"{path}:{line.LineNumber}: systemd ignores '{line.Raw.Trim()}' (it is not KEY=value), so {line.Key} never reaches dockerd. Set-DockerEnvironmentFile rewrites such lines.");
            else if (line.Reason != "NoEquals")
                WriteWarning($"{path}:{line.LineNumber}: systemd ignores '{line.Raw.Trim()}' ({line.Reason}).");
        }
        foreach (var note in info.Notes)
            WriteWarning($"{path}: {note}.");
        WriteObject(info);
        return Task.CompletedTask;
    }
}
