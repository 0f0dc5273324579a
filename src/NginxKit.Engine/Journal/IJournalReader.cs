using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Journal;

/// <summary>A source of journal entries for one query: sd-journal in process, or journalctl's export stream.</summary>
public interface IJournalReader : IDisposable
{
    /// <summary>The entries, oldest first; with Follow, waits for new ones until cancelled.</summary>
    IEnumerable<JournalEntry> Read(CancellationToken cancellationToken);
}
