using System.Runtime.InteropServices;
using System.Text;

namespace NginxKit.Engine.IO;

/// <summary>
/// Owner, group and extended attributes (POSIX ACLs live in system.posix_acl_access) of a file,
/// copied from the file being replaced onto its replacement. statx is used because its struct has
/// the same layout on every architecture, unlike struct stat.
/// </summary>
internal static class FileMetadata
{
    public static (uint Uid, uint Gid) Owner(string path)
    {
        var buffer = new byte[256];
        if (Native.statx(-100 /* AT_FDCWD */, path, 0, 0x18 /* STATX_UID | STATX_GID */, buffer) != 0)
            throw new IOException($"statx {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        return (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24));
    }

    /// <summary>Gives <paramref name="to"/> the owner, group and extended attributes of <paramref name="from"/>.</summary>
    public static void Copy(string from, string to)
    {
        var (uid, gid) = Owner(from);
        if (Owner(to) != (uid, gid) && Native.chown(to, uid, gid) != 0)
            throw new IOException($"Cannot give {to} the owner {uid}:{gid} of {from}: {Marshal.GetLastPInvokeErrorMessage()}");
        foreach (var name in AttributeNames(from))
        {
            var value = Attribute(from, name);
            if (value is null) continue;
            if (Native.setxattr(to, name, value, (nuint)value.Length, 0) == 0) continue;
            // An ACL that cannot be kept would change who may read the file: that stops the write.
            if (name.StartsWith("system.posix_acl", StringComparison.Ordinal))
                throw new IOException($"Cannot keep the ACL of {from} ({name}): {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    private static IEnumerable<string> AttributeNames(string path)
    {
        var size = Native.listxattr(path, null, 0);
        if (size <= 0) return [];
        var buffer = new byte[size];
        size = Native.listxattr(path, buffer, (nuint)buffer.Length);
        if (size <= 0) return [];
        return Encoding.UTF8.GetString(buffer, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    private static byte[]? Attribute(string path, string name)
    {
        var size = Native.getxattr(path, name, null, 0);
        if (size < 0) return null;
        var buffer = new byte[size];
        size = Native.getxattr(path, name, buffer, (nuint)buffer.Length);
        return size < 0 ? null : buffer[..(int)size];
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        public static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

        [DllImport("libc", SetLastError = true)]
        public static extern nint listxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[]? list, nuint size);

        [DllImport("libc", SetLastError = true)]
        public static extern nint getxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);

        [DllImport("libc", SetLastError = true)]
        public static extern int setxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);
    }
}
