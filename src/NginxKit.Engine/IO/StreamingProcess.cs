using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary><see cref="ProcessRunner"/>'s streaming run: stdout as a raw stream, stderr collected up to a bound.</summary>
internal sealed class StreamingProcess : IStreamingProcess
{
    private const int StandardErrorLimit = 16 * 1024;

    private readonly Process process;
    private readonly StringBuilder stderr = new();
    private readonly Stopwatch stopwatch = Stopwatch.StartNew();
    private readonly object gate = new();
    private bool disposed;

    private StreamingProcess(Process process, string command)
    {
        this.process = process;
        Command = command;
    }

    public string Command { get; }

    public Stream StandardOutput => process.StandardOutput.BaseStream;

    public bool HasExited
    {
        get
        {
            lock (gate) return disposed || process.HasExited;
        }
    }

    public static StreamingProcess Start(ProcessSpec spec)
    {
        var psi = spec.StartInfo();

        var process = new Process { StartInfo = psi };
        var running = new StreamingProcess(process, spec.ToString());
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (running.stderr)
                if (running.stderr.Length < StandardErrorLimit) running.stderr.Append(e.Data).Append('\n');
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw ErrorCatalog.NativeCommandNotFound.Exception($"Cannot run '{spec.FileName}': {ex.Message}. Install it or give its full path.", spec.FileName, inner: ex);
        }
        try
        {
            if (spec.StandardInput is not null) process.StandardInput.Write(spec.StandardInput);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited without reading its input; its exit code tells the story.
        }
        process.BeginErrorReadLine();
        return running;
    }

    public ProcessResult WaitForExit()
    {
        process.WaitForExit(); // also waits for the end of standard error
        string text;
        lock (stderr) text = stderr.ToString();
        return new ProcessResult(Command, process.ExitCode, string.Empty, text, stopwatch.Elapsed);
    }

    public void Kill()
    {
        lock (gate)
        {
            if (disposed) return;
            try
            {
                if (process.HasExited) return;
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
            {
                // Already gone.
            }
        }
    }

    public void Dispose()
    {
        Kill();
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            process.Dispose();
        }
    }
}
