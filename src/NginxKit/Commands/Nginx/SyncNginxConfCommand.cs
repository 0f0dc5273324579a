using NginxKit.Engine.Diagnostics;
using System.Collections;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using NginxKit.Engine.IO;
using NginxKit.Engine.Sync;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>
/// Renders nginx's config from the cluster's Services: once (the init container), or keeping it in
/// step with a watch and reloading nginx on each real change (the sidecar).
/// </summary>
[Cmdlet(VerbsData.Sync, "NginxConf", SupportsShouldProcess = true, DefaultParameterSetName = OnceSet)]
[OutputType(typeof(SyncEvent))]
public sealed class SyncNginxConfCommand : NginxRenderCmdlet, IDynamicParameters
{
    private readonly KubeConnector cluster;
    private readonly ClusterParameters clusterParameters = new();

    public SyncNginxConfCommand() => cluster = new KubeConnector(this);

    /// <summary>-KubeConfig and -Context, from their one declaration: this cmdlet's one base class carries the rendering parameters.</summary>
    public object GetDynamicParameters() => clusterParameters;

    private Engine.Kubernetes.KubeConnection Connection => cluster.Get(clusterParameters.KubeConfig, clusterParameters.Context);

    private const string OnceSet = "Once";
    private const string Watching = "Watch";

    /// <summary>Render from the cluster, write, and exit. Exits non-zero when the cluster cannot be read or no route is valid.</summary>
    [Parameter(ParameterSetName = OnceSet)]
    public SwitchParameter Once { get; set; }

    /// <summary>Keep the config in step with the cluster until Ctrl+C or SIGTERM.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Watching)]
    public SwitchParameter Watch { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = string.Empty;

    /// <summary>Only Services in these namespaces, each listed and watched on its own; by default every namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>Every Service becomes a route, /&lt;service-name&gt; without an annotation; by default only those that opt in.</summary>
    [Parameter]
    public SwitchParameter ExposeAll { get; set; }

    [Parameter]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ServerName { get; set; }

    /// <summary>Quiet time after the last change before rendering, in milliseconds.</summary>
    [Parameter(ParameterSetName = Watching)]
    [ValidateRange(0, 60000)]
    public int DebounceMs { get; set; } = 50;

    // The reload options are in every set, so that -Once with one of them is told why it does not
    // fit (ReloadNeedsWatch) rather than that no parameter set matches.

    /// <summary>Reload by SIGHUP to the PID in this pidfile (a sidecar sharing the pod's process namespace).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ReloadPidFile { get; set; }

    /// <summary>Reload by running this command, for example 'nginx','-s','reload'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ReloadCommand { get; set; }

    /// <summary>Reload by running nginx -s reload with the nginx found on PATH (or -NginxPath).</summary>
    [Parameter]
    public SwitchParameter ReloadNginx { get; set; }

    /// <summary>The nginx used for nginx -t before each write, and by -ReloadNginx.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NginxPath { get; set; }

    /// <summary>Write without the nginx -t check (the allow-lists still apply).</summary>
    [Parameter]
    public SwitchParameter SkipNginxTest { get; set; }

    [Parameter]
    public SwitchParameter NoBackup { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var nginxPath = NginxPath is not null && NginxPath.Contains('/') ? GetUnresolvedProviderPathFromPSPath(NginxPath) : NginxPath;
        var reloader = NginxReloader.Choose(ReloadPidFile is null ? null : GetUnresolvedProviderPathFromPSPath(ReloadPidFile), ReloadCommand, ReloadNginx,
            nginxPath, Watch, out var reloadProblem);
        if (reloadProblem is not null) ThrowProblem(reloadProblem);
        if (Watch && IsWhatIf)
            ThrowProblem(ErrorCatalog.WhatIfNeedsOnce.Problem("-WhatIf previews one render: use it with -Once (the default), not with -Watch.", null));

        var namespaces = Engine.Kubernetes.NamespaceScope.Parse(Namespace);
        var settings = new SyncSettings
        {
            OutFile = GetUnresolvedProviderPathFromPSPath(OutFile),
            Render = RenderOptions(ServerName),
            Template = LoadTemplate(),
            Namespaces = namespaces,
            ExposeAll = ExposeAll,
            Selector = Selector,
            Debounce = TimeSpan.FromMilliseconds(DebounceMs),
            NginxPath = nginxPath,
            SkipNginxTest = SkipNginxTest,
            Reloader = reloader,
            Backup = !NoBackup,
        };

        if (!Watch)
        {
            await RunOnceAsync(settings, cancellationToken);
            return;
        }
        // One question for the whole watch (-Confirm); each write then follows the cluster.
        if (!ShouldProcess(settings.OutFile, "Keep nginx config in step with the cluster's Services")) return;

        // SIGTERM (a pod stopping) ends the watch like Ctrl+C does, so the loop finishes cleanly.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        WriteVerbose($"Watching Services in {Engine.Kubernetes.NamespaceScope.Describe(settings.Namespaces)}; writing {settings.OutFile}; reload: {reloader}.");
        var messages = Channel.CreateUnbounded<SyncMessage>();
        var sync = new NginxConfSync(Connection, settings, ProcessRunner.Instance);
        var loop = sync.WatchAsync(m => messages.Writer.WriteAsync(m), stop.Token)
            .ContinueWith(t => messages.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (var message in messages.Reader.ReadAllAsync(CancellationToken.None))
                Report(message);
        }
        finally
        {
            // However the command ends (Select-Object -First, -ErrorAction Stop, Ctrl+C), the watch ends with it.
            stop.Cancel();
            await loop;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) cluster.Dispose();
        base.Dispose(disposing);
    }

    private async Task RunOnceAsync(SyncSettings settings, CancellationToken cancellationToken)
    {
        var messages = new List<SyncMessage>();
        var sync = new NginxConfSync(Connection, settings, ProcessRunner.Instance);
        if (IsWhatIf)
        {
            var plan = await sync.PlanAsync(m => { messages.Add(m); return ValueTask.CompletedTask; }, cancellationToken);
            messages.ForEach(Report);
            ShouldProcessWithDetail(settings.OutFile, "Write nginx config", plan.Changed ? plan.Diff : "no change");
            WriteObject(plan);
            return;
        }
        if (!ShouldProcess(settings.OutFile, "Write nginx config")) return;
        try
        {
            var result = await sync.OnceAsync(m => { messages.Add(m); return ValueTask.CompletedTask; }, cancellationToken);
            messages.ForEach(Report);
            WriteObject(result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            messages.ForEach(Report);
            if (!Engine.Kubernetes.KubeErrors.IsApiFailure(ex)) throw;
            // -Once must end the process non-zero when the cluster cannot be read: stop everything.
            var problem = Engine.Kubernetes.KubeErrors.ToProblem(ex, $"Listing Services in {Engine.Kubernetes.NamespaceScope.Describe(settings.Namespaces)}",
                settings.Namespaces.Count == 1 ? settings.Namespaces[0] : null, ErrorCatalog.NamespaceNotFound);
            ThrowProblem(problem, ex);
        }
    }

    private void Report(SyncMessage message)
    {
        switch (message)
        {
            case SyncMessage.Event e:
                WriteObject(e.Value);
                break;
            case SyncMessage.Warning w:
                WriteWarning(w.Text);
                break;
            case SyncMessage.Skipped v:
                WriteVerbose(v.Text);
                break;
            case SyncMessage.Refused r:
                WriteProblem(r.Problem);
                break;
        }
    }
}
