using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// The allow-lists every value must pass before it is placed in a config. A syntax check by
/// <c>nginx -t</c> is no defence (it accepts injected server blocks), so each value is checked
/// against the characters it may hold, not against the ones known to be dangerous.
///
/// The per-route paths here, in RouteSet and in the renderer are compiled fully optimized from the
/// first call (AggressiveOptimization): a session renders a few times, never enough for tiered
/// compilation to optimize them, and first-tier code takes 5 to 10 times as long.
/// </summary>
public static class RouteRules
{
    public const int MaxPathLength = 512;
    public const int MaxHostLength = 253;

    /// <summary>
    /// Checks a path prefix: "/" followed by segments of RFC 3986 unreserved characters
    /// (A–Z a–z 0–9 - . _ ~), with no empty, "." or ".." segment. Returns the rule broken, or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "PathRequired";
        if (path.Length > MaxPathLength) return "PathTooLong";
        if (path[0] != '/') return "PathMustStartWithSlash";
        int segmentStart = 1;
        for (int i = 1; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var segment = path.AsSpan(segmentStart, i - segmentStart);
                if (segment.Length == 0 && i < path.Length) return "PathDoubleSlash";
                if (segment is "." or "..") return "PathDotSegment";
                segmentStart = i + 1;
                continue;
            }
            var c = path[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')) return "PathCharacter";
        }
        return null;
    }

    /// <summary>The path nginx answers itself (a health check for probes and load balancers); no route may claim it.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>True for /healthz and everything below it: nginx's own, never a Service's.</summary>
    public static bool IsReserved(string path) =>
        path.StartsWith(HealthPath, StringComparison.Ordinal) && (path.Length == HealthPath.Length || path[HealthPath.Length] == '/');

    /// <summary>The location prefix for a valid path: always ending in "/", so "/volume" never matches "/volumeX".</summary>
    public static string LocationFor(string path) => path.EndsWith('/') ? path : path + "/";

    /// <summary>
    /// Checks a backend host: dotted IPv4, IPv6 (bare or in brackets, no zone), or an RFC 1123
    /// DNS name. Returns the rule broken, or null, and the form to place in a URL.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? CheckHost(string? host, out string address)
    {
        address = string.Empty;
        if (string.IsNullOrEmpty(host)) return "HostRequired";
        if (host.Length > MaxHostLength + 2) return "HostTooLong";
        if (char.IsAsciiDigit(host[0]) && IsDottedQuad(host))
        {
            address = host; // the usual case, a ClusterIP
            return null;
        }

        var bare = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (bare.Contains(':'))
        {
            foreach (var c in bare)
                if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return "HostCharacter";
            if (!IPAddress.TryParse(bare, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return "HostInvalidIPv6";
            address = "[" + bare + "]";
            return null;
        }
        if (!ReferenceEquals(bare, host)) return "HostInvalidIPv6";

        if (LooksNumeric(host))
        {
            if (!IsDottedQuad(host)) return "HostInvalidIPv4";
            address = host;
            return null;
        }
        var rule = CheckDnsName(host);
        if (rule is not null) return rule;
        address = host;
        return null;
    }

    /// <summary>Ports are 1–65535.</summary>
    public static string? CheckPort(int port) => port is >= 1 and <= 65535 ? null : "PortOutOfRange";

    public const int MaxTimeoutSec = 86400;

    /// <summary>
    /// Checks a size in nginx's syntax (client_max_body_size): 1 to 9 digits and an optional k, m or g,
    /// in either case. Returns the rule broken, or null and the size as nginx is given it ("50m").
    /// </summary>
    public static string? CheckSize(string? size, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrEmpty(size)) return "SizeRequired";
        var digits = size.AsSpan();
        char unit = '\0';
        if (size[^1] is 'k' or 'K' or 'm' or 'M' or 'g' or 'G')
        {
            unit = char.ToLowerInvariant(size[^1]);
            digits = digits[..^1];
        }
        if (digits.Length is 0 or > 9) return "SizeFormat";
        foreach (var c in digits)
            if (!char.IsAsciiDigit(c)) return "SizeFormat";
        // Parsed and printed again: no leading zeros, and nothing but digits and the unit reach the config.
        var value = int.Parse(digits, CultureInfo.InvariantCulture);
        normalized = value.ToString(CultureInfo.InvariantCulture) + (unit == '\0' ? "" : unit.ToString());
        return null;
    }

    /// <summary>
    /// Checks a timeout: whole seconds, or 1 to 5 digits followed by s, m or h, between 1 second and
    /// a day. Returns the rule broken, or null and the timeout in seconds.
    /// </summary>
    public static string? CheckDuration(string? duration, out int seconds)
    {
        seconds = 0;
        if (string.IsNullOrEmpty(duration)) return "TimeoutRequired";
        var digits = duration.AsSpan();
        int unit = 1;
        switch (duration[^1])
        {
            case 's': digits = digits[..^1]; break;
            case 'm': unit = 60; digits = digits[..^1]; break;
            case 'h': unit = 3600; digits = digits[..^1]; break;
        }
        if (digits.Length is 0 or > 5) return "TimeoutFormat";
        foreach (var c in digits)
            if (!char.IsAsciiDigit(c)) return "TimeoutFormat";
        seconds = int.Parse(digits, CultureInfo.InvariantCulture) * unit;
        return seconds is >= 1 and <= MaxTimeoutSec ? null : "TimeoutOutOfRange";
    }

    /// <summary>
    /// Checks a route's own settings; returns the rule broken (named for the setting, such as
    /// ClientMaxBodySizeFormat), or null and the settings in the form nginx is given them.
    /// </summary>
    public static string? CheckSettings(RouteSettings settings, out RouteSettings? accepted)
    {
        accepted = null;
        string? size = null, read = null, send = null;
        if (settings.ClientMaxBodySize is not null)
        {
            if (CheckSize(settings.ClientMaxBodySize, out var s) is { } rule) return "ClientMaxBodySize" + rule[4..];
            size = s;
        }
        if (settings.ProxyReadTimeout is not null)
        {
            if (CheckDuration(settings.ProxyReadTimeout, out var seconds) is { } rule) return "ProxyRead" + rule;
            read = seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }
        if (settings.ProxySendTimeout is not null)
        {
            if (CheckDuration(settings.ProxySendTimeout, out var seconds) is { } rule) return "ProxySend" + rule;
            send = seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }
        var checkedSettings = new RouteSettings
        {
            WebSocket = settings.WebSocket,
            ClientMaxBodySize = size,
            ProxyReadTimeout = read,
            ProxySendTimeout = send,
            ProxyRedirect = settings.ProxyRedirect,
        };
        accepted = checkedSettings.IsEmpty ? null : checkedSettings;
        return null;
    }

    /// <summary>A server_name: "_" (any), a DNS name, or "*." followed by a DNS name.</summary>
    public static string? CheckServerName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "ServerNameRequired";
        if (name == "_") return null;
        return CheckDnsName(name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name);
    }

    /// <summary>The backend protocols nginx may proxy with; a Service annotation or a route names one of them.</summary>
    public const string Http = "http", Https = "https";

    /// <summary>"http" or "https", in any case: the protocol in lowercase, or null when it is neither.</summary>
    public static string? BackendProtocolOf(string? protocol) =>
        string.Equals(protocol, Http, StringComparison.OrdinalIgnoreCase) ? Http
        : string.Equals(protocol, Https, StringComparison.OrdinalIgnoreCase) ? Https
        : null;

    /// <summary>An RFC 1123 label as Kubernetes uses for names and namespaces: 1–63 of a–z 0–9 -, alphanumeric at both ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? CheckDnsLabel(string? label)
    {
        if (string.IsNullOrEmpty(label)) return "NameRequired";
        if (label.Length > 63) return "NameTooLong";
        foreach (var c in label)
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return "NameCharacter";
        if (label[0] == '-' || label[^1] == '-') return "NameHyphenAtEnd";
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? CheckDnsName(string name)
    {
        if (name.Length == 0) return "HostRequired";
        if (name.Length > MaxHostLength) return "HostTooLong";
        int labelStart = 0;
        for (int i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '.')
            {
                int length = i - labelStart;
                if (length == 0) return "HostEmptyLabel";
                if (length > 63) return "HostLabelTooLong";
                if (name[labelStart] == '-' || name[i - 1] == '-') return "HostLabelHyphenAtEnd";
                labelStart = i + 1;
                continue;
            }
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return "HostCharacter";
        }
        return null;
    }

    // "10.1.2" or "0x7f.1" must not slip through as DNS names and be read as addresses by a resolver.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool LooksNumeric(string host)
    {
        var last = host.AsSpan(host.LastIndexOf('.') + 1);
        if (last.Length == 0) return false;
        foreach (var c in last)
            if (!char.IsAsciiDigit(c)) return last.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return true;
    }

    // Four decimal parts of 0-255, no leading zeros (which some resolvers read as octal).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsDottedQuad(string host)
    {
        int parts = 0, digits = 0, value = 0;
        bool leadingZero = false;
        foreach (var c in host)
        {
            if (c == '.')
            {
                if (digits == 0 || ++parts > 3) return false;
                digits = value = 0;
                continue;
            }
            if (!char.IsAsciiDigit(c)) return false;
            if (digits == 0) leadingZero = c == '0';
            else if (leadingZero) return false;
            value = value * 10 + (c - '0');
            if (++digits > 3 || value > 255) return false;
        }
        return digits > 0 && parts == 3;
    }

    /// <summary>Checks one route; returns the accepted form, or the problem naming the route and the rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static AcceptedRoute? Accept(Route route, string defaultServerName, out Problem? problem)
    {
        problem = null;
        var rule = CheckPath(route.Path);
        if (rule is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRoutePath, route, rule, $"The path must be a prefix like /volume or /api/v2/ made of letters, digits and - . _ ~.");
            return null;
        }
        if (IsReserved(route.Path!))
        {
            problem = Fail(ErrorCatalog.InvalidRoutePath, route, "PathReserved", $"nginx answers {HealthPath} itself, for health checks; give the route another path.");
            return null;
        }
        rule = CheckHost(route.Backend, out var address);
        if (rule is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRouteBackend, route, rule, "The backend must be an IPv4 address, an IPv6 address or a DNS name.");
            return null;
        }
        rule = CheckPort(route.Port);
        if (rule is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRoutePort, route, rule, "The port must be between 1 and 65535.");
            return null;
        }
        if (route.ServerName is not null && (rule = CheckServerName(route.ServerName)) is not null)
        {
            problem = Fail(ErrorCatalog.InvalidServerName, route, rule, "The server name must be _, a DNS name or *. followed by a DNS name.");
            return null;
        }
        if (route.Service is not null && (rule = CheckDnsLabel(route.Service)) is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRouteService, route, rule, "The service name must be a Kubernetes name: lowercase letters, digits and -.");
            return null;
        }
        if (route.Namespace is not null && (rule = CheckDnsLabel(route.Namespace)) is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRouteNamespace, route, rule, "The namespace must be a Kubernetes name: lowercase letters, digits and -.");
            return null;
        }
        if (route.BackendProtocol is not null)
        {
            var protocol = BackendProtocolOf(route.BackendProtocol);
            if (protocol is null)
            {
                problem = Fail(ErrorCatalog.InvalidBackendProtocol, route, "BackendProtocolUnknown", "The backend protocol must be http or https.");
                return null;
            }
            // One spelling, so that equal routes compare equal and the renderer needs no case rules.
            if (protocol != route.BackendProtocol) route = route with { BackendProtocol = protocol };
        }
        RouteSettings? settings = null;
        if (route.Settings is { } raw && (rule = CheckSettings(raw, out settings)) is not null)
        {
            problem = Fail(ErrorCatalog.InvalidRouteSetting, route, rule, "Sizes are digits with an optional k, m or g (50m); timeouts are seconds, or digits with s, m or h (120s), from 1 s to a day.");
            return null;
        }
        return new AcceptedRoute(route, LocationFor(route.Path!), address, Lowercase(route.ServerName ?? defaultServerName)) { Settings = settings };
    }

    // Server names are matched without regard to case, so Shop.example.com and shop.example.com must
    // be one server, not two blocks nginx would pick between: they are placed in lowercase.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string Lowercase(string name)
    {
        foreach (var c in name)
            if (char.IsAsciiLetterUpper(c)) return name.ToLowerInvariant();
        return name;
    }

    private static Problem Fail(ErrorKind kind, Route route, string rule, string hint) =>
        kind.Problem($"Skipped {route}: {rule}. {hint}", route, rule);
}
