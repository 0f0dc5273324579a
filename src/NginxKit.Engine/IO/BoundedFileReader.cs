using System.Text;

namespace NginxKit.Engine.IO;

/// <summary>
/// Reads a text file that someone else controls: regular files only (a FIFO would block the open,
/// a device such as /dev/zero never ends), up to a size cap, within a time limit. A symlink is
/// followed to what it names, and what it names must be a regular file too.
/// </summary>
public static class BoundedFileReader
{
    public const long DefaultMaxBytes = 16 * 1024 * 1024;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The file's text, or null with the rule it broke and a few words saying why.</summary>
    public static string? ReadText(string path, out string? rule, out string? why, long maxBytes = DefaultMaxBytes, TimeSpan? timeout = null)
    {
        (rule, why) = UnixFiles.KindOf(path) switch
        {
            UnixFiles.Kind.Regular => (null, null),
            UnixFiles.Kind.Directory => ("NotAFile", "it is a directory"),
            UnixFiles.Kind.Other => ("NotARegularFile", "it is not a regular file (a device, FIFO or socket)"),
            _ => new FileInfo(path).LinkTarget is not null
                ? ("BrokenSymlink", "it is a symlink that leads nowhere, or round in a loop")
                : ("NotFound", "it does not exist"),
        };
        if (rule is not null) return null;
        if (new FileInfo(path).Length > maxBytes)
        {
            (rule, why) = TooLarge(maxBytes);
            return null;
        }

        // A regular file on a hung network mount can still block: give up on it after the time limit.
        var limit = timeout ?? DefaultTimeout;
        var read = Task.Run(() => ReadCapped(path, maxBytes));
        try
        {
            if (!read.Wait(limit))
            {
                (rule, why) = ("ReadTimeout", $"reading it took longer than {limit.TotalSeconds:0} s");
                return null;
            }
        }
        catch (AggregateException ex) when (ex.InnerException is IOException or UnauthorizedAccessException)
        {
            (rule, why) = (ex.InnerException is UnauthorizedAccessException ? "AccessDenied" : "ReadFailed", ex.InnerException.Message);
            return null;
        }
        if (read.Result is null) (rule, why) = TooLarge(maxBytes);
        return read.Result;
    }

    private static (string, string) TooLarge(long maxBytes) => ("TooLarge", $"it is larger than {maxBytes / (1024 * 1024)} MiB");

    // The size checked above can grow before the read: never read past the cap.
    private static string? ReadCapped(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        buffer.Position = 0;
        using var reader = new StreamReader(buffer, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
