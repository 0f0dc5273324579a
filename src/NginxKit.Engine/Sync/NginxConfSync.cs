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

/// <summary>
/// Keeps nginx's config in step with the cluster's Services. Once: list, render, test, write.
/// Watch: list, then watch from the list's resourceVersion; each burst of changes is debounced
/// into one render, written only when it differs, tested before it is written, and followed by a
/// reload. A config nginx rejects is never written, so the last good one keeps serving. A closed
/// watch resumes from the last resourceVersion; a 410 Gone or a lost connection lists again.
/// </summary>
public sealed class NginxConfSync(KubeConnection connection, SyncSettings settings, IProcessRunner runner)
{

    private readonly object gate = new();
    private readonly Dictionary<string, V1Service> services = new(StringComparer.Ordinal);
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);
    private Dictionary<string, string> lastRoutes = new(StringComparer.Ordinal);
    private string? resourceVersion;

    // The certificate files' fingerprint nginx last loaded, and one nginx -t refused (a key and a
    // certificate from two rotations, until the second file arrives): neither is tried again.
    private string? loadedCertificate;
    private string? refusedCertificate;

    /// <summary>Renders once from the cluster. Throws (so the process exits non-zero) when nothing usable came out.</summary>
    public async Task<SyncEvent> OnceAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        await ListAsync(cancellationToken).ConfigureAwait(false);
        var result = await SyncAsync("once", report, requireRoutes: true, cancellationToken).ConfigureAwait(false);
        if (result.Error is not null)
            throw (result.Routes == 0 ? ErrorCatalog.NoValidRoutes : ErrorCatalog.ConfigRejected).Exception(result.Error, settings.OutFile);
        return result;
    }

    /// <summary>Renders from the cluster and compares with the file, writing nothing (-WhatIf).</summary>
    public async Task<NginxConfWriteResult> PlanAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        await ListAsync(cancellationToken).ConfigureAwait(false);
        var (accepted, messages) = Discover();
        foreach (var message in messages) await report(message).ConfigureAwait(false);
        return NginxConf.Plan(settings.OutFile, NginxConf.Render(accepted, settings.Render, settings.Template), settings.Backup);
    }

    /// <summary>Runs until cancelled, reporting every sync, warning and refused route.</summary>
    public async Task WatchAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        var dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var syncLoop = SyncLoopAsync(dirty.Reader, report, cancellationToken);
        var certificatePoll = settings.Render.Tls ? PollCertificateAsync(dirty.Writer, cancellationToken) : Task.CompletedTask;
        var backoff = TimeSpan.FromMilliseconds(200);
        var needList = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (needList)
                    {
                        await ListAsync(cancellationToken).ConfigureAwait(false);
                        needList = false;
                        dirty.Writer.TryWrite("list");
                    }
                    var gone = false;
                    Exception? streamError = null;
                    void OnError(Exception ex)
                    {
                        if (ex is KubernetesException { Status.Code: 410 }) gone = true;
                        else streamError = ex;
                    }
                    var events = settings.Namespace is null
                        ? connection.Client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: settings.Selector,
                            resourceVersion: resourceVersion, timeoutSeconds: 300, onError: OnError, cancellationToken: cancellationToken)
                        : connection.Client.CoreV1.WatchListNamespacedServiceAsync(settings.Namespace, allowWatchBookmarks: true, labelSelector: settings.Selector,
                            resourceVersion: resourceVersion, timeoutSeconds: 300, onError: OnError, cancellationToken: cancellationToken);
                    await foreach (var (type, service) in events.ConfigureAwait(false))
                    {
                        if (Apply(type, service))
                            dirty.Writer.TryWrite(type.ToString());
                        backoff = TimeSpan.FromMilliseconds(200);
                    }
                    if (gone)
                    {
                        await report(new SyncMessage.Warning($"The watch from resourceVersion {resourceVersion} expired (410 Gone); listing Services again.")).ConfigureAwait(false);
                        needList = true;
                    }
                    else if (streamError is not null)
                    {
                        await report(new SyncMessage.Warning($"The watch stream failed ({Text.UserInfo.MaskUrls(streamError.Message)}); listing Services again.")).ConfigureAwait(false);
                        needList = true;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not NginxKitException)
                {
                    // Lost server, 410 on the request itself, or anything else: list again once it answers.
                    needList = true;
                    await report(new SyncMessage.Warning($"Watching Services failed ({Describe(ex)}); retrying in {backoff.TotalSeconds:0.0} s.")).ConfigureAwait(false);
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            dirty.Writer.TryComplete();
            try { await syncLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
            try { await certificatePoll.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    // A rotated certificate (a Secret's new files, or certbot's) changes no rendered byte: nginx
    // only reads the new files on a reload, so the files themselves are watched.
    private async Task PollCertificateAsync(ChannelWriter<string> dirty, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.CertificatePoll);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = CertificateFingerprint();
            string? loaded, refused;
            lock (gate) (loaded, refused) = (loadedCertificate, refusedCertificate);
            if (loaded is not null && now is not null && now != loaded && now != refused)
                dirty.TryWrite("certificate");
        }
    }

    // The certificate and key as nginx would read them now; null without TLS or while one is unreadable.
    private string? CertificateFingerprint()
    {
        if (settings.Render.TlsCertificate is not { } certificate || settings.Render.TlsKey is not { } key) return null;
        var bytes = new List<byte>();
        foreach (var path in new[] { certificate, key })
        {
            if (UnixFiles.KindOf(path) != UnixFiles.Kind.Regular || new FileInfo(path).Length > 1024 * 1024) return null;
            try { bytes.AddRange(File.ReadAllBytes(path)); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
            bytes.Add(0);
        }
        return Text.ContentHash.Of(bytes.ToArray());
    }

    private static string Describe(Exception ex) => KubeErrors.StatusOf(ex) is { } code ? $"HTTP {code}" : Text.UserInfo.MaskUrls(ex.InnerException?.Message ?? ex.Message);

    private async Task SyncLoopAsync(ChannelReader<string> dirty, Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        while (await dirty.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            dirty.TryRead(out var trigger);
            var first = Stopwatch.StartNew();
            // Wait for quiet, but never longer than MaxDelay from the first change.
            while (true)
            {
                var left = settings.MaxDelay - first.Elapsed;
                if (left <= TimeSpan.Zero) break;
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(left < settings.Debounce ? left : settings.Debounce);
                try
                {
                    if (!await dirty.WaitToReadAsync(quiet.Token).ConfigureAwait(false)) break;
                    while (dirty.TryRead(out _)) { }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
            await report(new SyncMessage.Event(await SyncAsync(trigger ?? "change", report, requireRoutes: false, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await ClusterRoutes.ListServicesAsync(connection, settings.Namespace, settings.Selector, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            services.Clear();
            foreach (var service in list.Items)
                services[Key(service)] = service;
            resourceVersion = list.Metadata?.ResourceVersion;
        }
    }

    private bool Apply(WatchEventType type, V1Service service)
    {
        lock (gate)
        {
            if (service.Metadata?.ResourceVersion is { } rv) resourceVersion = rv;
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    services[Key(service)] = service;
                    return true;
                case WatchEventType.Deleted:
                    return services.Remove(Key(service));
                default:
                    return false; // BOOKMARK: only the resourceVersion moves on.
            }
        }
    }

    private static string Key(V1Service s) => $"{s.Metadata?.NamespaceProperty}/{s.Metadata?.Name}";

    // Routes from the current Services, by the same rules as Get-NginxRoute and New-NginxConf.
    private (IReadOnlyList<AcceptedRoute> Accepted, List<SyncMessage> Messages) Discover()
    {
        List<V1Service> snapshot;
        lock (gate) snapshot = ClusterRoutes.Sorted(services.Values).ToList();
        var routes = new List<Route>();
        var messages = new List<SyncMessage>();
        foreach (var found in RouteDiscovery.FromServices(snapshot, null, null))
        {
            if (found.Route is not null) routes.Add(found.Route);
            else if (found.Warning is not null) messages.Add(new SyncMessage.Warning(found.Warning));
            else messages.Add(new SyncMessage.Refused(found.Problem!));
        }
        var set = RouteSet.Build(routes, settings.Render.ServerName);
        messages.AddRange(set.Problems.Select(p => new SyncMessage.Refused(p)));
        return (set.Accepted, messages);
    }

    private async Task<SyncEvent> SyncAsync(string trigger, Func<SyncMessage, ValueTask> report, bool requireRoutes, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (accepted, messages) = Discover();
        // Say each warning and refusal once, not on every sync while it stands.
        var now = messages.Select(m => m.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var message in messages)
            if (!reported.Contains(message.ToString())) await report(message).ConfigureAwait(false);
        reported.Clear();
        reported.UnionWith(now);

        var conf = NginxConf.Render(accepted, settings.Render, settings.Template);
        var current = accepted.ToDictionary(r => $"{r.ServerName}{r.Location}", r => r.ProxyPass, StringComparer.Ordinal);
        var added = current.Where(c => !lastRoutes.TryGetValue(c.Key, out var v) || v != c.Value).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        var removed = lastRoutes.Keys.Where(k => !current.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();

        SyncEvent Done(bool changed, bool written, bool reloaded, bool validated, string? error) =>
            new(DateTimeOffset.UtcNow, trigger, changed, written, reloaded, validated, conf.Hash, accepted.Count, messages.Count(m => m is SyncMessage.Refused),
                added, removed, stopwatch.Elapsed.TotalMilliseconds, error);

        if (requireRoutes && accepted.Count == 0)
            return Done(false, false, false, false, $"No Service yields a valid route; nothing was written.");

        var certificate = CertificateFingerprint();
        string? loaded;
        lock (gate) loaded = loadedCertificate ??= certificate; // nginx started with the files as they are now
        var rotated = certificate is not null && certificate != loaded;
        var unchanged = AtomicFileWriter.Holds(settings.OutFile, conf.Utf8);
        if (unchanged && !rotated)
        {
            lastRoutes = current;
            return Done(false, false, false, false, null);
        }

        var validated = false;
        if (!settings.SkipNginxTest && NginxConfTester.FindNginx(settings.NginxPath) is not null)
        {
            NginxConfTestResult test;
            try
            {
                // Strict: a warning means nginx would ignore part of the config and serve something else.
                test = await new NginxConfTester(runner).TestAsync(conf.Text, settings.NginxPath, mainConfig: false, cancellationToken, strict: true).ConfigureAwait(false);
            }
            catch (NginxKitException ex)
            {
                return Done(!unchanged, false, false, false, ex.Problem.Message);
            }
            if (!test.Valid)
            {
                if (unchanged) lock (gate) refusedCertificate = certificate;
                var what = unchanged ? "the rotated certificate, so nginx keeps the one it has" : "the new config, so the last good one stays";
                return Done(!unchanged, false, false, true, $"nginx -t rejected {what}: {string.Join("; ", test.Errors.Concat(test.Warnings).Select(e => e.Message))}");
            }
            validated = true;
        }

        if (unchanged)
        {
            // Only the certificate changed: nothing to write, a reload to load it.
            try
            {
                await settings.Reloader.ReloadAsync(runner, cancellationToken).ConfigureAwait(false);
            }
            catch (NginxKitException ex)
            {
                return Done(false, false, false, validated, ex.Problem.Message);
            }
            lock (gate) loadedCertificate = certificate;
            return Done(false, false, settings.Reloader is not NginxReloader.None, validated, null);
        }

        try
        {
            NginxConf.Write(settings.OutFile, conf, settings.Backup);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Like a failed reload, an event that says so: a watch goes on and tries again at the next change.
            return Done(true, false, false, validated, $"Writing {settings.OutFile} failed, so nginx keeps the config it has: {ex.Message}");
        }
        lastRoutes = current;
        try
        {
            await settings.Reloader.ReloadAsync(runner, cancellationToken).ConfigureAwait(false);
        }
        catch (NginxKitException ex)
        {
            return Done(true, true, false, validated, ex.Problem.Message);
        }
        lock (gate) loadedCertificate = certificate;
        return Done(true, true, settings.Reloader is not NginxReloader.None, validated, null);
    }
}
