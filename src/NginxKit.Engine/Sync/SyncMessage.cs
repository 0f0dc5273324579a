using System.Diagnostics;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Sync;

/// <summary>What the sync loop reports besides its events: skipped Services, warnings and refused routes.</summary>
public abstract record SyncMessage
{
    public sealed record Event(SyncEvent Value) : SyncMessage;
    public sealed record Warning(string Text) : SyncMessage;

    /// <summary>A Service that yields no route because it does not ask for one: the normal case, for the verbose stream.</summary>
    public sealed record Skipped(string Text) : SyncMessage;
    public sealed record Refused(Problem Problem) : SyncMessage;
}
