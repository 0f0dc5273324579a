using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>New-NginxKitManifest's option checks, and Test-NginxConf where no nginx is.</summary>
public sealed class ManifestAndNginxTestTests : ModuleTests
{
    [Fact]
    public void TheDefaultManifestIsTheEntrysSixObjects()
    {
        var result = Session.Run("New-NginxKitManifest | ForEach-Object { '{0}/{1}' -f $_.Kind, $_.Metadata.Name }");
        Assert.Empty(result.Errors);
        Assert.Equal(
            ["Namespace/nginx-entry", "ServiceAccount/nginx-entry", "ClusterRole/nginx-entry-watch-services", "ClusterRoleBinding/nginx-entry-watch-services", "Deployment/nginx-entry", "Service/nginx-entry"],
            result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void WatchedNamespacesGetARoleEachInsteadOfAClusterRole()
    {
        var result = Session.Run("(New-NginxKitManifest -WatchNamespace shop, web).Kind");
        Assert.Equal(["Namespace", "ServiceAccount", "Role", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "Deployment", "Service"], result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void AsYamlIsOneStringOfEveryDocument()
    {
        var result = Session.Run("New-NginxKitManifest -AsYaml");
        var yaml = (string)Assert.Single(result.Output).BaseObject;
        Assert.Equal(["kind: Namespace", "kind: ServiceAccount", "kind: ClusterRole", "kind: ClusterRoleBinding", "kind: Deployment", "kind: Service"],
            yaml.Split('\n').Where(l => l.StartsWith("kind: ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("-Namespace Bad_Name", "Bad_Name", "Namespace 'Bad_Name' is not valid: a DNS label: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit.", "DnsLabel")]
    [InlineData("-RedirectHttp", true, "RedirectHttp 'True' is not valid: a redirect to https needs TLS: give -TlsSecret too.", "RedirectHttpNeedsTls")]
    [InlineData("-ProxyReadTimeoutSec 0", 0, "ProxyReadTimeoutSec '0' is not valid: 1 to 86400 seconds.", "TimeoutOutOfRange")]
    [InlineData("-Replicas 1001", 1001, "Replicas '1001' is not valid: 0 to 1000.", "ReplicasRange")]
    [InlineData("-TlsSecret tls -TlsNodePort 30080", 30080, "TlsNodePort '30080' is not valid: a port 1-65535 other than -NodePort, inside the cluster's --service-node-port-range (by default 30000-32767).", "NodePortRange")]
    public void ABadOptionIsInvalidManifestOptionNamingIt(string arguments, object target, string message, string rule)
    {
        var result = Session.Run($"New-NginxKitManifest {arguments}");
        Assert.NotNull(result.Terminating);
        Assert.Equal("InvalidManifestOption,NginxKit.Commands.Kubernetes.NewNginxKitManifestCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, result.Terminating.CategoryInfo.Category);
        Assert.Equal(target, result.Terminating.TargetObject);
        Assert.Equal(message, result.Terminating.ErrorDetails.Message);
        Assert.Equal($"Rule broken: {rule}.", result.Terminating.ErrorDetails.RecommendedAction);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("'server { }' | Test-NginxConf -NginxPath /nonexistent/sbin/nginx")]
    [InlineData("Test-NginxConf -Text 'server { }' -NginxPath /nonexistent/sbin/nginx")]
    public void TestNginxConfRefusesWhenNginxIsNotThere(string script)
    {
        var result = Session.Run(script);
        Assert.NotNull(result.Terminating);
        Assert.Equal("NginxNotFound,NginxKit.Commands.Nginx.TestNginxConfCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, result.Terminating.CategoryInfo.Category);
        Assert.Equal("/nonexistent/sbin/nginx", result.Terminating.TargetObject);
        Assert.Equal("nginx was not found at '/nonexistent/sbin/nginx'. Install it (apt-get install nginx) or give -NginxPath.", result.Terminating.ErrorDetails.Message);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void ARelativeNginxPathIsResolvedAgainstThePowerShellLocation()
    {
        var result = Session.Run("Set-Location $dir; '' | Test-NginxConf -NginxPath ./no/nginx", ("dir", Temp.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("NginxNotFound,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(Temp.File("no/nginx"), result.Terminating.TargetObject);
    }

    [Fact]
    public void EachUnreadableFileIsItsOwnError()
    {
        var result = Session.Run("Test-NginxConf -LiteralPath $a, $b -NginxPath /nonexistent/sbin/nginx", ("a", Temp.File("one.conf")), ("b", Temp.File("two.conf")));
        Assert.Null(result.Terminating);
        Assert.Equal([Temp.File("one.conf"), Temp.File("two.conf")], result.Errors.Select(e => e.TargetObject));
        Assert.All(result.Errors, e => Assert.Equal("ConfigNotReadable,NginxKit.Commands.Nginx.TestNginxConfCommand", e.FullyQualifiedErrorId));
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.ReadError, e.CategoryInfo.Category));
        Assert.Equal($"Cannot read '{Temp.File("one.conf")}': Could not find file '{Temp.File("one.conf")}'.", result.Errors[0].ErrorDetails.Message);
    }
}
