using NginxKit.HelpBuilder.Commands;

namespace NginxKit.HelpBuilder.Tests;

/// <summary>Get-Thing as the loaded cmdlet would report it, for the page in <see cref="Pages.Complete"/>.</summary>
internal static class Facts
{
    public static SetMembership In(string set, int position = int.MinValue, bool mandatory = false, bool byValue = false, bool byPropertyName = false) =>
        new(set, mandatory, position, byValue, byPropertyName);

    /// <summary>
    /// -Name is positional in both sets and mandatory in ByName only; -All is a mandatory switch of
    /// the All set; -Kind, in every set, has allowed values and no section on the page.
    /// </summary>
    public static CommandFacts GetThing(string helpFile = "Test.dll-Help.xml") => new(
        "Get-Thing", "Get", "Thing", helpFile,
        [
            new ParameterFacts("Name", "String[]", false, ["N", "ThingName"], true, [], [In("ByName", 0, mandatory: true, byPropertyName: true), In("All", 0)]),
            new ParameterFacts("All", "SwitchParameter", true, [], false, [], [In("All", mandatory: true)]),
            new ParameterFacts("Kind", "ThingKind", false, [], false, ["Small", "Large"], [In(ParameterFacts.AllSets, byValue: true)]),
        ],
        [
            new ParameterSetFacts("All", false, ["Kind", "All", "Name"]),
            new ParameterSetFacts("ByName", true, ["Name", "Kind"]),
        ]);
}
