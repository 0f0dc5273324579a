using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FakeKubeApi;

/// <summary>
/// The PKI of a TLS fake, made fresh for each server the way kubeadm makes a cluster's: a CA, a
/// serving certificate for 127.0.0.1 and localhost, and two client certificates in the key forms
/// kubeconfigs carry: RSA in PKCS#1 ("RSA PRIVATE KEY", kubeadm and kind) and P-256 in SEC1
/// ("EC PRIVATE KEY", k3s). A client presents one to authenticate as its CN; one from another CA
/// completes the handshake but authenticates nobody, as with the apiserver's RequestClientCert.
/// </summary>
public sealed class Certificates : IDisposable
{
    public const string AdminUser = "kubernetes-admin";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> verdicts = new();
    private Dictionary<string, string>? pem;

    private Certificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 rsaClient, X509Certificate2 ecClient)
    {
        Ca = ca;
        Server = server;
        RsaClient = rsaClient;
        EcClient = ecClient;
    }

    public X509Certificate2 Ca { get; }

    /// <summary>The serving certificate, with its key.</summary>
    public X509Certificate2 Server { get; }

    public X509Certificate2 RsaClient { get; }

    public X509Certificate2 EcClient { get; }

    public static Certificates Create()
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = now.AddDays(2);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=kubernetes", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now, until);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        names.AddDnsName("kubernetes.default.svc");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(Usage(serverAuth: true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        // Kestrel needs a key it can use for the handshake: an exportable, persisted copy.
        var server = Reload(Issue(serverRequest, ca, caKey, now, until).CopyWithPrivateKey(serverKey));

        using var rsaKey = RSA.Create(2048);
        var rsaClient = Issue(ClientRequest(rsaKey), ca, caKey, now, until).CopyWithPrivateKey(rsaKey);
        using var ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ecClient = Issue(ClientRequest(ecKey), ca, caKey, now, until).CopyWithPrivateKey(ecKey);

        return new Certificates(ca, server, rsaClient, ecClient);
    }

    /// <summary>True when <paramref name="client"/> was issued by this CA for client authentication.</summary>
    public bool Trusts(X509Certificate2 client) =>
        // Asked on every request; a connection presents the same certificate each time.
        verdicts.GetOrAdd(client.Thumbprint, _ =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
            return chain.Build(client);
        });

    /// <summary>The PEM files of this PKI by the names <see cref="WriteTo"/> gives them; keys end in .key.</summary>
    public IReadOnlyDictionary<string, string> Pem => pem ??= new Dictionary<string, string>
    {
        ["ca.crt"] = Ca.ExportCertificatePem() + "\n",
        ["client.crt"] = RsaClient.ExportCertificatePem() + "\n",
        ["client.key"] = PemEncoding.WriteString("RSA PRIVATE KEY", RsaClient.GetRSAPrivateKey()!.ExportRSAPrivateKey()) + "\n",
        ["client-ec.crt"] = EcClient.ExportCertificatePem() + "\n",
        ["client-ec.key"] = PemEncoding.WriteString("EC PRIVATE KEY", EcClient.GetECDsaPrivateKey()!.ExportECPrivateKey()) + "\n",
    };

    /// <summary>
    /// Writes ca.crt, client.crt and client.key (RSA, PKCS#1), client-ec.crt and client-ec.key (SEC1)
    /// as PEM into <paramref name="directory"/>, keys readable by the owner only.
    /// </summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, text) in Pem)
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (name.EndsWith(".key", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var writer = new StreamWriter(new FileStream(Path.Combine(directory, name), options));
            writer.Write(text);
        }
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        RsaClient.Dispose();
        EcClient.Dispose();
    }

    private static CertificateRequest ClientRequest(AsymmetricAlgorithm key)
    {
        var subject = $"CN={AdminUser}, O=system:masters";
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(Usage(serverAuth: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        return request;
    }

    private static X509EnhancedKeyUsageExtension Usage(bool serverAuth) =>
        new([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false);

    private static X509Certificate2 Issue(CertificateRequest request, X509Certificate2 ca, ECDsa caKey, DateTimeOffset from, DateTimeOffset until)
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var generator = X509SignatureGenerator.CreateForECDsa(caKey);
        return request.Create(ca.SubjectName, generator, from, until, serial);
    }

    private static X509Certificate2 Reload(X509Certificate2 withKey)
    {
        using (withKey)
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

}
