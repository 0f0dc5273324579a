using NginxKit.HelpBuilder.Pages;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

/// <summary>Markdown as Get-Help prints it, read through a DESCRIPTION section.</summary>
public class PlainTextTests
{
    private static IReadOnlyList<string> Description(string markdown) =>
        Pages.WithSections("## DESCRIPTION\n" + markdown).Description;

    private static string Text(string markdown) => Assert.Single(Description(markdown));

    [Theory]
    [InlineData("Use `-Name` here.", "Use -Name here.")]
    [InlineData("Use `` a`b `` here.", "Use a`b here.")]
    [InlineData("*one* **two** _three_ __four__ ***five***", "one two three four five")]
    [InlineData("snake_case_name and a * b", "snake_case_name and a * b")]
    [InlineData(@"\*not emphasis\* and \`not code\`", "*not emphasis* and `not code`")]
    [InlineData("nodes labelled role=<role>, files <file>.bak", "nodes labelled role=<role>, files <file>.bak")]
    [InlineData("passwords shown as ***, and", "passwords shown as ***, and")]
    [InlineData("AT&amp;T &lt;tag&gt;", "AT&T <tag>")]
    public void Inline_markup_goes_and_its_text_stays(string markdown, string expected)
    {
        Assert.Equal(expected, Text(markdown));
    }

    [Theory]
    [InlineData("See [Get-Other](Get-Other.md).", "See Get-Other.")]
    [InlineData("See [the docs](https://docs.example/a \"title\").", "See the docs (https://docs.example/a).")]
    [InlineData("See [https://docs.example/](https://docs.example/).", "See https://docs.example/.")]
    [InlineData("See <https://docs.example/a>.", "See https://docs.example/a.")]
    [InlineData("An ![architecture](arch.png) image.", "An architecture image.")]
    [InlineData("[`Get-Other`](Get-Other.md)", "Get-Other")]
    [InlineData("An [undefined][nope] reference and [brackets].", "An [undefined][nope] reference and [brackets].")]
    public void Links_keep_their_text_and_an_absolute_address(string markdown, string expected)
    {
        Assert.Equal(expected, Text(markdown));
    }

    [Fact]
    public void Soft_breaks_become_spaces_and_hard_breaks_newlines()
    {
        Assert.Equal("one two\nthree\nfour", Text("one\n   two  \nthree\\\nfour"));
    }

    [Fact]
    public void Lists_keep_one_line_per_item_with_continuations_joined_and_nesting_indented()
    {
        Assert.Equal(
            "- one\n  - nested\n    - deeper\n- two continued\n- three after a blank line",
            Text("- one\n  - nested\n    - deeper\n- two\n  continued\n- three\n\n  after a blank line\n"));
    }

    [Fact]
    public void A_loose_list_is_one_paragraph_and_its_item_paragraphs_join()
    {
        Assert.Equal("- one\n- two more", Text("- one\n\n- two\n\n  more\n"));
    }

    [Fact]
    public void Numbered_lists_keep_their_numbers_and_delimiters()
    {
        Assert.Equal(["1. first\n2. second", "3) third"], Description("1. first\n2. second\n\n3) third\n"));
    }

    [Fact]
    public void Nesting_deeper_than_eight_columns_is_capped()
    {
        Assert.Equal(
            "- a\n  - b\n    - c\n      - d\n        - e\n        - f",
            Text("- a\n  - b\n    - c\n      - d\n        - e\n          - f\n"));
    }

    [Fact]
    public void A_table_is_laid_out_in_aligned_columns_under_a_dashed_rule()
    {
        Assert.Equal(
            "task   does\n-----  -----------------\nBuild  publishes\nTest   runs `every` test",
            Text("| task | does |\n| --- | --- |\n| `Build` | publishes |\n| Test | runs \\`every\\` test |\n"));
    }

    [Fact]
    public void A_block_quote_gives_its_paragraphs()
    {
        Assert.Equal(["quoted text", "more"], Description("> quoted\n> text\n>\n> more\n"));
    }

    [Fact]
    public void Placeholders_left_by_platyPS_and_rules_give_no_paragraph()
    {
        Assert.Equal(["kept"], Description("{{ Fill in the Description }}\n\n---\n\nkept\n"));
    }

    [Fact]
    public void An_indented_code_block_keeps_its_lines_without_trailing_blanks()
    {
        Assert.Equal(["text", "code line\n  more"], Description("text\n\n    code line\n      more\n\n\n"));
    }
}
