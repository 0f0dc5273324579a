using System.Globalization;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// A URL split the way a client puts it on the wire: the Host header, the port it connects to, and
/// the request target (path and query) byte for byte. System.Uri is not used: it removes dot
/// segments and decodes escapes, which is nginx's work to model, not the client's.
/// </summary>
public sealed record RequestUrl(string Url, string Scheme, string? Host, int? Port, string Path, string? Query)
{
    /// <summary>The host name nginx compares with server_name ($host): lowercase, without port or trailing dot; null without a Host.</summary>
    public string? HostName => Host is null ? null : HostOnly(Host).TrimEnd('.').ToLowerInvariant();

    private static string HostOnly(string authority) =>
        authority.StartsWith('[') ? authority[..(authority.IndexOf(']') + 1)] : authority.IndexOf(':') is var colon and >= 0 ? authority[..colon] : authority;

    private const int MaxLength = 8192;

    /// <summary>The request target as sent: path, then ? and the query when the URL has one.</summary>
    public string Target => Query is null ? Path : Path + "?" + Query;

    /// <summary>The port the client connects to: the URL's, else the scheme's.</summary>
    public int EffectivePort => Port ?? (Scheme == "https" ? 443 : 80);

    /// <summary>Reads an absolute http(s) URL, or a path alone (no Host: the default server answers); null and the problem otherwise.</summary>
    public static RequestUrl? Parse(string? url, out Problem? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(url)) return Refuse(url, "UrlEmpty", "The URL is empty.", out problem);
        if (url.Length > MaxLength) return Refuse(url, "UrlTooLong", $"The URL is longer than {MaxLength} characters.", out problem);
        foreach (var c in url)
            if (c <= ' ' || c >= 0x7F)
                return Refuse(url, "UrlCharacter", "The URL holds a space, a control character or a character outside ASCII; percent-encode it as a client would.", out problem);
        var text = url;
        var hash = text.IndexOf('#');
        if (hash >= 0) text = text[..hash]; // a client never sends the fragment

        if (text.StartsWith('/'))
            return Split(url, "http", null, null, text);
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? text[..schemeEnd].ToLowerInvariant() : null;
        if (scheme is not ("http" or "https"))
            return Refuse(url, "UrlScheme", "The URL must start with http:// or https://, or be a path starting with /.", out problem);
        var rest = text[(schemeEnd + 3)..];
        var end = rest.IndexOfAny(['/', '?']);
        var authority = end < 0 ? rest : rest[..end];
        var target = end < 0 ? "/" : rest[end] == '?' ? "/" + rest[end..] : rest[end..];
        if (authority.Contains('@')) return Refuse(url, "UrlUserInfo", "The URL holds user information (user@); give the host alone.", out problem);

        string host;
        int? port = null;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0) return Refuse(url, "UrlHost", "The IPv6 address is not closed with ].", out problem);
            host = authority[..(close + 1)];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':') return Refuse(url, "UrlHost", "Only :port may follow the IPv6 address.", out problem);
                portText = authority[(close + 2)..];
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? null : authority[(colon + 1)..];
        }
        if (host.Length == 0 || host.Length > 253) return Refuse(url, "UrlHost", "The URL names no host, or one longer than 253 characters.", out problem);
        if (!host.StartsWith('[') && !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            return Refuse(url, "UrlHost", "The host holds a character that is not a letter, digit, '-', '.' or '_'.", out problem);
        if (!host.StartsWith('[') && host.Contains("..", StringComparison.Ordinal))
            return Refuse(url, "UrlHost", "The host has an empty label (..).", out problem);
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
                return Refuse(url, "UrlPort", "The port is not a number from 1 to 65535.", out problem);
            port = p;
        }
        return Split(url, scheme, authority, port, target);
    }

    private static RequestUrl Split(string url, string scheme, string? host, int? port, string target)
    {
        var q = target.IndexOf('?');
        return new RequestUrl(url, scheme, host, port, q < 0 ? target : target[..q], q < 0 ? null : target[(q + 1)..]);
    }

    private static RequestUrl? Refuse(string? url, string rule, string why, out Problem? problem)
    {
        problem = ErrorCatalog.InvalidRequestUrl.Problem($"Cannot resolve '{Printable.Escape(url)}': {why}", url, rule);
        return null;
    }
}
