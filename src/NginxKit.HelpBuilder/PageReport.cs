using System.Text.Encodings.Web;
using System.Text.Json;
using NginxKit.HelpBuilder.Markdown;
using NginxKit.HelpBuilder.Pages;

namespace NginxKit.HelpBuilder;

/// <summary>
/// The cmdlet pages of a docs folder as JSON, for the help checker, which compares them with the
/// loaded cmdlets: the pages that were read, and one error (file, line, message) per page that was not.
/// </summary>
internal static class PageReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static string Create(string docsPath)
    {
        var errors = new List<HelpFormatException>();
        var pages = DocsFolder.ReadCommandPages(docsPath, errors);
        return JsonSerializer.Serialize(new
        {
            Pages = pages,
            Errors = errors.Select(e => new { e.File, e.Line, e.Reason, e.Message }),
        }, Json);
    }
}
