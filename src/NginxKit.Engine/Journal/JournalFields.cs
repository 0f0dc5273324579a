using System.Buffers;
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
/// The fields of one entry a JournalEntry is built from, gathered the same way by both readers
/// (SdJournalReader from sd-journal's data objects, ExportParser from the export stream) and built
/// into an entry by one method, so the two cannot drift apart. Values are decoded as they are
/// stored: neither an mmap'd sd-journal object nor the parser's buffer outlives the next read.
/// </summary>
internal sealed class JournalFields
{
    /// <summary>The first occurrence of each field, as sd_journal_get_data gives it.</summary>
    public struct Values
    {
        public string? Cursor;
        public ulong Realtime;
        public string? BootId;
        public ReadOnlyMemory<byte> Message;
        public int? Priority;
        public int? Pid;
        public string? Unit;
        public string? SystemdUnit;
        public string? Hostname;
        public string? Identifier;
        internal int Seen; // a bit per field, so a repeated field keeps its first value
    }

    public enum Id { Other, Cursor, Realtime, BootId, Message, Priority, Pid, Unit, SystemdUnit, Hostname, Identifier }

    private byte[] message = new byte[1024];

    // Values that repeat from entry to entry (host, unit, identifier, boot) are decoded once.
    private readonly (byte[] Bytes, string Text)[] recent = new (byte[], string)[16];
    private int nextRecent;

    public static Id Lookup(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("UNIT"u8) => Id.Unit,
        4 when name.SequenceEqual("_PID"u8) => Id.Pid,
        7 when name.SequenceEqual("MESSAGE"u8) => Id.Message,
        8 when name.SequenceEqual("PRIORITY"u8) => Id.Priority,
        8 when name.SequenceEqual("__CURSOR"u8) => Id.Cursor,
        8 when name.SequenceEqual("_BOOT_ID"u8) => Id.BootId,
        9 when name.SequenceEqual("_HOSTNAME"u8) => Id.Hostname,
        13 when name.SequenceEqual("_SYSTEMD_UNIT"u8) => Id.SystemdUnit,
        17 when name.SequenceEqual("SYSLOG_IDENTIFIER"u8) => Id.Identifier,
        20 when name.SequenceEqual("__REALTIME_TIMESTAMP"u8) => Id.Realtime,
        _ => Id.Other,
    };

    /// <summary>
    /// One <c>NAME=value</c> data object, as sd-journal hands them out. False when its name is one
    /// journald would never write, which journalctl -o json refuses ("Invalid field."); an object with
    /// no '=' in its first 4 KiB it passes over, as journalctl -o json does.
    /// </summary>
    public bool StoreItem(ref Values f, ReadOnlySpan<byte> item)
    {
        var eq = item[..Math.Min(item.Length, JsonThreshold)].IndexOf((byte)'=');
        if (eq < 0) return true;
        var name = item[..eq];
        var id = Lookup(name);
        if (id == Id.Other) return IsValidName(name);
        Store(ref f, id, item[(eq + 1)..]);
        return true;
    }

    private const int JsonThreshold = 4096; // how far journalctl -o json looks for the '='

    private static readonly SearchValues<byte> NameBytes = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"u8);

    /// <summary>journald's rule for field names (journal_field_valid): 1–64 of A–Z, 0–9 and _, not starting with a digit.</summary>
    public static bool IsValidName(ReadOnlySpan<byte> name) =>
        name.Length is > 0 and <= 64 && !char.IsAsciiDigit((char)name[0]) && !name.ContainsAnyExcept(NameBytes);

    /// <summary>Values with the entry header's fields set (sd-journal gives them apart from the data objects); a data field of the same name cannot override them.</summary>
    public static Values FromHeader(ulong realtime, string bootId, string? cursor) => new()
    {
        Realtime = realtime,
        BootId = bootId,
        Cursor = cursor,
        Seen = (1 << (int)Id.Realtime) | (1 << (int)Id.BootId) | (1 << (int)Id.Cursor),
    };

    public void Store(ref Values f, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Store(ref f, Lookup(name), value);

    // An empty value counts as absent, as sd_journal_get_data's "NAME=" does for SdJournalReader.
    public void Store(ref Values f, Id id, ReadOnlySpan<byte> value)
    {
        if (id == Id.Other) return;
        var bit = 1 << (int)id;
        if ((f.Seen & bit) != 0) return;
        f.Seen |= bit;
        switch (id)
        {
            case Id.Cursor: f.Cursor = Encoding.UTF8.GetString(value); break;
            case Id.Realtime: f.Realtime = Utf8Parser.TryParse(value, out ulong usec, out _) ? usec : 0; break;
            case Id.BootId: f.BootId = Recent(value); break;
            case Id.Message:
                // Copied into one buffer reused entry after entry; Build copies again only for non-UTF-8 bytes.
                if (message.Length < value.Length) message = new byte[Math.Max(value.Length, message.Length * 2)];
                value.CopyTo(message);
                f.Message = message.AsMemory(0, value.Length);
                break;
            case Id.Priority: f.Priority = ParseInt(value); break;
            case Id.Pid: f.Pid = ParseInt(value); break;
            case Id.Unit: f.Unit = value.IsEmpty ? null : Recent(value); break;
            case Id.SystemdUnit: f.SystemdUnit = value.IsEmpty ? null : Recent(value); break;
            case Id.Hostname: f.Hostname = value.IsEmpty ? null : Recent(value); break;
            case Id.Identifier: f.Identifier = value.IsEmpty ? null : Recent(value); break;
        }
    }

    private static int? ParseInt(ReadOnlySpan<byte> value) =>
        Utf8Parser.TryParse(value, out int n, out var consumed) && consumed == value.Length && value.Length > 0 ? n : null;

    /// <summary>A decoded string for bytes seen lately, or a new one.</summary>
    public string Recent(ReadOnlySpan<byte> value)
    {
        foreach (var slot in recent)
            if (slot.Bytes is not null && value.SequenceEqual(slot.Bytes)) return slot.Text;
        var text = Encoding.UTF8.GetString(value);
        recent[nextRecent] = (value.ToArray(), text);
        nextRecent = (nextRecent + 1) % recent.Length;
        return text;
    }

    /// <summary>
    /// The entry: Message as UTF-8 (with MessageBytes when it is not valid UTF-8), Unit from PID 1's
    /// UNIT= or else _SYSTEMD_UNIT (what journalctl -u matched it by), priority 6 when absent. Null
    /// when its time is past what a DateTimeOffset holds; the caller reports the entry as damaged.
    /// </summary>
    public static JournalEntry? Build(in Values f)
    {
        if (f.Realtime > JournalDamage.MaxRealtime) return null; // a damaged timestamp no DateTimeOffset can hold
        var messageBytes = f.Message.Span;
        string message;
        byte[]? raw = null;
        if (messageBytes.Length == 0) message = string.Empty;
        else if (System.Text.Unicode.Utf8.IsValid(messageBytes)) message = Encoding.UTF8.GetString(messageBytes);
        else
        {
            raw = messageBytes.ToArray();
            message = Encoding.UTF8.GetString(messageBytes);
        }
        var pid = f.Pid;
        var unit = pid == 1 ? f.Unit ?? f.SystemdUnit : f.SystemdUnit ?? f.Unit;
        var realtime = f.Realtime;
        return JournalEntry.Create(DateTimeOffset.FromUnixTimeMilliseconds((long)(realtime / 1000)).AddTicks((long)(realtime % 1000) * 10),
            f.Priority ?? 6, unit, pid, f.Hostname, f.BootId, f.Cursor ?? string.Empty, message, f.Identifier, raw);
    }
}
