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

    /// <summary>How often -Watch looks at the TLS certificate and key for a rotation to reload.</summary>
    public TimeSpan CertificatePoll { get; init; } = TimeSpan.FromSeconds(2);
}
