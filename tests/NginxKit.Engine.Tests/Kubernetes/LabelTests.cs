using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class LabelTests
{
    [Theory]
    [InlineData("role", null)]
    [InlineData("node-role.kubernetes.io/entry", null)]
    [InlineData("nginxkit.io/role", null)]
    [InlineData("", "KeyRequired")]
    [InlineData("-role", "KeyNameSyntax")]
    [InlineData("Role_1.x", null)]
    [InlineData("a/b/c", "KeyNameSyntax")]
    [InlineData("UPPER.io/x", "KeyPrefixSyntax")]
    [InlineData("/x", "KeyPrefixLength")]
    public void LabelKeys(string key, string? rule) => Assert.Equal(rule, LabelRules.CheckKey(key));

    [Theory]
    [InlineData("entry", null)]
    [InlineData("", null)]
    [InlineData("a.b-c_d", null)]
    [InlineData("-x", "ValueSyntax")]
    [InlineData("a b", "ValueSyntax")]
    public void LabelValues(string value, string? rule) => Assert.Equal(rule, LabelRules.CheckValue(value));

    [Fact]
    public void LongValuesAreRefused() => Assert.Equal("ValueLength", LabelRules.CheckValue(new string('a', 64)));

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app", true)]
    [InlineData("!app", false)]
    [InlineData("tier", false)]
    [InlineData("!tier", true)]
    [InlineData("app in (db,web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("app=web,env=prod", true)]
    [InlineData("app=web,env=dev", false)]
    public void SelectorsMatchLikeKubernetes(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(new Dictionary<string, string> { ["app"] = "web", ["env"] = "prod" }));

    [Fact]
    public void ABadSelectorIsInvalidSelector()
    {
        var ex = Assert.Throws<NginxKitException>(() => LabelSelector.Parse("app in db"));
        Assert.Equal(ErrorCatalog.InvalidSelector.Id, ex.Problem.ErrorId);
    }
}
