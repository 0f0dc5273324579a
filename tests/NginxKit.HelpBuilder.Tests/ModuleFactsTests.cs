using NginxKit.HelpBuilder.Commands;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

public sealed class ModuleFactsTests : IDisposable
{
    private readonly string path = Path.GetTempFileName();

    public void Dispose() => File.Delete(path);

    [Fact]
    public void Reads_the_file_PowerShell_writes_with_ConvertTo_Json()
    {
        // The shape Get-CommandHelpData | ConvertTo-Json -Depth 6 writes: PascalCase, named-only positions as Int32.MinValue.
        File.WriteAllText(path, """
            {
              "Module": "Test",
              "Commands": [
                {
                  "Name": "Get-Thing",
                  "Verb": "Get",
                  "Noun": "Thing",
                  "HelpFile": "Test.dll-Help.xml",
                  "Parameters": [
                    {
                      "Name": "Name",
                      "TypeName": "String[]",
                      "IsSwitch": false,
                      "Aliases": [ "N" ],
                      "Globbing": true,
                      "ValueSet": [],
                      "Sets": [
                        { "Name": "__AllParameterSets", "IsMandatory": false, "Position": -2147483648, "ValueFromPipeline": true, "ValueFromPipelineByPropertyName": false }
                      ]
                    }
                  ],
                  "ParameterSets": [ { "Name": "__AllParameterSets", "IsDefault": false, "Parameters": [ "Name" ] } ]
                }
              ]
            }
            """);

        var facts = ModuleFacts.Read(path);

        Assert.Equal("Test", facts.Module);
        var command = Assert.Single(facts.Commands);
        Assert.Equal("Test.dll-Help.xml", command.HelpFile);
        var parameter = command.FindParameter("name")!;
        Assert.Equal(["N"], parameter.Aliases);
        Assert.Equal(new ParameterAttributes(false, "named", "True (ByValue)", "N"), parameter.Attributes());
        Assert.Equal(parameter.Attributes(), parameter.Attributes("AnySet"));
        Assert.Equal([parameter], command.SyntaxParameters(command.ParameterSets[0]));
    }

    [Fact]
    public void A_file_that_names_no_module_is_refused()
    {
        File.WriteAllText(path, """{ "Commands": [] }""");

        var error = Assert.Throws<InvalidDataException>(() => ModuleFacts.Read(path));
        Assert.Contains(path, error.Message);
    }
}
