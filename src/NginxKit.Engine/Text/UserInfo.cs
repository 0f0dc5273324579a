using System.Text.RegularExpressions;

namespace NginxKit.Engine.Text;

/// <summary>
/// Masks the credentials in URLs (https://user:S3cret@host) wherever one is shown: the password
/// becomes ***, and a lone token before the @ too. A kubeconfig may name its server that way.
/// </summary>
public static partial class UserInfo
{
    public const string Mask = "***";

    // scheme://, then the user information up to the last @ before the host's end.
    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^\s/?#@:]*)(?<password>:[^\s/?#]*)?@(?=[^\s/?#@]*(?:[\s/?#]|$))")]
    private static partial Regex Credentials();

    /// <summary>The text with the secret of every URL in it masked; the user name stays readable.</summary>
    public static string MaskUrls(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains('@')) return text ?? string.Empty;
        return Credentials().Replace(text, m => m.Groups["password"].Success
            ? $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Mask}@"
            : $"{m.Groups["scheme"].Value}{Mask}@");
    }
}
