namespace NginxKit.Cmdlets.Tests;

/// <summary>Sync-NginxConf's checks that stop it before any cluster is read.</summary>
public sealed class SyncNginxConfBindingTests : ModuleTests
{
    [Theory]
    [InlineData("-ReloadPidFile /run/nginx/nginx.pid")]
    [InlineData("-ReloadCommand 'nginx', '-s', 'reload'")]
    [InlineData("-ReloadNginx")]
    public void OnceWithAReloadOptionIsReloadNeedsWatchBeforeAnythingIsRead(string option)
    {
        var result = Session.Run($"Sync-NginxConf -Once -OutFile $out -KubeConfig $kubeConfig {option} -ErrorAction Stop",
            ("out", Temp.File("default.conf")), ("kubeConfig", Temp.File("none.kubeconfig")));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("ReloadNeedsWatch,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Contains("Reloading needs a watch", result.Terminating.Exception.Message);
        Assert.Empty(Temp.Files());
    }
}
