using System.Buffers.Binary;
using System.Text;

namespace NginxKitTests.Journal;

/// <summary>
/// Damaged copies of a journal file, the way disks, copies and crashes damage them: cut short, a
/// tail of zeros, single flipped bits anywhere among the objects, and aimed damage that reaches each
/// way journalctl handles a bad entry (https://systemd.io/JOURNAL_FILE_FORMAT/): a field whose name
/// is no longer valid (journalctl -o json and -o export stop there), a data object that claims a
/// compression it does not have (no output mode can read the entry), a data object of the wrong
/// type (journalctl drops that field), and an entry whose size is out of range (iteration ends).
/// </summary>
public static class JournalFileDamage
{
    private const int HeaderSizeAt = 88, IncompatibleFlagsAt = 12, TailObjectAt = 136;
    private const uint Compact = 1 << 4;

    /// <summary>The objects from the end of the header to the last one, in file order.</summary>
    public static List<JournalObject> Objects(byte[] file)
    {
        var list = new List<JournalObject>();
        var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(HeaderSizeAt));
        var tail = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(TailObjectAt));
        while (offset <= tail && offset + 16 <= file.Length)
        {
            var size = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)offset + 8));
            list.Add(new JournalObject((int)offset, file[offset], file[offset + 1], size));
            if (size == 0) break;
            offset += (long)((size + 7) / 8 * 8);
        }
        return list;
    }

    /// <summary>Where a data object's NAME=value payload starts (after the compact format's two extra fields).</summary>
    public static int PayloadOffset(byte[] file) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(IncompatibleFlagsAt)) & Compact) != 0 ? 72 : 64;

    /// <summary>The data objects whose payload starts with <paramref name="field"/>= (uncompressed ones only).</summary>
    public static List<JournalObject> DataObjects(byte[] file, string field)
    {
        var prefix = Encoding.ASCII.GetBytes(field + "=");
        var payload = PayloadOffset(file);
        return Objects(file).Where(o => o.Type == JournalObject.Data && o.Flags == 0 && o.Offset + payload + prefix.Length <= file.Length
            && file.AsSpan(o.Offset + payload, prefix.Length).SequenceEqual(prefix)).ToList();
    }

    // Whether a MESSAGE data object's value holds an '=' of its own.
    private static bool HasEquals(byte[] file, JournalObject message, int payload) =>
        file.AsSpan(message.Offset + payload + 8, (int)message.Size - payload - 8).Contains((byte)'=');

    /// <summary>The first byte past the last object.</summary>
    public static int End(byte[] file)
    {
        var last = Objects(file)[^1];
        return last.Offset + (int)last.Size;
    }

    /// <summary>
    /// Writes the damaged copies of <paramref name="source"/> into <paramref name="directory"/> and
    /// names them: what was done, and where. The same seed gives the same files.
    /// </summary>
    public static List<string> Corpus(string source, string directory, int seed, int flips = 40)
    {
        Directory.CreateDirectory(directory);
        var original = File.ReadAllBytes(source);
        var objects = Objects(original);
        var entries = objects.Where(o => o.Type == JournalObject.Entry).ToList();
        var messages = DataObjects(original, "MESSAGE");
        var payload = PayloadOffset(original);
        var first = objects.First(o => o.Type == JournalObject.Data).Offset;
        var end = End(original);
        var random = new Random(seed);
        var written = new List<string>();

        void Write(string name, Func<byte[], byte[]> damage)
        {
            var path = Path.Combine(directory, name + ".journal");
            File.WriteAllBytes(path, damage((byte[])original.Clone()));
            written.Add(path);
        }

        byte[] Set(byte[] b, int at, byte value)
        {
            b[at] = value;
            return b;
        }

        // MESSAGE= becomes MESSAGE<. Where the message holds another '=' (dockerd's logfmt), the name
        // runs to it and is no longer valid: journalctl -o json stops at the entry. Where it holds none,
        // the data object has no name at all: -o json passes over it and shows the entry without it.
        var logfmt = messages.Where(m => HasEquals(original, m, payload)).ToList();
        var plain = messages.Where(m => !HasEquals(original, m, payload)).ToList();
        foreach (var i in new[] { 0, logfmt.Count / 3, logfmt.Count - 1 })
            Write($"malformed-name-{i:D3}", b => Set(b, logfmt[i].Offset + payload + 7, (byte)'<'));
        foreach (var i in new[] { plain.Count / 2 })
            Write($"nameless-data-{i:D3}", b => Set(b, plain[i].Offset + payload + 7, (byte)'<'));
        // A data object flagged as XZ- or LZ4-compressed that is not: its entry cannot be read at all.
        Write("false-xz-message", b => Set(b, messages[messages.Count / 2].Offset + 1, 1));
        Write("false-lz4-message", b => Set(b, messages[messages.Count / 4].Offset + 1, 2));
        // A data object of the wrong type: the entry is read without that field.
        Write("wrong-type-message", b => Set(b, messages[messages.Count / 5].Offset, JournalObject.Entry));
        // An entry whose size is out of range: iteration ends before it.
        Write("entry-size", b => Set(b, entries[entries.Count * 2 / 3].Offset + 15, 0x80));
        // Cut short (the file ends before its arena does, so it cannot be opened) and zeros from an entry on.
        Write("truncated-half", b => b[..(first + (end - first) / 2)]);
        Write("truncated-end", b => b[..(end - 8)]);
        Write("zero-tail", b =>
        {
            Array.Clear(b, entries[entries.Count * 3 / 4].Offset, end - entries[entries.Count * 3 / 4].Offset);
            return b;
        });
        // Single bits flipped anywhere among the objects.
        for (int k = 0; k < flips; k++)
        {
            var at = random.Next(first, end);
            var bit = random.Next(8);
            Write($"flip-{k:D2}-{at}-{bit}", b => Set(b, at, (byte)(b[at] ^ (1 << bit))));
        }
        return written;
    }
}
