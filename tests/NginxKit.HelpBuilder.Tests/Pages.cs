using NginxKit.HelpBuilder.Pages;

namespace NginxKit.HelpBuilder.Tests;

/// <summary>Cmdlet pages for tests: a whole page in platyPS's layout, or one section of one.</summary>
internal static class Pages
{
    public const string FrontMatter = """
        ---
        external help file: Test.dll-Help.xml
        Module Name: Test
        online version:
        schema: 2.0.0
        ---


        """;

    public static CommandHelpPage Read(string markdown) => CommandPageReader.Parse(markdown, "/docs/Get-Thing.md");

    /// <summary>A page with a title and the given sections, and nothing else.</summary>
    public static CommandHelpPage WithSections(string sections) => Read(FrontMatter + "# Get-Thing\n\n" + sections);

    /// <summary>A complete page for Get-Thing, with -Name (positional, in both sets) and -All (a switch).</summary>
    public const string Complete = FrontMatter + """
        # Get-Thing

        ## SYNOPSIS
        Gets *things*.

        ## SYNTAX

        ```
        Get-Thing [[-Name] <String[]>] [<CommonParameters>]
        ```

        ## DESCRIPTION
        Get-Thing reads `things`
        from the store.

        ### Selecting
        - -Name picks things by name.
        - -All takes every thing.

        ## EXAMPLES

        ### Example 1: One thing
        ```powershell
        PS> Get-Thing -Name a
        ```

        Writes the thing named a:

        ```
        Name
        ----
        a
        ```

        ## PARAMETERS

        ### -Name
        The names of the things.

        ```yaml
        Type: String[]
        Parameter Sets: (All)
        Aliases:

        Required: False
        Position: 0
        Default value: every thing
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### -All
        Takes every thing.

        ```yaml
        Type: SwitchParameter
        Default value: False
        ```

        ### CommonParameters
        This cmdlet supports the common parameters.

        ## INPUTS

        ### System.String[]
        Names, by value.

        ## OUTPUTS

        ### Test.Thing
        One per thing.

        ## NOTES
        Reads only.

        ## RELATED LINKS

        [Set-Thing](Set-Thing.md)

        [The store](https://store.example/docs)
        """;
}
