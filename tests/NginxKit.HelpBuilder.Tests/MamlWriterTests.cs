using System.Text;
using System.Xml.Linq;
using NginxKit.HelpBuilder.Output;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

public class MamlWriterTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static string Write(string page = Pages.Complete)
    {
        using var stream = new MemoryStream();
        MamlWriter.Write(stream, [(Facts.GetThing(), Pages.Read(page))]);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private readonly XElement command = XDocument.Parse(Write()).Root!.Element(Command + "command")!;

    private static string Paras(XElement? description) =>
        string.Join("|", description!.Elements(Maml + "para").Select(p => p.Value));

    private static string Attributes(XElement parameter) =>
        string.Join(" ", parameter.Attributes().Select(a => $"{a.Name.LocalName}={a.Value}"));

    [Fact]
    public void Writes_a_helpItems_document_in_utf8_without_a_bom_indented_by_two_spaces()
    {
        var xml = Write();

        Assert.StartsWith(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns:maml=\"http://schemas.microsoft.com/maml/2004/10\" xmlns:command=\"http://schemas.microsoft.com/maml/dev/command/2004/10\" xmlns:dev=\"http://schemas.microsoft.com/maml/dev/2004/10\" xmlns=\"http://msh\">\n  <command:command>\n    <command:details>\n      <command:name>Get-Thing</command:name>",
            xml);
        Assert.DoesNotContain("\r", xml);
    }

    [Fact]
    public void Details_carry_the_name_verb_noun_and_synopsis()
    {
        var details = command.Element(Command + "details")!;

        Assert.Equal("Get-Thing", details.Element(Command + "name")!.Value);
        Assert.Equal("Get", details.Element(Command + "verb")!.Value);
        Assert.Equal("Thing", details.Element(Command + "noun")!.Value);
        Assert.Equal("Gets things.", Paras(details.Element(Maml + "description")));
        Assert.Equal("Get-Thing reads things from the store.|Selecting|- -Name picks things by name.\n- -All takes every thing.", Paras(command.Element(Maml + "description")));
    }

    [Fact]
    public void Syntax_lists_the_default_set_first_each_in_positional_then_mandatory_then_optional_order()
    {
        var items = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();

        Assert.Equal(
            ["Name Kind", "Name All Kind"],
            items.Select(i => string.Join(" ", i.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value))));
        Assert.All(items, i => Assert.Equal("Get-Thing", i.Element(Maml + "name")!.Value));
    }

    [Fact]
    public void Syntax_shows_each_parameter_as_it_is_in_that_set()
    {
        var items = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        var byName = items[0].Elements(Command + "parameter").ToList();
        var all = items[1].Elements(Command + "parameter").ToList();

        Assert.Equal("required=true variableLength=true globbing=true pipelineInput=True (ByPropertyName) position=0 aliases=N, ThingName", Attributes(byName[0]));
        Assert.Equal("required=false variableLength=true globbing=true pipelineInput=False position=0 aliases=N, ThingName", Attributes(all[0]));
        Assert.Equal("required=true variableLength=true globbing=false pipelineInput=False position=named aliases=none", Attributes(all[1]));
        Assert.Equal("required=false variableLength=true globbing=false pipelineInput=True (ByValue) position=named aliases=none", Attributes(all[2]));
    }

    [Fact]
    public void Parameters_come_in_page_order_then_those_only_the_cmdlet_knows_merged_over_their_sets()
    {
        var parameters = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();

        Assert.Equal(["Name", "All", "Kind"], parameters.Select(p => p.Element(Maml + "name")!.Value));
        // Mandatory in one set only: not required. Pipeline input from any set.
        Assert.Equal("required=false variableLength=true globbing=true pipelineInput=True (ByPropertyName) position=0 aliases=N, ThingName", Attributes(parameters[0]));
        Assert.Equal("The names of the things.", Paras(parameters[0].Element(Maml + "description")));
        Assert.Equal("", Paras(parameters[2].Element(Maml + "description")));
    }

    [Fact]
    public void A_parameter_value_shows_its_type_and_allowed_values_and_a_switch_has_none()
    {
        var parameters = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();

        Assert.Equal("String[]", parameters[0].Element(Command + "parameterValue")!.Value);
        Assert.Equal("true", parameters[0].Element(Command + "parameterValue")!.Attribute("required")!.Value);
        Assert.Null(parameters[1].Element(Command + "parameterValue"));
        Assert.Equal("SwitchParameter", parameters[1].Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal(["Small", "Large"], parameters[2].Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value));
        Assert.Equal("ThingKind", parameters[2].Element(Command + "parameterValue")!.Value);
    }

    [Fact]
    public void Default_values_come_from_the_page_else_False_for_a_switch_and_None_otherwise()
    {
        var defaults = command.Element(Command + "parameters")!.Elements(Command + "parameter")
            .Select(p => p.Element(Dev + "defaultValue")!.Value);
        Assert.Equal(["every thing", "False", "None"], defaults);

        var withoutDefaults = XDocument.Parse(Write(Pages.Complete.Replace("Default value: False", "Default value:"))).Root!
            .Descendants(Command + "parameters").Single().Elements(Command + "parameter")
            .Select(p => p.Element(Dev + "defaultValue")!.Value);
        Assert.Equal(["every thing", "False", "None"], withoutDefaults);
    }

    [Fact]
    public void Examples_have_a_dashed_title_code_and_remarks_ending_in_an_empty_paragraph()
    {
        var example = command.Element(Command + "examples")!.Element(Command + "example")!;

        Assert.Equal("--------- Example 1: One thing ---------", example.Element(Maml + "title")!.Value);
        Assert.Equal("PS> Get-Thing -Name a", example.Element(Dev + "code")!.Value);
        Assert.Equal("Writes the thing named a:|Name\n----\na|", Paras(example.Element(Dev + "remarks")));
    }

    [Fact]
    public void Inputs_outputs_notes_and_links_are_written()
    {
        var input = command.Element(Command + "inputTypes")!.Element(Command + "inputType")!;
        Assert.Equal("System.String[]", input.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("Names, by value.", Paras(input.Element(Maml + "description")));
        Assert.Equal("Test.Thing", command.Element(Command + "returnValues")!.Descendants(Maml + "name").Single().Value);
        Assert.Equal(["Reads only."], command.Element(Maml + "alertSet")!.Element(Maml + "alert")!.Elements(Maml + "para").Select(p => p.Value));
        Assert.Equal(
            ["Set-Thing=", "The store=https://store.example/docs"],
            command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
                .Select(l => $"{l.Element(Maml + "linkText")!.Value}={l.Element(Maml + "uri")!.Value}"));
    }

    [Fact]
    public void A_page_without_notes_inputs_outputs_or_links_writes_none_of_those_elements()
    {
        var bare = Pages.WithSections("## SYNOPSIS\nGets.\n\n## EXAMPLES\n\n### Example 1\n```\nGet-Thing\n```\n");
        using var stream = new MemoryStream();
        MamlWriter.Write(stream, [(Facts.GetThing(), bare)]);
        var element = XDocument.Parse(Encoding.UTF8.GetString(stream.ToArray())).Root!.Element(Command + "command")!;

        Assert.Null(element.Element(Maml + "alertSet"));
        Assert.Null(element.Element(Command + "inputTypes"));
        Assert.Null(element.Element(Command + "returnValues"));
        Assert.Null(element.Element(Command + "relatedLinks"));
        Assert.Equal(3, element.Element(Command + "parameters")!.Elements().Count());
    }
}
