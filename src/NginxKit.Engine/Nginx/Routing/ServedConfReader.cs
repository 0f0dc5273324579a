using System.Globalization;
using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// Reads the server blocks of an nginx config (a conf.d file, in the http context) into a
/// <see cref="ServedConf"/>. It follows what the renderer emits: server, listen, server_name,
/// exact and prefix locations, proxy_pass, return, internal, and the "# namespace/service" comment
/// above a location. Directives that only tune a request (headers, timeouts, TLS) pass; anything
/// that could send a request elsewhere or change its URI (regex locations, rewrite, if, alias,
/// try_files outside an internal location, variables in proxy_pass) is refused with
/// UnsupportedConfConstruct, because an answer that ignored it would be wrong.
/// </summary>
internal static class ServedConfReader
{
    internal sealed record Statement(string Name, List<string> Args, List<Statement>? Block, string? Comment, int Line)
    {
        /// <summary>A comment after the directive on its own line, as a map entry's "# namespace/service".</summary>
        public string? Trailing { get; init; }
    }

    // Directives that leave the choice of location, the status and the URI sent upstream alone.
    private static readonly HashSet<string> Neutral = new(StringComparer.Ordinal)
    {
        "access_log", "error_log", "client_max_body_size", "client_body_timeout", "client_header_timeout", "client_body_buffer_size",
        "proxy_read_timeout", "proxy_send_timeout", "proxy_connect_timeout", "proxy_http_version", "proxy_set_header",
        "proxy_redirect", "proxy_buffering", "proxy_request_buffering", "proxy_buffer_size", "proxy_buffers", "proxy_busy_buffers_size",
        "proxy_hide_header", "proxy_pass_header", "proxy_ignore_headers", "proxy_intercept_errors", "proxy_next_upstream",
        "proxy_cookie_path", "proxy_cookie_domain", "proxy_max_temp_file_size",
        "http2", "keepalive_timeout", "keepalive_requests", "send_timeout", "server_tokens", "charset", "default_type", "add_header",
        "gzip", "gzip_types", "gzip_proxied", "gzip_min_length", "gzip_vary", "types_hash_max_size", "large_client_header_buffers",
        "resolver", "resolver_timeout", "map_hash_bucket_size", "map_hash_max_size", "sendfile", "tcp_nopush", "tcp_nodelay", "underscores_in_headers", "ignore_invalid_headers",
    };

    public static ServedConf Read(string text, string? source)
    {
        var statements = Parse(text, source);
        var mapped = MappedRoutes.Read(statements, source);
        var servers = new List<ServedServer>();
        foreach (var s in statements)
        {
            switch (s.Name)
            {
                case "server" when s.Block is not null:
                    servers.Add(ReadServer(s, source, mapped));
                    break;
                case "map" or "upstream" or "geo" or "split_clients" when s.Block is not null:
                    break; // they define variables and upstream names; a location names them to use them
                case "proxy_ssl_server_name" or "absolute_redirect" or "port_in_redirect" or "merge_slashes" or "server_name_in_redirect":
                    throw Refuse(source, s, "HttpLevelRedirectSetting", $"'{s.Name}' at the http level changes every server; set it in the server blocks.");
                default:
                    if (IsNeutral(s.Name) && s.Block is null) break;
                    throw Refuse(source, s, "UnknownDirective", $"the directive '{Printable.Escape(s.Name)}' is not one NginxKit renders.");
            }
        }
        return new ServedConf(servers);
    }

    internal static bool IsNeutral(string name) => Neutral.Contains(name) || name.StartsWith("ssl_", StringComparison.Ordinal) || name.StartsWith("proxy_ssl_", StringComparison.Ordinal);

    private static ServedServer ReadServer(Statement server, string? source, MappedRoutes? mapped)
    {
        Statement? dispatch = null;
        var listens = new List<ServedListen>();
        var names = new List<string>();
        var locations = new List<ServedLocation>();
        bool absolute = true, portInRedirect = true;
        foreach (var s in server.Block!)
        {
            switch (s.Name)
            {
                case "listen":
                    listens.Add(ReadListen(s, source));
                    break;
                case "server_name":
                    foreach (var name in s.Args)
                    {
                        if (name.StartsWith('~') || (name.Contains('*') && !name.StartsWith("*.", StringComparison.Ordinal)) || name.Length > 253)
                            throw Refuse(source, s, "ServerNameForm", $"the server_name '{Printable.Escape(name)}' is a regular expression or a wildcard other than *.name.");
                        names.Add(name.ToLowerInvariant());
                    }
                    break;
                case "absolute_redirect":
                    absolute = OnOff(s, source);
                    break;
                case "port_in_redirect":
                    portInRedirect = OnOff(s, source);
                    break;
                case "merge_slashes" when s.Args is ["on"]:
                    break;
                case "error_page" when s.Args.Count >= 2 && s.Args.Take(s.Args.Count - 1).All(code => code.Length == 3 && code[0] == '5'):
                    break; // only server errors: what a backend that fails answers, never where a request goes
                case "location" when mapped is not null && s.Args is ["/"] && s.Block is not null && s.Block.Any(d => d.Name == "if"):
                    dispatch = s; // the lookup of the mapped routes, read once the server's name is known
                    break;
                case "location":
                    locations.Add(ReadLocation(s, source));
                    break;
                default:
                    if (IsNeutral(s.Name) && s.Block is null) break;
                    throw Refuse(source, s, "UnknownDirective", $"the directive '{Printable.Escape(s.Name)}' in a server block is not one NginxKit renders.");
            }
        }
        if (dispatch is not null) locations.AddRange(mapped!.Locations(dispatch, names.Count > 0 ? names[0] : string.Empty, [.. locations], source).ToList());
        // A server without listen listens on port 80, as nginx run by root does.
        if (listens.Count == 0) listens.Add(new ServedListen("*", 80, false, false));
        return new ServedServer(listens, names, locations) { AbsoluteRedirect = absolute, PortInRedirect = portInRedirect };
    }

    private static bool OnOff(Statement s, string? source) => s.Args switch
    {
        ["on"] => true,
        ["off"] => false,
        _ => throw Refuse(source, s, "OnOff", $"'{s.Name}' takes on or off."),
    };

    private static ServedListen ReadListen(Statement s, string? source)
    {
        if (s.Args.Count == 0) throw Refuse(source, s, "ListenForm", "listen needs an address or port.");
        var value = s.Args[0];
        string address = "*";
        string portText = value;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0) throw Refuse(source, s, "ListenForm", $"the listen address '{Printable.Escape(value)}' is not [IPv6]:port.");
            address = value[..(close + 1)];
            portText = close + 1 < value.Length && value[close + 1] == ':' ? value[(close + 2)..] : "80";
        }
        else if (value.LastIndexOf(':') is var colon and >= 0)
        {
            if (value.StartsWith("unix:", StringComparison.Ordinal)) throw Refuse(source, s, "ListenForm", "a listen on a unix socket has no port a URL can name.");
            address = value[..colon];
            portText = value[(colon + 1)..];
        }
        else if (!value.All(char.IsAsciiDigit))
        {
            address = value;
            portText = "80";
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw Refuse(source, s, "ListenForm", $"the listen port '{Printable.Escape(portText)}' is not a number from 1 to 65535.");
        var flags = s.Args.Skip(1).ToList();
        return new ServedListen(address, port, flags.Contains("default_server") || flags.Contains("default"), flags.Contains("ssl"));
    }

    private static ServedLocation ReadLocation(Statement s, string? source)
    {
        if (s.Block is null) throw Refuse(source, s, "LocationForm", "a location needs a block.");
        string path;
        bool exact = false;
        switch (s.Args)
        {
            case [var only] when only.StartsWith('@'):
                return new ServedLocation(only, Exact: true) { Internal = true }; // a named location: no URI reaches it
            case [var only] when only.StartsWith('/'):
                path = only;
                break;
            case ["=", var p]:
                path = p;
                exact = true;
                break;
            case ["^~", var p]:
                path = p; // without regex locations, ^~ changes nothing
                break;
            case [var only] when only.StartsWith('=') && only.Length > 1:
                path = only[1..];
                exact = true;
                break;
            default:
                throw Refuse(source, s, "RegexLocation",
                    $"'location {Printable.Escape(string.Join(' ', s.Args))}' is a regular-expression location, which NginxKit does not render and this model does not follow.");
        }
        if (path.Length == 0 || path.Length > 2048) throw Refuse(source, s, "LocationForm", "a location path must be 1 to 2048 characters.");

        var location = new ServedLocation(path, exact) { Service = ServiceOf(s.Comment), Namespace = NamespaceOf(s.Comment) };
        bool tries = false, root = false;
        foreach (var d in s.Block)
        {
            switch (d.Name)
            {
                case "proxy_pass":
                    location = location with { Proxy = ReadProxy(d, source) };
                    break;
                case "return":
                    location = location with { ReturnCode = ReturnCode(d, source), ReturnText = ReturnText(d, source) };
                    break;
                case "internal":
                    location = location with { Internal = true };
                    break;
                case "proxy_set_header" when d.Args.Count == 2 && d.Args[0].Equals("X-Forwarded-Prefix", StringComparison.OrdinalIgnoreCase):
                    location = location with { ForwardedPrefix = d.Args[1] };
                    break;
                case "try_files":
                    tries = true;
                    break;
                case "root":
                    root = true;
                    break;
                default:
                    if (IsNeutral(d.Name) && d.Block is null) break;
                    throw Refuse(source, d, d.Name == "location" ? "NestedLocation" : "UnknownDirective",
                        $"the directive '{Printable.Escape(d.Name)}' in location {Printable.Escape(path)} is not one NginxKit renders.");
            }
        }
        // The error page's static file: only internal redirects reach it, so its root and try_files never answer a client.
        if ((tries || root) && !location.Internal)
            throw Refuse(source, s, "StaticFiles", $"location {Printable.Escape(path)} serves files (root, try_files), which NginxKit renders only for its internal error page.");
        if (location.ReturnCode is not null && location.Proxy is not null)
            location = location with { Proxy = null }; // return runs in the rewrite phase, before the proxy is reached
        return location;
    }

    private static int ReturnCode(Statement d, string? source)
    {
        if (d.Args.Count is 1 or 2 && int.TryParse(d.Args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 999)
            return code;
        if (d.Args.Count == 1) return 302; // "return URL" is a 302
        throw Refuse(source, d, "ReturnForm", "return takes a code and an optional URL or text.");
    }

    // The variables a resolver can fill in from the request alone.
    private static readonly string[] KnownVariables = ["request_uri", "host", "scheme", "server_port", "is_args", "args", "uri"];

    private static string? ReturnText(Statement d, string? source)
    {
        var text = d.Args.Count > 1 ? d.Args[1] : d.Args.Count == 1 && !d.Args[0].All(char.IsAsciiDigit) ? d.Args[0] : null;
        if (text is null) return null;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\$\{?([A-Za-z0-9_]*)"))
            if (!KnownVariables.Contains(m.Groups[1].Value) || m.Value.Contains('{'))
                throw Refuse(source, d, "ReturnVariable", $"return uses ${Printable.Escape(m.Groups[1].Value)}, a variable this model does not fill in.");
        return text;
    }

    private static ServedProxy ReadProxy(Statement d, string? source)
    {
        if (d.Args.Count != 1) throw Refuse(source, d, "ProxyPassForm", "proxy_pass takes one URL.");
        var url = d.Args[0];
        if (url.Contains('$')) throw Refuse(source, d, "ProxyPassVariable", $"proxy_pass {Printable.Escape(url)} holds a variable, whose value only a request decides.");
        var scheme = url.StartsWith("http://", StringComparison.Ordinal) ? "http" : url.StartsWith("https://", StringComparison.Ordinal) ? "https" : null;
        if (scheme is null) throw Refuse(source, d, "ProxyPassForm", $"proxy_pass {Printable.Escape(url)} is not an http:// or https:// URL.");
        var rest = url[(scheme.Length + 3)..];
        var slash = rest.IndexOf('/');
        var backend = slash < 0 ? rest : rest[..slash];
        if (backend.Length == 0) throw Refuse(source, d, "ProxyPassForm", $"proxy_pass {Printable.Escape(url)} names no host.");
        return new ServedProxy(url, scheme, backend, slash < 0 ? null : rest[slash..]);
    }

    // The renderer's comment above a location: "namespace/service" or "service".
    internal static string? ServiceOf(string? comment) => Owner(comment) is { } owner ? owner[(owner.IndexOf('/') + 1)..] : null;

    internal static string? NamespaceOf(string? comment) => Owner(comment) is { } owner && owner.IndexOf('/') is var at and > 0 ? owner[..at] : null;

    private static string? Owner(string? comment)
    {
        if (comment is null) return null;
        var parts = comment.Split('/');
        return parts.Length is 1 or 2 && parts.All(IsKubeName) ? comment : null;
    }

    private static bool IsKubeName(string s) =>
        s.Length is >= 1 and <= 63 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && s[0] != '-' && s[^1] != '-';

    internal static NginxKitException Refuse(string? source, Statement s, string rule, string why) =>
        ErrorCatalog.UnsupportedConfConstruct.Exception(
            $"Cannot resolve against {(source is null ? "the config" : "'" + Printable.Escape(source) + "'")}: line {s.Line}: {why} "
            + "Resolve against the routes instead (-Route, -Path or the cluster), or against a config New-NginxConf rendered.",
            source, rule);

    // Tokens as nginx reads them: words (quoted or not), {, }, ;, and # comments to the end of the line.
    internal static List<Statement> Parse(string text, string? source)
    {
        int at = 0, line = 1;
        return ParseBlock(text, ref at, ref line, source, top: true);
    }

    private static List<Statement> ParseBlock(string text, ref int at, ref int line, string? source, bool top)
    {
        var statements = new List<Statement>();
        var words = new List<string>();
        string? comment = null, pending = null;
        int start = line, ended = -1;
        while (true)
        {
            SkipSpace(text, ref at, ref line);
            if (at >= text.Length)
            {
                if (!top || words.Count > 0) throw Syntax(source, line, "the config ends inside a block or a directive");
                return statements;
            }
            char c = text[at];
            if (c == '#')
            {
                int end = text.IndexOf('\n', at);
                var body = (end < 0 ? text[(at + 1)..] : text[(at + 1)..end]).Trim();
                at = end < 0 ? text.Length : end;
                if (words.Count == 0) pending = body;
                if (words.Count == 0 && ended == line && statements.Count > 0) statements[^1] = statements[^1] with { Trailing = body };
                continue;
            }
            if (c == ';')
            {
                at++;
                if (words.Count == 0) throw Syntax(source, line, "an empty directive");
                statements.Add(new Statement(words[0], words.Skip(1).ToList(), null, comment, start));
                ended = line;
                words = [];
                pending = null;
                continue;
            }
            if (c == '{')
            {
                at++;
                if (words.Count == 0) throw Syntax(source, line, "a block without a directive");
                var name = words[0];
                var args = words.Skip(1).ToList();
                var blockStart = start;
                var owner = comment;
                var block = ParseBlock(text, ref at, ref line, source, top: false);
                statements.Add(new Statement(name, args, block, owner, blockStart));
                words = [];
                pending = null;
                continue;
            }
            if (c == '}')
            {
                at++;
                if (top) throw Syntax(source, line, "an unexpected }");
                if (words.Count > 0) throw Syntax(source, line, "a directive without ;");
                return statements;
            }
            if (words.Count == 0)
            {
                start = line;
                comment = pending;
            }
            words.Add(ReadWord(text, ref at, ref line, source));
        }
    }

    private static void SkipSpace(string text, ref int at, ref int line)
    {
        for (; at < text.Length && char.IsWhiteSpace(text[at]); at++)
            if (text[at] == '\n') line++;
    }

    private static string ReadWord(string text, ref int at, ref int line, string? source)
    {
        var sb = new StringBuilder();
        char quote = text[at] is '"' or '\'' ? text[at] : '\0';
        if (quote != '\0') at++;
        while (at < text.Length)
        {
            char c = text[at];
            if (quote != '\0')
            {
                if (c == quote) { at++; return sb.ToString(); }
                if (c == '\\' && at + 1 < text.Length)
                {
                    char n = text[at + 1];
                    sb.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '"' or '\'' or '\\' => n, _ => '\\' });
                    if (n is 'n' or 't' or 'r' or '"' or '\'' or '\\') at += 2; else at++;
                    continue;
                }
                if (c == '\n') line++;
                sb.Append(c);
                at++;
                continue;
            }
            if (char.IsWhiteSpace(c) || c is ';' or '{' or '}') return sb.ToString();
            if (c == '\\' && at + 1 < text.Length) { sb.Append(text[at + 1]); at += 2; continue; }
            sb.Append(c);
            at++;
        }
        if (quote != '\0') throw Syntax(source, line, "a quoted string is not closed");
        return sb.ToString();
    }

    private static NginxKitException Syntax(string? source, int line, string why) =>
        ErrorCatalog.UnsupportedConfConstruct.Exception(
            $"Cannot read {(source is null ? "the config" : "'" + Printable.Escape(source) + "'")}: line {line}: {why}. Check it with Test-NginxConf.",
            source, "Syntax");
}
