using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Journal;

/// <summary>
/// Parses journalctl's export format from a byte stream: <c>KEY=value</c> lines; or, for values that
/// are not printable UTF-8 (newlines, control bytes, invalid UTF-8), <c>KEY\n</c>, a little-endian
/// uint64 length, the bytes and <c>\n</c>; an empty line after each entry. Reads through a buffer
/// that grows only for a value larger than it, and decodes each field as it goes.
/// journalctl prints an entry's header (__CURSOR first) before its fields, and when it then fails on
/// the entry, it leaves it unfinished: at the end of the stream (it stopped; <see cref="Incomplete"/>),
/// or followed by the next entry's __CURSOR (it skipped the entry; <paramref name="cutShort"/>).
/// </summary>
internal sealed class ExportParser(Stream stream, Action<JournalFields.Values>? cutShort = null)
{
    private byte[] buffer = new byte[64 * 1024];
    private int start, end, scanned;
    private bool eof;
    private readonly JournalFields collector = new();

    /// <summary>The unfinished entry the stream ended in, if it did: its header tells which entry journalctl stopped at.</summary>
    public JournalFields.Values? Incomplete { get; private set; }

    /// <summary>The next entry's fields; false at the end of the stream. A last entry cut off by the stream's end is dropped (<see cref="Incomplete"/>).</summary>
    public bool TryRead(out JournalFields.Values fields)
    {
        fields = default;
        var any = false;
        while (true)
        {
            if (!TryReadLine(out var lineStart, out var lineLength))
            {
                if (any && end > start) throw new InvalidDataException("The export stream ends inside a field.");
                if (any) Incomplete = fields;
                return false; // EOF; an entry without its closing empty line is incomplete (journalctl stopped, or was stopped)
            }
            if (lineLength == 0)
            {
                if (any) return true;
                continue;
            }
            var line = buffer.AsSpan(lineStart, lineLength);
            var eq = line.IndexOf((byte)'=');
            if (any && eq == 8 && line[..8].SequenceEqual("__CURSOR"u8))
            {
                // A new entry began before the last one ended: journalctl skipped that one.
                cutShort?.Invoke(fields);
                fields = default;
            }
            any = true;
            if (eq >= 0)
            {
                collector.Store(ref fields, line[..eq], line[(eq + 1)..]);
                continue;
            }
            // Binary-safe form: the line is the name; the length and the bytes follow. The name is
            // looked up now, before the buffer moves.
            var id = JournalFields.Lookup(line);
            Need(8);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(start, 8));
            if (length > int.MaxValue - 1) throw new InvalidDataException($"A field of {length} bytes is too large.");
            start += 8;
            Need((int)length + 1);
            if (buffer[start + (int)length] != (byte)'\n') throw new InvalidDataException("A binary field does not end in a newline.");
            collector.Store(ref fields, id, buffer.AsSpan(start, (int)length));
            start += (int)length + 1;
            scanned = start;
        }
    }

    private bool TryReadLine(out int lineStart, out int lineLength)
    {
        while (true)
        {
            var newline = buffer.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                lineStart = start;
                lineLength = scanned + newline - start;
                start = scanned = scanned + newline + 1;
                return true;
            }
            scanned = end;
            if (!Fill(buffer.Length)) { lineStart = lineLength = 0; return false; }
        }
    }

    // Makes at least n bytes available from start, reading (and growing the buffer) as needed.
    private void Need(int n)
    {
        while (end - start < n)
            if (!Fill(n)) throw new InvalidDataException("The export stream ends inside a binary field.");
    }

    // Reads more: moves what is unread to the front, grows the buffer if it cannot hold `want`
    // bytes, then reads once. False at the end of the stream.
    private bool Fill(int want)
    {
        if (eof) return false;
        if (start > 0)
        {
            var unread = end - start;
            Buffer.BlockCopy(buffer, start, buffer, 0, unread);
            scanned -= start;
            end = unread;
            start = 0;
        }
        if (end == buffer.Length || want > buffer.Length)
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, want));
        var read = stream.Read(buffer, end, buffer.Length - end);
        if (read == 0) { eof = true; return false; }
        end += read;
        return true;
    }
}
