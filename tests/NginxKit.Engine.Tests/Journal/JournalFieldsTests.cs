using System.Text;
using NginxKit.Engine.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>Data objects as SdJournalReader stores them: which ones journalctl -o json would refuse, pass over, or read.</summary>
public class JournalFieldsTests
{
    private static (bool WellFormed, JournalEntry? Entry) Store(params string[] items)
    {
        var collector = new JournalFields();
        var values = JournalFields.FromHeader(1_000_000, "00112233445566778899aabbccddeeff", "c");
        var wellFormed = true;
        foreach (var item in items) wellFormed &= collector.StoreItem(ref values, Encoding.UTF8.GetBytes(item));
        return (wellFormed, JournalFields.Build(values));
    }

    [Theory]
    [InlineData("MESSAGE<time=\"t\" level=info")]   // '=' flipped: the name runs to the next '='
    [InlineData("message=lower case")]
    [InlineData("9LIVES=a leading digit")]
    [InlineData("=no name")]
    [InlineData("DOCKER-NAME=a dash")]
    public void AFieldNameJournaldNeverWritesIsMalformed(string item)
    {
        Assert.False(Store("MESSAGE=kept", item).WellFormed);
    }

    [Fact]
    public void ANameOfMoreThan64CharactersIsMalformedAndOf64IsNot()
    {
        Assert.True(Store(new string('A', 64) + "=v").WellFormed);
        Assert.False(Store(new string('A', 65) + "=v").WellFormed);
    }

    [Fact]
    public void DataWithoutAnEqualsSignInItsFirst4KiBIsPassedOverAsJournalctlJsonDoes()
    {
        var (wellFormed, entry) = Store("MESSAGE=kept", "NO EQUALS AT ALL", new string('X', 4096) + "=late");
        Assert.True(wellFormed);
        Assert.Equal("kept", entry!.Message);
    }

    [Fact]
    public void ProtectedAndOrdinaryNamesAreWellFormed()
    {
        var (wellFormed, entry) = Store("_SYSTEMD_UNIT=docker.service", "__CURSOR_LIKE=x", "CONTAINER_ID_FULL=abc", "_PID=812", "MESSAGE=m");
        Assert.True(wellFormed);
        Assert.Equal("docker.service", entry!.Unit);
        Assert.Equal(812, entry.Pid);
    }
}
