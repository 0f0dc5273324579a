namespace NginxKit.Engine.IO;

/// <summary>How <see cref="AtomicFileWriter"/> treats a path that is a symbolic link.</summary>
public enum SymlinkPolicy
{
    /// <summary>The rename replaces the link itself with a regular file.</summary>
    Replace,

    /// <summary>The target is written (atomically, in its own directory) and the link stays; a dangling link is refused (DanglingSymlink).</summary>
    WriteThrough,
}
