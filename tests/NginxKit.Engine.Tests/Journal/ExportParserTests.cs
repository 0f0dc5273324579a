using System.Text;
using NginxKit.Engine.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// The export-format parser on byte streams written here, so every corner (binary fields, buffer
/// edges, repeated and empty fields, a cut-off stream) is pinned without journalctl.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // as the engine is
public class ExportParserTests
{
    private const string Cursor = "s=0a;i=1;b=00112233445566778899aabbccddeeff;m=1;t=2;x=3";
    private const string Boot = "00112233445566778899aabbccddeeff";

    private static List<JournalEntry> Parse(byte[] bytes, int chunk = int.MaxValue)
    {
        var parser = new ExportParser(new ChunkedStream(bytes, chunk));
        var list = new List<JournalEntry>();
        while (parser.TryRead(out var fields)) list.Add(JournalFields.Build(fields)!);
        return list;
    }

    [Fact]
    public void ReadsTextFieldsAndTheHeaderFields()
    {
        var bytes = new ExportWriter()
            .Entry(1_795_248_000_123_456, ("_SYSTEMD_UNIT", "docker.service"), ("_PID", "812"), ("PRIORITY", "4"), ("_HOSTNAME", "h1"),
                ("SYSLOG_IDENTIFIER", "dockerd"), ("MESSAGE", "time=\"x\" level=warning msg=\"a = b\" k=v"))
            .ToArray();
        var e = Assert.Single(Parse(bytes));
        Assert.Equal(Cursor, e.Cursor);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_795_248_000).AddTicks(1_234_560), e.TimeCreated);
        Assert.Equal(Boot, e.BootId);
        Assert.Equal(JournalPriority.Warning, e.Priority);
        Assert.Equal(812, e.Pid);
        Assert.Equal("docker.service", e.Unit);
        Assert.Equal("h1", e.Hostname);
        Assert.Equal("dockerd", e.Identifier);
        Assert.Equal("time=\"x\" level=warning msg=\"a = b\" k=v", e.Message);
        Assert.Equal("warning", e.Level);
        Assert.Equal("a = b", e.Msg);
        Assert.Equal("v", e.Fields["k"]);
        Assert.Null(e.MessageBytes);
    }

    [Fact]
    public void ReadsBinaryFieldsMultiLineAndNonUtf8()
    {
        byte[] bad = [.. "caf"u8, 0xE9, 0x20, 0xFF, 0xFE];
        var bytes = new ExportWriter()
            .Entry(1, ("MESSAGE", "line one\nline two"))
            .Entry(2, ("MESSAGE", bad))
            .ToArray();
        var entries = Parse(bytes);
        Assert.Equal(2, entries.Count);
        Assert.Equal("line one\nline two", entries[0].Message);
        Assert.Null(entries[0].MessageBytes);
        Assert.Equal(bad, entries[1].MessageBytes);
        Assert.Equal(Encoding.UTF8.GetString(bad), entries[1].Message);
        Assert.Contains('\uFFFD', entries[1].Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void ParsesTheSameWhateverSizeTheReadsCome(int chunk)
    {
        var writer = new ExportWriter();
        for (int i = 0; i < 200; i++)
            writer.Entry((ulong)i, ("_PID", i.ToString()), ("MESSAGE", i % 3 == 0 ? $"multi\nline {i}" : $"plain {i}"), ("OTHER", new string('x', i)));
        var bytes = writer.ToArray();
        var whole = Parse(bytes);
        var pieces = Parse(bytes, chunk);
        Assert.Equal(200, whole.Count);
        Assert.Equal(whole.Select(e => (e.Pid, e.Message, e.TimeCreated)), pieces.Select(e => (e.Pid, e.Message, e.TimeCreated)));
    }

    [Fact]
    public void ReadsValuesLargerThanItsBuffer()
    {
        var big = new string('b', 300_000);
        var bytes = new ExportWriter()
            .Entry(1, ("MESSAGE", big + "\n")) // binary form, 300 KB
            .Entry(2, ("MESSAGE", big))        // one 300 KB line
            .Entry(3, ("MESSAGE", "small"))
            .ToArray();
        var entries = Parse(bytes, 65536);
        Assert.Equal([big + "\n", big, "small"], entries.Select(e => e.Message));
    }

    [Fact]
    public void TakesTheFirstOfARepeatedFieldAsSdJournalGetDataDoes()
    {
        var bytes = new ExportWriter().Entry(1, ("MESSAGE", "first"), ("PRIORITY", "3"), ("MESSAGE", "second"), ("PRIORITY", "7")).ToArray();
        var e = Assert.Single(Parse(bytes));
        Assert.Equal("first", e.Message);
        Assert.Equal(JournalPriority.Error, e.Priority);
    }

    [Fact]
    public void NamesPid1LinesByUnitAndOthersBySystemdUnit()
    {
        var bytes = new ExportWriter()
            .Entry(1, ("_PID", "1"), ("_SYSTEMD_UNIT", "init.scope"), ("UNIT", "docker.service"), ("MESSAGE", "Started"))
            .Entry(2, ("_PID", "812"), ("_SYSTEMD_UNIT", "docker.service"), ("UNIT", "other.service"), ("MESSAGE", "x"))
            .Entry(3, ("_PID", "9"), ("UNIT", "only-unit.service"), ("_SYSTEMD_UNIT", ""), ("MESSAGE", "y"))
            .ToArray();
        Assert.Equal(["docker.service", "docker.service", "only-unit.service"], Parse(bytes).Select(e => e.Unit));
    }

    [Fact]
    public void TreatsMissingEmptyOrBadNumbersAsAbsent()
    {
        var bytes = new ExportWriter()
            .Entry(1, ("MESSAGE", ""))
            .Entry(2, ("PRIORITY", "x"), ("_PID", "12a"), ("_HOSTNAME", ""), ("MESSAGE", "m"))
            .ToArray();
        var entries = Parse(bytes);
        Assert.Equal(["", "m"], entries.Select(e => e.Message));
        Assert.All(entries, e => Assert.Equal(JournalPriority.Informational, e.Priority));
        Assert.All(entries, e => Assert.Null(e.Pid));
        Assert.All(entries, e => Assert.Null(e.Hostname));
        Assert.Empty(entries[0].Fields);
    }

    [Fact]
    public void DropsAnEntryCutOffWithoutItsEmptyLine()
    {
        var whole = new ExportWriter().Entry(1, ("MESSAGE", "kept")).ToArray();
        var cut = whole.Concat(Encoding.UTF8.GetBytes($"__CURSOR={Cursor}\nMESSAGE=lost\n")).ToArray();
        Assert.Equal(["kept"], Parse(cut).Select(e => e.Message));
    }

    [Fact]
    public void HandsOverAnEntryJournalctlLeftUnfinishedAndReadsTheNextWhole()
    {
        // journalctl printed an entry's header and a field, could not read the rest, and went on with
        // the next entry without the empty line (logs-show.c, "Skipping message we can't read").
        var unfinished = Encoding.UTF8.GetBytes($"__CURSOR=s=1;i=7\n__REALTIME_TIMESTAMP=11\n__MONOTONIC_TIMESTAMP=5\n_BOOT_ID={Boot}\nPRIORITY=3\n");
        var bytes = unfinished.Concat(new ExportWriter().Entry(22, ("MESSAGE", "next")).ToArray()).ToArray();
        var skipped = new List<JournalFields.Values>();
        var parser = new ExportParser(new MemoryStream(bytes), skipped.Add);
        Assert.True(parser.TryRead(out var fields));
        var e = JournalFields.Build(fields)!;
        Assert.Equal("next", e.Message);
        Assert.Equal(Cursor, e.Cursor);
        Assert.Equal(JournalPriority.Informational, e.Priority); // nothing of the unfinished entry leaks into it
        Assert.False(parser.TryRead(out _));
        var cut = Assert.Single(skipped);
        Assert.Equal("s=1;i=7", cut.Cursor);
        Assert.Equal(11UL, cut.Realtime);
        Assert.Null(parser.Incomplete);
    }

    [Fact]
    public void KeepsTheHeaderOfTheEntryTheStreamEndsIn()
    {
        var whole = new ExportWriter().Entry(1, ("MESSAGE", "kept")).ToArray();
        var bytes = whole.Concat(Encoding.UTF8.GetBytes($"__CURSOR=s=1;i=9\n__REALTIME_TIMESTAMP=33\n_BOOT_ID={Boot}\n_PID=4\n")).ToArray();
        var parser = new ExportParser(new MemoryStream(bytes));
        Assert.True(parser.TryRead(out _));
        Assert.False(parser.TryRead(out _));
        var incomplete = Assert.NotNull(parser.Incomplete);
        Assert.Equal("s=1;i=9", incomplete.Cursor);
        Assert.Equal(33UL, incomplete.Realtime);
    }

    [Fact]
    public void BuildsNoEntryForATimePastTheYear9999()
    {
        var bytes = new ExportWriter().Entry(ulong.MaxValue, ("MESSAGE", "damaged")).Entry(JournalDamage.MaxRealtime, ("MESSAGE", "last")).ToArray();
        var parser = new ExportParser(new MemoryStream(bytes));
        Assert.True(parser.TryRead(out var damaged));
        Assert.Null(JournalFields.Build(damaged));
        Assert.True(parser.TryRead(out var last));
        Assert.Equal(DateTimeOffset.MaxValue.UtcTicks / 10 * 10, JournalFields.Build(last)!.TimeCreated.UtcTicks);
    }

    [Fact]
    public void RefusesAStreamCutInsideABinaryField()
    {
        var bytes = new ExportWriter().Entry(1, ("MESSAGE", "a\nb")).ToArray();
        var cut = bytes[..^6];
        var parser = new ExportParser(new MemoryStream(cut));
        Assert.Throws<InvalidDataException>(() => parser.TryRead(out _));
    }

    [Fact]
    public void ReadsNothingFromAnEmptyStream()
    {
        Assert.Empty(Parse([]));
        Assert.Empty(Parse("\n\n"u8.ToArray()));
    }

    /// <summary>Export format as journalctl writes it: the header fields, then each field as text or in binary form.</summary>
    internal sealed class ExportWriter
    {
        private readonly MemoryStream stream = new();

        public ExportWriter Entry(ulong realtime, params (string Name, object Value)[] fields) => EntryIn(Boot, realtime, fields);

        public ExportWriter EntryIn(string boot, ulong realtime, params (string Name, object Value)[] fields)
        {
            Text($"__CURSOR={Cursor}\n__REALTIME_TIMESTAMP={realtime}\n__MONOTONIC_TIMESTAMP={realtime + 5}\n_BOOT_ID={boot}\n");
            foreach (var (name, value) in fields)
            {
                var bytes = value as byte[] ?? Encoding.UTF8.GetBytes((string)value);
                if (bytes.Any(b => b < 0x20) || !System.Text.Unicode.Utf8.IsValid(bytes))
                {
                    Text(name + "\n");
                    stream.Write(BitConverter.GetBytes((ulong)bytes.Length));
                    stream.Write(bytes);
                    Text("\n");
                }
                else
                {
                    Text(name + "=");
                    stream.Write(bytes);
                    Text("\n");
                }
            }
            Text("\n");
            return this;
        }

        public byte[] ToArray() => stream.ToArray();

        private void Text(string s) => stream.Write(Encoding.UTF8.GetBytes(s));
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a pipe may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : Stream
    {
        private int position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
