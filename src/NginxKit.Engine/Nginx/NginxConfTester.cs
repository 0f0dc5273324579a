using System.Globalization;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// Runs the real <c>nginx -t</c> on a config inside a private temp prefix: its own pid, logs and
/// temp paths, so it needs no access to the system's nginx. As root it drops to nobody first,
/// because parsing untrusted text with a privileged nginx was itself CVE-2025-1974.
/// This is a second check; the allow-lists are the defence (nginx -t accepts injected blocks).
/// </summary>
public sealed partial class NginxConfTester(IProcessRunner runner)
{

    /// <summary>Locates nginx: the given path, else PATH and the sbin directories.</summary>
    public static string? FindNginx(string? nginxPath = null) => NativeCommand.Find(nginxPath ?? "nginx");

    /// <summary>How long nginx -t may take before it is stopped; a config that reads from a pipe would wait forever.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Tests <paramref name="text"/>. A server-level snippet (default.conf) is placed inside a
    /// minimal http block; a whole nginx.conf is tested as it stands when <paramref name="mainConfig"/> is set.
    /// With <paramref name="strict"/>, a warning fails the test as an error does: nginx warns when it
    /// ignores part of a config (a conflicting server name), and then serves something else.
    /// </summary>
    public async Task<NginxConfTestResult> TestAsync(string text, string? nginxPath, bool mainConfig, CancellationToken cancellationToken,
        bool strict = false, TimeSpan? timeout = null)
    {
        var nginx = FindNginx(nginxPath) ?? throw ErrorCatalog.NginxNotFound.Exception($"nginx was not found{(nginxPath is null ? " on PATH or in the sbin directories" : $" at '{nginxPath}'")}. Install it (apt-get install nginx) or give -NginxPath.", nginxPath);
        // A FIFO, socket or device named by include or a certificate would hang nginx -t or feed it without end.
        var files = NginxConfFiles.Named(text);
        NginxConfFiles.CheckRegular(files);

        var prefix = Directory.CreateTempSubdirectory("nginxkit-test-");
        try
        {
            var confDir = Path.Combine(prefix.FullName, "conf.d");
            Directory.CreateDirectory(confDir);
            var snippet = Path.Combine(confDir, "default.conf");
            var main = Path.Combine(prefix.FullName, "nginx.conf");

            // A whole nginx.conf sets its own pid (a second one is an error) and temp paths, and is the
            // operator's own file; a snippet is where cluster values land, so only it drops privileges.
            List<string> args = mainConfig
                ? ["-t", "-q", "-p", prefix.FullName + "/", "-c", main, "-g", $"error_log {prefix.FullName}/error.log;"]
                : ["-t", "-q", "-p", prefix.FullName + "/", "-c", main, "-g", $"pid {prefix.FullName}/nginx.pid; error_log {prefix.FullName}/error.log;"];
            var (file, finalArgs) = mainConfig ? (nginx, args) : Unprivileged(nginx, args);
            if (file != nginx)
            {
                OpenForNobody(prefix.FullName);
                // A key only root may read is what a host has; nobody gets a private copy for the test's moments.
                text = NginxConfFiles.WithPrivateTlsCopies(text, files, Path.Combine(prefix.FullName, "tls"));
            }
            File.WriteAllText(snippet, text);
            File.WriteAllText(main, mainConfig ? text : MainConfig(prefix.FullName, snippet));

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var allowed = timeout ?? DefaultTimeout;
            limit.CancelAfter(allowed);
            ProcessResult result;
            try
            {
                result = await runner.RunAsync(new ProcessSpec(file, finalArgs), limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw ErrorCatalog.NginxTestTimeout.Exception(
                    $"nginx -t did not finish within {allowed.TotalSeconds:0.#} s and was stopped. Something the config names may block when read (a pipe or a device), or the machine is overloaded.",
                    nginx, hint: "Check every file the config includes; give -TimeoutSec more time if the config is very large.");
            }
            var output = (result.StandardError + result.StandardOutput).Trim();
            var messages = Parse(output, snippet, main, mainConfig);
            var test = new NginxConfTestResult(result.ExitCode == 0, messages, nginx, output) { Strict = strict };
            return strict && test.WarningCount > 0 ? test with { Valid = false } : test;
        }
        finally
        {
            prefix.Delete(recursive: true);
        }
    }

    private static string MainConfig(string prefix, string snippet) => $$"""
        worker_processes 1;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path {{prefix}}/client_body;
            proxy_temp_path {{prefix}}/proxy;
            fastcgi_temp_path {{prefix}}/fastcgi;
            uwsgi_temp_path {{prefix}}/uwsgi;
            scgi_temp_path {{prefix}}/scgi;
            include {{snippet}};
        }

        """;

    private static (string File, List<string> Args) Unprivileged(string nginx, List<string> args)
    {
        if (!Environment.IsPrivilegedProcess || NativeCommand.Find("setpriv") is not { } setpriv)
            return (nginx, args);
        // Binding a listen port below 1024 is part of the test; that one capability is all nginx keeps.
        var wrapped = new List<string> { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--", nginx };
        wrapped.AddRange(args);
        return (setpriv, wrapped);
    }

    private static void OpenForNobody(string prefix)
    {
        const UnixFileMode dirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(prefix, dirMode);
        File.SetUnixFileMode(Path.Combine(prefix, "conf.d"), dirMode);
    }

    // nginx: [emerg] unexpected "}" in /tmp/x/conf.d/default.conf:12
    // 2026/11/25 12:40:50 [emerg] 8356#8356: unexpected "}" in /tmp/x/conf.d/default.conf:1
    [GeneratedRegex(@"^(?:nginx: |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )\[(?<level>[a-z]+)\] (?:\d+#\d+: )?(?<message>.*?)(?: in (?<file>/\S+?):(?<line>\d+))?$")]
    private static partial Regex MessageLine();

    internal static List<NginxConfMessage> Parse(string output, string snippet, string main, bool mainConfig)
    {
        var messages = new List<NginxConfMessage>();
        foreach (var raw in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var m = MessageLine().Match(raw);
            if (!m.Success)
            {
                messages.Add(new NginxConfMessage("info", raw, null, null));
                continue;
            }
            string? file = m.Groups["file"].Success ? m.Groups["file"].Value : null;
            int? line = m.Groups["line"].Success ? int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture) : null;
            // Name the file the caller gave, not the temp copy.
            if (file == snippet || (mainConfig && file == main)) file = "<input>";
            messages.Add(new NginxConfMessage(m.Groups["level"].Value, m.Groups["message"].Value, file, line));
        }
        return messages;
    }
}
