using System.Runtime.InteropServices;

namespace NginxKit.Engine.IO;

/// <summary>
/// The inode flags chattr sets. An immutable or append-only file refuses every change, root's too, and
/// the refusal would come only at the rename, after the backup was made: so the writer asks first.
/// </summary>
public static class LinuxInodeFlags
{
    public const long Immutable = 0x10;  // FS_IMMUTABLE_FL, include/uapi/linux/fs.h
    public const long AppendOnly = 0x20; // FS_APPEND_FL

    // FS_IOC_GETFLAGS is _IOR('f', 1, long): the size field is sizeof(long), which differs between 32 and 64 bits.
    public static nuint GetFlagsRequest(int longSize) => (nuint)(0x80006601u | ((uint)longSize << 16));

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, nuint request, ref long flags);

    /// <summary>The file's flags, or null where the file system keeps none (ENOTTY, EOPNOTSUPP).</summary>
    public static long? Read(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long flags = 0;
        return ioctl((int)handle.DangerousGetHandle(), GetFlagsRequest(IntPtr.Size), ref flags) == 0 ? flags : null;
    }

    /// <summary>True when <paramref name="path"/> is marked immutable or append-only.</summary>
    public static bool IsPinned(string path) => Read(path) is { } flags && (flags & (Immutable | AppendOnly)) != 0;
}
