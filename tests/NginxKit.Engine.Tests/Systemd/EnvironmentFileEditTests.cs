using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;
using Xunit;

namespace NginxKit.Engine.Tests.Systemd;

/// <summary>Edits keep every byte they do not mean to change, and refuse what would not read back as asked.</summary>
public class EnvironmentFileEditTests
{
    private static byte[] Edit(byte[] original, string key, string? value)
    {
        var file = EnvironmentFile.Parse(original);
        file.Set(key, value);
        return file.ToBytes();
    }

    [Fact]
    public void ALatin1ByteInAnUnrelatedCommentStaysThatByte()
    {
        var original = "# caf\xe9 proxy\nA=1\n"u8.ToArray();
        original = [.. "# caf"u8, 0xe9, .. " proxy\nA=1\n"u8];
        var edited = Edit(original, "A", "2");
        Assert.Equal([.. "# caf"u8, 0xe9, .. " proxy\nA=\"2\"\n"u8], edited);
    }

    [Fact]
    public void CrlfLineEndsAndTrailingWhitespaceStayAndNewLinesFollowThem()
    {
        var original = "# keep  \r\nA=1\r\nB='x' \r\n"u8.ToArray();
        var edited = Edit(original, "A", "2");
        Assert.Equal("# keep  \r\nA=\"2\"\r\nB='x' \r\n", Encoding.UTF8.GetString(edited));
        Assert.Equal("# keep  \r\nA=1\r\nB='x' \r\nC=\"3\"\r\n", Encoding.UTF8.GetString(Edit(original, "C", "3")));
    }

    [Fact]
    public void ABomStaysAndItsInvalidFirstNameIsReportedNotSet()
    {
        var original = "\uFEFFDOCKER_OPTS=\"--dns 8.8.8.8\"\nB=2\n";
        var file = EnvironmentFile.Parse(original);
        Assert.False(file.Variables.ContainsKey("DOCKER_OPTS"));
        Assert.Equal("InvalidName", Assert.Single(file.IgnoredLines).Reason);
        file.Set("DOCKER_OPTS", "--dns 9.9.9.9");
        Assert.Equal(original + "DOCKER_OPTS=\"--dns 9.9.9.9\"\n", Encoding.UTF8.GetString(file.ToBytes()));
    }

    [Fact]
    public void AValueSpanningLinesIsOneItemAndIsNotRewrittenLineByLine()
    {
        var original = "A=\"line1\nhttp_proxy=http://old:3128\"\n";
        var file = EnvironmentFile.Parse(original);
        Assert.Equal("line1\nhttp_proxy=http://old:3128", file.Variables["A"]);
        Assert.False(file.Variables.ContainsKey("http_proxy"));
        file.Set("http_proxy", "http://new:3128");
        Assert.Equal(original + "http_proxy=\"http://new:3128\"\n", Encoding.UTF8.GetString(file.ToBytes()));
    }

    [Theory]
    [InlineData("A=\"open\nB=1\n", "OpenAtEnd")]
    [InlineData("A=1\n# a comment \\\n", "OpenAtEnd")]
    [InlineData("A=x\\", "OpenAtEnd")]
    [InlineData("A=1\nB=2\0\n", "NulByte")]
    public void AnAppendThatSystemdWouldNotReadAsItsOwnLineIsRefusedNamingTheLine(string original, string rule)
    {
        var file = EnvironmentFile.Parse(original, "/etc/default/docker");
        file.Set("http_proxy", "http://p:3128");
        var ex = Assert.Throws<NginxKitException>(file.ToBytes);
        Assert.Equal((ErrorCatalog.EnvironmentFileNotEditable.Id, rule), (ex.Problem.ErrorId, ex.Problem.Rule));
        Assert.Matches(@"^/etc/default/docker:\d+", ex.Problem.Message);
    }

    [Fact]
    public void AFileSystemdIgnoresWholeForInvalidUtf8IsNotEdited()
    {
        byte[] original = [.. "A=1\nB="u8, 0xff, .. "\n"u8];
        var file = EnvironmentFile.Parse(original, "f");
        Assert.Empty(file.Variables);
        Assert.Equal(2, file.UnreadableLine);
        file.Set("A", "2");
        Assert.Equal("InvalidUtf8", Assert.Throws<NginxKitException>(file.ToBytes).Problem.Rule);
    }

    [Fact]
    public void ALoneCrEndsALine()
    {
        var file = EnvironmentFile.Parse("A=one\rB=two\r");
        Assert.Equal(("one", "two"), (file.Variables["A"], file.Variables["B"]));
        Assert.Equal([1, 2], file.Lines.Select(l => l.LineNumber));
    }

    [Fact]
    public void ACommentEndingInABackslashSwallowsTheNextLine()
    {
        var file = EnvironmentFile.Parse("# proxy \\\nhttp_proxy=http://p:3128\n");
        Assert.Empty(file.Variables);
        Assert.Equal(EnvironmentLineKind.Comment, Assert.Single(file.Lines).Kind);
    }

    [Fact]
    public void ALoneSurrogateIsNotWritten() =>
        Assert.Equal("InvalidUnicode", Assert.Throws<NginxKitException>(() => EnvironmentFile.Empty().Set("A", "a" + (char)0xD800)).Problem.Rule);

    [Theory]
    [InlineData("\uFFFE", "InvalidUnicode")]
    [InlineData("\uFDD0", "InvalidUnicode")]
    [InlineData("a\rb", "ControlCharacter")]
    public void ValuesSystemdWouldRefuseAreNotWritten(string value, string rule) =>
        Assert.Equal((ErrorCatalog.InvalidEnvironmentValue.Id, rule),
            Assert.Throws<NginxKitException>(() => EnvironmentFile.Empty().Set("A", value)) is var ex ? (ex.Problem.ErrorId, ex.Problem.Rule) : default);
}
