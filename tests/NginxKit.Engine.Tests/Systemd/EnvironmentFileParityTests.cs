using System.Text;
using NginxKit.Engine.Systemd;
using Xunit;

namespace NginxKit.Engine.Tests.Systemd;

/// <summary>
/// NginxKit's EnvironmentFile reader against systemd 252's own parser: random and adversarial files
/// fed to both, the variables compared. The oracles are systemd's code (SystemdOracle), not NginxKit's.
/// </summary>
public class EnvironmentFileParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Every case the issue lists, and the measured differences from a naive line parser.
    public static readonly TheoryData<string, string> IssueCases = new()
    {
        { "comment ending in a backslash swallows the next line", "# proxy for pulls \\\nhttp_proxy=http://p:3128\nB=1\n" },
        { "comment backslash before CRLF does not", "# c \\\r\nhttp_proxy=http://p:3128\r\n" },
        { "double-quoted value spanning lines", "A=\"line1\nhttp_proxy=http://p:3128\"\nB=2\n" },
        { "unterminated quote folds the rest", "DOCKER_OPTS=\"--dns 1.1.1.1\nhttp_proxy=x\nC=3\n" },
        { "unterminated single quote", "A='x\nB=y\n" },
        { "UTF-8 BOM makes the first variable invalid", "\uFEFFDOCKER_OPTS=\"--dns 8.8.8.8\"\nB=2\n" },
        { "lone CR is a line break", "A=one\rB=two\rC=\"x\ry\"\r" },
        { "CRLF", "A=one\r\nB=\"two\"\r\nC=three \r\n" },
        { "CRLF after a continuation", "A=x\\\r\nB=y\r\n" },
        { "a NUL byte makes systemd refuse the whole file", "A=1\nB=2\0\nC=3\n" },
        { "escapes", "A=a\\ b\\#c\nB=\"q\\\"q\\`y\\\\z\\n\"\nC='s\\q'\nD=\"e\\\nf\"\nE=x\\\ny\n" },
        { "quotes after text are literal", "A=x \"y\" 'z'\nB=\"x\" y 'z' w\n" },
        { "whitespace", "  A  =  v  \n\tB\t=\t\"v \"\t\nC= \\  \n" },
        { "keys", "export http_proxy=http://p:3128\nexport\tB=2\nA B=3\n9X=4\n_x=5\n=6\nNOEQ\n;c\n#c\n" },
        { "empty values", "A=\nB=\"\"\nC=''\nD=x\nD=\n" },
        { "invalid UTF-8 in a comment is fine", "# caf\u00e9 \u00ff\nA=1\n" },
        { "a very long line", "A=" + new string('x', 200_000) + "\nB=" + string.Concat(Enumerable.Repeat("ab\\\n", 5000)) + "\n" },
    };

    [Journal.RealTheory("systemd-analyze")]
    [MemberData(nameof(IssueCases))]
    public void IssueCasesReadAsSystemdsGeneratorReadsThem(string name, string text)
    {
        Assert.NotNull(name);
        var bytes = Latin1Where(text);
        AssertGeneratorAgrees(bytes, Scratch());
    }

    // $ only here: the generator would expand it, EnvironmentFile= does not.
    public static readonly TheoryData<string, string> DollarCases = new()
    {
        { "escaped and plain dollars", "A=\"a\\$x $y\"\nB=$HOME ${X}\nC='$z'\n" },
    };

    [Journal.RealTheory("systemd-analyze")]
    [MemberData(nameof(IssueCases))]
    [MemberData(nameof(DollarCases))]
    public void IssueCasesReadAsEnvironmentFileReadsThem(string name, string text)
    {
        Assert.NotNull(name);
        AssertLoadEnvFileAgrees(Latin1Where(text), Scratch());
    }

    [RealFact("systemd-analyze")]
    public void FiveThousandRandomFilesReadAsSystemdsGeneratorReadsThem()
    {
        // Each file's names carry its number, so one generator run reads hundreds of files side by
        // side: starting the generator once a file cost most of this test's time. A file on which
        // the generator dies (a value that is not UTF-8, about one in four) would take its batch with
        // it, so such files still run alone, and the generator must die on each of them.
        var scratch = Scratch();
        var random = new Random(20252);
        var files = Enumerable.Range(0, 5000).Select(i => (Index: i, Bytes: RandomFile(random, dollar: false, tag: $"_f{i}"))).ToList();
        var runs = 0;
        foreach (var (index, bytes) in files.Where(f => GeneratorRules(f.Bytes) is null))
        {
            AssertGeneratorAgrees(bytes, scratch, $"file {index}");
            runs++;
        }
        foreach (var batch in files.Where(f => GeneratorRules(f.Bytes) is not null).Chunk(500))
            AssertGeneratorAgreesOnBatch(batch, scratch, ref runs);
        output.WriteLine($"{files.Count} files in {runs} runs of the generator");
    }

    // The generator over several files at once, against NginxKit's reading of each file folded in
    // order (a later file's variable replaces an earlier one). The generator dies on a value that is
    // not UTF-8 (see AssertGeneratorAgrees), taking the batch with it: the batch is then halved until
    // each file that kills it runs alone. A batch that disagrees is run file by file, to name the file.
    private static void AssertGeneratorAgreesOnBatch(IReadOnlyList<(int Index, byte[] Bytes)> batch, string scratch, ref int runs)
    {
        runs++;
        var actual = SystemdOracle.RunGeneratorOn(batch.Select(f => f.Bytes).ToList(), scratch);
        if (actual is null)
        {
            if (batch.Count == 1)
            {
                AssertGeneratorAgrees(batch[0].Bytes, scratch, $"file {batch[0].Index}");
                return;
            }
            AssertGeneratorAgreesOnBatch(batch.Take(batch.Count / 2).ToList(), scratch, ref runs);
            AssertGeneratorAgreesOnBatch(batch.Skip(batch.Count / 2).ToList(), scratch, ref runs);
            return;
        }
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        var agrees = true;
        foreach (var (_, bytes) in batch)
        {
            if (GeneratorRules(bytes) is { } variables)
                foreach (var (key, value) in variables) expected[key] = value;
            else agrees = false; // NginxKit says this file kills the generator, yet the batch ran
        }
        foreach (var name in SystemNames.Value) { actual.Remove(name); expected.Remove(name); }
        if (agrees && Same(expected, actual)) return;
        foreach (var (index, bytes) in batch) AssertGeneratorAgrees(bytes, scratch, $"file {index}");
        Assert.Fail($"Files {batch[0].Index}-{batch[^1].Index} disagree together, not alone.\nNginxKit: {Show(expected)}\nsystemd generator: {Show(actual)}");
    }

    [RealFact("systemd-analyze")]
    public void FiveThousandRandomFilesReadAsEnvironmentFileReadsThem()
    {
        // With $ too: EnvironmentFile= expands nothing, which the generator would.
        var scratch = Scratch();
        var random = new Random(252);
        for (int i = 0; i < 5000; i++)
            AssertLoadEnvFileAgrees(RandomFile(random, dollar: true), scratch, $"file {i}");
    }

    [RealFact("systemd-analyze")]
    public void ValuesNginxKitWritesReadBackExactlyInSystemdsParser()
    {
        var scratch = Scratch();
        var random = new Random(7);
        var alphabet = "ab \t\"'\\$`#;=%{}é€\u4e2d😀".EnumerateRunes().Select(r => r.ToString()).ToArray();
        for (int i = 0; i < 500; i++)
        {
            var value = string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            var file = EnvironmentFile.Parse("# keep\nOTHER='x'\n");
            file.Set("NKT_VALUE", value);
            var path = Path.Combine(scratch, "written.env");
            File.WriteAllBytes(path, file.ToBytes());
            var systemd = SystemdOracle.LoadEnvFile(path);
            Assert.Equal(value, systemd["NKT_VALUE"]);
            Assert.Equal("x", systemd["OTHER"]);
        }
    }

    private static string Scratch() => Directory.CreateTempSubdirectory("nginxkit-oracle-").FullName;

    // \u0080-\u00ff in a case stands for that raw byte (Latin-1); the rest is UTF-8.
    private static byte[] Latin1Where(string text)
    {
        var bytes = new List<byte>();
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is >= 0x80 and <= 0xff && rune.Value != 0xe9) bytes.Add((byte)rune.Value);
            else bytes.AddRange(Encoding.UTF8.GetBytes(rune.ToString()));
        }
        return bytes.ToArray();
    }

    private static readonly Lazy<HashSet<string>> SystemNames = new(() => SystemdOracle.RunGenerator([], Scratch()).Keys.ToHashSet());

    // The generator's rules over NginxKit's items: an assignment without a value is skipped, and a
    // value that is not UTF-8 makes systemd 252's generator die (a double free in merge_env_file_push,
    // seen here) before it prints anything: null then.
    private static Dictionary<string, string>? GeneratorRules(byte[] bytes)
    {
        var parsed = EnvironmentFile.Parse(bytes);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in parsed.NulLine is null ? parsed.Lines : [])
        {
            if (line.Kind == EnvironmentLineKind.Assignment && line.Value is not null) expected[line.Key!] = line.Value;
            else if (line.Reason == "InvalidUtf8Value" && line.Value is not null && EnvironmentFile.IsValidName(line.Key!)) return null;
        }
        return expected;
    }

    private static void AssertGeneratorAgrees(byte[] bytes, string scratch, string? label = null)
    {
        Assert.DoesNotContain((byte)'$', bytes);
        var expected = GeneratorRules(bytes) ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var actual = SystemdOracle.RunGenerator(bytes, scratch);
        foreach (var name in SystemNames.Value) { actual.Remove(name); expected.Remove(name); }
        Assert.True(Same(expected, actual), $"{label}: {Show(bytes)}\nNginxKit (generator rules): {Show(expected)}\nsystemd generator: {Show(actual)}");
    }

    private static void AssertLoadEnvFileAgrees(byte[] bytes, string scratch, string? label = null)
    {
        var path = Path.Combine(scratch, "oracle.env");
        File.WriteAllBytes(path, bytes);
        var expected = EnvironmentFile.Parse(bytes).Variables;
        var actual = SystemdOracle.LoadEnvFile(path);
        Assert.True(Same(expected, actual), $"{label}: {Show(bytes)}\nNginxKit: {Show(expected)}\nsystemd load_env_file: {Show(actual)}");
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Show(byte[] bytes) => NginxKit.Engine.Text.ByteText.Display(bytes).Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t").Replace("\0", "\\0");

    private static string Show(IReadOnlyDictionary<string, string> map) =>
        "{" + string.Join(", ", map.OrderBy(k => k.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=[{kv.Value.Replace("\n", "\\n").Replace("\r", "\\r")}]")) + "}";

    // Pieces that exercise every state of the parser, the edges between them, and bytes systemd
    // treats specially (CR, NUL, BOM, Latin-1, invalid and non-character UTF-8).
    private static readonly byte[][] Pieces =
    [
        .. new[] { "A", "B", "NKT_X", "_y", "DOCKER_OPTS", "http_proxy", "HTTP_PROXY", "9z", "a b", "export A", "export\tB", "x-y" }.Select(Encoding.UTF8.GetBytes),
        .. new[] { "=", "=", "=", "\n", "\n", "\n", "\r", "\r\n", " ", "\t", "\"", "\"", "'", "'", "\\", "\\", "#", ";", "value", "v w", "é", "€", "--dns 1.1.1.1", "http://u:p@h:3128" }.Select(Encoding.UTF8.GetBytes),
        [0xe9], [0xff], [0xc3], [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbe], [0xef, 0xb7, 0x90], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x01], [0x7f], [0x00],
    ];

    // tag: appended to every name piece, so that files read side by side set names of their own
    // (a piece that is not a valid name stays invalid with it: "9z_f1", "a b_f1", "x-y_f1").
    private static byte[] RandomFile(Random random, bool dollar, string? tag = null)
    {
        var tagBytes = Encoding.ASCII.GetBytes(tag ?? string.Empty);
        byte[] Piece(int index) => index < 12 && tagBytes.Length > 0 ? [.. Pieces[index], .. tagBytes] : Pieces[index];
        var bytes = new List<byte>();
        if (random.Next(20) == 0) bytes.AddRange([0xef, 0xbb, 0xbf]);
        var count = random.Next(1, 40);
        for (int i = 0; i < count; i++)
        {
            // Mostly well-formed lines, so deeper states are reached; the rest random pieces.
            if (random.Next(3) == 0)
            {
                bytes.AddRange(Piece(random.Next(12)));
                bytes.AddRange("="u8.ToArray());
                var quote = random.Next(4) switch { 0 => "\"", 1 => "'", _ => "" };
                bytes.AddRange(Encoding.UTF8.GetBytes(quote));
                for (int k = random.Next(0, 4); k > 0; k--) bytes.AddRange(Pieces[random.Next(12, Pieces.Length)]);
                if (random.Next(4) > 0) bytes.AddRange(Encoding.UTF8.GetBytes(quote));
                bytes.AddRange(random.Next(5) == 0 ? "\r\n"u8.ToArray() : "\n"u8.ToArray());
            }
            else
            {
                var piece = Piece(random.Next(Pieces.Length));
                if (piece is [0x00] && random.Next(4) > 0) continue; // NUL, but not too often: it ends the file
                bytes.AddRange(piece);
            }
            if (dollar && random.Next(10) == 0) bytes.AddRange("$A${B}$"u8.ToArray());
        }
        return bytes.ToArray();
    }
}
