using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Journal;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>What -Follow, -Last, -Since/-Until and -Priority mean before anything is read.</summary>
public class JournalQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false, null, false, null)] // no -Follow: everything
    [InlineData(true, null, false, 10)]    // -Follow: the last 10, as journalctl -f
    [InlineData(true, 3, false, 3)]        // -Follow -Last 3
    [InlineData(true, 0, false, 0)]        // -Follow -Last 0: only new ones
    [InlineData(true, null, true, null)]   // -Follow -Since: everything from Since, as journalctl -f --since
    [InlineData(false, 5, true, 5)]
    public void LinesFollowJournalctlsRule(bool follow, int? last, bool since, int? lines)
    {
        var query = new JournalQuery { Follow = follow, Last = last, Since = since ? Now : null };
        Assert.Equal(lines, query.Lines);
    }

    [Theory]
    [InlineData("99999999999 days ago")]
    [InlineData("@99999999999999")]
    [InlineData("@253402300800")]    // 10000-01-01
    [InlineData("+99999999 weeks")]
    [InlineData("2000000 weeks ago")] // before year 1
    [InlineData("60000 days ago")]    // before 1970, which journalctl refuses too
    public void ATimeOutOfRangeIsInvalidJournalTimeThatSaysSo(string text)
    {
        var ex = Assert.Throws<NginxKitException>(() => JournalQuery.ParseTime(text, Now));
        Assert.Equal(ErrorCatalog.InvalidJournalTime.Id, ex.Problem.ErrorId);
        Assert.Equal(ProblemCategory.InvalidArgument, ex.Problem.Category);
        Assert.Contains("out of range", ex.Message);
        Assert.Equal(text, ex.Problem.Target);
        Assert.NotNull(ex.Problem.Hint);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("3 fortnights ago")]
    [InlineData("@-5")]
    [InlineData("@12abc")]
    public void TextThatIsNoTimeIsInvalidJournalTime(string text)
    {
        var ex = Assert.Throws<NginxKitException>(() => JournalQuery.ParseTime(text, Now));
        Assert.Equal(ErrorCatalog.InvalidJournalTime.Id, ex.Problem.ErrorId);
    }

    [Fact]
    public void ReadsJournalctlsForms()
    {
        Assert.Equal(Now.AddHours(-1), JournalQuery.ParseTime("1 hour ago", Now));
        Assert.Equal(Now.AddMinutes(-30), JournalQuery.ParseTime("-30min", Now));
        Assert.Equal(Now.AddHours(2), JournalQuery.ParseTime("+2h", Now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764064800).AddTicks(1234560), JournalQuery.ParseTime("@1764064800.123456", Now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(253402300799), JournalQuery.ParseTime("@253402300799", Now)); // the last second of 9999
        Assert.Equal(Now, JournalQuery.ParseTime("now", Now));
    }

    [Fact]
    public void ReadsTimesAsGivenAndRefusesWhatIsNoTime()
    {
        Assert.Null(JournalQuery.ReadTime(null, Now));
        Assert.Equal(Now, JournalQuery.ReadTime(Now, Now));
        var utc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal(new DateTimeOffset(utc), JournalQuery.ReadTime(utc, Now));
        Assert.Equal(Now.AddDays(-1), JournalQuery.ReadTime("1 day ago", Now));
        var ex = Assert.Throws<NginxKitException>(() => JournalQuery.ReadTime(42, Now));
        Assert.Equal(ErrorCatalog.InvalidJournalTime.Id, ex.Problem.ErrorId);
    }

    [Theory]
    [InlineData("err", JournalPriority.Emergency, JournalPriority.Error)]
    [InlineData("warning..err", JournalPriority.Error, JournalPriority.Warning)]
    [InlineData("7", JournalPriority.Emergency, JournalPriority.Debug)]
    public void ReadsPriorities(string text, JournalPriority most, JournalPriority least)
    {
        Assert.Equal((most, least), JournalQuery.ParsePriority(text));
    }

    [Theory]
    [InlineData("loud")]
    [InlineData("8")]
    [InlineData("err..")]
    [InlineData("warning..bogus")]
    public void APriorityThatIsNoneIsInvalidPriority(string text)
    {
        var ex = Assert.Throws<NginxKitException>(() => JournalQuery.ParsePriority(text));
        Assert.Equal(ErrorCatalog.InvalidPriority.Id, ex.Problem.ErrorId);
        Assert.Equal(ProblemCategory.InvalidArgument, ex.Problem.Category);
        Assert.Equal(text, ex.Problem.Target);
        Assert.Contains("is not a priority", ex.Message);
    }
}
