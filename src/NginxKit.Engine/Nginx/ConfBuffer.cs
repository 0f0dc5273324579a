using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// Builds a config straight into UTF-8 bytes: what is hashed and written, with no string to
/// encode afterwards. Rendering 10,000 routes is mostly copying constant lines, so those are
/// byte literals, and a location block is written in one reservation.
///
/// The bytes go into chunks small enough for the ordinary heap. One 3 MB array would land on the
/// large object heap, whose fresh pages cost more to fault in than the whole render takes.
/// </summary>
internal sealed class ConfBuffer
{
    // Below the 85,000-byte threshold of the large object heap.
    internal const int ChunkSize = 80 * 1024;

    private readonly List<(byte[] Bytes, int Length)> done = [];
    private byte[] chunk;
    private int used;

    public ConfBuffer(int capacity = ChunkSize) =>
        // Uninitialized: every byte up to the length used is written before it is read.
        chunk = GC.AllocateUninitializedArray<byte>(Math.Clamp(capacity, 256, ChunkSize));

    public ConfBuffer Append(ReadOnlySpan<byte> utf8)
    {
        while (utf8.Length > 0)
        {
            if (used == chunk.Length) NextChunk(0);
            int n = Math.Min(utf8.Length, chunk.Length - used);
            utf8[..n].CopyTo(chunk.AsSpan(used));
            used += n;
            utf8 = utf8[n..];
        }
        return this;
    }

    public ConfBuffer Append(string text)
    {
        // Validated values are ASCII; only a user's template text may need the full UTF-8 path.
        if (text.Length <= chunk.Length - used
            && Ascii.FromUtf16(text, chunk.AsSpan(used), out var written) == OperationStatus.Done)
        {
            used += written;
            return this;
        }
        return Append(Encoding.UTF8.GetBytes(text));
    }

    public ConfBuffer Append(int value)
    {
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(value, digits, out var written);
        return Append(digits[..written]);
    }

    public ConfBuffer Pad(int count)
    {
        Reserve(count)[..count].Fill((byte)' ');
        Advance(count);
        return this;
    }

    /// <summary>Room for at least <paramref name="count"/> contiguous bytes, to fill and then <see cref="Advance"/> past.</summary>
    public Span<byte> Reserve(int count)
    {
        if (count > chunk.Length - used) NextChunk(count);
        return chunk.AsSpan(used);
    }

    public void Advance(int count) => used += count;

    /// <summary>
    /// Fills the first <paramref name="headerLength"/> bytes (reserved with <see cref="Pad"/>) with
    /// a header made from the hash of everything after them; returns the bytes and the hash.
    /// The writer must not be used afterwards.
    /// </summary>
    public (ReadOnlySequence<byte> Bytes, string Hash) Seal(int headerLength, Func<string, string> header)
    {
        done.Add((chunk, used));
        var bytes = Chunks.Join(done);
        var hash = ContentHash.Of(bytes.Slice(headerLength));
        var line = header(hash);
        if (line.Length != headerLength) throw new InvalidOperationException($"The header takes {line.Length} bytes, not the {headerLength} reserved.");
        Encoding.ASCII.GetBytes(line, done[0].Bytes);
        return (bytes, hash);
    }

    private void NextChunk(int atLeast)
    {
        done.Add((chunk, used));
        chunk = GC.AllocateUninitializedArray<byte>(Math.Max(ChunkSize, atLeast));
        used = 0;
    }

    /// <summary>Copies <paramref name="bytes"/> to <paramref name="to"/> at <paramref name="at"/>, and moves <paramref name="at"/> past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put(Span<byte> to, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[at..]);
        at += bytes.Length;
    }

    /// <summary>The bytes written so far as text, for the small pieces a template places.</summary>
    public string ToText()
    {
        var all = new List<(byte[] Bytes, int Length)>(done) { (chunk, used) };
        return Encoding.UTF8.GetString(Chunks.Join(all));
    }

    /// <summary>Writes a value that passed <see cref="RouteRules"/>, which admits ASCII only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutAscii(Span<byte> to, ref int at, string value) => PutAscii(to, ref at, value.AsSpan());

    /// <summary>Writes part of a value that passed <see cref="RouteRules"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutAscii(Span<byte> to, ref int at, ReadOnlySpan<char> value)
    {
        var target = to.Slice(at, value.Length);
        int seen = 0;
        for (int i = 0; i < value.Length; i++)
        {
            seen |= value[i];
            target[i] = (byte)value[i];
        }
        // Never reached for a validated value, but narrowing U+017B would write '{': refuse rather than truncate.
        if (seen > 0x7F) throw new InvalidOperationException("A value that is not ASCII reached the renderer.");
        at += value.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutNumber(Span<byte> to, ref int at, int value)
    {
        Utf8Formatter.TryFormat(value, to[at..], out var written);
        at += written;
    }
}
