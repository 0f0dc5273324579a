using System.Reflection;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Sync;
using NginxKit.Engine.Text;

namespace NginxKit.SyncHost;

/// <summary>
/// nginxkit-sync: a command line into the engine's <see cref="NginxConfSync"/>, the code
/// Sync-NginxConf runs. Exit codes are what a pod can live with: 0 when a config is in place
/// (skipped Services are logged, not fatal), 1 when none could be written, 2 for a bad command line.
/// </summary>
public static class SyncProgram
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var line = SyncCommandLine.Parse(args, out var error);
        if (line is null)
            return Usage(stderr, error!);
        switch (line.Command)
        {
            case "help":
                stdout.WriteLine(SyncCommandLine.Usage);
                return Ok;
            case "version":
                stdout.WriteLine($"nginxkit-sync {typeof(SyncProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}");
                return Ok;
        }

        var settings = Settings(line, out error);
        if (settings is null)
            return Usage(stderr, error!);
        // The sidecar renders for the nginx beside it: without --nginx-version, that nginx says which it is.
        if (settings.Render.Tls && settings.Render.NginxVersion is null
            && await NginxVersionProbe.DetectAsync(ProcessRunner.Instance, settings.NginxPath, cancellationToken).ConfigureAwait(false) is { } version)
            settings = settings with { Render = settings.Render with { NginxVersion = version } };

        var log = new SyncLog(stdout, stderr);
        try
        {
            using var connection = KubeConnection.Open(new KubeTarget(line.KubeConfig) { InClusterFirst = true });
            var sync = new NginxConfSync(connection, settings, ProcessRunner.Instance);
            if (!line.Watch)
            {
                log.Event(await sync.OnceAsync(m => { log.Write(m); return ValueTask.CompletedTask; }, cancellationToken).ConfigureAwait(false));
                return Ok;
            }
            await sync.WatchAsync(m => { log.Write(m); CompactAfterWrite(m); return ValueTask.CompletedTask; }, cancellationToken).ConfigureAwait(false);
            return Ok;
        }
        catch (NginxKitException ex)
        {
            log.Error(ex.Problem);
            return Failed;
        }
        catch (Exception ex) when (KubeErrors.IsApiFailure(ex))
        {
            log.Error(KubeErrors.ToProblem(ex, "Listing Services", null, ErrorCatalog.NamespaceNotFound));
            return Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before a single render finished: nothing was written.
            return Failed;
        }
    }

    // The sidecar idles between changes. Once nginx serves a written config, its render, its test and
    // the routes it replaced are garbage: a compacting collection returns their pages before the next
    // change, where the GC's own budget would let several syncs' worth pile up first. At 10,000
    // Services, with the sync's other allocations cut, the peak RSS went from 67.1 to 51.9 MB beside
    // the previous build in one run of bench/SyncScale.Bench.ps1, at the same latency.
    private static void CompactAfterWrite(SyncMessage message)
    {
        if (message is SyncMessage.Event { Value.Written: true })
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>The engine's settings, checked by the same rules as Sync-NginxConf's parameters.</summary>
    internal static SyncSettings? Settings(SyncCommandLine line, out string? error)
    {
        error = null;
        var render = new NginxConfOptions
        {
            Listen = line.Listen.Count > 0 ? line.Listen : ["80"],
            ServerName = line.ServerName ?? RouteSet.DefaultServerName,
            ClientMaxBodySize = line.ClientMaxBodySize,
            WebSocket = line.WebSocket,
            ProxyRedirect = line.ProxyRedirect,
            ProxyConnectTimeoutSec = line.ProxyConnectTimeoutSec,
            ProxyReadTimeoutSec = line.ProxyReadTimeoutSec,
            ProxySendTimeoutSec = line.ProxySendTimeoutSec,
            DefaultServer = !line.NotDefaultServer,
            // nginx is given absolute paths: a relative one would resolve against nginx's prefix.
            TlsCertificate = line.TlsCertificate is null ? null : Path.GetFullPath(line.TlsCertificate),
            TlsKey = line.TlsKey is null ? null : Path.GetFullPath(line.TlsKey),
            TlsListen = line.TlsListen.Count > 0 ? line.TlsListen : ["443"],
            RedirectHttp = line.RedirectHttp,
            RedirectPort = line.RedirectPort,
            NginxVersion = line.NginxVersion,
            Layout = line.Layout,
        };
        if (render.Validate() is [var bad, ..])
        {
            error = $"{bad.ErrorId}: {FlagNames(bad.Message)}";
            return null;
        }
        IReadOnlyList<string> namespaces;
        try
        {
            namespaces = NamespaceScope.Parse(line.Namespaces, "--namespace");
        }
        catch (NginxKitException ex)
        {
            error = ex.Problem.ToString();
            return null;
        }
        var reloader = NginxReloader.Choose(line.ReloadPidFile is null ? null : Path.GetFullPath(line.ReloadPidFile), line.ReloadCommand,
            reloadNginx: false, nginxPath: null, line.Watch, out var problem);
        if (problem is not null)
        {
            error = problem.ErrorId + ": " + (problem.Kind == ErrorCatalog.ReloadNeedsWatch
                ? "--reload-pid-file and --reload-command need watch: once writes the config before nginx starts, so there is nothing to reload."
                : "give one of --reload-pid-file and --reload-command.");
            return null;
        }
        return new SyncSettings
        {
            OutFile = Path.GetFullPath(line.OutFile!),
            Render = render,
            Namespaces = namespaces,
            ExposeAll = line.ExposeAll,
            SkipNginxTest = line.SkipNginxTest,
            Reloader = reloader,
            // The manifest gives the sidecar its pod by the downward API; a watch records what it serves there.
            Pod = PodIdentity.FromEnvironment(Environment.GetEnvironmentVariable),
        };
    }

    // The engine's messages name Sync-NginxConf's parameters; here they name this command's flags.
    // Quoted values are left as they were given.
    private static readonly (string Parameter, string Flag)[] Flags =
    [
        ("TLS listen", "--tls-listen"), ("Server name", "--server-name"), ("ProxyConnectTimeoutSec", "--proxy-connect-timeout"),
        ("ProxyReadTimeoutSec", "--proxy-read-timeout"), ("ProxySendTimeoutSec", "--proxy-send-timeout"),
        ("ClientMaxBodySize", "--client-max-body-size"), ("TlsCertificate", "--tls-certificate"), ("TlsKey", "--tls-key"),
        ("TlsListen", "--tls-listen"), ("RedirectHttp", "--redirect-http"), ("RedirectPort", "--redirect-port"), ("Listen", "--listen"),
    ];

    internal static string FlagNames(string message)
    {
        var parts = message.Split('\'');
        for (var i = 0; i < parts.Length; i += 2)
        {
            foreach (var (parameter, flag) in Flags)
                parts[i] = System.Text.RegularExpressions.Regex.Replace(parts[i], $@"(?<![\w-])-?{parameter}\b", flag);
        }
        return string.Join('\'', parts);
    }

    private static int Usage(TextWriter stderr, string error)
    {
        stderr.WriteLine($"nginxkit-sync: {error}");
        stderr.WriteLine("Run nginxkit-sync --help for the flags.");
        return BadUsage;
    }
}
