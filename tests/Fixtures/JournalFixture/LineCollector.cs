using System.Collections.Concurrent;

namespace NginxKitTests.Journal;

/// <summary>Collects a child process's output lines on a thread of its own (PowerShell script blocks cannot run there).</summary>
public sealed class LineCollector
{
    private readonly ConcurrentQueue<string> lines = new();

    public LineCollector(TextReader reader)
    {
        Task = Task.Run(() =>
        {
            while (reader.ReadLine() is { } line) lines.Enqueue(line);
        });
    }

    public Task Task { get; }

    public int Count => lines.Count;

    public string[] ToArray() => [.. lines];
}
