using System.Text;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// The URI as nginx matches it (ngx_http_parse_complex_uri): %XX decoded, // merged, "." and ".."
/// segments resolved. A decoded / or . counts as one typed by the client (so %2F splits a segment
/// and %2E%2E climbs); a decoded % or # stays literal. %00, a bad escape and a ".." above the root
/// make nginx answer 400.
/// </summary>
public static class NginxUri
{
    /// <summary>The normalised path, or null when nginx answers 400; <paramref name="decoded"/> says whether an escape was decoded.</summary>
    public static string? Normalize(string path, out bool decoded)
    {
        decoded = false;
        // Each character with whether it may act as / or . (a decoded % or # never does).
        var chars = new List<(char C, bool Literal)>(path.Length);
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c != '%')
            {
                chars.Add((c, false));
                continue;
            }
            if (i + 2 >= path.Length || !IsHex(path[i + 1]) || !IsHex(path[i + 2])) return null;
            var value = (char)(Convert.ToInt32(path.Substring(i + 1, 2), 16));
            if (value == '\0') return null;
            decoded = true;
            chars.Add((value, value is '%' or '#'));
            i += 2;
        }

        var segments = new List<string>();
        var current = new StringBuilder();
        var parts = new List<string>();
        foreach (var (c, literal) in chars)
        {
            if (c == '/' && !literal)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString());
        // parts[0] is what came before the first / (nothing, for a path that starts with /).
        bool trailing = false;
        for (int i = 1; i < parts.Count; i++)
        {
            bool last = i == parts.Count - 1;
            switch (parts[i])
            {
                case "":
                    trailing = last;
                    break; // merged with the slash before it
                case ".":
                    trailing = last;
                    break;
                case "..":
                    if (segments.Count == 0) return null;
                    segments.RemoveAt(segments.Count - 1);
                    trailing = last;
                    break;
                default:
                    segments.Add(parts[i]);
                    trailing = false;
                    break;
            }
        }
        if (segments.Count == 0) return "/";
        return "/" + string.Join('/', segments) + (trailing ? "/" : "");
    }

    /// <summary>
    /// Escapes what nginx escapes when it sends a decoded URI upstream (ngx_escape_uri, NGX_ESCAPE_URI):
    /// space, #, %, ?, control characters and bytes from 0x7F.
    /// </summary>
    public static string EscapeForUpstream(string uri)
    {
        var sb = new StringBuilder(uri.Length);
        foreach (byte b in Encoding.Latin1.GetBytes(uri))
        {
            if (b <= 0x20 || b >= 0x7F || b is (byte)'#' or (byte)'%' or (byte)'?') sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append((char)b);
        }
        return sb.ToString();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
