using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>An EnvironmentFile as systemd reads it, for Get-DockerEnvironmentFile. Every credential in it is masked.</summary>
public sealed record DockerEnvironmentFileInfo(
    string Path,
    IReadOnlyDictionary<string, string> Variables,
    IReadOnlyList<string> DockerOpts,
    IReadOnlyList<EnvironmentLine> IgnoredExportLines,
    IReadOnlyList<EnvironmentLine> Lines)
{
    /// <summary>Everything systemd skips: export lines, names it refuses (a BOM before the first one), lines without '='.</summary>
    public IReadOnlyList<EnvironmentLine> IgnoredLines { get; init; } = [];

    /// <summary>Why systemd reads less than the file holds (a NUL byte, an assignment that is not UTF-8, an unterminated quote); empty when it reads it all.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static DockerEnvironmentFileInfo Read(string path, string root = "/")
    {
        var file = EnvironmentFile.Parse(File.ReadAllBytes(IO.SymlinkTarget.Resolve(path, root)), path);
        var variables = new SortedDictionary<string, string>(file.Variables.ToDictionary(v => v.Key, v => Credentials.MaskVariable(v.Key, v.Value)), StringComparer.Ordinal);
        // Proxy passwords are masked here, so no view of this object can show them.
        static EnvironmentLine Masked(EnvironmentLine l) => l with
        {
            Raw = Credentials.MaskText(l.Raw),
            Value = l.Value is null ? null : l.Key is null ? Credentials.MaskText(l.Value) : Credentials.MaskVariable(l.Key, l.Value),
        };
        var notes = new List<string>();
        if (file.UnreadableLine is { } bad) notes.Add($"line {bad} holds an assignment that is not UTF-8: systemd ignores the whole file");
        if (file.NulLine is { } nul) notes.Add($"line {nul} holds a NUL byte: systemd ignores the whole file");
        if (file.UnterminatedLine is { } open) notes.Add($"line {open} opens a quote that is never closed: the rest of the file is that one value");
        return new DockerEnvironmentFileInfo(path, variables,
            Credentials.MaskWords(DockerOptions.Parse(file.Variables.GetValueOrDefault("DOCKER_OPTS")).Words),
            file.ExportLines.Select(Masked).ToList(), file.Lines.Select(Masked).ToList())
        {
            IgnoredLines = file.IgnoredLines.Select(Masked).ToList(),
            Notes = notes,
        };
    }
}
