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
//
// What else a request can ask for, in its query string (nginx passes it on unchanged):
//   echo-delay-ms=N        wait N ms before answering (a slow backend, for timeouts)
//   echo-redirect=/p/      answer 302 with Location /p/; with echo-redirect-host=1, http://<Host>/p/
// A websocket handshake (Upgrade: websocket with a Sec-WebSocket-Key) is answered 101, and every
// text or binary frame is sent back as it came, until a close frame. Each answer carries
// X-Echo-Body-Bytes (the request body's length as received) and X-Echo-<Name> for the request's
// Connection, Upgrade and X-Forwarded-Prefix headers.

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
        var head = latin1.GetString(buffer, 0, headerEnd < 0 ? filled : headerEnd);
        int lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        if (requestLine.Length == 0) return; // a connection probe, or nothing parseable
        var headers = Headers(head);
        var query = Query(requestLine);
        int leftover = headerEnd < 0 ? 0 : filled - headerEnd - 4;

        if (headers.TryGetValue("Upgrade", out var upgrade) && upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase)
            && headers.TryGetValue("Sec-WebSocket-Key", out var key))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await WebSocketEcho(socket, key, buffer.AsMemory(headerEnd + 4, leftover), timeout.Token);
            return;
        }

        // Drain a request body, so closing the socket never resets a client still sending.
        long received = 0;
        if (headerEnd >= 0 && ContentLength(headers) is long length && length > 0)
        {
            received = Math.Min(leftover, length);
            while (received < length)
            {
                int n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0) break;
                received += n;
            }
        }
        if (query.TryGetValue("echo-delay-ms", out var delay) && int.TryParse(delay, out var ms))
            await Task.Delay(ms, timeout.Token);

        var status = "200 OK";
        var extra = new StringBuilder();
        if (query.TryGetValue("echo-redirect", out var location))
        {
            status = "302 Found";
            var absolute = query.TryGetValue("echo-redirect-host", out var h) && h == "1" && headers.TryGetValue("Host", out var host) ? "http://" + host : "";
            extra.Append($"Location: {absolute}{Uri.UnescapeDataString(location)}\r\n");
        }
        foreach (var echoed in new[] { "Connection", "Upgrade", "X-Forwarded-Prefix" })
            if (headers.TryGetValue(echoed, out var value)) extra.Append($"X-Echo-{echoed}: {value}\r\n");

        var body = latin1.GetBytes($"{name} {requestLine}");
        var response = new MemoryStream();
        response.Write(latin1.GetBytes(
            $"HTTP/1.1 {status}\r\n" +
            "Content-Type: text/plain; charset=iso-8859-1\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            $"X-Echo-Backend: {name}\r\n" +
            extraHeaders +
            $"X-Echo-Body-Bytes: {received}\r\n" +
            extra +
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

static long? ContentLength(Dictionary<string, string> headers) =>
    headers.TryGetValue("Content-Length", out var text) && long.TryParse(text, out var value) ? value : null;

static Dictionary<string, string> Headers(string head)
{
    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    foreach (var line in head.Split("\r\n").Skip(1))
    {
        int colon = line.IndexOf(':');
        if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
    }
    return headers;
}

static Dictionary<string, string> Query(string requestLine)
{
    var query = new Dictionary<string, string>(StringComparer.Ordinal);
    var target = requestLine.Split(' ') is { Length: >= 2 } parts ? parts[1] : "";
    int mark = target.IndexOf('?');
    if (mark < 0) return query;
    foreach (var pair in target[(mark + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
    {
        int eq = pair.IndexOf('=');
        query[eq < 0 ? pair : pair[..eq]] = eq < 0 ? "" : pair[(eq + 1)..];
    }
    return query;
}

// RFC 6455: the handshake, then every data frame back as it came (unmasked, as a server sends it).
static async Task WebSocketEcho(Socket socket, string key, Memory<byte> already, CancellationToken token)
{
    var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
    await socket.SendAsync(Encoding.ASCII.GetBytes(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Accept: {accept}\r\nX-Echo-Backend: websocket\r\n\r\n"), SocketFlags.None, token);
    var pending = new List<byte>(already.ToArray());
    var chunk = new byte[64 * 1024];
    async Task<bool> Need(int count)
    {
        while (pending.Count < count)
        {
            int n = await socket.ReceiveAsync(chunk, SocketFlags.None, token);
            if (n == 0) return false;
            pending.AddRange(chunk.AsSpan(0, n));
        }
        return true;
    }
    while (await Need(2))
    {
        int opcode = pending[0] & 0x0F;
        bool masked = (pending[1] & 0x80) != 0;
        long length = pending[1] & 0x7F;
        int at = 2;
        if (length == 126) { if (!await Need(4)) return; length = (pending[2] << 8) | pending[3]; at = 4; }
        else if (length == 127) { if (!await Need(10)) return; length = 0; for (int i = 2; i < 10; i++) length = (length << 8) | pending[i]; at = 10; }
        if (!await Need(at + (masked ? 4 : 0) + (int)length)) return;
        var mask = masked ? pending.GetRange(at, 4).ToArray() : [0, 0, 0, 0];
        at += masked ? 4 : 0;
        var payload = pending.GetRange(at, (int)length).ToArray();
        for (int i = 0; i < payload.Length; i++) payload[i] ^= mask[i % 4];
        pending.RemoveRange(0, at + (int)length);

        var frame = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126) frame.Add((byte)payload.Length);
        else { frame.Add(126); frame.Add((byte)(payload.Length >> 8)); frame.Add((byte)payload.Length); }
        frame.AddRange(payload);
        await socket.SendAsync(frame.ToArray(), SocketFlags.None, token);
        if (opcode == 8) return; // close: answered, done
    }
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
