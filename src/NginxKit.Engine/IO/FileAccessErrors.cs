using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>
/// The one place where a refused file operation becomes NginxKit's AccessDenied error, so no
/// write ever surfaces a raw UnauthorizedAccessException or IOException. .NET reports EACCES and
/// EPERM as UnauthorizedAccessException, and other errno values (EROFS) as an IOException whose
/// HResult is the errno.
/// </summary>
public static class FileAccessErrors
{
    private const int EPERM = 1;
    private const int EACCES = 13;
    private const int EROFS = 30;
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    public const string Hint = "Run it as root (sudo), or point it at a place you may write: -OutFile to another file, or -Root to a tree you own.";

    /// <summary>The hint when root itself was refused: where to look, and how to lift the flag if the file should change.</summary>
    public static string RootHint(string path) =>
        $"See the flags with: lsattr -d {path} {System.IO.Path.GetDirectoryName(path)}. If the file is meant to change, lift the flag with chattr -i (or -a); otherwise leave it, since someone pinned it on purpose.";

    /// <summary>True when the operating system refused the operation: permissions, or a read-only file system.</summary>
    public static bool IsAccessDenied(Exception exception) => exception switch
    {
        UnauthorizedAccessException => true,
        IOException io when io.GetType() == typeof(IOException) => io.HResult is EPERM or EACCES or EROFS,
        _ => false,
    };

    /// <summary>The AccessDenied error for <paramref name="path"/>, the file NginxKit was writing (or reading to replace).</summary>
    public static NginxKitException AccessDenied(string? path, Exception inner) =>
        AccessDenied(path, inner, privileged: !OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess);

    /// <summary>The AccessDenied error, for a process that is root (<paramref name="privileged"/>) or not.</summary>
    public static NginxKitException AccessDenied(string? path, Exception inner, bool privileged)
    {
        var readOnly = inner is IOException { HResult: EROFS };
        // Root is refused only by a file's attributes (chattr +i or +a) or a security module, never by modes.
        var asRoot = !readOnly && privileged;
        var why = readOnly ? "its file system is read-only"
            : asRoot ? "the system refuses even root: the file or its directory is immutable or append-only (chattr +i, +a), or a security module forbids it"
            : "this user may not change it or its directory";
        var message = path is null
            ? $"A file could not be written: {inner.Message.TrimEnd('.')}. Nothing was changed."
            : $"{path} cannot be written: {why}. Nothing was changed.";
        var hint = asRoot && path is not null ? RootHint(path) : Hint;
        return ErrorCatalog.AccessDenied.Exception(message, path, readOnly ? "ReadOnlyFileSystem" : asRoot ? "RefusedToRoot" : null, hint, inner);
    }

    /// <summary>The AccessDenied error for a file marked immutable or append-only, found before anything was written.</summary>
    public static NginxKitException Pinned(string path) => ErrorCatalog.AccessDenied.Exception(
        $"{path} cannot be written: it is marked immutable or append-only (chattr +i, +a), which refuses every change, even root's. Nothing was changed.",
        path, "ImmutableFile", RootHint(path));

    /// <summary>True for a write the system took but could not complete: a full disk, a quota, an I/O error.</summary>
    public static bool IsWriteFailure(Exception exception) =>
        exception.GetType() == typeof(IOException) && !IsAccessDenied(exception);

    /// <summary>The WriteFailed error for <paramref name="path"/>: what the system said, and which file system to look at.</summary>
    public static NginxKitException WriteFailed(string path, Exception inner)
    {
        var directory = System.IO.Path.GetDirectoryName(path) ?? path;
        var full = inner.HResult is ENOSPC or EDQUOT;
        var hint = full
            ? $"Make room on the file system that holds {directory} (df -h {directory}), then run it again."
            : $"Check the file system that holds {directory} (the kernel log may say more), then run it again.";
        // The system's own words for the errno, without the temp file's name .NET appends to its message.
        var why = inner.HResult > 0 && !OperatingSystem.IsWindows() ? System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(inner.HResult) : inner.Message;
        return ErrorCatalog.WriteFailed.Exception($"{path} could not be written: {why.TrimEnd('.')}. Nothing was changed.",
            path, full ? "NoSpace" : null, hint, inner);
    }

    /// <summary>Runs a file operation on <paramref name="path"/>, turning a refusal into AccessDenied and a failed write into WriteFailed.</summary>
    public static T Guard<T>(string path, Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception ex) when (IsAccessDenied(ex))
        {
            throw AccessDenied(path, ex);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            throw WriteFailed(path, ex);
        }
    }

    /// <inheritdoc cref="Guard{T}(string, Func{T})"/>
    public static void Guard(string path, Action operation) => Guard(path, () => { operation(); return 0; });
}
