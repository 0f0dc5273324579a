using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using Xunit;

namespace NginxKit.Engine.Tests.Diagnostics;

public partial class ErrorCatalogTests
{
    // ErrorIds no test asserts yet. Empty, and it stays so: a new ErrorId comes with its test.
    private static readonly HashSet<string> NotYetTested = [];

    [GeneratedRegex(@"^- ([A-Z][A-Za-z]+): ", RegexOptions.Multiline)]
    private static partial Regex DocumentedErrorId();

    private static HashSet<string> CatalogIds() => ErrorCatalog.All.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void EveryErrorIdIsDeclaredOnceWithTheNameItIsDeclaredUnder()
    {
        var fields = typeof(ErrorCatalog).GetFields().Where(f => f.FieldType == typeof(ErrorKind)).ToList();
        Assert.NotEmpty(fields);
        Assert.All(fields, f => Assert.Equal(f.Name, ((ErrorKind)f.GetValue(null)!).Id));
        Assert.Equal(fields.Count, CatalogIds().Count);
    }

    [Fact]
    public void AboutNginxKitListsExactlyTheCatalog()
    {
        var about = RepositoryFiles.Read("docs/about_NginxKit.md");
        var errors = about[about.IndexOf("### Errors", StringComparison.Ordinal)..];
        errors = errors[..errors.IndexOf("\n### ", 1, StringComparison.Ordinal)];
        var documented = DocumentedErrorId().Matches(errors).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(documented.Count, documented.Distinct().Count());
        var catalog = CatalogIds();
        Assert.Empty(catalog.Except(documented).Order());   // in the code, not in the docs
        Assert.Empty(documented.Except(catalog).Order());   // in the docs, not in the code
    }

    [Fact]
    public void EveryErrorIdIsAssertedByATest()
    {
        var self = nameof(ErrorCatalogTests) + ".cs";
        var texts = RepositoryFiles.TestSources().Where(f => Path.GetFileName(f) != self).Select(File.ReadAllText).ToList();
        Assert.NotEmpty(texts);
        var untested = CatalogIds().Where(id => !texts.Any(t => Regex.IsMatch(t, $@"\b{id}\b"))).ToHashSet();
        Assert.Empty(untested.Except(NotYetTested).Order());          // a new ErrorId without a test
        Assert.Empty(NotYetTested.Except(untested).Order());          // tested now: take it off the list
        Assert.Empty(NotYetTested.Except(CatalogIds()).Order());
    }
}
