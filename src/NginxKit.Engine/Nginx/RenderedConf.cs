using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>A rendered config: its UTF-8 bytes (what is hashed and written), the hash in its header, and what it holds.</summary>
public sealed class RenderedConf
{
    private string? text;

    internal RenderedConf(ReadOnlySequence<byte> utf8, string hash, int routeCount, int serverCount)
    {
        Utf8 = utf8;
        Hash = hash;
        RouteCount = routeCount;
        ServerCount = serverCount;
    }

    public string Hash { get; }

    public int RouteCount { get; }

    public int ServerCount { get; }

    /// <summary>The bytes, in the chunks they were rendered into.</summary>
    public ReadOnlySequence<byte> Utf8 { get; }

    /// <summary>The config as text, decoded on first use: writing a file never needs it.</summary>
    public string Text => text ??= Encoding.UTF8.GetString(Utf8);

    public override string ToString() => Text;
}
