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

    public const string Hint = "Run it as root (sudo), or point it at a place you may write: -OutFile to another file, or -Root to a tree you own.";

    /// <summary>True when the operating system refused the operation: permissions, or a read-only file system.</summary>
    public static bool IsAccessDenied(Exception exception) => exception switch
    {
        UnauthorizedAccessException => true,
        IOException io when io.GetType() == typeof(IOException) => io.HResult is EPERM or EACCES or EROFS,
        _ => false,
    };

    /// <summary>The AccessDenied error for <paramref name="path"/>, the file NginxKit was writing (or reading to replace).</summary>
    public static NginxKitException AccessDenied(string? path, Exception inner)
    {
        var readOnly = inner is IOException { HResult: EROFS };
        var why = readOnly ? "its file system is read-only" : "this user may not change it or its directory";
        var message = path is null
            ? $"A file could not be written: {inner.Message.TrimEnd('.')}. Nothing was changed."
            : $"{path} cannot be written: {why}. Nothing was changed.";
        return ErrorCatalog.AccessDenied.Exception(message, path, readOnly ? "ReadOnlyFileSystem" : null, Hint, inner);
    }

    /// <summary>Runs a file operation on <paramref name="path"/>, turning a refusal into AccessDenied.</summary>
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
    }

    /// <inheritdoc cref="Guard{T}(string, Func{T})"/>
    public static void Guard(string path, Action operation) => Guard(path, () => { operation(); return 0; });
}
