using System.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// What every location and server block of one render repeats, built once from the options:
/// the header lines (with and without the websocket pair), the server-level directives, the
/// health check. Routes then only add their own values.
/// </summary>
internal sealed class RenderParts
{
    /// <summary>The variable the websocket map sets: "upgrade" when the client asks for one, else "close".</summary>
    public const string ConnectionVariable = "$nginxkit_connection_upgrade";

    private static readonly (string Name, string Value)[] StandardHeaders =
    [
        ("Host", "$host"),
        ("X-Real-IP", "$remote_addr"),
        ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ];

    private RenderParts(NginxConfOptions options)
    {
        Options = options;
        Headers = HeaderLines(options, webSocket: false);
        WebSocketHeaders = HeaderLines(options, webSocket: true);
        SendForwardedPrefix = !options.ProxyHeaders.Keys.Any(k => string.Equals(k, "X-Forwarded-Prefix", StringComparison.OrdinalIgnoreCase));
        ServerSettings = Encoding.ASCII.GetBytes(ServerLines(options));
        WebSocket = options.WebSocket;
        ProxyRedirect = options.ProxyRedirect;
        BodyFixedSize = "        proxy_redirect http://$host/ "u8.Length + "        proxy_redirect / "u8.Length + 4
            + Math.Max(Headers.Length, WebSocketHeaders.Length) + "        proxy_set_header X-Forwarded-Prefix "u8.Length + 2;
    }

    // Read once per location: fields, not a walk through the options.
    public readonly bool WebSocket;
    public readonly bool ProxyRedirect;

    /// <summary>The most a location's lines after proxy_pass take, less what depends on its location's length.</summary>
    public readonly int BodyFixedSize;

    public NginxConfOptions Options { get; }

    /// <summary>proxy_set_header lines for a route without websocket.</summary>
    public byte[] Headers { get; }

    /// <summary>The same, with Upgrade and Connection for a websocket route.</summary>
    public byte[] WebSocketHeaders { get; }

    /// <summary>Stripped routes send X-Forwarded-Prefix, unless -ProxySetHeader sets that header for all.</summary>
    public bool SendForwardedPrefix { get; }

    /// <summary>The directives after server_name: absolute_redirect, proxy_http_version, body size, timeouts, TLS.</summary>
    public byte[] ServerSettings { get; }

    public static RenderParts From(NginxConfOptions options) => new(options);

    /// <summary>Location = /healthz: nginx's own 200, for probes and load balancers, never a Service's.</summary>
    public static ReadOnlySpan<byte> Healthz =>
        "\n    location = /healthz {\n        access_log off;\n        default_type text/plain;\n        return 200 \"ok\\n\";\n    }\n"u8;

    /// <summary>The map that gives websocket routes their Connection header: emitted once, in the http context.</summary>
    public static ReadOnlySpan<byte> WebSocketMap =>
        "\nmap $http_upgrade $nginxkit_connection_upgrade {\n    default upgrade;\n    '' close;\n}\n"u8;

    /// <summary>Mozilla's "intermediate" profile (v5.7): TLS 1.2 and 1.3, forward-secret AEAD ciphers only.</summary>
    public const string TlsProtocols = "TLSv1.2 TLSv1.3";

    public const string TlsCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

    /// <summary>True when some route proxies websockets, so the map must be there.</summary>
    public bool NeedsWebSocketMap(IReadOnlyList<AcceptedRoute> routes)
    {
        if (Options.WebSocket) return true;
        for (int i = 0; i < routes.Count; i++)
            if (routes[i].Settings?.WebSocket == true) return true;
        return false;
    }

    private static byte[] HeaderLines(NginxConfOptions options, bool webSocket)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in StandardHeaders)
        {
            var custom = options.ProxyHeaders.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
            sb.Append("        proxy_set_header ").Append(name).Append(' ').Append(custom.Key is null ? value : Quote(custom.Value)).Append(";\n");
        }
        foreach (var (name, value) in options.ProxyHeaders.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (StandardHeaders.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))) continue;
            // A websocket route's own pair wins over a user's header of the same name.
            if (webSocket && (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))) continue;
            sb.Append("        proxy_set_header ").Append(name).Append(' ').Append(Quote(value)).Append(";\n");
        }
        if (webSocket)
            sb.Append("        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection ").Append(ConnectionVariable).Append(";\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    // Header values are checked to hold no quote or backslash, so quoting cannot be broken out of.
    private static string Quote(string value) => "\"" + value + "\"";

    private static string ServerLines(NginxConfOptions options)
    {
        var sb = new StringBuilder();
        if (options.Tls && options.Http2Directive) sb.Append("    http2 on;\n");
        // absolute_redirect off keeps nginx's own 301 (/volume to /volume/) relative, right behind any port mapping.
        sb.Append("    absolute_redirect off;\n");
        // HTTP/1.1 upstream: websockets need it, and so do backends behind sidecars that refuse 1.0 (426).
        sb.Append("    proxy_http_version 1.1;\n");
        if (options.BodySize is { } size) sb.Append("    client_max_body_size ").Append(size).Append(";\n");
        if (options.ProxyConnectTimeoutSec is { } connect) sb.Append("    proxy_connect_timeout ").Append(connect).Append("s;\n");
        if (options.ProxyReadTimeoutSec is { } read) sb.Append("    proxy_read_timeout ").Append(read).Append("s;\n");
        if (options.ProxySendTimeoutSec is { } send) sb.Append("    proxy_send_timeout ").Append(send).Append("s;\n");
        if (options.Tls) sb.Append(TlsLines(options));
        return sb.ToString();
    }

    /// <summary>The ssl_* directives of a TLS server: the files, then Mozilla's intermediate profile.</summary>
    public static string TlsLines(NginxConfOptions options) =>
        $"""
            ssl_certificate {options.TlsCertificate};
            ssl_certificate_key {options.TlsKey};
            ssl_protocols {TlsProtocols};
            ssl_ciphers {TlsCiphers};
            ssl_prefer_server_ciphers off;
            ssl_session_timeout 1d;
            ssl_session_cache shared:NginxKitTLS:10m;
            ssl_session_tickets off;

        """.Replace("\r\n", "\n");
}
