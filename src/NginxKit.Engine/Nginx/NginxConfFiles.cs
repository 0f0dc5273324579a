using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// The files a config names for nginx to open while it loads: includes (followed into the files
/// they name), modules, certificates and keys, logs. nginx opens each one as it is; a FIFO makes
/// nginx -t wait forever, and a device feeds it without end, so each must be a regular file first.
/// </summary>
internal static partial class NginxConfFiles
{
    private const int MaxIncludeDepth = 10;
    private const long MaxReadBytes = 4 * 1024 * 1024;

    /// <summary>One file a directive names: where (the text given, or an included file) and which characters of that text.</summary>
    internal sealed record NamedFile(string Directive, string Path, string? From, int Index, int Length);

    private static readonly HashSet<string> TlsFiles =
    [
        "ssl_certificate", "ssl_certificate_key", "ssl_trusted_certificate", "ssl_client_certificate", "ssl_crl", "ssl_dhparam",
        "ssl_password_file", "ssl_session_ticket_key", "ssl_stapling_file",
        "proxy_ssl_certificate", "proxy_ssl_certificate_key", "proxy_ssl_trusted_certificate", "proxy_ssl_crl", "proxy_ssl_password_file",
    ];

    [GeneratedRegex(@"(?<![\w$-])(include|load_module|error_log|access_log|(?:proxy_)?ssl_[a-z_]+)\s+(""[^""]*""|'[^']*'|[^\s;{}'""]+)")]
    private static partial Regex FileDirective();

    /// <summary>Every absolute file the text names, and those its includes name in turn.</summary>
    public static IReadOnlyList<NamedFile> Named(string text)
    {
        var found = new List<NamedFile>();
        Scan(text, null, 0, found, new HashSet<string>(StringComparer.Ordinal));
        return found;
    }

    private static void Scan(string text, string? from, int depth, List<NamedFile> found, HashSet<string> seen)
    {
        var code = WithoutComments(text);
        foreach (Match m in FileDirective().Matches(code))
        {
            var directive = m.Groups[1].Value;
            if (directive.StartsWith("ssl_", StringComparison.Ordinal) || directive.StartsWith("proxy_ssl_", StringComparison.Ordinal))
            {
                if (!TlsFiles.Contains(directive)) continue;
            }
            var value = m.Groups[2];
            var path = value.Value.Trim('"', '\'');
            // Variables, "off", "stderr", syslog: and memory: targets, and relative paths (which resolve in the test's own prefix) name nothing here.
            if (path.Length == 0 || path[0] != '/' || path.Contains('$')) continue;
            foreach (var file in Expand(path))
            {
                found.Add(new NamedFile(directive, file, from, value.Index, value.Length));
                if (directive != "include" || depth >= MaxIncludeDepth || !seen.Add(file)) continue;
                if (!SmallRegularFile(file)) continue;
                string included;
                try { included = File.ReadAllText(file); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; } // nginx will say so
                Scan(included, file, depth + 1, found, seen);
            }
        }
    }

    // include takes a glob in its last segment (conf.d/*.conf); anything else names one file.
    private static IEnumerable<string> Expand(string path)
    {
        var name = Path.GetFileName(path);
        if (name.IndexOfAny(['*', '?', '[']) < 0) return [path];
        var directory = Path.GetDirectoryName(path);
        if (directory is null || directory.IndexOfAny(['*', '?', '[']) >= 0 || !Directory.Exists(directory)) return [];
        var pattern = new Regex("^" + GlobToRegex(name) + "$");
        try
        {
            return Directory.EnumerateFileSystemEntries(directory).Where(f => pattern.IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // glob(3) as nginx's include uses it: * and ? and [...] classes; everything else literal.
    private static string GlobToRegex(string glob)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            var close = c == '[' ? glob.IndexOf(']', i + 2) : -1;
            if (c == '*') sb.Append(".*");
            else if (c == '?') sb.Append('.');
            else if (close > 0)
            {
                var set = glob[(i + 1)..close];
                sb.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                i = close;
            }
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }

    // Blanks what follows a # outside quotes, keeping every offset where it was. Written straight
    // into the new string: a config of 10,000 routes is 1.5 MB of text, and it is copied once.
    private static string WithoutComments(string text)
    {
        if (!text.Contains('#')) return text;
        return string.Create(text.Length, text, static (chars, source) =>
        {
            source.CopyTo(chars);
            char quote = '\0';
            for (int i = 0; i < chars.Length; i++)
            {
                var c = chars[i];
                if (quote != '\0')
                {
                    if (c == '\\') i++;
                    else if (c == quote) quote = '\0';
                }
                else if (c is '"' or '\'') quote = c;
                else if (c == '#')
                {
                    while (i < chars.Length && chars[i] != '\n') chars[i++] = ' ';
                }
            }
        });
    }

    /// <summary>Refuses the test when a named file exists and is not a regular file (or a directory, which nginx reports itself).</summary>
    public static void CheckRegular(IReadOnlyList<NamedFile> files)
    {
        foreach (var file in files)
        {
            if (UnixFiles.KindOf(file.Path) != UnixFiles.Kind.Other) continue;
            var where = file.From is null ? string.Empty : $" (in {Printable.Escape(file.From)})";
            throw ErrorCatalog.IncludedFileNotRegular.Exception(
                $"{file.Directive} {Printable.Escape(file.Path)}{where} is not a regular file (a FIFO, a socket or a device): nginx would wait on it or read it without end, so nginx -t was not run.",
                file.Path, "NotARegularFile", "Name regular files only; nginx reads each while it loads the config.");
        }
    }

    /// <summary>
    /// The text with each TLS file it names itself replaced by a copy in <paramref name="directory"/>,
    /// which only nobody (who runs nginx -t) and root may read. A host's private key is root's
    /// alone; nobody could not read it, and the test would fail on a config nginx itself loads.
    /// </summary>
    public static string WithPrivateTlsCopies(string text, IReadOnlyList<NamedFile> files, string directory)
    {
        var own = files.Where(f => f.From is null && TlsFiles.Contains(f.Directive)).OrderByDescending(f => f.Index).ToList();
        if (own.Count == 0 || Owner("nobody", "nogroup") is not { } owner) return text;
        var (uid, gid) = owner;
        Directory.CreateDirectory(directory);
        if (Native.chown(directory, uid, gid) != 0) return text;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var result = new StringBuilder(text);
        int n = 0;
        foreach (var file in own)
        {
            if (!SmallRegularFile(file.Path)) continue;
            var copy = Path.Combine(directory, $"{n++}.pem");
            try
            {
                File.Copy(file.Path, copy);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // nginx -t says it cannot read the original
            }
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (Native.chown(copy, uid, gid) != 0) continue;
            result.Remove(file.Index, file.Length).Insert(file.Index, copy);
        }
        return result.ToString();
    }

    private static bool SmallRegularFile(string path) =>
        UnixFiles.KindOf(path) == UnixFiles.Kind.Regular && new FileInfo(path).Length <= MaxReadBytes;

    // The uid and gid setpriv drops to, from the account databases.
    private static (uint Uid, uint Gid)? Owner(string user, string group)
    {
        static uint? Id(string database, string name)
        {
            try
            {
                foreach (var line in File.ReadLines(database))
                {
                    var fields = line.Split(':');
                    if (fields.Length > 2 && fields[0] == name && uint.TryParse(fields[2], out var id)) return id;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            return null;
        }
        return Id("/etc/passwd", user) is { } uid && Id("/etc/group", group) is { } gid ? (uid, gid) : null;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
    }
}
