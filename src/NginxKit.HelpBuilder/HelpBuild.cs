using NginxKit.HelpBuilder.Commands;
using NginxKit.HelpBuilder.Markdown;
using NginxKit.HelpBuilder.Output;
using NginxKit.HelpBuilder.Pages;

namespace NginxKit.HelpBuilder;

/// <summary>
/// Compiles a docs folder into a module's help: one MAML file per cmdlet assembly, and the about
/// topic. A page that cannot be read stops the build before anything is written; a cmdlet without
/// a page, or a page without a cmdlet, is a warning (the help checker makes those failures).
/// </summary>
internal static class HelpBuild
{
    public static HelpBuildResult Run(string docsPath, ModuleFacts facts, string outputPath)
    {
        var errors = new List<HelpFormatException>();
        var warnings = new List<string>();
        var pages = DocsFolder.ReadCommandPages(docsPath, errors)
            .ToDictionary(p => p.Command, StringComparer.OrdinalIgnoreCase);
        foreach (var page in pages.Values.Where(p => facts.Commands.All(c => !string.Equals(c.Name, p.Command, StringComparison.OrdinalIgnoreCase))))
        {
            warnings.Add($"Skipping '{Path.GetFileName(page.Path)}': '{page.Command}' is not a cmdlet exported by {facts.Module}.");
        }

        var aboutPath = DocsFolder.AboutPagePath(docsPath, facts.Module);
        string? about = null;
        if (File.Exists(aboutPath))
        {
            try
            {
                about = AboutTopicWriter.Render(File.ReadAllText(aboutPath));
            }
            catch (HelpFormatException e)
            {
                errors.Add(e.InFile(aboutPath));
            }
        }
        else
        {
            warnings.Add($"No about topic page 'about_{facts.Module}.md' in '{docsPath}'.");
        }
        if (errors.Count > 0)
        {
            return new HelpBuildResult([], warnings, errors);
        }

        Directory.CreateDirectory(outputPath);
        var written = new List<string>();
        foreach (var file in facts.Commands.GroupBy(c => c.HelpFile))
        {
            var documented = new List<(CommandFacts, CommandHelpPage)>();
            foreach (var command in file)
            {
                if (pages.TryGetValue(command.Name, out var page))
                {
                    documented.Add((command, page));
                }
                else
                {
                    warnings.Add($"No help page '{command.Name}.md' in '{docsPath}'; {command.Name} gets no help.");
                }
            }
            var path = Path.Combine(outputPath, file.Key);
            using (var stream = File.Create(path))
            {
                MamlWriter.Write(stream, documented);
            }
            written.Add(path);
        }
        if (about is not null)
        {
            var path = Path.Combine(outputPath, $"about_{facts.Module}.help.txt");
            File.WriteAllText(path, about, new System.Text.UTF8Encoding(false));
            written.Add(path);
        }
        return new HelpBuildResult(written, warnings, []);
    }
}
