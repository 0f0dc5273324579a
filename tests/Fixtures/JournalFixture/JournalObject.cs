namespace NginxKitTests.Journal;

/// <summary>One object in a journal file: where it starts, its type (1 data, 2 field, 3 entry, 4–5 hash tables, 6 entry array, 7 tag), flags and size.</summary>
public sealed record JournalObject(int Offset, byte Type, byte Flags, ulong Size)
{
    public const byte Data = 1, Entry = 3;
}
