using System.Text.Json.Serialization;
using NginxKit.Engine.Sync;

namespace NginxKit.SyncHost;

/// <summary>
/// The log's JSON, generated at compile time: no reflection, so it survives trimming. Property
/// names are the objects' own, as ConvertTo-Json writes Sync-NginxConf's output.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(SyncEvent))]
[JsonSerializable(typeof(SyncLogMessage))]
internal sealed partial class SyncLogJson : JsonSerializerContext;
