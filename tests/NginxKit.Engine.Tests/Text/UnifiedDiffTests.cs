using NginxKit.Engine.Text;
using Xunit;

namespace NginxKit.Engine.Tests.Text;

public class UnifiedDiffTests
{
    [Fact]
    public void EqualTextsHaveNoDiff() => Assert.Equal("", UnifiedDiff.Create("a\n", "a\n", "x", "y"));

    [Fact]
    public void OneChangedLineGivesOneHunkWithContext()
    {
        var before = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}")) + "\n";
        var after = before.Replace("line 10\n", "line ten\n");
        var diff = UnifiedDiff.Create(before, after, "a/f", "b/f");
        Assert.Equal("""
            --- a/f
            +++ b/f
            @@ -7,7 +7,7 @@
             line 7
             line 8
             line 9
            -line 10
            +line ten
             line 11
             line 12
             line 13

            """.Replace("\r\n", "\n"), diff);
    }

    [Fact]
    public void DistantChangesGiveSeparateHunks()
    {
        var before = string.Join('\n', Enumerable.Range(1, 40).Select(i => $"{i}")) + "\n";
        var after = before.Replace("\n3\n", "\nthree\n").Replace("\n35\n", "\nthirty-five\n");
        Assert.Equal(2, UnifiedDiff.Create(before, after, "a", "b").Split('\n').Count(l => l.StartsWith("@@")));
    }

    [Fact]
    public void NewFileIsAllAdditions()
    {
        var diff = UnifiedDiff.Create(null, "x\ny\n", "/dev/null", "f");
        Assert.Contains("@@ -0,0 +1,2 @@\n+x\n+y\n", diff);
    }

    [Fact]
    public void HugeRewritesFallBackToAWholeReplacement()
    {
        var before = string.Join('\n', Enumerable.Range(0, 30000).Select(i => $"a{i}")) + "\n";
        var after = string.Join('\n', Enumerable.Range(0, 30000).Select(i => $"b{i}")) + "\n";
        var diff = UnifiedDiff.Create(before, after, "a", "b");
        Assert.Equal(30000, diff.Split('\n').Count(l => l.StartsWith('-') && !l.StartsWith("---")));
        Assert.Equal(30000, diff.Split('\n').Count(l => l.StartsWith('+') && !l.StartsWith("+++")));
    }
}
