using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Get-DockerJournal's -Since, -Until and -Priority: a value it cannot read stops it with its own ErrorId before any journal is read.</summary>
public sealed class GetDockerJournalParameterTests : ModuleTests
{
    [Theory]
    [InlineData("Since", "99999999999 days ago", "*out of range*between 1970 and the year 9999*")]
    [InlineData("Since", "@99999999999999", "*out of range*")]
    [InlineData("Until", "+99999999 weeks", "*out of range*")]
    [InlineData("Until", "next tuesday", "*not a time journalctl understands*")]
    public void ATimeItCannotReadIsInvalidJournalTimeSayingWhy(string parameter, string text, string why)
    {
        var result = Session.Run($"Get-DockerJournal -Directory $directory -{parameter} $text -ErrorAction Stop", ("directory", Temp.Path), ("text", text));
        var error = result.Terminating;
        Assert.NotNull(error);
        // Not an overflow inside a generic binding error.
        Assert.StartsWith("InvalidJournalTime,", error!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(text, error.TargetObject);
        Assert.True(Like(error.ToString(), why), error.ToString());
        Assert.True(Like(error.ToString(), $"*{text}*"), error.ToString());
    }

    [Fact]
    public void SinceGivenANumberWhichIsNoTimeIsInvalidJournalTime()
    {
        var result = Session.Run("Get-DockerJournal -Directory $directory -Since 42 -ErrorAction Stop", ("directory", Temp.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("InvalidJournalTime,", result.Terminating!.FullyQualifiedErrorId);
    }

    [Theory]
    [InlineData("loud")]
    [InlineData("warning..8")]
    public void APriorityItCannotReadIsInvalidPriority(string text)
    {
        var result = Session.Run("Get-DockerJournal -Directory $directory -Priority $text -ErrorAction Stop", ("directory", Temp.Path), ("text", text));
        var error = result.Terminating;
        Assert.NotNull(error);
        Assert.StartsWith("InvalidPriority,", error!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.True(Like(error.ToString(), "*is not a priority*"), error.ToString());
    }

    // As Pester's -BeLike: a wildcard pattern, case-insensitive.
    private static bool Like(string text, string pattern) => new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(text);
}
