using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

public class NginxVersionProbeTests
{
    [Theory]
    [InlineData("nginx version: nginx/1.22.1", "1.22.1")]
    [InlineData("nginx version: nginx/1.27.5\n", "1.27.5")]
    [InlineData("nginx version: openresty/1.21.4.1", "1.21.4")]
    public void TheVersionIsReadFromNginxV(string output, string version) =>
        Assert.Equal(Version.Parse(version), NginxVersionProbe.Parse(output));

    [Theory]
    [InlineData("")]
    [InlineData("nginx: [emerg] something else")]
    [InlineData("nginx version: nginx/1.x")]
    public void OutputWithoutAVersionGivesNone(string output) => Assert.Null(NginxVersionProbe.Parse(output));

    [RealFact("nginx")]
    public async Task TheInstalledNginxSaysWhichItIs()
    {
        var version = await NginxVersionProbe.DetectAsync(ProcessRunner.Instance, null, CancellationToken.None);
        Assert.NotNull(version);
        Assert.True(version >= new Version(1, 9, 5), $"nginx {version}");
    }

    [Fact]
    public async Task NoNginxGivesNone() =>
        Assert.Null(await NginxVersionProbe.DetectAsync(ProcessRunner.Instance, "/nonexistent/nginx", CancellationToken.None));
}
