using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>nginx -t as NginxKit runs it: warnings counted, a bounded run, only regular files read, keys only root may read.</summary>
public sealed class NginxConfTesterTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("nginxkit-tester-");
    private readonly NginxConfTester tester = new(ProcessRunner.Instance);

    public void Dispose() => dir.Delete(recursive: true);

    private static string Conf(params Route[] routes) =>
        NginxConf.Render(RouteSet.Build(routes).Accepted, new NginxConfOptions { Listen = ["127.0.0.1:18080"] }).Text;

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        Assert.Equal(UnixFiles.Kind.Other, UnixFiles.KindOf(path));
    }

    [RealFact("nginx")]
    public async Task AWarningIsItsOwnPropertyAndFailsOnlyAStrictTest()
    {
        // Two servers named alike on one port: nginx warns and ignores the second, so its routes answer 404.
        var text = "server { listen 127.0.0.1:18080; server_name same.example; }\nserver { listen 127.0.0.1:18080; server_name same.example; }\n";
        var lenient = await tester.TestAsync(text, null, mainConfig: false, CancellationToken.None);
        Assert.True(lenient.Valid);
        var warning = Assert.Single(lenient.Warnings);
        Assert.Contains("conflicting server name \"same.example\"", warning.Message);
        Assert.Equal(1, lenient.WarningCount);
        Assert.Equal(0, lenient.ErrorCount);
        Assert.False(lenient.Strict);

        var strict = await tester.TestAsync(text, null, mainConfig: false, CancellationToken.None, strict: true);
        Assert.False(strict.Valid);
        Assert.True(strict.Strict);
        Assert.Equal(1, strict.WarningCount);

        var clean = await tester.TestAsync(Conf(new Route("/a", "127.0.0.1", 8080)), null, mainConfig: false, CancellationToken.None, strict: true);
        Assert.True(clean.Valid, clean.Output);
        Assert.Equal(0, clean.WarningCount);
    }

    [RealFact("nginx")]
    public async Task AnIncludedFifoIsRefusedBeforeNginxRuns()
    {
        var fifo = Path.Combine(dir.FullName, "routes.conf");
        MakeFifo(fifo);
        foreach (var text in new[] { $"include {fifo};\n", $"include \"{dir.FullName}/*.conf\";\n", $"server {{ listen 127.0.0.1:18080; ssl_certificate {fifo}; }}\n" })
        {
            var ex = await Assert.ThrowsAsync<NginxKitException>(() => tester.TestAsync(text, null, mainConfig: false, CancellationToken.None));
            Assert.Equal(ErrorCatalog.IncludedFileNotRegular.Id, ex.Problem.ErrorId);
            Assert.Equal("NotARegularFile", ex.Problem.Rule);
            Assert.Equal(fifo, ex.Problem.Target);
            Assert.Contains("not a regular file", ex.Problem.Message);
        }

        // Followed into the files an include names; a comment names nothing.
        var outer = Path.Combine(dir.FullName, "outer.inc");
        File.WriteAllText(outer, $"# include /dev/zero;\ninclude {fifo};\n");
        var nested = await Assert.ThrowsAsync<NginxKitException>(() => tester.TestAsync($"include {outer};\n", null, mainConfig: false, CancellationToken.None));
        Assert.Contains(outer, nested.Problem.Message);
        var commented = await tester.TestAsync($"# include {fifo};\n", null, mainConfig: false, CancellationToken.None);
        Assert.True(commented.Valid, commented.Output);
    }

    [RealFact("nginx")]
    public async Task ANginxThatHangsIsStoppedAtTheTimeout()
    {
        // A glob in a directory part is left to nginx, which then waits on the FIFO: the timeout ends it.
        var sub = Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
        MakeFifo(Path.Combine(sub.FullName, "wait.conf"));
        // nginx -t runs as nobody when this runs as root: the FIFO must be within its reach.
        var open = (UnixFileMode)0b111_101_101;
        File.SetUnixFileMode(dir.FullName, open);
        File.SetUnixFileMode(sub.FullName, open);
        File.SetUnixFileMode(Path.Combine(sub.FullName, "wait.conf"), (UnixFileMode)0b110_110_110);
        var ex = await Assert.ThrowsAsync<NginxKitException>(() =>
            tester.TestAsync($"include {dir.FullName}/*/wait.conf;\n", null, mainConfig: false, CancellationToken.None, timeout: TimeSpan.FromSeconds(1)));
        Assert.Equal(ErrorCatalog.NginxTestTimeout.Id, ex.Problem.ErrorId);
        Assert.Equal(ProblemCategory.OperationTimeout, ex.Problem.Category);
    }

    [RealFact("nginx")]
    public async Task AKeyOnlyRootMayReadIsTestedAsNginxLoadsIt()
    {
        var (certificate, key) = WriteSelfSigned(dir.FullName, "entry.example");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var options = new NginxConfOptions { Listen = ["127.0.0.1:18080"], TlsCertificate = certificate, TlsKey = key, TlsListen = ["127.0.0.1:18443"] };
        var text = NginxConf.Render(RouteSet.Build([new Route("/a", "127.0.0.1", 8080)]).Accepted, options).Text;
        var result = await tester.TestAsync(text, null, mainConfig: false, CancellationToken.None, strict: true);
        Assert.True(result.Valid, result.Output);

        // The test still loads the real pair: a key that does not match its certificate fails.
        var (_, otherKey) = WriteSelfSigned(Directory.CreateDirectory(Path.Combine(dir.FullName, "other")).FullName, "other.example");
        var mismatched = NginxConf.Render(RouteSet.Build([new Route("/a", "127.0.0.1", 8080)]).Accepted, options with { TlsKey = otherKey }).Text;
        var rejected = await tester.TestAsync(mismatched, null, mainConfig: false, CancellationToken.None);
        Assert.False(rejected.Valid);
        Assert.Contains(rejected.Errors, e => e.Message.Contains("key values mismatch", StringComparison.Ordinal) || e.Message.Contains("SSL_CTX_use_PrivateKey", StringComparison.Ordinal));
    }

    internal static (string Certificate, string Key) WriteSelfSigned(string directory, string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = Path.Combine(directory, "tls.crt");
        var key = Path.Combine(directory, "tls.key");
        File.WriteAllText(certificate, cert.ExportCertificatePem());
        File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }
}
