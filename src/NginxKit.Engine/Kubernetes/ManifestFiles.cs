using NginxKit.Engine.IO;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The manifest files below paths given with -Path: a file as given, or every .yaml, .yml and
/// .json file below a directory, in a stable order. Symlinked directories are followed once: a
/// directory reached again (a loop, or two links to one place) is not read again, and neither is a
/// file reached by two names.
/// </summary>
public static class ManifestFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static IEnumerable<string> Find(IEnumerable<string> paths)
    {
        var seenDirectories = new HashSet<string>(StringComparer.Ordinal);
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (!Directory.Exists(path))
            {
                // A file, or something that is not there: the reader says which.
                if (seenFiles.Add(UnixFiles.RealPath(path))) yield return path;
                continue;
            }
            foreach (var file in Walk(path, seenDirectories).Order(StringComparer.Ordinal))
                if (seenFiles.Add(UnixFiles.RealPath(file))) yield return file;
        }
    }

    private static IEnumerable<string> Walk(string root, HashSet<string> seen)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            if (!seen.Add(UnixFiles.RealPath(dir))) continue;
            string[] entries;
            try
            {
                entries = Directory.GetFileSystemEntries(dir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // unreadable below the top: nothing there can be read either
            }
            var subdirectories = new List<string>();
            foreach (var entry in entries)
            {
                if (Directory.Exists(entry)) subdirectories.Add(entry);
                else if (Extensions.Contains(Path.GetExtension(entry), StringComparer.OrdinalIgnoreCase)) yield return entry;
            }
            foreach (var subdirectory in subdirectories) pending.Push(subdirectory);
        }
    }
}
