using System.Xml.Linq;
using NginxKit.HelpBuilder.Commands;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

public sealed class HelpBuildTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("helpbuild-").FullName;
    private readonly string docs;
    private readonly string output;

    public HelpBuildTests()
    {
        docs = Directory.CreateDirectory(Path.Combine(root, "docs")).FullName;
        output = Path.Combine(root, "en-US");
        File.WriteAllText(Path.Combine(docs, "Get-Thing.md"), Pages.Complete);
        File.WriteAllText(Path.Combine(docs, "about_Test.md"), "# about_Test\n\n## SHORT DESCRIPTION\nThings.\n");
        File.WriteAllText(Path.Combine(docs, "design.md"), "Not help: no title, no sections.\n");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static ModuleFacts Module(params CommandFacts[] commands) => new("Test", commands);

    [Fact]
    public void Writes_the_maml_file_of_the_cmdlets_assembly_and_the_about_topic()
    {
        var result = HelpBuild.Run(docs, Module(Facts.GetThing()), output);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal([Path.Combine(output, "Test.dll-Help.xml"), Path.Combine(output, "about_Test.help.txt")], result.Written);
        var names = XDocument.Load(result.Written[0]).Descendants(XName.Get("name", "http://schemas.microsoft.com/maml/dev/command/2004/10"));
        Assert.Equal(["Get-Thing"], names.Select(n => n.Value));
        Assert.StartsWith("TOPIC\n    about_Test\n\nSHORT DESCRIPTION\n    Things.\n", File.ReadAllText(result.Written[1]));
    }

    [Fact]
    public void Warns_of_a_cmdlet_without_a_page_a_page_without_a_cmdlet_and_a_missing_about_topic()
    {
        File.WriteAllText(Path.Combine(docs, "Get-Gone.md"), Pages.Complete.Replace("# Get-Thing", "# Get-Gone"));
        File.Delete(Path.Combine(docs, "about_Test.md"));
        var setThing = Facts.GetThing("Other.dll-Help.xml") with { Name = "Set-Thing", Verb = "Set" };

        var result = HelpBuild.Run(docs, Module(Facts.GetThing(), setThing), output);

        Assert.Equal(
            [
                "Skipping 'Get-Gone.md': 'Get-Gone' is not a cmdlet exported by Test.",
                $"No about topic page 'about_Test.md' in '{docs}'.",
                $"No help page 'Set-Thing.md' in '{docs}'; Set-Thing gets no help.",
            ],
            result.Warnings);
        // One file per cmdlet assembly, even when none of its cmdlets has a page.
        Assert.Equal([Path.Combine(output, "Test.dll-Help.xml"), Path.Combine(output, "Other.dll-Help.xml")], result.Written);
        Assert.Empty(XDocument.Load(result.Written[1]).Root!.Elements());
    }

    [Fact]
    public void A_page_that_cannot_be_read_stops_the_build_before_anything_is_written()
    {
        var broken = Path.Combine(docs, "Get-Thing.md");
        File.WriteAllText(broken, Pages.Complete.Replace("## NOTES", "## NOTE"));
        File.WriteAllText(Path.Combine(docs, "about_Test.md"), "# about_Test\n\n```\nnever closed\n");

        var result = HelpBuild.Run(docs, Module(Facts.GetThing()), output);

        Assert.Equal(
            [$"{broken}:80: '## NOTE' is not a section of a cmdlet page; they are SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS",
             $"{Path.Combine(docs, "about_Test.md")}:3: the code block opened here with '```' is never closed"],
            result.Errors.Select(e => e.Message));
        Assert.Empty(result.Written);
        Assert.False(Directory.Exists(output));
    }
}
