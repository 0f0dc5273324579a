using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.IO;

/// <summary>
/// Writes files so that readers only ever see the old or the new content: a temp file in the same
/// directory, fsync, rename over the target, fsync of the directory. Unchanged content is never
/// rewritten, so file times stay put and watchers see nothing.
/// </summary>
public static class AtomicFileWriter
{
    /// <summary>True when the file already holds exactly these bytes: the cheap question, with no diff or hash.</summary>
    public static bool Holds(string path, in ReadOnlySequence<byte> bytes)
    {
        var full = System.IO.Path.GetFullPath(path);
        CheckIsFilePath(full);
        var content = bytes;
        return FileAccessErrors.Guard(full, () => FileHolds(full, content) == true);
    }

    /// <summary>Compares without writing; the result's Diff shows what a write would change.</summary>
    public static FileWriteResult Plan(string path, string content, AtomicWriteOptions? options = null) =>
        Plan(path, Utf8.GetBytes(content), options);

    public static FileWriteResult Plan(string path, ReadOnlyMemory<byte> bytes, AtomicWriteOptions? options = null) =>
        Plan(path, new ReadOnlySequence<byte>(bytes), options);

    public static FileWriteResult Plan(string path, in ReadOnlySequence<byte> bytes, AtomicWriteOptions? options = null)
    {
        options ??= AtomicWriteOptions.Default;
        path = Target(path, options);
        var target = path;
        var existing = FileAccessErrors.Guard(target, () => ReadExisting(target));
        var changed = existing is null || !SameBytes(bytes, existing);
        var diff = changed
            ? UnifiedDiff.Create(existing is null ? null : ByteText.Display(existing), Display(bytes), existing is null ? "/dev/null" : path, path)
            : string.Empty;
        return new FileWriteResult(path, changed, ContentHash.Of(bytes), existing is null ? null : ContentHash.Of(existing),
            changed && existing is not null && options.Backup ? path + options.BackupSuffix : null, diff);
    }

    public static FileWriteResult Write(string path, string content, AtomicWriteOptions? options = null) =>
        Write(path, Utf8.GetBytes(content), options);

    public static FileWriteResult Write(string path, ReadOnlyMemory<byte> memory, AtomicWriteOptions? options = null) =>
        Write(path, new ReadOnlySequence<byte>(memory), options);

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/>. A refusal by the system
    /// (permissions, a read-only file system) is AccessDenied, with the file unchanged.
    /// </summary>
    public static FileWriteResult Write(string path, in ReadOnlySequence<byte> content, AtomicWriteOptions? options = null)
    {
        options ??= AtomicWriteOptions.Default;
        path = Target(path, options);
        var target = path;
        var bytes = content;
        return FileAccessErrors.Guard(target, () => WriteTarget(target, bytes, options));
    }

    private static FileWriteResult WriteTarget(string path, in ReadOnlySequence<byte> content, AtomicWriteOptions options)
    {
        // Known before anything is written: an architecture without a flag table is refused up front.
        var directoryFlags = OperatingSystem.IsLinux() ? LinuxOpenFlags.Current.Directory : 0;
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var hash = ContentHash.Of(content);

        // Compared a chunk at a time: a large config that did not change is never read whole.
        var holds = FileHolds(path, content);
        var exists = holds is not null;
        if (holds == true)
        {
            // Same bytes: only a mode asked for (a credential's 0600) may still need setting.
            if (options.Mode is { } wanted && !OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != wanted)
            {
                File.SetUnixFileMode(path, wanted);
                return new FileWriteResult(path, true, hash, hash, null);
            }
            return new FileWriteResult(path, false, hash, hash, null);
        }

        if (exists && LinuxInodeFlags.IsPinned(path))
            throw FileAccessErrors.Pinned(path);
        if (options.CreateDirectory)
            Directory.CreateDirectory(directory);
        RemoveStaleTemps(directory, System.IO.Path.GetFileName(path));

        var mode = options.Mode ?? (exists && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : options.NewFileMode);
        // Owner and ACLs are read with Linux's statx and xattrs; elsewhere a replacement is the writer's.
        var keepFrom = exists && options.KeepOwnerAndAcl && OperatingSystem.IsLinux() ? path : null;
        string? backup = null;
        string? previousHash = null;
        byte[]? previousBackup = null;
        if (exists && options.Backup)
        {
            backup = path + options.BackupSuffix;
            previousBackup = ReadExisting(backup);
            // The backup is copied from the file as it is, and hashed on the way.
            var hasher = new System.IO.Hashing.XxHash128();
            WriteReplacing(backup, stream => CopyHashing(path, stream, hasher), mode, keepFrom, options.Mode is not null, directoryFlags);
            previousHash = ContentHash.From(hasher);
        }
        else if (exists)
        {
            previousHash = HashOfFile(path);
        }
        var written = content;
        try
        {
            WriteReplacing(path, stream => { foreach (var segment in written) stream.Write(segment.Span); }, mode, keepFrom, options.Mode is not null, directoryFlags);
        }
        catch when (backup is not null)
        {
            // The target refused (an immutable file): the backup made for it goes back to what it was.
            RestoreBackup(backup, previousBackup, mode, directoryFlags);
            throw;
        }
        return new FileWriteResult(path, true, hash, previousHash, backup);
    }

    // Whether the file holds exactly these bytes, read a chunk at a time; null when there is no file.
    private static bool? FileHolds(string path, in ReadOnlySequence<byte> content)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        using (stream)
        {
            // A regular file's size answers most changes; a file that reports none is read all the same.
            if (stream.CanSeek && stream.Length != 0 && stream.Length != content.Length) return false;
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                var rest = new SequenceReader<byte>(content);
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                    if (!rest.IsNext(buffer.AsSpan(0, read), advancePast: true)) return false;
                return rest.End;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private const int ChunkSize = 64 * 1024;

    private static void CopyHashing(string source, Stream destination, System.IO.Hashing.XxHash128 hasher)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                destination.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string HashOfFile(string path)
    {
        var hasher = new System.IO.Hashing.XxHash128();
        CopyHashing(path, Stream.Null, hasher);
        return ContentHash.From(hasher);
    }

    // Bytes that are not UTF-8 show as \xNN in a diff, never as U+FFFD.
    private static string Display(in ReadOnlySequence<byte> bytes) => ByteText.Display(bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray());

    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static byte[]? ReadExisting(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool SameBytes(in ReadOnlySequence<byte> content, ReadOnlySpan<byte> existing)
    {
        if (content.Length != existing.Length) return false;
        foreach (var segment in content)
        {
            if (!segment.Span.SequenceEqual(existing[..segment.Length])) return false;
            existing = existing[segment.Length..];
        }
        return true;
    }

    // The path a write lands on: the path itself, or for WriteThrough the end of its chain of links.
    private static string Target(string path, AtomicWriteOptions options)
    {
        var target = options.Symlinks == SymlinkPolicy.WriteThrough
            ? SymlinkTarget.Resolve(path, options.SymlinkRoot)
            : System.IO.Path.GetFullPath(path);
        CheckIsFilePath(target);
        return target;
    }

    // A directory where the file should be, or a file where a directory should be, is no question of
    // permissions: the system's EISDIR or ENOTDIR would otherwise read as access denied or a raw error.
    private static void CheckIsFilePath(string path)
    {
        if (Directory.Exists(path))
            throw ErrorCatalog.TargetNotAFile.Exception(
                $"{path} is a directory, not a file. Give the file's own path, such as {System.IO.Path.Combine(path, "default.conf")}. Nothing was changed.",
                path, "TargetIsDirectory");
        for (var above = System.IO.Path.GetDirectoryName(path); !string.IsNullOrEmpty(above) && !Directory.Exists(above); above = System.IO.Path.GetDirectoryName(above))
            if (File.Exists(above))
                throw ErrorCatalog.TargetNotAFile.Exception($"{path} cannot be written: {above} is a file, not a directory. Nothing was changed.", path, "ParentIsFile");
    }

    // The same steps everywhere: a temp file flushed to disk (FileStream.Flush(true)), then
    // File.Move over the target (rename(2), or MoveFileEx with MOVEFILE_REPLACE_EXISTING on Windows).
    // Only Linux gets the directory fsync, which needs open(2) flags and has no Windows equivalent.
    private static void WriteReplacing(string path, Action<FileStream> fill, UnixFileMode mode, string? keepFrom, bool exactMode, int directoryFlags)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) streamOptions.UnixCreateMode = mode;
            using (var stream = new FileStream(temp, streamOptions))
            {
                fill(stream);
                stream.Flush(flushToDisk: true);
            }
            // Owner and ACLs first: chown clears set-id bits, and setting an ACL rewrites the group bits.
            if (keepFrom is not null) FileMetadata.Copy(keepFrom, temp);
            if ((keepFrom is not null || exactMode) && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode); // exactly, whatever the umask
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        if (OperatingSystem.IsLinux()) SyncDirectory(directory, directoryFlags);
    }

    // A writer killed between creating its temp file and the rename leaves it behind. Old ones are
    // removed; a young one may belong to a writer still at work.
    private static void RemoveStaleTemps(string directory, string name)
    {
        try
        {
            foreach (var temp in Directory.EnumerateFiles(directory, $".{name}*.tmp"))
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) > TimeSpan.FromMinutes(10)) TryDelete(temp);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
            // A directory this user may not list: the write itself then says AccessDenied.
        }
    }

    private static void RestoreBackup(string backup, byte[]? previous, UnixFileMode mode, int directoryFlags)
    {
        try
        {
            if (previous is null) File.Delete(backup);
            else if (!SameBytes(new ReadOnlySequence<byte>(previous), File.ReadAllBytes(backup)))
                WriteReplacing(backup, stream => stream.Write(previous), mode, null, false, directoryFlags);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
            // The target's own error is the one to report.
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // The rename is only durable once the directory entry itself is on disk.
    private static void SyncDirectory(string directory, int directoryFlag)
    {
        int fd = Native.open(directory, LinuxOpenFlags.ReadOnly | directoryFlag | LinuxOpenFlags.CloseOnExec);
        if (fd < 0) return;
        try { Native.fsync(fd); } finally { Native.close(fd); }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}
