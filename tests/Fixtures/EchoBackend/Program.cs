// EchoBackend: answers every HTTP request with "200 OK" and the body "<name> <raw request line>",
// so a test sees exactly the path nginx sent upstream (Python's http.server, HttpListener and
// Kestrel all normalise it, hiding a leading "//").
//
//   EchoBackend --name volume [--port N]       prints "LISTENING <port>"
//   EchoBackend --listen volume=0 api=0 ...     prints "LISTENING <port> <name>" per listener
//   ... --tls                                   every listener speaks HTTPS only, with a fresh self-signed
//                                               certificate; answers carry X-Echo-Tls (the protocol) and
//                                               X-Echo-Sni (the name the client sent by SNI, or "-")
//
// Port 0 (the default) takes an ephemeral port; every listener binds 127.0.0.1. The process exits
// on stdin EOF or SIGTERM/SIGINT, so closing the pipe that started it is enough to stop it.

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

const int MaxHeaderBytes = 64 * 1024;
var latin1 = Encoding.Latin1; // one byte per char: the request line comes back byte for byte

List<(string Name, int Port)> wanted;
bool multi, tls;
try
{
    (wanted, multi, tls) = ParseArgs(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"EchoBackend: {ex.Message}");
    Console.Error.WriteLine("usage: EchoBackend --name NAME [--port N] | --listen NAME=PORT [NAME=PORT ...] [--tls]");
    return 2;
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });

using var certificate = tls ? SelfSigned() : null;
var listeners = new List<(string Name, TcpListener Listener)>();
foreach (var (name, port) in wanted)
{
    var listener = new TcpListener(IPAddress.Loopback, port);
    listener.Start(backlog: 512);
    listeners.Add((name, listener));
}

var stdout = Console.Out;
foreach (var (name, listener) in listeners)
{
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    stdout.WriteLine(multi ? $"LISTENING {port} {name}" : $"LISTENING {port}");
}
stdout.Flush();

// stdin EOF means whoever started us is gone or wants us gone.
_ = Task.Run(() =>
{
    try
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
    }
    catch (IOException) { }
    stop.Cancel();
});

var loops = listeners.Select(l => AcceptLoop(l.Name, l.Listener, stop.Token)).ToArray();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException) { }
foreach (var (_, listener) in listeners) listener.Stop();
await Task.WhenAll(loops);
return 0;

async Task AcceptLoop(string name, TcpListener listener, CancellationToken token)
{
    while (!token.IsCancellationRequested)
    {
        Socket socket;
        try
        {
            socket = await listener.AcceptSocketAsync(token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return;
        }
        _ = Task.Run(() => Serve(name, socket, token));
    }
}

async Task Serve(string name, Socket socket, CancellationToken token)
{
    using var _ = socket;
    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
    timeout.CancelAfter(TimeSpan.FromSeconds(30));
    try
    {
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        var extraHeaders = "";
        if (certificate is not null)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            string? sni = null;
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, hostName) =>
                {
                    sni = hostName;
                    return certificate;
                },
            }, timeout.Token);
            stream = ssl;
            extraHeaders = $"X-Echo-Tls: {ssl.SslProtocol}\r\nX-Echo-Sni: {(string.IsNullOrEmpty(sni) ? "-" : sni)}\r\n";
        }
        await using var __ = stream;
        var buffer = new byte[MaxHeaderBytes];
        int filled = 0, headerEnd = -1;
        while (headerEnd < 0 && filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token);
            if (n == 0) break;
            filled += n;
            headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
        }
        var head = buffer.AsSpan(0, headerEnd < 0 ? filled : headerEnd);
        int lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = latin1.GetString(lineEnd < 0 ? head : head[..lineEnd]);
        if (requestLine.Length == 0) return; // a connection probe, or nothing parseable

        // Drain a request body, so closing the socket never resets a client still sending.
        if (headerEnd >= 0 && ContentLength(latin1.GetString(head)) is long length && length > 0)
        {
            long remaining = length - (filled - headerEnd - 4);
            while (remaining > 0)
            {
                int n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0) break;
                remaining -= n;
            }
        }

        var body = latin1.GetBytes($"{name} {requestLine}");
        var response = new MemoryStream();
        response.Write(latin1.GetBytes(
            "HTTP/1.1 200 OK\r\n" +
            "Content-Type: text/plain; charset=iso-8859-1\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            $"X-Echo-Backend: {name}\r\n" +
            extraHeaders +
            "Connection: close\r\n\r\n"));
        response.Write(body);
        await stream.WriteAsync(response.ToArray(), timeout.Token);
        await stream.FlushAsync(timeout.Token);
        if (stream is SslStream closing) await closing.ShutdownAsync();
        socket.Shutdown(SocketShutdown.Send);
    }
    catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException or System.Security.Authentication.AuthenticationException)
    {
        // The client went away, spoke plain HTTP to a TLS listener, or we are stopping: nothing to answer.
    }
}

// A certificate for 127.0.0.1 and localhost, made at start: the backend proves nothing, it only speaks TLS.
static X509Certificate2 SelfSigned()
{
    using var key = RSA.Create(2048);
    var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    var names = new SubjectAlternativeNameBuilder();
    names.AddDnsName("localhost");
    names.AddIpAddress(IPAddress.Loopback);
    request.CertificateExtensions.Add(names.Build());
    using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    // Through PKCS#12, so the private key is usable by SslStream on every platform.
    return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
}

static long? ContentLength(string head)
{
    foreach (var line in head.Split("\r\n"))
    {
        int colon = line.IndexOf(':');
        if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(line.AsSpan(colon + 1).Trim(), out var value))
            return value;
    }
    return null;
}

static (List<(string Name, int Port)> Listeners, bool Multi, bool Tls) ParseArgs(string[] args)
{
    var listeners = new List<(string, int)>();
    string? name = null;
    int port = 0;
    bool multi = false, tls = false;
    for (int i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--name" when i + 1 < args.Length:
                name = args[++i];
                break;
            case "--port" when i + 1 < args.Length:
                port = ParsePort(args[++i]);
                break;
            case "--tls":
                tls = true;
                break;
            case "--listen":
                multi = true;
                while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    var pair = args[++i];
                    int eq = pair.IndexOf('=');
                    listeners.Add(eq < 0 ? (pair, 0) : (pair[..eq], ParsePort(pair[(eq + 1)..])));
                }
                break;
            default:
                throw new ArgumentException($"unexpected argument '{args[i]}'");
        }
    }
    if (multi && name is not null) throw new ArgumentException("use either --name/--port or --listen");
    if (!multi) listeners.Add((name ?? throw new ArgumentException("--name or --listen is required"), port));
    if (listeners.Count == 0) throw new ArgumentException("--listen needs at least one NAME=PORT");
    foreach (var (n, _) in listeners)
        if (n.Length == 0 || n.Any(c => c is < '!' or > '~')) throw new ArgumentException($"bad name '{n}'");
    return (listeners, multi, tls);
}

static int ParsePort(string text) =>
    int.TryParse(text, out var p) && p is >= 0 and <= 65535 ? p : throw new ArgumentException($"bad port '{text}'");
