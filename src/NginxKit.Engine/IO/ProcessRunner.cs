using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

public sealed class ProcessRunner : IProcessRunner
{
    public static readonly ProcessRunner Instance = new();

    public IStreamingProcess Start(ProcessSpec spec) => StreamingProcess.Start(spec);

    public async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        var psi = spec.StartInfo();
        psi.StandardOutputEncoding = Encoding.UTF8;

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw ErrorCatalog.NativeCommandNotFound.Exception($"Cannot run '{spec.FileName}': {ex.Message}. Install it or give its full path.", spec.FileName, inner: ex);
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = PumpAsync(process.StandardOutput, line =>
        {
            spec.OnOutputLine?.Invoke(line);
            if (spec.CollectOutput) stdout.Append(line).Append('\n');
        });
        var readErr = PumpAsync(process.StandardError, line => stderr.Append(line).Append('\n'));

        try
        {
            if (spec.StandardInput is not null)
                await process.StandardInput.WriteAsync(spec.StandardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command exited without reading its input; its exit code tells the story.
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
        await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
        return new ProcessResult(spec.ToString(), process.ExitCode, stdout.ToString(), stderr.ToString(), stopwatch.Elapsed);
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            onLine(line);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
