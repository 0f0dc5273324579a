using NginxKit.HelpBuilder.Markdown;

namespace NginxKit.HelpBuilder.Pages;

/// <summary>The help pages of a docs folder: one Verb-Noun.md per cmdlet, and about_&lt;Module&gt;.md.</summary>
internal static class DocsFolder
{
    /// <summary>Reads every cmdlet page, in file-name order; each page that cannot be read is one error.</summary>
    public static IReadOnlyList<CommandHelpPage> ReadCommandPages(string docsPath, List<HelpFormatException> errors)
    {
        var pages = new List<CommandHelpPage>();
        foreach (var path in Directory.EnumerateFiles(docsPath, "*.md").Where(CommandPageReader.IsCommandPage).Order(StringComparer.Ordinal))
        {
            try
            {
                pages.Add(CommandPageReader.Read(path));
            }
            catch (HelpFormatException e)
            {
                errors.Add(e);
            }
        }
        return pages;
    }

    public static string AboutPagePath(string docsPath, string module) => Path.Combine(docsPath, $"about_{module}.md");
}
