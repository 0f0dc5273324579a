using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Journal;

/// <summary>Picks the reader for this host.</summary>
public static class JournalReaderFactory
{
    /// <summary>
    /// NGINXKIT_JOURNAL_READER chooses the reader, read on every Open so tests can switch it per call:
    /// unset or "auto" = sd-journal when libsystemd.so.0 loads, else journalctl; "export" = always
    /// journalctl -o export (how tests run the fallback on hosts that have libsystemd);
    /// "sdjournal" = always sd-journal (fails with LibsystemdMissing when it cannot load).
    /// </summary>
    public const string ReaderVariable = "NGINXKIT_JOURNAL_READER";

    public static IJournalReader Open(JournalQuery query, Action<Problem> report)
    {
        var choice = Environment.GetEnvironmentVariable(ReaderVariable)?.Trim().ToLowerInvariant();
        return choice switch
        {
            null or "" or "auto" => SdJournal.IsAvailable ? SdJournalReader.Open(query, report) : ExportStreamReader.Open(query, report),
            "export" => ExportStreamReader.Open(query, report),
            "sdjournal" => SdJournalReader.Open(query, report),
            _ => throw ErrorCatalog.InvalidJournalReader.Exception($"{ReaderVariable}='{choice}' names no journal reader. Use auto, export or sdjournal.", choice),
        };
    }
}
