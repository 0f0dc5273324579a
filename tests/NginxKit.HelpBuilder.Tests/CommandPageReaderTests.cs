using NginxKit.HelpBuilder.Pages;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

public class CommandPageReaderTests
{
    private readonly CommandHelpPage page = Pages.Read(Pages.Complete);

    [Fact]
    public void Names_the_page_by_its_file_and_keeps_its_title_and_sections_in_order()
    {
        Assert.Equal("Get-Thing", page.Command);
        Assert.Equal("Get-Thing", page.Title);
        Assert.Equal(["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"], page.Sections);
    }

    [Fact]
    public void Synopsis_is_plain_text_and_its_paragraphs_join_into_one()
    {
        Assert.Equal("Gets things.", page.Synopsis);
        Assert.Equal("One. Two.", Pages.WithSections("## SYNOPSIS\nOne.\n\nTwo.\n").Synopsis);
    }

    [Fact]
    public void Description_keeps_one_paragraph_per_block_with_subheadings_and_lists()
    {
        Assert.Equal(
            ["Get-Thing reads things from the store.", "Selecting", "- -Name picks things by name.\n- -All takes every thing."],
            page.Description);
    }

    [Fact]
    public void The_syntax_block_is_not_read_because_syntax_comes_from_the_cmdlet()
    {
        Assert.DoesNotContain(page.Description, p => p.Contains("CommonParameters"));
        Assert.DoesNotContain(page.Notes, p => p.Contains("CommonParameters"));
    }

    [Fact]
    public void An_example_has_its_title_its_code_and_remarks_with_later_output_blocks()
    {
        var example = Assert.Single(page.Examples);
        Assert.Equal("Example 1: One thing", example.Title);
        Assert.Equal("PS> Get-Thing -Name a", example.Code);
        Assert.Equal(["Writes the thing named a:", "Name\n----\na"], example.Remarks);
    }

    [Fact]
    public void The_first_run_of_code_blocks_is_the_code_and_text_before_it_is_a_remark()
    {
        var example = Assert.Single(Pages.WithSections("""
            ## EXAMPLES

            ### Example 1: `Two` *commands*
            First this:

            ```powershell
            $a = 1  
            ```

            ~~~
            $a
            ~~~

            Then:

                indented, after text
            """).Examples);

        Assert.Equal("Example 1: Two commands", example.Title);
        Assert.Equal("$a = 1\n\n$a", example.Code);
        Assert.Equal(["First this:", "Then:", "indented, after text"], example.Remarks);
    }

    [Fact]
    public void Code_keeps_its_lines_and_hash_lines_in_it_are_not_headings()
    {
        var example = Assert.Single(Pages.WithSections("""
            ## EXAMPLES

            ### Example 1
            ```
            # nginxkit-hash: xxh128:0
            ## not a section
              indented
            ```
            """).Examples);

        Assert.Equal("# nginxkit-hash: xxh128:0\n## not a section\n  indented", example.Code);
    }

    [Fact]
    public void A_parameter_has_its_description_and_the_default_value_of_its_yaml_block()
    {
        Assert.Equal(["Name", "All"], page.Parameters.Select(p => p.Name));
        var name = page.FindParameter("name")!;
        Assert.Equal(["The names of the things."], name.Description);
        Assert.Equal("every thing", name.DefaultValue);
        Assert.Equal("False", page.FindParameter("All")!.DefaultValue);
    }

    [Fact]
    public void A_parameter_without_a_default_value_line_has_none()
    {
        var parameter = Assert.Single(Pages.WithSections("## PARAMETERS\n\n### -Path\nWhere.\n\n```yaml\nType: String\n```\n").Parameters);
        Assert.Null(parameter.DefaultValue);
        Assert.Equal(["Where."], parameter.Description);
    }

    [Fact]
    public void Inputs_and_outputs_are_a_type_name_and_a_description_each()
    {
        var input = Assert.Single(page.Inputs);
        Assert.Equal("System.String[]", input.TypeName);
        Assert.Equal(["Names, by value."], input.Description);
        var output = Assert.Single(page.Outputs);
        Assert.Equal("Test.Thing", output.TypeName);
    }

    [Fact]
    public void Notes_are_paragraphs()
    {
        Assert.Equal(["Reads only."], page.Notes);
    }

    [Fact]
    public void Related_links_show_other_pages_by_name_and_web_pages_with_their_address()
    {
        Assert.Equal(
            [new HelpLink("Set-Thing", ""), new HelpLink("The store", "https://store.example/docs")],
            page.Links);
    }

    [Fact]
    public void Related_links_may_be_a_list_lines_of_a_paragraph_bare_addresses_or_text()
    {
        var links = Pages.WithSections("""
            ## RELATED LINKS

            - [about_Thing](about_Thing.md)
            - <https://a.example/>
            [Get-Other](Get-Other.md)
            https://b.example/x

            about_CommonParameters
            """).Links;

        Assert.Equal(
            [
                new HelpLink("about_Thing", ""),
                new HelpLink("https://a.example/", "https://a.example/"),
                new HelpLink("Get-Other", ""),
                new HelpLink("https://b.example/x", "https://b.example/x"),
                new HelpLink("about_CommonParameters", ""),
            ],
            links);
    }

    [Fact]
    public void An_online_version_in_the_front_matter_is_the_first_link()
    {
        var links = Pages.Read(Pages.Complete.Replace("online version:", "online version: https://docs.example/Get-Thing")).Links;

        Assert.Equal(new HelpLink("Online Version:", "https://docs.example/Get-Thing"), links[0]);
        Assert.Equal(3, links.Count);
    }

    [Fact]
    public void Section_names_match_without_regard_to_case()
    {
        Assert.Equal("Gets.", Pages.WithSections("## Synopsis\nGets.\n").Synopsis);
    }

    [Fact]
    public void Missing_sections_read_as_empty_for_the_checker_to_report()
    {
        var bare = Pages.WithSections("");

        Assert.Empty(bare.Sections);
        Assert.Equal("", bare.Synopsis);
        Assert.Empty(bare.Description);
        Assert.Empty(bare.Examples);
        Assert.Empty(bare.Parameters);
        Assert.Empty(bare.Links);
    }

    [Theory]
    [InlineData("Get-Thing.md", true)]
    [InlineData("Set-DockerDaemonConfig.md", true)]
    [InlineData("about_NginxKit.md", false)]
    [InlineData("design.md", false)]
    [InlineData("README.md", false)]
    [InlineData("Get-Thing.txt", false)]
    public void Only_verb_noun_files_are_cmdlet_pages(string file, bool isPage)
    {
        Assert.Equal(isPage, CommandPageReader.IsCommandPage(Path.Combine("docs", file)));
    }
}
