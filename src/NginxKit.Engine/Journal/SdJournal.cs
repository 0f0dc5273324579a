using System.Runtime.InteropServices;

namespace NginxKit.Engine.Journal;

/// <summary>libsystemd's sd-journal API: reads journal files directly, with no text formatting in between.</summary>
internal static unsafe class SdJournal
{
    private const string Lib = "libsystemd.so.0";
    public const int LocalOnly = 1;
    public const int NoOp = 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct Id128
    {
        public fixed byte Bytes[16];

        public override string ToString()
        {
            fixed (byte* b = Bytes) return Convert.ToHexStringLower(new ReadOnlySpan<byte>(b, 16));
        }
    }

    [DllImport(Lib)] public static extern int sd_journal_open(out IntPtr journal, int flags);
    [DllImport(Lib)] public static extern int sd_journal_open_directory(out IntPtr journal, byte* path, int flags);
    [DllImport(Lib)] public static extern int sd_journal_open_files(out IntPtr journal, byte** paths, int flags);
    [DllImport(Lib)] public static extern void sd_journal_close(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_add_match(IntPtr journal, byte* data, nuint size);
    [DllImport(Lib)] public static extern int sd_journal_add_disjunction(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_add_conjunction(IntPtr journal);
    [DllImport(Lib)] public static extern void sd_journal_flush_matches(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_seek_head(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_seek_tail(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_seek_realtime_usec(IntPtr journal, ulong usec);
    [DllImport(Lib)] public static extern int sd_journal_next(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_previous(IntPtr journal);
    [DllImport(Lib)] public static extern int sd_journal_get_realtime_usec(IntPtr journal, out ulong usec);
    [DllImport(Lib)] public static extern int sd_journal_get_monotonic_usec(IntPtr journal, out ulong usec, out Id128 bootId);
    [DllImport(Lib)] public static extern int sd_journal_get_cursor(IntPtr journal, out IntPtr cursor);
    [DllImport(Lib)] public static extern int sd_journal_wait(IntPtr journal, ulong timeoutUsec);
    [DllImport(Lib)] public static extern int sd_journal_set_data_threshold(IntPtr journal, nuint size);
    [DllImport(Lib)] public static extern int sd_journal_query_unique(IntPtr journal, byte* field);
    [DllImport(Lib)] public static extern int sd_journal_enumerate_unique(IntPtr journal, out byte* data, out nuint length);
    [DllImport(Lib)] public static extern void sd_journal_restart_unique(IntPtr journal);
    [DllImport("libc")] public static extern void free(IntPtr pointer);

    private static bool? available;

    /// <summary>True when libsystemd.so.0 can be loaded here.</summary>
    public static bool IsAvailable => available ??= NativeLibrary.TryLoad(Lib, out _);
}
