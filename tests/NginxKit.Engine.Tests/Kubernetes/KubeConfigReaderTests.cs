using k8s.Exceptions;
using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class KubeConfigReaderTests
{
    [Fact]
    public void ReadsEveryKeyKubectlWritesByItsClientGoName()
    {
        var config = KubeConfigReader.Read("""
            apiVersion: v1
            kind: Config
            current-context: lab
            preferences: {}
            clusters:
            - name: lab
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority-data: Q0E=
                tls-server-name: api.lab
                insecure-skip-tls-verify: true
                proxy-url: http://proxy:3128
            users:
            - name: admin
              user:
                client-certificate-data: Q0VSVA==
                client-key-data: S0VZ
                token: abc
                username: u
                password: p
                as: someone
                as-groups: [a, b]
            - name: exec
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: aws
                  args: [eks, get-token]
                  env:
                  - name: AWS_PROFILE
                    value: lab
                  provideClusterInfo: true
                  installHint: install aws
            - name: oidc
              user:
                auth-provider:
                  name: oidc
                  config: { client-id: x }
            - name: empty
              user: {}
            contexts:
            - name: lab
              context: { cluster: lab, user: admin, namespace: edge }
            """, "/etc/kube/config");

        Assert.Equal("/etc/kube/config", config.FileName);
        Assert.Equal("lab", config.CurrentContext);
        var cluster = Assert.Single(config.Clusters).ClusterEndpoint;
        Assert.Equal(("https://10.0.0.1:6443", "Q0E=", "api.lab", true), (cluster.Server, cluster.CertificateAuthorityData, cluster.TlsServerName, cluster.SkipTlsVerify));
        var users = config.Users.ToDictionary(u => u.Name);
        var admin = users["admin"].UserCredentials;
        Assert.Equal(("Q0VSVA==", "S0VZ", "abc", "u", "p", "someone"), (admin.ClientCertificateData, admin.ClientKeyData, admin.Token, admin.UserName, admin.Password, admin.Impersonate));
        Assert.Equal(["a", "b"], admin.ImpersonateGroups);
        var exec = users["exec"].UserCredentials.ExternalExecution;
        Assert.Equal(("client.authentication.k8s.io/v1", "aws", true, "install aws"), (exec.ApiVersion, exec.Command, exec.ProvideClusterInfo, exec.InstallHint));
        Assert.Equal(["eks", "get-token"], exec.Arguments);
        Assert.Equal("lab", Assert.Single(exec.EnvironmentVariables)["value"]);
        Assert.Equal("x", users["oidc"].UserCredentials.AuthProvider.Config["client-id"]);
        Assert.Null(users["empty"].UserCredentials.Token);
        var context = Assert.Single(config.Contexts).ContextDetails;
        Assert.Equal(("lab", "admin", "edge"), (context.Cluster, context.User, context.Namespace));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing\n")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: null\nusers:\ncontexts: []\n")]
    public void AnEmptyKubeconfigHasNoEntries(string text)
    {
        var config = KubeConfigReader.Read(text, "f");
        Assert.Empty(config.Clusters ?? []);
        Assert.Empty(config.Users ?? []);
        Assert.Empty(config.Contexts ?? []);
    }

    [Theory]
    [InlineData("clusters: not-a-list\n", "'clusters' must be a list")]
    [InlineData("- a\n- b\n", "the kubeconfig must be a mapping")]
    [InlineData("clusters:\n- name: x\n  cluster: [1]\n", "'cluster' of an entry of 'clusters' must be a mapping")]
    [InlineData("clusters:\n- name: x\n  cluster:\n    insecure-skip-tls-verify: maybe\n", "'insecure-skip-tls-verify' must be true or false")]
    public void AKubeconfigOfTheWrongShapeIsRefusedSayingWhere(string text, string message) =>
        Assert.Contains(message, Assert.Throws<KubeConfigException>(() => KubeConfigReader.Read(text, "f")).Message);
}
