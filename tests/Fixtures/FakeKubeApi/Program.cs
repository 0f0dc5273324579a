// FakeKubeApi standalone: a fake kube-apiserver for tests that drive kubectl or a client library.
//
//   dotnet FakeKubeApi.dll [--port N] [--token T] [--tls-dir DIR] [--service-node-port-range LOW-HIGH]
//                          [--kubeconfig FILE] [--exit-with-stdin]
//
// Prints exactly one line, "LISTENING http://127.0.0.1:PORT", once it serves; then serves until
// SIGTERM or SIGINT (Ctrl+C). --exit-with-stdin also stops it when stdin reaches EOF, so a test
// that started it with a pipe cannot leave it behind (Start-FakeKubeApi does this).
// --kubeconfig writes a kubeconfig for it (server, CA and credentials) before that line, for kubectl
// --kubeconfig FILE and Connect-NginxKitCluster -KubeConfig FILE.
// --service-node-port-range is the apiserver's flag of that name (default 30000-32767).
// --tls-dir serves HTTPS ("LISTENING https://...") with a fresh PKI, written to DIR as PEM before
// that line: ca.crt, and client.crt/client.key (RSA) and client-ec.crt/client-ec.key (EC) to
// authenticate with (see Certificates).

using System.Runtime.InteropServices;
using FakeKubeApi;

var port = 0;
string? token = null;
string? tlsDir = null;
var watchStdin = false;
string? kubeConfigPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p) && p is >= 0 and <= 65535:
            port = p;
            i++;
            break;
        case "--token" when i + 1 < args.Length && args[i + 1].Length > 0:
            token = args[++i];
            break;
        case "--tls-dir" when i + 1 < args.Length && args[i + 1].Length > 0:
            tlsDir = args[++i];
            break;
        case "--service-node-port-range" when i + 1 < args.Length && args[i + 1].Split('-') is [var low, var high]
                && int.TryParse(low, out var lowPort) && int.TryParse(high, out var highPort) && lowPort is > 0 and <= 65535 && highPort >= lowPort && highPort <= 65535:
            Validation.NodePortRange = (lowPort, highPort);
            i++;
            break;
        case "--exit-with-stdin":
            watchStdin = true;
            break;
        case "--kubeconfig" when i + 1 < args.Length && args[i + 1].Length > 0:
            kubeConfigPath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"FakeKubeApi: unexpected argument '{args[i]}'");
            Console.Error.WriteLine("usage: FakeKubeApi [--port N] [--token T] [--tls-dir DIR] [--service-node-port-range LOW-HIGH] [--kubeconfig FILE] [--exit-with-stdin]");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });

using var certificates = tlsDir is null ? null : Certificates.Create();
certificates?.WriteTo(tlsDir!);
await using var server = await FakeKubeApiServer.StartAsync(port, token, tls: certificates);
if (kubeConfigPath is not null) File.WriteAllText(kubeConfigPath, server.KubeConfigYaml());
Console.Out.WriteLine($"LISTENING {server.BaseAddress.ToString().TrimEnd('/')}");
Console.Out.Flush();

if (watchStdin)
{
    _ = Task.Run(() =>
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
        }
        catch (IOException)
        {
            // stdin gone: same as EOF
        }
        stop.Cancel();
    });
}

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // asked to stop
}
return 0;
