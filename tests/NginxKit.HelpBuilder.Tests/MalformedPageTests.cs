using NginxKit.HelpBuilder.Markdown;
using NginxKit.HelpBuilder.Pages;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

/// <summary>A page that cannot be read as help is an error naming the file and the line to fix.</summary>
public sealed class MalformedPageTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("helpbuilder-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private HelpFormatException ReadError(string markdown)
    {
        var path = Path.Combine(directory, "Get-Thing.md");
        File.WriteAllText(path, markdown);
        var error = Assert.Throws<HelpFormatException>(() => CommandPageReader.Read(path));
        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}:{error.Line}: ", error.Message);
        return error;
    }

    private static string Page(string sections) => Pages.FrontMatter + "# Get-Thing\n\n" + sections;

    /// <summary>Line numbers count the six lines of front matter and the blank line after it.</summary>
    private const int TitleLine = 8;

    [Fact]
    public void A_code_block_never_closed_names_the_line_that_opened_it()
    {
        var error = ReadError(Page("## SYNOPSIS\nGets.\n\n## EXAMPLES\n\n### Example 1\n```powershell\nGet-Thing\n\n## PARAMETERS\n"));

        Assert.Equal(TitleLine + 8, error.Line);
        Assert.Contains("code block opened here with '```' is never closed", error.Reason);
    }

    [Fact]
    public void Front_matter_never_closed_is_an_error_on_line_1()
    {
        var error = ReadError("---\nexternal help file: Test.dll-Help.xml\n\n# Get-Thing\n");

        Assert.Equal(1, error.Line);
        Assert.Contains("front matter", error.Reason);
    }

    [Fact]
    public void A_front_matter_line_that_is_not_key_value_is_named()
    {
        var error = ReadError("---\nschema: 2.0.0\njust words\n---\n\n# Get-Thing\n");

        Assert.Equal(3, error.Line);
        Assert.Contains("'just words' is not 'key: value'", error.Reason);
    }

    [Fact]
    public void A_page_without_a_title_is_an_error()
    {
        Assert.Contains("no '#' title", ReadError(Pages.FrontMatter + "## SYNOPSIS\nGets.\n").Reason);
    }

    [Fact]
    public void Text_before_the_title_is_an_error()
    {
        var error = ReadError(Pages.FrontMatter + "Stray text.\n\n# Get-Thing\n");

        Assert.Equal(TitleLine, error.Line);
        Assert.Contains("before the page's '#' title", error.Reason);
    }

    [Fact]
    public void A_second_title_is_an_error_at_that_title()
    {
        var error = ReadError(Page("## SYNOPSIS\nGets.\n\n# Set-Thing\n"));

        Assert.Equal(TitleLine + 5, error.Line);
        Assert.Contains("a second '#' title ('Set-Thing')", error.Reason);
    }

    [Fact]
    public void Text_between_the_title_and_the_first_section_is_an_error()
    {
        var error = ReadError(Page("Gets things.\n\n## SYNOPSIS\nGets.\n"));

        Assert.Equal(TitleLine + 2, error.Line);
        Assert.Contains("belongs to no section", error.Reason);
    }

    [Fact]
    public void An_unknown_section_is_an_error_that_lists_the_known_ones()
    {
        var error = ReadError(Page("## SYNOPSIS\nGets.\n\n## EXAMPLE\n\n### Example 1\n```\nGet-Thing\n```\n"));

        Assert.Equal(TitleLine + 5, error.Line);
        Assert.Contains("'## EXAMPLE' is not a section of a cmdlet page; they are SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES", error.Reason);
    }

    [Fact]
    public void A_repeated_section_is_an_error_at_its_second_heading()
    {
        var error = ReadError(Page("## NOTES\nOne.\n\n## NOTES\nTwo.\n"));

        Assert.Equal(TitleLine + 5, error.Line);
        Assert.Contains("a second '## NOTES' section", error.Reason);
    }

    [Fact]
    public void An_example_without_a_code_block_is_an_error_naming_the_example()
    {
        var error = ReadError(Page("## EXAMPLES\n\n### Example 1: Words only\nJust prose.\n"));

        Assert.Equal(TitleLine + 4, error.Line);
        Assert.Contains("the example 'Example 1: Words only' has no code block", error.Reason);
    }

    [Fact]
    public void Text_in_a_section_before_its_first_entry_is_an_error()
    {
        var error = ReadError(Page("## PARAMETERS\n\nThese are the parameters.\n\n### -Name\nA name.\n"));

        Assert.Equal(TitleLine + 4, error.Line);
        Assert.Contains("'## PARAMETERS' holds its entries under '###' headings", error.Reason);
    }

    [Theory]
    [InlineData("### Name")]
    [InlineData("### -Name <String>")]
    public void A_parameter_heading_that_is_not_dash_name_is_an_error(string heading)
    {
        var error = ReadError(Page($"## PARAMETERS\n\n{heading}\nA name.\n"));

        Assert.Equal(TitleLine + 4, error.Line);
        Assert.Contains("titled '### -Name' (or '### CommonParameters')", error.Reason);
    }

    [Fact]
    public void A_parameter_documented_twice_is_an_error()
    {
        var error = ReadError(Page("## PARAMETERS\n\n### -Name\nA name.\n\n### -name\nAgain.\n"));

        Assert.Equal(TitleLine + 7, error.Line);
        Assert.Contains("a second '### -name' section", error.Reason);
    }

    [Fact]
    public void A_heading_underlined_with_dashes_is_an_error_rather_than_a_silent_section()
    {
        var error = ReadError(Page("## DESCRIPTION\nGets things.\n---\n"));

        Assert.Equal(TitleLine + 4, error.Line);
        Assert.Contains("underlined with '---' or '==='", error.Reason);
    }

    [Fact]
    public void A_code_block_inside_a_list_item_is_an_error()
    {
        var error = ReadError(Page("## DESCRIPTION\n- an item\n\n  ```\n  code\n  ```\n"));

        Assert.Equal(TitleLine + 5, error.Line);
        Assert.Contains("inside a list item", error.Reason);
    }

    [Fact]
    public void Related_links_that_are_not_text_or_a_list_are_an_error()
    {
        var error = ReadError(Page("## RELATED LINKS\n\n```\nGet-Other\n```\n"));

        Assert.Equal(TitleLine + 4, error.Line);
        Assert.Contains("RELATED LINKS holds links", error.Reason);
    }
}
