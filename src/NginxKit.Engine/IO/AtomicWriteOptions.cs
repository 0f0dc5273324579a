namespace NginxKit.Engine.IO;

public sealed record AtomicWriteOptions
{
    public static readonly AtomicWriteOptions Default = new();

    /// <summary>Keep the replaced content at <c>Path + BackupSuffix</c>.</summary>
    public bool Backup { get; init; } = true;

    public string BackupSuffix { get; init; } = ".bak";

    /// <summary>Mode for a new file; an existing file keeps its own mode (unless <see cref="Mode"/> is set).</summary>
    public UnixFileMode NewFileMode { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// The mode the file (and its backup) gets whatever it had, exactly (no umask): for a file that
    /// holds a credential, 0600. Null keeps an existing file's mode.
    /// </summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>Create missing parent directories.</summary>
    public bool CreateDirectory { get; init; } = true;

    /// <summary>
    /// Give the new file (and the backup) the replaced file's owner, group and extended attributes
    /// (POSIX ACLs, SELinux label), so a rewrite changes nothing but the content.
    /// </summary>
    public bool KeepOwnerAndAcl { get; init; }

    /// <summary>What to do when the path is a symbolic link.</summary>
    public SymlinkPolicy Symlinks { get; init; } = SymlinkPolicy.Replace;

    /// <summary>The root an absolute link target is read under (a tree mounted elsewhere); "/" for the live system.</summary>
    public string SymlinkRoot { get; init; } = "/";
}
