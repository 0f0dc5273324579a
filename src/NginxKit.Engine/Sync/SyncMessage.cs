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

/// <summary>What the sync loop reports besides its events: warnings and refused routes.</summary>
public abstract record SyncMessage
{
    public sealed record Event(SyncEvent Value) : SyncMessage;
    public sealed record Warning(string Text) : SyncMessage;
    public sealed record Refused(Problem Problem) : SyncMessage;
}
