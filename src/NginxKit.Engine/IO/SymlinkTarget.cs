using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>
/// Where a write through a symbolic link lands. An absolute target is read under the root (so a
/// link in a tree mounted elsewhere points into that tree, not into the live system); a relative
/// one from the link's directory. A link whose target is missing is refused.
/// </summary>
public static class SymlinkTarget
{
    private const int MaxLinks = 40; // as the kernel's ELOOP limit

    /// <summary>The path to write for <paramref name="path"/>: itself, or the end of its chain of links.</summary>
    public static string Resolve(string path, string root = "/")
    {
        var current = Path.GetFullPath(path);
        for (int hop = 0; hop <= MaxLinks; hop++)
        {
            var info = new FileInfo(current);
            var target = info.LinkTarget;
            if (target is null)
            {
                if (hop > 0 && !File.Exists(current) && !Directory.Exists(current))
                    throw ErrorCatalog.DanglingSymlink.Exception(
                        $"{path} is a symbolic link to {current}, which does not exist. NginxKit writes through links and will not create their target: point the link at an existing file, or remove it.",
                        path, hint: "Create the target file (even empty), or replace the link with a regular file.");
                return current;
            }
            current = Path.IsPathRooted(target)
                ? Path.GetFullPath(Path.Combine(root, target.TrimStart('/')))
                : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, target));
        }
        throw ErrorCatalog.DanglingSymlink.Exception($"{path} is a chain of more than {MaxLinks} symbolic links (a loop?).", path, "SymlinkLoop");
    }
}
