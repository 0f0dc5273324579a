using NginxKit.Engine.Text;
using System.Runtime.InteropServices;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Sync;

/// <summary>How a new config reaches the running nginx.</summary>
public abstract record NginxReloader
{
    /// <summary>
    /// The reloader a sync was asked for: a pid file, a command, or nginx -s reload; at most one, and
    /// only for a watch (a single render has no running nginx to reload: the init container starts it).
    /// </summary>
    public static NginxReloader Choose(string? pidFile, IReadOnlyList<string>? command, bool reloadNginx, string? nginxPath, bool watch, out Problem? problem)
    {
        problem = null;
        var given = (pidFile is null ? 0 : 1) + (command is null ? 0 : 1) + (reloadNginx ? 1 : 0);
        if (given > 1)
            problem = ErrorCatalog.ConflictingReload.Problem(
                "Give one way to reload nginx: a pid file, a command, or nginx -s reload.", rule: "OneReloader");
        else if (given == 1 && !watch)
            problem = ErrorCatalog.ReloadNeedsWatch.Problem(
                "Reloading needs a watch: a single render writes the config before nginx starts, so there is nothing to reload.",
                rule: "ReloadWithWatchOnly", hint: "Use -Watch (nginxkit-sync watch) with a reload option, or leave the reload option out.");
        if (problem is not null) return new None();
        return pidFile is not null ? new PidFile(pidFile)
            : command is not null ? new Command(command)
            : reloadNginx ? new Command([nginxPath ?? "nginx", "-s", "reload"])
            : new None();
    }

    public abstract Task ReloadAsync(IProcessRunner runner, CancellationToken cancellationToken);

    /// <summary>Nothing to reload: the file is all (as in the init container).</summary>
    public sealed record None : NginxReloader
    {
        public override Task ReloadAsync(IProcessRunner runner, CancellationToken cancellationToken) => Task.CompletedTask;

        public override string ToString() => "none";
    }

    /// <summary>
    /// SIGHUP to the PID in nginx's pidfile: for a sidecar in a shared process namespace, which
    /// has no nginx binary of its own to run "nginx -s reload" with.
    /// </summary>
    public sealed record PidFile(string Path) : NginxReloader
    {
        private const int SIGHUP = 1;

        public override Task ReloadAsync(IProcessRunner runner, CancellationToken cancellationToken)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Fail($"cannot read the pidfile '{Path}': {ex.Message}", ex);
            }
            if (!int.TryParse(text, out var pid) || pid <= 1)
                throw Fail($"the pidfile '{Path}' holds no nginx master PID ('{Printable.Escape(text)}')", null);
            if (kill(pid, SIGHUP) != 0)
                throw Fail($"cannot signal PID {pid} from '{Path}': errno {Marshal.GetLastPInvokeError()}", null);
            return Task.CompletedTask;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);

        public override string ToString() => $"SIGHUP to the PID in {Path}";
    }

    /// <summary>A command, such as nginx -s reload with the right -p and -c; a non-zero exit is a failure.</summary>
    public sealed record Command(IReadOnlyList<string> Arguments) : NginxReloader
    {
        public override async Task ReloadAsync(IProcessRunner runner, CancellationToken cancellationToken)
        {
            var file = NativeCommand.Find(Arguments[0]) ?? Arguments[0];
            var result = await runner.RunAsync(new ProcessSpec(file, Arguments.Skip(1).ToList()), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                throw Fail($"'{result.Command}' exited with {result.ExitCode}: {result.StandardError.Trim()}", null);
        }

        public override string ToString() => string.Join(' ', Arguments);
    }

    private static NginxKitException Fail(string message, Exception? inner) =>
        new(ErrorCatalog.ReloadFailed.Problem($"nginx was not reloaded: {message.TrimEnd('.')}.", null), inner);
}
