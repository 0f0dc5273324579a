using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>A native command to run: never through a shell, so arguments are never re-split.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes one) on top of the current environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    public string? StandardInput { get; init; }

    /// <summary>Called for each line of standard output as it arrives; the output is still collected unless <see cref="CollectOutput"/> is false.</summary>
    public Action<string>? OnOutputLine { get; init; }

    public bool CollectOutput { get; init; } = true;

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments.Select(Quote))}";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}

/// <summary>How a native command ended: its exit code and output, as data.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>The seam every native tool call goes through (nginx, systemctl, journalctl).</summary>
public interface IProcessRunner
{
    Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default);
}

public sealed class ProcessRunner : IProcessRunner
{
    public static readonly ProcessRunner Instance = new();

    public async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in spec.Arguments) psi.ArgumentList.Add(arg);
        if (spec.WorkingDirectory is not null) psi.WorkingDirectory = spec.WorkingDirectory;
        if (spec.Environment is not null)
        {
            foreach (var (key, value) in spec.Environment)
            {
                if (value is null) psi.Environment.Remove(key);
                else psi.Environment[key] = value;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new NginxKitException(new Problem("NativeCommandNotFound", ProblemCategory.NotInstalled,
                $"Cannot run '{spec.FileName}': {ex.Message}. Install it or give its full path.", spec.FileName), ex);
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

/// <summary>Finds native tools, including the sbin directories a non-login PATH often lacks.</summary>
public static class NativeCommand
{
    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The full path of <paramref name="name"/>, or null when it is nowhere to be found.</summary>
    public static string? Find(string name) => Find(name, System.Environment.GetEnvironmentVariable("PATH"));

    internal static string? Find(string name, string? path)
    {
        if (name.Contains('/'))
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        path ??= string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(SystemDirectories))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
