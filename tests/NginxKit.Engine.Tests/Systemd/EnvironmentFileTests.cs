using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;
using Xunit;
using NginxKit.Engine.Docker;

namespace NginxKit.Engine.Tests.Systemd;

public class EnvironmentFileTests
{
    [Fact]
    public void ReadsSystemdsGrammar()
    {
        var file = EnvironmentFile.Parse("""
            # Docker Upstart and SysVinit configuration file
            ; also a comment
            DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"
              PLAIN = value with spaces   
            SINGLE='a "b" $c \d'
            DOUBLE="a \"b\" \$c \\d \x"
            ESCAPED=a\ b\#c
            CONT="one \
            two"
            export http_proxy=http://proxy:3128
            not an assignment
            1BAD=x
            EMPTY=

            """);
        var v = file.Variables;
        Assert.Equal("--dns 8.8.8.8 --dns 8.8.4.4", v["DOCKER_OPTS"]);
        Assert.Equal("value with spaces", v["PLAIN"]);
        Assert.Equal("a \"b\" $c \\d", v["SINGLE"]);
        Assert.Equal("a \"b\" $c \\d \\x", v["DOUBLE"]);
        Assert.Equal("a b#c", v["ESCAPED"]);
        Assert.Equal("one two", v["CONT"]);
        Assert.Equal("", v["EMPTY"]);
        Assert.False(v.ContainsKey("http_proxy"));
        Assert.False(v.ContainsKey("1BAD"));
        var export = Assert.Single(file.ExportLines);
        Assert.Equal(("http_proxy", "http://proxy:3128", 10), (export.Key, export.Value, export.LineNumber));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("with spaces  and tabs\t")]
    [InlineData("quotes \" and ' mixed")]
    [InlineData("dollar $HOME ${X} and backtick `id`")]
    [InlineData("percent %h %% and hash # and semicolon ;")]
    [InlineData("back\\slash\\")]
    [InlineData("")]
    public void QuotedValuesReadBackExactly(string value)
    {
        var file = EnvironmentFile.Empty();
        file.Set("X", value);
        Assert.Equal(value, EnvironmentFile.Parse(file.Render()).Variables["X"]);
    }

    [Fact]
    public void ControlCharactersAreRefused()
    {
        var ex = Assert.Throws<NginxKitException>(() => EnvironmentFile.Empty().Set("X", "a\nb"));
        Assert.Equal(ErrorCatalog.InvalidEnvironmentValue.Id, ex.Problem.ErrorId);
        Assert.Equal(ErrorCatalog.InvalidEnvironmentName.Id, Assert.Throws<NginxKitException>(() => EnvironmentFile.Empty().Set("A-B", "x")).Problem.ErrorId);
    }

    [Fact]
    public void SettingKeepsCommentsAndUnrelatedLinesByteForByte()
    {
        var text = "# keep me\nFOO='x'\n  # indented comment\nDOCKER_OPTS=\"--dns 1.1.1.1\"\nBAR=y\n";
        var file = EnvironmentFile.Parse(text);
        file.Set("DOCKER_OPTS", "--dns 9.9.9.9");
        Assert.Equal("# keep me\nFOO='x'\n  # indented comment\nDOCKER_OPTS=\"--dns 9.9.9.9\"\nBAR=y\n", file.Render());
    }

    [Fact]
    public void SettingTheSameValueLeavesTheOriginalSpelling()
    {
        var text = "DOCKER_OPTS='--dns 1.1.1.1'\n";
        var file = EnvironmentFile.Parse(text);
        file.Set("DOCKER_OPTS", "--dns 1.1.1.1");
        Assert.Equal(text, file.Render());
    }

    [Fact]
    public void ExportLinesBecomePlainAssignments()
    {
        var file = EnvironmentFile.Parse("# proxy\nexport http_proxy=\"http://p:3128\"\nexport NO_PROXY=localhost\n");
        Assert.Equal(["http_proxy", "NO_PROXY"], file.FixExportLines());
        Assert.Equal("# proxy\nhttp_proxy=\"http://p:3128\"\nNO_PROXY=\"localhost\"\n", file.Render());
        Assert.Equal("http://p:3128", file.Variables["http_proxy"]);
    }

    [Fact]
    public void RemovingAVariableDropsEveryAssignmentOfIt()
    {
        var file = EnvironmentFile.Parse("A=1\nB=2\nA=3\n");
        file.Set("A", null);
        Assert.Equal("B=2\n", file.Render());
    }
}

public class DockerOptionsTests
{
    [Fact]
    public void ReplacesAFlagInBothFormsAtItsPlace()
    {
        var o = DockerOptions.Parse("--log-level warn --dns 1.1.1.1 --dns=8.8.8.8 --bip 10.1.0.1/24");
        o.Replace("--dns", ["9.9.9.9", "149.112.112.112"]);
        Assert.Equal("--log-level warn --dns 9.9.9.9 --dns 149.112.112.112 --bip 10.1.0.1/24", o.ToString());
        o.Replace("--dns", []);
        Assert.Equal("--log-level warn --bip 10.1.0.1/24", o.ToString());
        Assert.Equal(["10.1.0.1/24"], o.ValuesOf("--bip"));
    }

    [Theory]
    [InlineData("a b", "WhitespaceInValue")]
    [InlineData("", "EmptyValue")]
    public void ValuesThatSystemdWouldSplitAreRefused(string value, string rule)
    {
        var ex = Assert.Throws<NginxKitException>(() => DockerOptions.Parse("").Replace("--label", [value]));
        Assert.Equal((ErrorCatalog.InvalidDockerOption.Id, rule), (ex.Problem.ErrorId, ex.Problem.Rule));
    }

    [Theory]
    [InlineData("--label \"a b\" --dns 1.1.1.1", new[] { "--label", "a b", "--dns", "1.1.1.1" })]
    [InlineData("--label 'x \"y' a\\d c\\nd", new[] { "--label", "x \"y", "ad", "cnd" })]
    [InlineData("  --dns\t8.8.8.8  ", new[] { "--dns", "8.8.8.8" })]
    public void ReadsDockerOptsWithSystemdsWordRules(string value, string[] words) => Assert.Equal(words, DockerOptions.Parse(value).Words);

    [Fact]
    public void KeepsAHandWrittenQuotedWordWhenOtherFlagsChange()
    {
        var o = DockerOptions.Parse("--label \"a b\" --dns 1.1.1.1");
        o.Replace("--dns", ["9.9.9.9"]);
        Assert.Equal(["--label", "a b", "--dns", "9.9.9.9"], DockerOptions.Parse(o.ToString()).Words);
    }

    [Theory]
    [InlineData("a\\d")]
    [InlineData("a\"b")]
    [InlineData("a'b")]
    public void ValuesWithQuotesOrBackslashesAreRefused(string value) =>
        Assert.Equal("QuoteOrBackslashInValue", Assert.Throws<NginxKitException>(() => DockerOptions.Parse("").Replace("--label", [value])).Problem.Rule);

    [Fact]
    public void RawOptionsWithQuotesAreRefused() =>
        Assert.Equal("QuotedValue", Assert.Throws<NginxKitException>(() => DockerOptions.FromRaw("--label 'a b'")).Problem.Rule);

    [Theory]
    [InlineData("http://user:secret@proxy:3128", "http://user:***@proxy:3128")]
    [InlineData("x=https://u:p%40ss@h/ y", "x=https://u:***@h/ y")]
    [InlineData("http://proxy:3128", "http://proxy:3128")]
    public void CredentialsInTextAreMasked(string text, string masked) => Assert.Equal(masked, Credentials.MaskText(text));
}
