namespace NginxKit.Engine.IO;

/// <summary>A running command whose standard output is a byte stream (<see cref="IProcessRunner.Start"/>).</summary>
public interface IStreamingProcess : IDisposable
{
    /// <summary>The command line, for messages.</summary>
    string Command { get; }

    /// <summary>Its standard output, exactly the bytes it writes; ends when it exits or is killed.</summary>
    Stream StandardOutput { get; }

    bool HasExited { get; }

    /// <summary>
    /// Waits for it to end, and returns its exit code and standard error (the first 16 KiB; the
    /// output was the caller's to read, so the result's StandardOutput is empty).
    /// </summary>
    ProcessResult WaitForExit();

    /// <summary>Ends it and its children now. Safe from any thread, at any time and more than once; disposing kills it too.</summary>
    void Kill();
}
