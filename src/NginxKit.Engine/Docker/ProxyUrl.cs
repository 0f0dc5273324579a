namespace NginxKit.Engine.Docker;

/// <summary>
/// A proxy value as Go's net/http reads HTTP_PROXY and friends (golang.org/x/net/http/httpproxy
/// parseProxy over net/url.Parse): the value is parsed as a URL; when that fails or gives no scheme
/// or no host, "http://" + value is tried. So <c>ops:S3cret@proxy:3128</c> is user ops with a
/// password, <c>http://u:p@ss@proxy</c> splits at the last '@', and <c>http://TOKEN@proxy</c>
/// carries a token as the user name.
/// </summary>
public sealed record ProxyUrl(string Raw, bool Valid, string? Error, string? Scheme, string? Host, string? User, string? Password)
{
    /// <summary>Go sends a Proxy-Authorization header: the value holds a user name or password.</summary>
    public bool HasCredential => User is not null;

    public static ProxyUrl Parse(string raw)
    {
        if (raw.Length == 0) return new ProxyUrl(raw, true, null, null, null, null, null);
        var first = TryParse(raw);
        if (first.Error is not null || first.Scheme is "" || first.Host is null or "")
        {
            var second = TryParse("http://" + raw);
            if (second.Error is null) return second with { Raw = raw };
        }
        return first.Error is null ? first : first with { Valid = false };
    }

    private static ProxyUrl TryParse(string s)
    {
        ProxyUrl Fail(string error) => new(s, false, error, null, null, null, null);
        if (s.Any(c => c < 0x20 || c == 0x7f)) return Fail("invalid control character in URL");
        var hash = s.IndexOf('#');
        if (hash >= 0) s = s[..hash];
        // getScheme: letters, then letters, digits, + - . up to ':'; any other character first means no scheme.
        string scheme = string.Empty, rest = s;
        for (int i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiLetter(c)) continue;
            if (char.IsAsciiDigit(c) || c is '+' or '-' or '.')
            {
                if (i == 0) break;
                continue;
            }
            if (c == ':')
            {
                if (i == 0) return Fail("missing protocol scheme");
                scheme = s[..i].ToLowerInvariant();
                rest = s[(i + 1)..];
            }
            break;
        }
        var q = rest.IndexOf('?');
        if (q >= 0) rest = rest[..q];
        if (!rest.StartsWith('/'))
        {
            if (scheme.Length > 0) return new ProxyUrl(s, true, null, scheme, string.Empty, null, null); // opaque: no host
            var colon = rest.IndexOf(':');
            var slash = rest.IndexOf('/');
            if (colon >= 0 && (slash < 0 || colon < slash)) return Fail("first path segment in URL cannot contain colon");
            return new ProxyUrl(s, true, null, scheme, string.Empty, null, null);
        }
        if (!rest.StartsWith("//", StringComparison.Ordinal) || scheme.Length == 0 && rest.StartsWith("///", StringComparison.Ordinal))
            return new ProxyUrl(s, true, null, scheme, string.Empty, null, null);
        var authority = rest[2..];
        var end = authority.IndexOf('/');
        if (end >= 0) authority = authority[..end];
        // parseAuthority: the user info ends at the LAST '@'.
        var at = authority.LastIndexOf('@');
        var hostPart = at < 0 ? authority : authority[(at + 1)..];
        if (ParseHost(hostPart) is { } hostError) return Fail(hostError);
        string? user = null, password = null;
        if (at >= 0)
        {
            var userinfo = authority[..at];
            if (!userinfo.All(c => char.IsAsciiLetterOrDigit(c) || "-._:~!$&'()*+,;=%@".Contains(c))) return Fail("net/url: invalid userinfo");
            var colon = userinfo.IndexOf(':');
            user = Unescape(colon < 0 ? userinfo : userinfo[..colon]);
            password = colon < 0 ? null : Unescape(userinfo[(colon + 1)..]);
            if (user is null || colon >= 0 && password is null) return Fail("invalid URL escape");
        }
        return new ProxyUrl(s, true, null, scheme, Unescape(hostPart) ?? hostPart, user, password);
    }

    private static string? ParseHost(string host)
    {
        string colonPort;
        if (host.StartsWith('['))
        {
            var close = host.LastIndexOf(']');
            if (close < 0) return "missing ']' in host";
            colonPort = host[(close + 1)..];
        }
        else
        {
            var colon = host.LastIndexOf(':');
            colonPort = colon < 0 ? string.Empty : host[colon..];
            // In a host, % may only encode bytes above ASCII, and only these ASCII characters may appear.
            for (int i = 0; i < host.Length; i++)
            {
                var c = host[i];
                if (c == '%')
                {
                    if (i + 2 >= host.Length || !char.IsAsciiHexDigit(host[i + 1]) || !char.IsAsciiHexDigit(host[i + 2])) return "invalid URL escape";
                    if (Convert.ToInt32(host[i + 1].ToString(), 16) < 8 && host.Substring(i, 3) != "%25") return "invalid URL escape";
                    i += 2;
                }
                else if (c < 0x80 && !char.IsAsciiLetterOrDigit(c) && !"-_.~!$&'()*+,;=:[]<>\"".Contains(c))
                    return $"invalid character {c} in host name";
            }
        }
        if (colonPort.Length > 0 && (colonPort[0] != ':' || !colonPort[1..].All(char.IsAsciiDigit)))
            return $"invalid port \"{colonPort}\" after host";
        return null;
    }

    private static string? Unescape(string s)
    {
        if (!s.Contains('%')) return s;
        var bytes = new List<byte>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '%') { bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(s[i].ToString())); continue; }
            if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2])) return null;
            bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
            i += 2;
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }
}
