using NginxKit.Engine.Systemd;
namespace NginxKit.Engine.Docker;

/// <summary>An EnvironmentFile as systemd reads it, for Get-DockerEnvironmentFile.</summary>
public sealed record DockerEnvironmentFileInfo(
    string Path,
    IReadOnlyDictionary<string, string> Variables,
    IReadOnlyList<string> DockerOpts,
    IReadOnlyList<EnvironmentLine> IgnoredExportLines,
    IReadOnlyList<EnvironmentLine> Lines)
{
    public static DockerEnvironmentFileInfo Read(string path)
    {
        var file = EnvironmentFile.Parse(File.ReadAllText(path));
        var variables = new SortedDictionary<string, string>(file.Variables.ToDictionary(v => v.Key, v => DockerOptions.MaskCredentials(v.Value)), StringComparer.Ordinal);
        // Proxy passwords are masked here, so no view of this object can show them.
        static EnvironmentLine Masked(EnvironmentLine l) => l with
        {
            Raw = DockerOptions.MaskCredentials(l.Raw),
            Value = l.Value is null ? null : DockerOptions.MaskCredentials(l.Value),
        };
        return new DockerEnvironmentFileInfo(path, variables,
            DockerOptions.Parse(file.Variables.GetValueOrDefault("DOCKER_OPTS")).Words, file.ExportLines.Select(Masked).ToList(), file.Lines.Select(Masked).ToList());
    }
}
