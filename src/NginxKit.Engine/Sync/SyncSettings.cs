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

public sealed record SyncSettings
{
    public required string OutFile { get; init; }

    public NginxConfOptions Render { get; init; } = new();

    public NginxTemplate? Template { get; init; }

    public string? Selector { get; init; }

    /// <summary>Quiet time after the last change before rendering: a burst becomes one reload.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest a change waits while changes keep coming.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock the debounce and the reload retry wait on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>nginx for the pre-write test; null finds it, and without one only the allow-lists check.</summary>
    public string? NginxPath { get; init; }

    public bool SkipNginxTest { get; init; }

    public NginxReloader Reloader { get; init; } = new NginxReloader.None();

    public bool Backup { get; init; } = true;

    /// <summary>The namespaces whose Services become routes; empty means every namespace.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Every Service becomes a route, not only those that opt in.</summary>
    public bool ExposeAll { get; init; }

    /// <summary>A watch records a PathConflict Event on each Service that loses its path to an older claim.</summary>
    public bool RecordEvents { get; init; } = true;

    /// <summary>The pod the sidecar runs in: a watch records a Synced Event on it saying what it serves. Null outside a pod.</summary>
    public PodIdentity? Pod { get; init; }

    /// <summary>The sidecar's heartbeat: a Synced Event at least this often, so its age tells a live sidecar from a stuck one.</summary>
    public TimeSpan SyncedInterval { get; init; } = DefaultSyncedInterval;

    public static readonly TimeSpan DefaultSyncedInterval = TimeSpan.FromMinutes(5);

    /// <summary>At most one Synced Event this often while changes keep coming: the last one waits for the gap to pass.</summary>
    public TimeSpan SyncedMinGap { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait before a failed reload is tried again; each further failure doubles it.</summary>
    public TimeSpan ReloadRetry { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two tries of a reload that keeps failing.</summary>
    public TimeSpan ReloadRetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often -Watch looks at the TLS certificate and key for a rotation to reload.</summary>
    public TimeSpan CertificatePoll { get; init; } = TimeSpan.FromSeconds(2);
}
