using System.Net.Http;
using System.Security.Authentication;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public sealed class KubeConnectionTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("nginxkit-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void AServerUrlWithCredentialsIsShownWithThePasswordMasked()
    {
        var file = Write("secret/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: { server: "https://admin:S3cret@127.0.0.1:6443" }
            users:
            - name: u
              user: { token: abc }
            contexts:
            - name: c
              context: { cluster: c, user: u }
            current-context: c
            """);
        using var connection = KubeConnection.Open(new KubeTarget(file, null));
        Assert.DoesNotContain("S3cret", connection.Info.Server);
        Assert.Contains("admin:***@127.0.0.1:6443", connection.Info.Server);
        Assert.DoesNotContain("S3cret", connection.Info.ToString());
    }

    [Theory]
    [InlineData("https://user:S3cret@host:6443/api", "https://user:***@host:6443/api")]
    [InlineData("https://t0ken@host", "https://***@host")]
    [InlineData("cannot reach http://a:b@10.0.0.1:80 (refused); then https://c:d@e/", "cannot reach http://a:***@10.0.0.1:80 (refused); then https://c:***@e/")]
    [InlineData("https://host:6443/path@x", "https://host:6443/path@x")]
    [InlineData("mail me@example.com", "mail me@example.com")]
    [InlineData("https://user:p%40ss@host", "https://user:***@host")]
    public void UrlCredentialsAreMaskedInAnyText(string text, string shown) => Assert.Equal(shown, NginxKit.Engine.Text.UserInfo.MaskUrls(text));

    [Fact]
    public void RelativePathsAreRelativeToTheFileThatNamesThem()
    {
        var first = Write("a/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: one
              cluster: { server: "https://127.0.0.1:1", certificate-authority: ca.crt }
            users:
            - name: one
              user: { client-certificate: /abs/client.crt, client-key: keys/client.key }
            contexts:
            - name: one
              context: { cluster: one, user: one }
            current-context: one
            """);
        var second = Write("b/c/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: two
              cluster: { server: "https://127.0.0.1:2", certificate-authority: ../pki/ca.crt }
            users:
            - name: two
              user:
                client-certificate: pki/client.crt
                client-key: pki/client.key
            - name: plugin
              user:
                exec: { apiVersion: client.authentication.k8s.io/v1, command: ./bin/cred, interactiveMode: Never }
            - name: on-path
              user:
                exec: { apiVersion: client.authentication.k8s.io/v1, command: kubelogin, interactiveMode: Never }
            contexts:
            - name: two
              context: { cluster: two, user: two }
            """);

        var config = KubeConnection.Load([first, second]);

        var clusters = config.Clusters.ToDictionary(c => c.Name, c => c.ClusterEndpoint);
        Assert.Equal(Path.Combine(root, "a/ca.crt"), clusters["one"].CertificateAuthority);
        Assert.Equal(Path.Combine(root, "b/pki/ca.crt"), clusters["two"].CertificateAuthority);
        var users = config.Users.ToDictionary(u => u.Name, u => u.UserCredentials);
        Assert.Equal("/abs/client.crt", users["one"].ClientCertificate);
        Assert.Equal(Path.Combine(root, "a/keys/client.key"), users["one"].ClientKey);
        Assert.Equal(Path.Combine(root, "b/c/pki/client.crt"), users["two"].ClientCertificate);
        Assert.Equal(Path.Combine(root, "b/c/pki/client.key"), users["two"].ClientKey);
        Assert.Equal(Path.Combine(root, "b/c/bin/cred"), users["plugin"].ExternalExecution.Command);
        Assert.Equal("kubelogin", users["on-path"].ExternalExecution.Command);
    }

    [Fact]
    public void AnUntrustedServerCertificateIsKubeTlsFailed()
    {
        var ex = new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.",
            new AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback."));

        var problem = KubeErrors.ToProblem(ex, "Listing nodes", null, ErrorCatalog.NodeNotFound);

        Assert.Equal(ErrorCatalog.KubeTlsFailed.Id, problem.ErrorId);
        Assert.Equal(ProblemCategory.SecurityError, problem.Category);
        Assert.Contains("not signed by the certificate-authority the kubeconfig gives", problem.Message);
        Assert.True(KubeErrors.IsFatal(ex));
    }

    [Fact]
    public void ARefusedConnectionIsKubeUnreachable()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)",
            new System.Net.Sockets.SocketException(111));

        var problem = KubeErrors.ToProblem(refused, "Listing nodes", null, ErrorCatalog.NodeNotFound);

        Assert.Equal(ErrorCatalog.KubeUnreachable.Id, problem.ErrorId);
        Assert.Equal(ProblemCategory.ConnectionError, problem.Category);
        Assert.True(KubeErrors.IsFatal(refused));
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
