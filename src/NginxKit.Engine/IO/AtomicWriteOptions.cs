using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.IO;

public sealed record AtomicWriteOptions
{
    public static readonly AtomicWriteOptions Default = new();

    /// <summary>Keep the replaced content at <c>Path + BackupSuffix</c>.</summary>
    public bool Backup { get; init; } = true;

    public string BackupSuffix { get; init; } = ".bak";

    /// <summary>Mode for a new file; an existing file keeps its own mode.</summary>
    public UnixFileMode NewFileMode { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Create missing parent directories.</summary>
    public bool CreateDirectory { get; init; } = true;
}
