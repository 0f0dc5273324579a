using System.Runtime.InteropServices;

namespace NginxKit.Engine.IO;

/// <summary>
/// What a path names, after symlinks: its kind from statx(2) (whose buffer has the same layout on
/// every architecture, unlike stat's) and its real path from realpath(3). Elsewhere than Linux,
/// the portable approximations.
/// </summary>
public static unsafe class UnixFiles
{
    public enum Kind { Missing, Regular, Directory, Other }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x0001;
    private const int ModeOffset = 28; // __u16 stx_mode, after mask, blksize, attributes, nlink, uid, gid
    private const ushort TypeMask = 0xF000;
    private const ushort RegularType = 0x8000;
    private const ushort DirectoryType = 0x4000;

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [DllImport("libc", SetLastError = true, EntryPoint = "realpath")]
    private static extern IntPtr RealPathNative(byte* path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    /// <summary>The kind of file at <paramref name="path"/>, following symlinks; Missing for a dangling link or a loop.</summary>
    public static Kind KindOf(string path)
    {
        if (!OperatingSystem.IsLinux())
            return Directory.Exists(path) ? Kind.Directory : File.Exists(path) ? Kind.Regular : Kind.Missing;
        var buffer = stackalloc byte[256];
        fixed (byte* p = NullTerminated(path))
        {
            if (Statx(AtFdCwd, p, 0, StatxType, buffer) != 0) return Kind.Missing;
        }
        return (*(ushort*)(buffer + ModeOffset) & TypeMask) switch
        {
            RegularType => Kind.Regular,
            DirectoryType => Kind.Directory,
            _ => Kind.Other,
        };
    }

    /// <summary>The absolute path with every symlink resolved, or the full path when it cannot be resolved.</summary>
    public static string RealPath(string path)
    {
        if (!OperatingSystem.IsLinux()) return Path.GetFullPath(path);
        fixed (byte* p = NullTerminated(path))
        {
            var resolved = RealPathNative(p, IntPtr.Zero);
            if (resolved == IntPtr.Zero) return Path.GetFullPath(path);
            try { return Marshal.PtrToStringUTF8(resolved)!; }
            finally { Free(resolved); }
        }
    }

    private static byte[] NullTerminated(string path) => System.Text.Encoding.UTF8.GetBytes(path + "\0");
}
