using NginxKit.Engine.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>Server-level settings of a rendered config. Each is checked by <see cref="Validate"/> before rendering.</summary>
public sealed record NginxConfOptions
{
    public IReadOnlyList<string> Listen { get; init; } = ["80"];

    /// <summary>server_name of the default server, which holds every route that names no server.</summary>
    public string ServerName { get; init; } = RouteSet.DefaultServerName;

    /// <summary>Extra proxy_set_header lines, by header name. A name that matches a standard header replaces it.</summary>
    public IReadOnlyDictionary<string, string> ProxyHeaders { get; init; } = new Dictionary<string, string>();

    public int? ProxyConnectTimeoutSec { get; init; }

    public int? ProxyReadTimeoutSec { get; init; }

    public int? ProxySendTimeoutSec { get; init; }

    /// <summary>Where the 50x.html error page lives.</summary>
    public string ErrorPageRoot { get; init; } = "/usr/share/nginx/html";

    /// <summary>client_max_body_size for every route that sets none; null leaves nginx's own (1m).</summary>
    public string? ClientMaxBodySize { get; init; }

    /// <summary>Proxy websocket upgrades on every route that does not say otherwise.</summary>
    public bool WebSocket { get; init; }

    /// <summary>Rewrite backends' own redirects under the stripped prefix on every route that does not say otherwise.</summary>
    public bool ProxyRedirect { get; init; }

    /// <summary>The first server is default_server on each address it listens on, so requests by IP or an unknown name reach it.</summary>
    public bool DefaultServer { get; init; } = true;

    /// <summary>The certificate chain (PEM) served on <see cref="TlsListen"/>; with <see cref="TlsKey"/>, switches TLS on.</summary>
    public string? TlsCertificate { get; init; }

    public string? TlsKey { get; init; }

    /// <summary>Where TLS is served, in -Listen's forms; "ssl" and HTTP/2 are added.</summary>
    public IReadOnlyList<string> TlsListen { get; init; } = ["443"];

    /// <summary>Answer plain HTTP on <see cref="Listen"/> with a redirect to https (the health check excepted).</summary>
    public bool RedirectHttp { get; init; }

    /// <summary>
    /// The https port the redirect names, when clients reach TLS on another port than nginx listens
    /// on (a pod's 8443 behind a Service's 443); null names the first of <see cref="TlsListen"/>.
    /// </summary>
    public int? RedirectPort { get; init; }

    /// <summary>
    /// The nginx the config is for. From 1.25.1 on, HTTP/2 is switched on with "http2 on;" (the
    /// listen parameter is deprecated there and warns); earlier versions know only the listen parameter.
    /// </summary>
    public Version? NginxVersion { get; init; }

    /// <summary>Location blocks, maps, or (Auto) maps once there are enough routes for nginx's parse to matter.</summary>
    public NginxConfLayout Layout { get; init; }

    public bool Tls => TlsCertificate is not null;

    internal static readonly Version Http2DirectiveSince = new(1, 25, 1);

    internal bool Http2Directive => NginxVersion is not null && NginxVersion >= Http2DirectiveSince;

    private static readonly string[] ListenFlags = ["default_server", "reuseport"];

    /// <summary>Returns every problem with these options; an empty list means they can be rendered.</summary>
    public IReadOnlyList<Problem> Validate()
    {
        var problems = new List<Problem>();
        if (Listen.Count == 0)
            problems.Add(ErrorCatalog.InvalidListen.Problem("Give at least one listen address, such as 80.", null, "ListenRequired"));
        foreach (var listen in Listen)
        {
            var rule = CheckListen(listen);
            if (rule is not null)
                problems.Add(ErrorCatalog.InvalidListen.Problem($"Listen '{Printable.Escape(listen)}' is not valid ({rule}). Use a port (80), an address and port (127.0.0.1:8080, [::]:80, *:80), optionally followed by default_server or reuseport.",
                    listen, rule));
        }
        var serverRule = RouteRules.CheckServerName(ServerName);
        if (serverRule is not null)
            problems.Add(ErrorCatalog.InvalidServerName.Problem($"Server name '{Printable.Escape(ServerName)}' is not valid ({serverRule}). Use _, a DNS name, or *. followed by a DNS name.", ServerName, serverRule));
        foreach (var (name, value) in ProxyHeaders)
        {
            var rule = CheckHeader(name, value);
            if (rule is not null)
                problems.Add(ErrorCatalog.InvalidProxyHeader.Problem($"Header '{Printable.Escape(name)}' is not valid ({rule}). Names are letters, digits and -; values are printable ASCII without \" or \\, and every $variable must be one nginx defines.", name, rule));
        }
        foreach (var (label, seconds) in new[] { ("ProxyConnectTimeoutSec", ProxyConnectTimeoutSec), ("ProxyReadTimeoutSec", ProxyReadTimeoutSec), ("ProxySendTimeoutSec", ProxySendTimeoutSec) })
        {
            if (seconds is { } s && s is < 1 or > 86400)
                problems.Add(ErrorCatalog.InvalidTimeout.Problem($"{label} must be between 1 and 86400 seconds.", s, "TimeoutOutOfRange"));
        }
        if (RouteRules.CheckPath(ErrorPageRoot) is { } rootRule)
            problems.Add(ErrorCatalog.InvalidErrorPageRoot.Problem($"ErrorPageRoot '{Printable.Escape(ErrorPageRoot)}' is not a valid path ({rootRule}). Give an absolute path of letters, digits and - . _ ~, such as /usr/share/nginx/html.", ErrorPageRoot, rootRule));
        if (ClientMaxBodySize is not null && RouteRules.CheckSize(ClientMaxBodySize, out _) is { } sizeRule)
            problems.Add(ErrorCatalog.InvalidBodySize.Problem($"ClientMaxBodySize '{Printable.Escape(ClientMaxBodySize)}' is not valid ({sizeRule}). Give digits with an optional k, m or g, such as 50m; 0 means no limit.", ClientMaxBodySize, sizeRule));
        problems.AddRange(ValidateTls());
        return problems;
    }

    private IEnumerable<Problem> ValidateTls()
    {
        Problem Fail(string rule, string message, object? target) => ErrorCatalog.InvalidTlsSetting.Problem(message, target, rule);
        if (TlsCertificate is null != TlsKey is null)
        {
            yield return TlsCertificate is null
                ? Fail("TlsCertificateRequired", "-TlsKey needs -TlsCertificate: give both, the certificate chain and its private key (PEM files).", TlsKey)
                : Fail("TlsKeyRequired", "-TlsCertificate needs -TlsKey: give both, the certificate chain and its private key (PEM files).", TlsCertificate);
        }
        foreach (var (label, path) in new[] { ("TlsCertificate", TlsCertificate), ("TlsKey", TlsKey) })
        {
            if (path is not null && RouteRules.CheckPath(path) is { } rule)
                yield return Fail(label + rule, $"{label} '{Printable.Escape(path)}' is not a path nginx can be given ({rule}): use an absolute path of letters, digits and - . _ ~.", path);
        }
        if (RedirectHttp && !Tls)
            yield return Fail("RedirectHttpNeedsTls", "-RedirectHttp sends plain HTTP to https, which needs -TlsCertificate and -TlsKey.", null);
        if (RedirectPort is { } port && RouteRules.CheckPort(port) is { } portRule)
            yield return Fail("RedirectPort" + portRule, $"RedirectPort {port} is not a port: give 1-65535.", port);
        if (TlsListen.Count == 0)
            yield return ErrorCatalog.InvalidListen.Problem("Give at least one TLS listen address, such as 443.", null, "ListenRequired");
        foreach (var listen in TlsListen)
        {
            var rule = CheckListen(listen);
            if (rule is not null)
                yield return ErrorCatalog.InvalidListen.Problem($"TLS listen '{Printable.Escape(listen)}' is not valid ({rule}). Use a port (443), an address and port (127.0.0.1:8443, [::]:443), optionally followed by default_server or reuseport; ssl and HTTP/2 are added.",
                    listen, rule);
            else if (Tls && Listen.Any(plain => CheckListen(plain) is null && SameSocket(plain, listen)))
                yield return Fail("TlsListenSameAsListen", $"TLS listen '{Printable.Escape(listen)}' is also a plain -Listen address: give TLS a port of its own, such as 443.", listen);
        }
    }

    // "80", "*:80" and "0.0.0.0:80" are one socket to nginx.
    private static bool SameSocket(string a, string b)
    {
        static string Normal(string listen)
        {
            var address = listen.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            if (!address.Contains(':')) return "*:" + address;
            return address.StartsWith("0.0.0.0:", StringComparison.Ordinal) ? "*:" + address[8..] : address;
        }
        return Normal(a) == Normal(b);
    }

    /// <summary>Where a redirect to https points: <see cref="RedirectPort"/>, else the port of the first TLS listen address.</summary>
    internal int HttpsRedirectPort
    {
        get
        {
            if (RedirectPort is { } port) return port;
            var address = TlsListen[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The server-wide client_max_body_size as nginx is given it, or null.</summary>
    internal string? BodySize => ClientMaxBodySize is not null && RouteRules.CheckSize(ClientMaxBodySize, out var size) is null ? size : null;

    /// <summary>Checks one listen value in nginx's own forms.</summary>
    public static string? CheckListen(string? listen)
    {
        if (string.IsNullOrWhiteSpace(listen)) return "ListenRequired";
        var parts = listen.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var flag in parts.Skip(1))
            if (!ListenFlags.Contains(flag)) return "ListenFlag";
        if (parts.Length > 1 + ListenFlags.Length || parts.Skip(1).Distinct().Count() != parts.Length - 1) return "ListenFlag";

        var address = parts[0];
        string port;
        if (address.StartsWith('['))
        {
            var close = address.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0) return "ListenPortRequired";
            var ip = address[1..close];
            foreach (var c in ip)
                if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return "ListenAddress";
            if (!IPAddress.TryParse(ip, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6) return "ListenAddress";
            port = address[(close + 2)..];
        }
        else if (address.Contains(':'))
        {
            var colon = address.LastIndexOf(':');
            var host = address[..colon];
            if (host != "*" && RouteRules.CheckHost(host, out _) is not null) return "ListenAddress";
            if (host.Contains(':')) return "ListenAddress";
            port = address[(colon + 1)..];
        }
        else
        {
            port = address;
        }
        if (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit)) return "ListenPort";
        return RouteRules.CheckPort(int.Parse(port, CultureInfo.InvariantCulture)) is null ? null : "ListenPort";
    }

    private static string? CheckHeader(string name, string? value)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128) return "HeaderName";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return "HeaderName";
        if (value is null || value.Length > 1024) return "HeaderValue";
        foreach (var c in value)
            if (c is < ' ' or > '~' or '"' or '\\') return "HeaderValue";
        return CheckVariables(value);
    }

    // nginx expands $name and ${name} inside quotes too, and refuses to start on an unknown one,
    // so every variable must be one nginx is known to define.
    private static readonly HashSet<string> KnownVariables =
    [
        "host", "hostname", "remote_addr", "remote_port", "remote_user", "scheme", "https", "request", "request_uri",
        "request_method", "request_id", "request_length", "request_time", "uri", "document_uri", "args", "query_string",
        "is_args", "server_name", "server_addr", "server_port", "server_protocol", "content_type", "content_length",
        "proxy_add_x_forwarded_for", "proxy_host", "proxy_port", "realpath_root", "binary_remote_addr", "connection",
        "connection_requests", "msec", "time_iso8601", "time_local", "nginx_version", "pid", "status", "ssl_protocol",
        "ssl_cipher", "ssl_server_name", "ssl_client_verify", "ssl_client_s_dn",
    ];

    private static readonly string[] KnownVariablePrefixes = ["http_", "arg_", "cookie_", "sent_http_", "upstream_http_", "upstream_cookie_"];

    private static string? CheckVariables(string value)
    {
        for (int i = value.IndexOf('$'); i >= 0; i = value.IndexOf('$', i + 1))
        {
            int start = i + 1;
            bool braced = start < value.Length && value[start] == '{';
            if (braced) start++;
            int end = start;
            while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] == '_')) end++;
            if (braced && (end >= value.Length || value[end] != '}')) return "HeaderVariable";
            var name = value[start..end];
            if (name.Length == 0 || char.IsAsciiDigit(name[0])) return "HeaderVariable";
            var lower = name.ToLowerInvariant();
            if (!KnownVariables.Contains(lower) && !KnownVariablePrefixes.Any(p => lower.StartsWith(p, StringComparison.Ordinal) && lower.Length > p.Length))
                return "HeaderVariable";
        }
        return null;
    }
}
