using NginxKit.Engine.Text;
using System.Runtime.InteropServices;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Sync;

/// <summary>How a new config reaches the running nginx.</summary>
public abstract record NginxReloader
{

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
