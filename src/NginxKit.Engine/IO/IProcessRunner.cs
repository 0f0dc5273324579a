namespace NginxKit.Engine.IO;

/// <summary>The seam every native tool call goes through (nginx, systemctl, apt, docker, journalctl).</summary>
public interface IProcessRunner
{
    /// <summary>Runs a command to its end and returns its exit code and output as text.</summary>
    Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a command whose standard output is read as raw bytes while it runs: for output too
    /// large to hold, not text, or without end (journalctl -o export, journalctl -f). Standard input
    /// is closed once <see cref="ProcessSpec.StandardInput"/> (if any) is written.
    /// </summary>
    IStreamingProcess Start(ProcessSpec spec);
}
