using System.Security.Cryptography;
using System.Text;

namespace NginxKit.Engine.Text;

/// <summary>SHA-256 content hashes in the <c>sha256:hex</c> form NginxKit prints and compares.</summary>
public static class ContentHash
{
    public const string Prefix = "sha256:";

    public static string Of(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(content, digest);
        return Prefix + Convert.ToHexStringLower(digest);
    }

    public static string Of(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Of(bytes);
    }
}
