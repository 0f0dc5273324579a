using System.Globalization;
using System.Text;

namespace NginxKitTests.Journal;

/// <summary>Journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/), as systemd-journal-remote reads it.</summary>
public static class ExportFormat
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public static void Write(Stream output, FixtureEntry e)
    {
        WriteText(output, "__REALTIME_TIMESTAMP", e.Realtime.ToString(CultureInfo.InvariantCulture));
        WriteText(output, "__MONOTONIC_TIMESTAMP", e.Monotonic.ToString(CultureInfo.InvariantCulture));
        WriteText(output, "_BOOT_ID", e.BootId);
        foreach (var f in e.Fields)
        {
            if (IsPlain(f.Value))
            {
                WriteBytes(output, Encoding.ASCII.GetBytes(f.Key + "="));
                output.Write(f.Value, 0, f.Value.Length);
                output.WriteByte((byte)'\n');
            }
            else
            {
                // The binary-safe form: NAME\n, little-endian uint64 length, the bytes, \n.
                WriteBytes(output, Encoding.ASCII.GetBytes(f.Key + "\n"));
                var length = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)f.Value.LongLength);
                WriteBytes(output, length);
                output.Write(f.Value, 0, f.Value.Length);
                output.WriteByte((byte)'\n');
            }
        }
        if (e.ExpectedUnit is not null) WriteText(output, "FIXTURE_UNIT", e.ExpectedUnit);
        if (e.ExpectedPriority is { } p) WriteText(output, "FIXTURE_PRIORITY", p.ToString(CultureInfo.InvariantCulture));
        output.WriteByte((byte)'\n');
    }

    public static byte[] ToBytes(IEnumerable<FixtureEntry> entries)
    {
        var ms = new MemoryStream();
        foreach (var e in entries) Write(ms, e);
        return ms.ToArray();
    }

    // Printable UTF-8 without control characters goes as KEY=value; anything else in binary form.
    private static bool IsPlain(byte[] value)
    {
        foreach (var b in value)
            if (b < 0x20 || b == 0x7f) return false;
        try
        {
            Strict.GetString(value);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static void WriteText(Stream s, string name, string value) => WriteBytes(s, Encoding.UTF8.GetBytes(name + "=" + value + "\n"));

    private static void WriteBytes(Stream s, byte[] b) => s.Write(b, 0, b.Length);
}
