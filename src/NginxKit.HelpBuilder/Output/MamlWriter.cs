using System.Text;
using System.Xml;
using NginxKit.HelpBuilder.Commands;
using NginxKit.HelpBuilder.Pages;

namespace NginxKit.HelpBuilder.Output;

/// <summary>
/// Writes a MAML help file (the *.dll-Help.xml that Get-Help reads for binary cmdlets): syntax and
/// parameter attributes from the cmdlet, prose from its page.
/// </summary>
internal static class MamlWriter
{
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string HelpItemsNs = "http://msh";

    /// <summary>Writes one helpItems document holding each cmdlet with its page.</summary>
    public static void Write(Stream stream, IEnumerable<(CommandFacts Command, CommandHelpPage Page)> commands)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using var writer = XmlWriter.Create(stream, settings);
        writer.WriteStartDocument();
        writer.WriteStartElement("helpItems", HelpItemsNs);
        writer.WriteAttributeString("schema", "maml");
        writer.WriteAttributeString("xmlns", "maml", null, MamlNs);
        writer.WriteAttributeString("xmlns", "command", null, CommandNs);
        writer.WriteAttributeString("xmlns", "dev", null, DevNs);
        foreach (var (command, page) in commands)
        {
            WriteCommand(writer, command, page);
        }
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter writer, CommandFacts command, CommandHelpPage page)
    {
        writer.WriteStartElement("command", "command", CommandNs);

        writer.WriteStartElement("command", "details", CommandNs);
        writer.WriteElementString("command", "name", CommandNs, command.Name);
        writer.WriteElementString("command", "verb", CommandNs, command.Verb);
        writer.WriteElementString("command", "noun", CommandNs, command.Noun);
        WriteDescription(writer, [page.Synopsis]);
        writer.WriteEndElement();

        WriteDescription(writer, page.Description);

        writer.WriteStartElement("command", "syntax", CommandNs);
        foreach (var set in command.SyntaxSets())
        {
            writer.WriteStartElement("command", "syntaxItem", CommandNs);
            writer.WriteElementString("maml", "name", MamlNs, command.Name);
            foreach (var parameter in command.SyntaxParameters(set))
            {
                WriteParameter(writer, parameter, parameter.Attributes(set.Name), page.FindParameter(parameter.Name));
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();

        writer.WriteStartElement("command", "parameters", CommandNs);
        // The page's order first (the author's choice), then anything only the code knows about.
        var ordered = page.Parameters.Select(p => command.FindParameter(p.Name)).OfType<ParameterFacts>()
            .Concat(command.Parameters.Where(p => page.FindParameter(p.Name) is null));
        foreach (var parameter in ordered)
        {
            WriteParameter(writer, parameter, parameter.Attributes(), page.FindParameter(parameter.Name));
        }
        writer.WriteEndElement();

        WriteTypes(writer, "inputTypes", "inputType", page.Inputs);
        WriteTypes(writer, "returnValues", "returnValue", page.Outputs);

        if (page.Notes.Count > 0)
        {
            writer.WriteStartElement("maml", "alertSet", MamlNs);
            writer.WriteStartElement("maml", "alert", MamlNs);
            foreach (var paragraph in page.Notes)
            {
                writer.WriteElementString("maml", "para", MamlNs, paragraph);
            }
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        writer.WriteStartElement("command", "examples", CommandNs);
        foreach (var example in page.Examples)
        {
            writer.WriteStartElement("command", "example", CommandNs);
            writer.WriteElementString("maml", "title", MamlNs, $"--------- {example.Title} ---------");
            writer.WriteElementString("dev", "code", DevNs, example.Code);
            writer.WriteStartElement("dev", "remarks", DevNs);
            foreach (var paragraph in example.Remarks)
            {
                writer.WriteElementString("maml", "para", MamlNs, paragraph);
            }
            // Get-Help prints the next example's title right under the last remark otherwise.
            writer.WriteElementString("maml", "para", MamlNs, "");
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
        writer.WriteEndElement();

        if (page.Links.Count > 0)
        {
            writer.WriteStartElement("command", "relatedLinks", CommandNs);
            foreach (var link in page.Links)
            {
                writer.WriteStartElement("maml", "navigationLink", MamlNs);
                writer.WriteElementString("maml", "linkText", MamlNs, link.Text);
                writer.WriteElementString("maml", "uri", MamlNs, link.Uri);
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter writer, IEnumerable<string> paragraphs)
    {
        writer.WriteStartElement("maml", "description", MamlNs);
        foreach (var paragraph in paragraphs)
        {
            writer.WriteElementString("maml", "para", MamlNs, paragraph);
        }
        writer.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter writer, ParameterFacts parameter, ParameterAttributes attributes, ParameterHelp? prose)
    {
        writer.WriteStartElement("command", "parameter", CommandNs);
        writer.WriteAttributeString("required", attributes.Required ? "true" : "false");
        writer.WriteAttributeString("variableLength", "true");
        writer.WriteAttributeString("globbing", parameter.Globbing ? "true" : "false");
        writer.WriteAttributeString("pipelineInput", attributes.PipelineInput);
        writer.WriteAttributeString("position", attributes.Position);
        writer.WriteAttributeString("aliases", attributes.Aliases);

        writer.WriteElementString("maml", "name", MamlNs, parameter.Name);
        WriteDescription(writer, prose?.Description ?? []);

        if (parameter.ValueSet.Count > 0)
        {
            writer.WriteStartElement("command", "parameterValueGroup", CommandNs);
            foreach (var value in parameter.ValueSet)
            {
                WriteParameterValue(writer, value, required: false);
            }
            writer.WriteEndElement();
        }
        if (!parameter.IsSwitch)
        {
            WriteParameterValue(writer, parameter.TypeName, required: true);
        }

        writer.WriteStartElement("dev", "type", DevNs);
        writer.WriteElementString("maml", "name", MamlNs, parameter.TypeName);
        writer.WriteElementString("maml", "uri", MamlNs, "");
        writer.WriteEndElement();

        var defaultValue = !string.IsNullOrEmpty(prose?.DefaultValue) ? prose.DefaultValue : parameter.IsSwitch ? "False" : "None";
        writer.WriteElementString("dev", "defaultValue", DevNs, defaultValue);
        writer.WriteEndElement();
    }

    private static void WriteParameterValue(XmlWriter writer, string value, bool required)
    {
        writer.WriteStartElement("command", "parameterValue", CommandNs);
        writer.WriteAttributeString("required", required ? "true" : "false");
        writer.WriteAttributeString("variableLength", "false");
        writer.WriteString(value);
        writer.WriteEndElement();
    }

    private static void WriteTypes(XmlWriter writer, string listName, string itemName, IReadOnlyList<TypeHelp> types)
    {
        if (types.Count == 0)
        {
            return;
        }
        writer.WriteStartElement("command", listName, CommandNs);
        foreach (var type in types)
        {
            writer.WriteStartElement("command", itemName, CommandNs);
            writer.WriteStartElement("dev", "type", DevNs);
            writer.WriteElementString("maml", "name", MamlNs, type.TypeName);
            writer.WriteEndElement();
            WriteDescription(writer, type.Description);
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }
}
