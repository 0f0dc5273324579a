using System.Text.Encodings.Web;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Sync;

namespace NginxKit.SyncHost;

/// <summary>
/// Writes the container's log: each sync event is one JSON line on standard output, each warning
/// or refusal one JSON line on standard error. Plain lines, never colour codes: JSON escapes every
/// control character a Service name or message could carry.
/// </summary>
public sealed class SyncLog(TextWriter events, TextWriter messages)
{
    private static readonly SyncLogJson Json = new(new JsonSerializerOptions
    {
        // Readable paths and messages (/, <, &, non-ASCII) in the log; control characters stay escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private readonly Lock gate = new();

    public void Write(SyncMessage message)
    {
        switch (message)
        {
            case SyncMessage.Event e:
                Event(e.Value);
                break;
            case SyncMessage.Warning w:
                Line(messages, new SyncLogMessage(DateTimeOffset.UtcNow, "warning", null, null, w.Text, null, null));
                break;
            case SyncMessage.Refused r:
                Error(r.Problem);
                break;
        }
    }

    public void Event(SyncEvent value)
    {
        lock (gate)
        {
            events.WriteLine(JsonSerializer.Serialize(value, Json.SyncEvent));
            events.Flush();
        }
    }

    public void Error(Problem problem) =>
        Line(messages, new SyncLogMessage(DateTimeOffset.UtcNow, "error", problem.ErrorId, problem.Category.ToString(), problem.Message, problem.Target?.ToString(), problem.Rule));

    private void Line(TextWriter writer, SyncLogMessage message)
    {
        lock (gate)
        {
            writer.WriteLine(JsonSerializer.Serialize(message, Json.SyncLogMessage));
            writer.Flush();
        }
    }
}
