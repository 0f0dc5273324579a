using NginxKit.Engine.Nginx;

namespace NginxKit.SyncHost;

/// <summary>
/// nginxkit-sync's command line, parsed and nothing more: the values are checked by the engine's
/// own rules when the sync settings are built, as Sync-NginxConf's are.
/// </summary>
public sealed record SyncCommandLine
{
    public const string Usage = """
        usage: nginxkit-sync once|watch --out-file PATH [options]

          once                      render the cluster's Services once, write the config, and exit
                                    (0: a config is in place, even if some Services were skipped;
                                     1: none could be written; 2: bad command line)
          watch                     keep the config in step with the cluster until SIGTERM

          --out-file PATH           the nginx config to write (required)
          --kubeconfig PATH         a kubeconfig; by default the in-cluster service account, then
                                    $KUBECONFIG, then ~/.kube/config
          --listen ADDRESS          a listen value for the server block (80, 127.0.0.1:8080,
                                    "8080 default_server"); repeat for more; default 80
          --namespace A,B           only Services in these namespaces; repeatable; default all
          --expose-all              route every Service, not only those that opt in
          --reload-pid-file PATH    watch: reload by SIGHUP to the PID in nginx's pid file
          --reload-command CMD      watch: reload by running CMD (words split on spaces, no shell)
          --skip-nginx-test         write without the nginx -t check (the allow-lists still apply)

        Rendering, as Sync-NginxConf's parameters of the same names (routes' annotations win):
          --client-max-body-size N  the largest request body: 50m, 512k, 0 for no limit
          --websocket               proxy websocket upgrades
          --proxy-redirect          rewrite backends' redirects under the stripped prefix
          --proxy-connect-timeout S seconds to connect to a backend, 1-86400
          --proxy-read-timeout S    seconds between two reads from a backend, 1-86400
          --proxy-send-timeout S    seconds between two writes to a backend, 1-86400
          --not-default-server      leave default_server off the first server
          --server-name NAME        server_name of the default server; default _
          --tls-certificate PATH    the certificate chain (PEM) to serve TLS with; needs --tls-key;
                                    watch reloads nginx when the files change
          --tls-key PATH            its private key (PEM)
          --tls-listen ADDRESS      where TLS is served, as --listen; repeatable; default 443
          --redirect-http           answer plain HTTP with a redirect to https (/healthz excepted)
          --redirect-port PORT      the https port the redirect names, when clients reach TLS on
                                    another port than --tls-listen (a Service's 443 before a pod's 8443)
          --nginx-version X.Y.Z     the nginx the config is for; by default nginx -v of the nginx
                                    found, when TLS is on (from 1.25.1, HTTP/2 is "http2 on;")
          --layout auto|locations|maps
                                    a location block per route, or routes as entries in nginx maps
                                    that nginx parses faster; auto (default) takes maps from 250 routes
          --help, --version

        Each sync is one JSON line on standard output, with the fields of Sync-NginxConf's
        objects; warnings and refused Services are JSON lines on standard error.
        """;

    public required string Command { get; init; }
    public string? OutFile { get; init; }
    public string? KubeConfig { get; init; }
    public IReadOnlyList<string> Listen { get; init; } = [];
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    public bool ExposeAll { get; init; }
    public string? ReloadPidFile { get; init; }
    public IReadOnlyList<string>? ReloadCommand { get; init; }
    public bool SkipNginxTest { get; init; }
    public string? ClientMaxBodySize { get; init; }
    public bool WebSocket { get; init; }
    public bool ProxyRedirect { get; init; }
    public int? ProxyConnectTimeoutSec { get; init; }
    public int? ProxyReadTimeoutSec { get; init; }
    public int? ProxySendTimeoutSec { get; init; }
    public bool NotDefaultServer { get; init; }
    public string? ServerName { get; init; }
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
    public IReadOnlyList<string> TlsListen { get; init; } = [];
    public bool RedirectHttp { get; init; }
    public int? RedirectPort { get; init; }
    public Version? NginxVersion { get; init; }
    public NginxConfLayout Layout { get; init; }

    public bool Watch => Command == "watch";

    /// <summary>Parses the arguments; on failure returns null and says why in <paramref name="error"/>.</summary>
    public static SyncCommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        try
        {
            error = null;
            return ParseOrThrow(args);
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private static SyncCommandLine ParseOrThrow(IReadOnlyList<string> args)
    {
        string? command = null, outFile = null, kubeConfig = null, pidFile = null;
        string? bodySize = null, serverName = null, certificate = null, key = null, nginxVersion = null, layout = null;
        int? connectTimeout = null, readTimeout = null, sendTimeout = null, redirectPort = null;
        List<string> listen = [], namespaces = [], tlsListen = [];
        List<string>? reloadCommand = null;
        bool exposeAll = false, skipTest = false, webSocket = false, proxyRedirect = false, notDefault = false, redirectHttp = false;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "help")
                return new SyncCommandLine { Command = "help" };
            if (arg is "--version")
                return new SyncCommandLine { Command = "version" };
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (command is not null)
                    throw new FormatException($"unexpected argument '{Show(arg)}': give one command, once or watch, and flags that start with --");
                if (arg is not ("once" or "watch"))
                    throw new FormatException($"unknown command '{Show(arg)}': use once or watch");
                command = arg;
                continue;
            }

            var eq = arg.IndexOf('=');
            var (name, inline) = eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            string Value()
            {
                var value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                if (string.IsNullOrWhiteSpace(value)) throw new FormatException($"{name} needs a value");
                return value;
            }
            string Once(string? slot) => slot is null ? Value() : throw new FormatException($"{name} is given twice");
            bool Flag() => inline is null ? true : throw new FormatException($"{name} takes no value");
            // A whole number; its range is the engine's rule, checked with the other settings.
            int? Number(int? slot)
            {
                if (slot is not null) throw new FormatException($"{name} is given twice");
                var value = Value();
                return value.Length <= 9 && value.All(char.IsAsciiDigit)
                    ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
                    : throw new FormatException($"{name} '{Show(value)}' is not a whole number");
            }

            switch (name)
            {
                case "--out-file": outFile = Once(outFile); break;
                case "--kubeconfig": kubeConfig = Once(kubeConfig); break;
                case "--reload-pid-file": pidFile = Once(pidFile); break;
                case "--expose-all": exposeAll = Flag(); break;
                case "--skip-nginx-test": skipTest = Flag(); break;
                case "--listen": listen.Add(Value()); break;
                case "--client-max-body-size": bodySize = Once(bodySize); break;
                case "--websocket": webSocket = Flag(); break;
                case "--proxy-redirect": proxyRedirect = Flag(); break;
                case "--proxy-connect-timeout": connectTimeout = Number(connectTimeout); break;
                case "--proxy-read-timeout": readTimeout = Number(readTimeout); break;
                case "--proxy-send-timeout": sendTimeout = Number(sendTimeout); break;
                case "--not-default-server": notDefault = Flag(); break;
                case "--server-name": serverName = Once(serverName); break;
                case "--tls-certificate": certificate = Once(certificate); break;
                case "--tls-key": key = Once(key); break;
                case "--tls-listen": tlsListen.Add(Value()); break;
                case "--redirect-http": redirectHttp = Flag(); break;
                case "--redirect-port": redirectPort = Number(redirectPort); break;
                case "--nginx-version": nginxVersion = Once(nginxVersion); break;
                case "--layout": layout = Once(layout); break;
                case "--namespace":
                    var names = Value().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    namespaces.AddRange(names.Length > 0 ? names : throw new FormatException($"{name} needs namespace names, separated by commas"));
                    break;
                case "--reload-command":
                    if (reloadCommand is not null) throw new FormatException($"{name} is given twice");
                    reloadCommand = Value().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
                    break;
                default:
                    throw new FormatException($"unknown flag '{Show(name)}'");
            }
        }

        if (command is null) throw new FormatException("give a command: once or watch");
        if (outFile is null) throw new FormatException("--out-file is required: the nginx config to write");
        Version? version = null;
        if (nginxVersion is not null && (!Version.TryParse(nginxVersion, out version) || nginxVersion.Any(c => !(char.IsAsciiDigit(c) || c == '.'))))
            throw new FormatException($"--nginx-version '{Show(nginxVersion)}' is not a version: give nginx's, such as 1.27.5");
        // By name only: Enum.Parse would also take numbers and "Maps,Locations".
        var chosen = layout?.ToLowerInvariant() switch
        {
            null or "auto" => NginxConfLayout.Auto,
            "locations" => NginxConfLayout.Locations,
            "maps" => NginxConfLayout.Maps,
            _ => throw new FormatException($"--layout '{Show(layout)}' is not a layout: use auto, locations or maps"),
        };
        return new SyncCommandLine
        {
            Command = command,
            OutFile = outFile,
            KubeConfig = kubeConfig,
            Listen = listen,
            Namespaces = namespaces,
            ExposeAll = exposeAll,
            ReloadPidFile = pidFile,
            ReloadCommand = reloadCommand,
            SkipNginxTest = skipTest,
            ClientMaxBodySize = bodySize,
            WebSocket = webSocket,
            ProxyRedirect = proxyRedirect,
            ProxyConnectTimeoutSec = connectTimeout,
            ProxyReadTimeoutSec = readTimeout,
            ProxySendTimeoutSec = sendTimeout,
            NotDefaultServer = notDefault,
            ServerName = serverName,
            TlsCertificate = certificate,
            TlsKey = key,
            TlsListen = tlsListen,
            RedirectHttp = redirectHttp,
            RedirectPort = redirectPort,
            NginxVersion = version,
            Layout = chosen,
        };
    }

    // An argument echoed in a message: control characters would break the log line or the terminal.
    private static string Show(string text) => Engine.Text.Printable.Escape(text);
}
