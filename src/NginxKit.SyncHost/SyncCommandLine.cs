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
        List<string> listen = [], namespaces = [];
        List<string>? reloadCommand = null;
        bool exposeAll = false, skipTest = false;

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

            switch (name)
            {
                case "--out-file": outFile = Once(outFile); break;
                case "--kubeconfig": kubeConfig = Once(kubeConfig); break;
                case "--reload-pid-file": pidFile = Once(pidFile); break;
                case "--expose-all": exposeAll = Flag(); break;
                case "--skip-nginx-test": skipTest = Flag(); break;
                case "--listen": listen.Add(Value()); break;
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
        };
    }

    // An argument echoed in a message: control characters would break the log line or the terminal.
    private static string Show(string text) => Engine.Text.Printable.Escape(text);
}
