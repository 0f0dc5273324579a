using System.Buffers;
using System.Text;

namespace NginxKit.Engine.Text;

/// <summary>
/// Bytes of a file shown as text without losing anything: UTF-8 where the bytes are UTF-8, and
/// <c>\xNN</c> for each byte that is not, so a Latin-1 byte in a diff or a message is visible and
/// never becomes U+FFFD.
/// </summary>
public static class ByteText
{
    public static string Display(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status == OperationStatus.Done)
                sb.Append(rune.ToString());
            else
                for (int i = 0; i < consumed; i++) sb.Append($"\\x{bytes[i]:x2}");
            bytes = bytes[consumed..];
        }
        return sb.ToString();
    }

    /// <summary>
    /// UTF-8 as systemd 252 accepts it (utf8_is_valid): well-formed, and no code point that
    /// unichar_is_valid refuses (U+FDD0-U+FDEF and U+xFFFE/U+xFFFF). systemd refuses a whole
    /// EnvironmentFile when one assignment fails this.
    /// </summary>
    public static bool IsSystemdUtf8(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) != OperationStatus.Done) return false;
            if (!IsSystemdCodePoint(rune.Value)) return false;
            bytes = bytes[consumed..];
        }
        return true;
    }

    public static bool IsSystemdCodePoint(int value) => value is not (>= 0xFDD0 and <= 0xFDEF) && (value & 0xFFFE) != 0xFFFE;

    /// <summary>"\r\n" when most line ends of the text are CRLF, else "\n".</summary>
    public static string LineEnding(ReadOnlySpan<byte> bytes)
    {
        int crlf = 0, lf = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            if (i > 0 && bytes[i - 1] == (byte)'\r') crlf++; else lf++;
        }
        return crlf > 0 && crlf >= lf ? "\r\n" : "\n";
    }
}
