using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class NamespaceScopeTests
{
    [Fact]
    public void NamesComeBackDistinctAndInOrderAndNoneMeansEveryNamespace()
    {
        Assert.Equal(["apps", "shop"], NamespaceScope.Parse(["shop", "apps", "shop"]));
        Assert.Empty(NamespaceScope.Parse(null));
        Assert.Equal("all namespaces", NamespaceScope.Describe([]));
        Assert.Equal("namespaces 'apps', 'shop'", NamespaceScope.Describe(["apps", "shop"]));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("Apps")]
    [InlineData("apps,shop")]
    [InlineData("")]
    public void ANameThatCouldLeaveTheScopeIsRefusedBeforeAnyRequest(string name)
    {
        var ex = Assert.Throws<NginxKitException>(() => NamespaceScope.Parse(["apps", name]));
        Assert.Equal(ErrorCatalog.InvalidNamespace.Id, ex.Problem.ErrorId);
        Assert.Equal(name, ex.Problem.Target);
    }
}
