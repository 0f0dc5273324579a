namespace NginxKit.Cmdlets.Tests;

/// <summary>Sync-NginxConf's checks that stop it before any cluster is read.</summary>
public sealed class SyncNginxConfBindingTests : IDisposable
{
    private readonly ModuleSession session = new();
    private readonly TempDirectory temp = new();

    public void Dispose()
    {
        session.Dispose();
        temp.Dispose();
    }

    [Theory]
    [InlineData("-ReloadPidFile /run/nginx/nginx.pid")]
    [InlineData("-ReloadCommand 'nginx', '-s', 'reload'")]
    [InlineData("-ReloadNginx")]
    public void OnceWithAReloadOptionIsReloadNeedsWatchBeforeAnythingIsRead(string option)
    {
        var result = session.Run($"Sync-NginxConf -Once -OutFile $out -KubeConfig $kubeConfig {option} -ErrorAction Stop",
            ("out", temp.File("default.conf")), ("kubeConfig", temp.File("none.kubeconfig")));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("ReloadNeedsWatch,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Contains("Reloading needs a watch", result.Terminating.Exception.Message);
        Assert.Empty(temp.Files());
    }
}
