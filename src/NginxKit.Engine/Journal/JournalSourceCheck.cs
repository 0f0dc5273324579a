using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>
/// The checks both readers make on the journal a query names, before anything is read, so they
/// report the same problems the same way: a missing or unreadable file is one error and the others
/// are read; no file left, or a missing directory, stops the command.
/// </summary>
internal static class JournalSourceCheck
{
    /// <summary>The named files that exist and can be opened; a problem reported for each of the others.</summary>
    public static List<string> ReadableFiles(IReadOnlyList<string> files, Action<Problem> report)
    {
        var readable = new List<string>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) report(Missing(file));
            else if (CheckReadable(file) is { } problem) report(problem);
            else readable.Add(file);
        }
        return readable;
    }

    /// <summary>Stops the command: files were named, and none of them can be read (the host's journal is never read instead).</summary>
    public static NginxKitException NoneLeft(IReadOnlyList<string> files) =>
        ErrorCatalog.JournalNotFound.Exception(files.Count == 0 ? "No journal file was given to read." : "None of the given journal files can be read.", files,
            hint: "Without -File and -Directory, Get-DockerJournal reads this host's journal.");

    public static void CheckDirectory(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw ErrorCatalog.JournalNotFound.Exception($"The journal directory '{directory}' does not exist.", directory);
    }

    public static Problem? CheckReadable(string file)
    {
        try
        {
            using (File.OpenRead(file)) { }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ErrorCatalog.JournalNotReadable.Problem($"The journal file '{file}' cannot be read: {ex.Message}", file);
        }
    }

    private static Problem Missing(string file) =>
        file.IndexOfAny(['*', '?', '[']) >= 0
            ? ErrorCatalog.JournalNotFound.Problem($"No journal file matches '{file}'.", file)
            : ErrorCatalog.JournalNotFound.Problem($"The journal file '{file}' does not exist.", file);
}
