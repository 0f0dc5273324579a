using System.Text;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Finds and masks the secret part of proxy values and URLs. A proxy variable (http_proxy,
/// HTTPS_PROXY, all_proxy...) is read as Go's net/http reads it (<see cref="ProxyUrl"/>): with or
/// without a scheme, the user information runs to the last '@', so a password may hold '@' or '/',
/// and a lone token before the '@' is secret too. Any other text has the user information of each
/// scheme://...@ URL in it masked. The user name stays visible; the password, or a lone token, becomes ***.
/// </summary>
public static partial class Credentials
{
    public const string Mask = "***";

    private static readonly HashSet<string> ProxyVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy",
    };

    /// <summary>A variable Go (or curl, or apt) reads as a proxy URL.</summary>
    public static bool IsProxyVariable(string name) => ProxyVariables.Contains(name);

    /// <summary>The value with its secret masked, as it would be shown for a variable of this name.</summary>
    public static string MaskVariable(string name, string value) => IsProxyVariable(name) ? MaskProxy(value) : MaskText(value);

    /// <summary>True when the variable's value carries a user name, password or token.</summary>
    public static bool HasCredential(string name, string value) =>
        IsProxyVariable(name) ? SecretSpan(value, schemeOptional: true) is not null : MaskText(value) != value;

    /// <summary>A proxy value with its secret masked; the scheme may be left out, as Go allows.</summary>
    public static string MaskProxy(string value)
    {
        if (SecretSpan(value, schemeOptional: true) is not { } span) return MaskText(value);
        return MaskSpan(value, span.Start, span.At);
    }

    /// <summary>True when a value still carries the mask where a secret belongs: writing it would store "***".</summary>
    public static bool CarriesMask(string value)
    {
        foreach (var word in value.Split([' ', '\t', ',', '=', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
        {
            if (SecretSpan(word, schemeOptional: true) is not { } span) continue;
            var userinfo = word[span.Start..span.At];
            var colon = userinfo.IndexOf(':');
            if ((colon < 0 ? userinfo : userinfo[(colon + 1)..]) == Mask) return true;
        }
        return false;
    }

    /// <summary>
    /// Masks free text: a proxy value where the text gives one (http_proxy=..., HTTPS_PROXY="...",
    /// dockerd's --http-proxy value, daemon.json's "http-proxy": "..."), read as Go reads it, so a
    /// value without a scheme is masked too; then the user information of every scheme://user:password@host.
    /// </summary>
    public static string MaskText(string text)
    {
        if (!text.Contains('@')) return text;
        return MaskUrls(ProxyAssignment().Replace(text, m => m.Groups[1].Value + MaskProxy(m.Groups[2].Value)));
    }

    /// <summary>Masks dockerd's arguments one by one: the value after --http-proxy or --https-proxy as a proxy, any other as text.</summary>
    public static IReadOnlyList<string> MaskWords(IReadOnlyList<string> words)
    {
        var masked = new List<string>(words.Count);
        for (int i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var eq = word.IndexOf('=');
            if (i > 0 && IsProxyFlag(words[i - 1])) masked.Add(MaskProxy(word));
            else if (eq > 0 && IsProxyFlag(word[..eq])) masked.Add(word[..(eq + 1)] + MaskProxy(word[(eq + 1)..]));
            else masked.Add(MaskText(word));
        }
        return masked;
    }

    private static bool IsProxyFlag(string word) => word is "--http-proxy" or "--https-proxy";

    private static string MaskUrls(string text)
    {
        var sb = new StringBuilder(text.Length);
        int at = 0;
        while (true)
        {
            var sep = text.IndexOf("://", at, StringComparison.Ordinal);
            if (sep < 0) break;
            var start = sep + 3;
            var end = start;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('"' or '\'' or ',')) end++;
            var lastAt = text.LastIndexOf('@', end - 1, end - start);
            if (lastAt < start)
            {
                sb.Append(text, at, start - at);
                at = start;
                continue;
            }
            sb.Append(text, at, start - at);
            sb.Append(MaskedUserInfo(text[start..lastAt]));
            at = lastAt;
        }
        sb.Append(text, at, text.Length - at);
        return sb.ToString();
    }

    // A proxy value in context: KEY=value (an EnvironmentFile, Environment=, a diff line), dockerd's
    // --http-proxy flag, or daemon.json's "http-proxy": key; the value up to a quote or whitespace.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?i)((?:\b(?:http|https|all|ftp)_proxy\s*=\s*|--https?-proxy(?:=|\s+)|""(?:http|https|all|ftp)[-_]proxy""\s*:\s*)[""']?)([^\s""']*@[^\s""']*)")]
    private static partial System.Text.RegularExpressions.Regex ProxyAssignment();

    // The user information of a proxy value: [Start, At) where At is the last '@'. Start follows
    // "scheme://" or, without one (Go then prepends http://), is the start of the value.
    private static (int Start, int At)? SecretSpan(string value, bool schemeOptional)
    {
        var lastAt = value.LastIndexOf('@');
        if (lastAt < 0) return null;
        var sep = value.IndexOf("://", StringComparison.Ordinal);
        int start;
        if (sep > 0 && sep < lastAt && value[..sep].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')) start = sep + 3;
        else if (schemeOptional) start = 0;
        else return null;
        return (start, lastAt);
    }

    private static string MaskSpan(string value, int start, int at) => value[..start] + MaskedUserInfo(value[start..at]) + value[at..];

    private static string MaskedUserInfo(string userinfo)
    {
        var colon = userinfo.IndexOf(':');
        return colon < 0 ? Mask : userinfo[..colon] + ":" + Mask;
    }
}
