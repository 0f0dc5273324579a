using System.Diagnostics;
using System.Text;

namespace NginxKitTests.Journal;

/// <summary>Runs systemd-journal-remote writing to one output file; entries go in through its stdin.</summary>
public sealed class JournalRemote : IDisposable
{
    private readonly Process process;
    private readonly Stream input;
    private readonly StringBuilder stderr = new();

    public long Written;

    public JournalRemote(string remote, string outputFile)
    {
        var psi = new ProcessStartInfo(remote)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--output=" + outputFile);
        psi.ArgumentList.Add("-");
        process = Process.Start(psi) ?? throw new InvalidOperationException($"{remote} did not start");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        input = new BufferedStream(process.StandardInput.BaseStream, 1 << 16);
    }

    /// <summary>systemd-journal-remote, where Debian and others install it; null when it is missing.</summary>
    public static string? Find() =>
        new[] { "/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote" }.FirstOrDefault(File.Exists);

    public int ProcessId => process.Id;

    public void Add(FixtureEntry e)
    {
        ExportFormat.Write(input, e);
        Written++;
    }

    public void AddRange(IEnumerable<FixtureEntry> entries)
    {
        foreach (var e in entries) Add(e);
    }

    /// <summary>Pushes what was added down the pipe, so journal-remote writes it now.</summary>
    public void Flush()
    {
        input.Flush();
        process.StandardInput.BaseStream.Flush();
    }

    /// <summary>Closes stdin: journal-remote writes the rest, closes the file and exits.</summary>
    public void Complete(int timeoutMs = 600000)
    {
        input.Flush();
        process.StandardInput.Close();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill();
            throw new TimeoutException("systemd-journal-remote did not finish in time");
        }
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"systemd-journal-remote exited with {process.ExitCode}: {Stderr}");
    }

    public string Stderr
    {
        get { lock (stderr) return stderr.ToString(); }
    }

    /// <summary>Writes <paramref name="entries"/> into <paramref name="outputFile"/> and waits until journal-remote has closed it.</summary>
    public static long Write(string outputFile, IEnumerable<FixtureEntry> entries)
    {
        var remote = Find() ?? throw new InvalidOperationException("systemd-journal-remote is not installed (apt-get install systemd-journal-remote).");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputFile))!);
        using var writer = new JournalRemote(remote, outputFile);
        writer.AddRange(entries);
        writer.Complete();
        return writer.Written;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(10000)) process.Kill();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }
}
