using System.Buffers.Text;
using System.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// Builds a config straight into UTF-8 bytes: what is hashed and written, with no string to
/// encode afterwards. Rendering 10,000 routes is mostly copying constant lines, so those are
/// byte literals.
/// </summary>
internal sealed class ConfWriter(int capacity)
{
    // Uninitialized: every byte up to Length is written before it is read, and zeroing megabytes is not free.
    private byte[] buffer = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 256));

    /// <summary>The buffer itself, valid up to <see cref="Length"/>; the writer must not be used after handing it out.</summary>
    public byte[] Buffer => buffer;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => buffer.AsSpan(0, Length);

    public Span<byte> WrittenMutable => buffer.AsSpan(0, Length);

    public ConfWriter Append(ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length);
        utf8.CopyTo(buffer.AsSpan(Length));
        Length += utf8.Length;
        return this;
    }

    public ConfWriter Append(string text)
    {
        // Validated values are ASCII; only a user's template text may need the full UTF-8 path.
        Ensure(text.Length);
        if (Ascii.FromUtf16(text, buffer.AsSpan(Length), out var written) == System.Buffers.OperationStatus.Done)
        {
            Length += written;
            return this;
        }
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        Length += Encoding.UTF8.GetBytes(text, buffer.AsSpan(Length));
        return this;
    }

    public ConfWriter Append(int value)
    {
        Ensure(11);
        Utf8Formatter.TryFormat(value, buffer.AsSpan(Length), out var written);
        Length += written;
        return this;
    }

    public ConfWriter Pad(int count)
    {
        Ensure(count);
        buffer.AsSpan(Length, count).Fill((byte)' ');
        Length += count;
        return this;
    }

    private void Ensure(int more)
    {
        if (Length + more <= buffer.Length) return;
        var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(buffer.Length * 2, Length + more));
        buffer.AsSpan(0, Length).CopyTo(bigger);
        buffer = bigger;
    }
}
