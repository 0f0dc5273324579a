namespace NginxKit.HelpBuilder.Markdown;

/// <summary>A help page that cannot be read as help, with the file and the 1-based line to fix.</summary>
internal sealed class HelpFormatException : Exception
{
    public HelpFormatException(int line, string reason, string? file = null)
        : base(file is null ? $"line {line}: {reason}" : $"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    public string? File { get; }

    public int Line { get; }

    public string Reason { get; }

    /// <summary>The same error, named by the file it was found in.</summary>
    public HelpFormatException InFile(string file) => new(Line, Reason, file);
}
