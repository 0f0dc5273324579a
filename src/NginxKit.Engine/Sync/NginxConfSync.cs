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
/// With namespaces given, each is listed and watched on its own, and no request leaves them; the
/// first render waits until every one has been listed, so a partial view never takes routes away.
/// </summary>
public sealed class NginxConfSync(KubeConnection connection, SyncSettings settings, IProcessRunner runner)
{
    private readonly object gate = new();
    // Per Service, what it yields, in discovery's order: a change checks that Service alone.
    private readonly SortedDictionary<ServiceKey, ServiceFinding> findings = new();
    private readonly Dictionary<string, string?> resourceVersions = new(StringComparer.Ordinal);
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);
    private readonly HashSet<string> recordedConflicts = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> namespaces = NamespaceScope.Parse(settings.Namespaces, "a namespace");

    // What nginx has now (the config's hash and its routes), and what the last Synced Event said.
    // Set only once nginx has loaded it: a written file that a reload failed to load is owed a reload.
    private (string Hash, IReadOnlyList<AcceptedRoute> Routes)? served;
    private bool reloadOwed;
    private string? recordedHash;
    private DateTimeOffset recordedAt = DateTimeOffset.MinValue;
    private string? recordFailure;
    private readonly SemaphoreSlim recording = new(1, 1);

    // The certificate files' fingerprint nginx last loaded, and one nginx -t refused (a key and a
    // certificate from two rotations, until the second file arrives): neither is tried again.
    private string? loadedCertificate;
    private string? refusedCertificate;

    /// <summary>Renders once from the cluster. Throws (so the process exits non-zero) when nothing usable came out.</summary>
    public async Task<SyncEvent> OnceAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        foreach (var scope in ClusterRoutes.Scopes(namespaces)) await ListAsync(scope, cancellationToken).ConfigureAwait(false);
        var result = await SyncAsync("once", report, requireRoutes: true, recordEvents: false, cancellationToken).ConfigureAwait(false);
        if (result.Error is not null)
            throw (result.Routes == 0 ? ErrorCatalog.NoValidRoutes : ErrorCatalog.ConfigRejected).Exception(result.Error, settings.OutFile);
        return result;
    }

    /// <summary>Renders from the cluster and compares with the file, writing nothing (-WhatIf).</summary>
    public async Task<NginxConfWriteResult> PlanAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        foreach (var scope in ClusterRoutes.Scopes(namespaces)) await ListAsync(scope, cancellationToken).ConfigureAwait(false);
        var (set, messages, _, _) = Discover();
        foreach (var message in messages) await report(message).ConfigureAwait(false);
        return NginxConf.Plan(settings.OutFile, NginxConf.Render(set.Accepted, settings.Render, settings.Template), settings.Backup);
    }

    /// <summary>Runs until cancelled, reporting every sync, warning and refused route.</summary>
    public async Task WatchAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        var dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var syncLoop = SyncLoopAsync(dirty, report, cancellationToken);
        var certificatePoll = settings.Render.Tls ? PollCertificateAsync(dirty.Writer, cancellationToken) : Task.CompletedTask;
        var heartbeat = settings.Pod is not null && settings.RecordEvents ? HeartbeatAsync(report, cancellationToken) : Task.CompletedTask;
        var scopes = ClusterRoutes.Scopes(namespaces);
        var unlisted = scopes.Count;
        // The first render waits for every scope's first list; after that, each relist renders at once.
        void Listed(bool first)
        {
            if (!first || Interlocked.Decrement(ref unlisted) == 0) dirty.Writer.TryWrite("list");
        }
        try
        {
            await Task.WhenAll(scopes.Select(scope => WatchScopeAsync(scope, dirty.Writer, Listed, report, cancellationToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            dirty.Writer.TryComplete();
            try { await syncLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
            try { await certificatePoll.ConfigureAwait(false); } catch (OperationCanceledException) { }
            try { await heartbeat.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    // One namespace (or, null, all of them): list, watch from the list's resourceVersion, list again when the watch cannot resume.
    private async Task WatchScopeAsync(string? scope, ChannelWriter<string> dirty, Action<bool> listed, Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        var needList = true;
        var first = true;
        var what = scope is null ? "Services" : $"Services in namespace '{scope}'";
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (needList)
                    {
                        await ListAsync(scope, cancellationToken).ConfigureAwait(false);
                        needList = false;
                        listed(first);
                        first = false;
                    }
                    var gone = false;
                    Exception? streamError = null;
                    void OnError(Exception ex)
                    {
                        if (ex is KubernetesException { Status.Code: 410 }) gone = true;
                        else streamError = ex;
                    }
                    string? from;
                    lock (gate) from = resourceVersions.GetValueOrDefault(scope ?? string.Empty);
                    var events = scope is null
                        ? connection.Client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: settings.Selector,
                            resourceVersion: from, timeoutSeconds: 300, onError: OnError, cancellationToken: cancellationToken)
                        : connection.Client.CoreV1.WatchListNamespacedServiceAsync(scope, allowWatchBookmarks: true, labelSelector: settings.Selector,
                            resourceVersion: from, timeoutSeconds: 300, onError: OnError, cancellationToken: cancellationToken);
                    await foreach (var (type, service) in events.ConfigureAwait(false))
                    {
                        if (Apply(scope, type, service))
                            dirty.TryWrite(type.ToString());
                        backoff = TimeSpan.FromMilliseconds(200);
                    }
                    if (gone)
                    {
                        await report(new SyncMessage.Warning($"The watch of {what} from resourceVersion {from} expired (410 Gone); listing {what} again.")).ConfigureAwait(false);
                        needList = true;
                    }
                    else if (streamError is not null)
                    {
                        await report(new SyncMessage.Warning($"The watch of {what} failed ({Text.UserInfo.MaskUrls(streamError.Message)}); listing {what} again.")).ConfigureAwait(false);
                        needList = true;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not NginxKitException)
                {
                    // Lost server, 410 on the request itself, or anything else: list again once it answers.
                    needList = true;
                    await report(new SyncMessage.Warning($"Watching {what} failed ({Describe(ex)}); retrying in {backoff.TotalSeconds:0.0} s.")).ConfigureAwait(false);
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
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

    private async Task SyncLoopAsync(Channel<string> channel, Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        var bursts = new ChangeDebouncer(channel.Reader, settings.Debounce, settings.MaxDelay, settings.Time);
        var retry = settings.ReloadRetry;
        Task retrying = Task.CompletedTask;
        while (await bursts.NextAsync(cancellationToken).ConfigureAwait(false) is { } burst)
        {
            var result = await SyncAsync(burst[0], report, requireRoutes: false, recordEvents: settings.RecordEvents, cancellationToken).ConfigureAwait(false);
            await report(new SyncMessage.Event(result)).ConfigureAwait(false);
            // A failed reload is tried again, sooner at first, then no more often than the longest backoff,
            // until nginx loads the file: no change in the cluster may ever come to cause one.
            if (!ReloadOwed)
            {
                retry = settings.ReloadRetry;
            }
            else if (retrying.IsCompleted)
            {
                var wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, settings.ReloadRetryMax.Ticks));
                retrying = RetryAfterAsync(wait, channel.Writer, settings.Time, cancellationToken);
            }
            if (settings.Pod is not null && settings.RecordEvents) await RecordSyncedAsync(report, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RetryAfterAsync(TimeSpan wait, ChannelWriter<string> dirty, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            dirty.TryWrite("retry");
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Records a Synced Event again when the last one is due: a change waiting out the gap, or the heartbeat.
    private async Task HeartbeatAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.SyncedMinGap < settings.SyncedInterval ? settings.SyncedMinGap : settings.SyncedInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            await RecordSyncedAsync(report, cancellationToken).ConfigureAwait(false);
    }

    // One Synced Event on the pod when what nginx serves changed (at most one per SyncedMinGap), or
    // when the last is SyncedInterval old. The table is built only then, never on a sync that records nothing.
    private async Task RecordSyncedAsync(Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        await recording.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (string Hash, IReadOnlyList<AcceptedRoute> Routes)? now;
            lock (gate) now = served;
            if (now is not { } state) return;
            var since = DateTimeOffset.UtcNow - recordedAt;
            var due = state.Hash != recordedHash ? since >= settings.SyncedMinGap : since >= settings.SyncedInterval;
            if (!due) return;
            var e = SyncedEvent.Build(settings.Pod!, state.Hash, ServedRouteTable.From(state.Routes), DateTimeOffset.UtcNow);
            try
            {
                await connection.Client.CoreV1.CreateNamespacedEventAsync(e, settings.Pod!.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                (recordedHash, recordedAt, recordFailure) = (state.Hash, DateTimeOffset.UtcNow, null);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not NginxKitException)
            {
                // Said once while it lasts: the next heartbeat tries again.
                var why = Describe(ex);
                if (why != recordFailure)
                    await report(new SyncMessage.Warning($"Recording the Synced event on pod {settings.Pod!.Namespace}/{settings.Pod.Name} failed ({why}); nginx serves on, but Test-NginxKitEntry cannot see what.")).ConfigureAwait(false);
                recordFailure = why;
            }
        }
        finally
        {
            recording.Release();
        }
    }

    // Replaces what is known of one scope (a namespace, or all) with a fresh list, read in pages so that
    // no more than one page of full Service objects is in memory at once. A Service that has not
    // changed since it was last seen keeps its finding.
    private async Task ListAsync(string? scope, CancellationToken cancellationToken)
    {
        var fresh = new Dictionary<ServiceKey, ServiceFinding>();
        Dictionary<ServiceKey, ServiceFinding> known;
        lock (gate) known = findings.Where(f => scope is null || f.Key.Namespace == scope).ToDictionary(f => f.Key, f => f.Value);
        string? resourceVersion = null, next = null;
        do
        {
            var page = await ClusterRoutes.ListServicesAsync(connection, scope, settings.Selector, cancellationToken, ListPageSize, next).ConfigureAwait(false);
            foreach (var service in page.Items)
            {
                var key = KeyOf(service);
                var finding = known.TryGetValue(key, out var old) && old.Describes(service) ? old : Check(service);
                if (finding is not null) fresh[key] = finding;
            }
            resourceVersion = page.Metadata?.ResourceVersion;
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));
        lock (gate)
        {
            foreach (var key in known.Keys) findings.Remove(key);
            if (scope is null) findings.Clear();
            foreach (var (key, finding) in fresh) findings[key] = finding;
            resourceVersions[scope ?? string.Empty] = resourceVersion;
        }
    }

    // Services per list request: the API server's own pages, as kubectl's default chunk size.
    internal const int ListPageSize = 500;

    private ServiceFinding? Check(V1Service service) =>
        ServiceFinding.Of(service, namespaces, settings.ExposeAll, DefaultServerName);

    // RouteSet's server-name rule: routes without a server name of their own go on the default server, in lowercase.
    private string DefaultServerName => (settings.Render.ServerName ?? RouteSet.DefaultServerName).ToLowerInvariant();

    private bool Apply(string? scope, WatchEventType type, V1Service service)
    {
        // Checked outside the lock: the sync loop reads the index meanwhile.
        var finding = type is WatchEventType.Added or WatchEventType.Modified ? Check(service) : null;
        var key = KeyOf(service);
        lock (gate)
        {
            if (service.Metadata?.ResourceVersion is { } rv) resourceVersions[scope ?? string.Empty] = rv;
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    if (finding is null) return findings.Remove(key);
                    findings[key] = finding;
                    return true;
                case WatchEventType.Deleted:
                    return findings.Remove(key);
                default:
                    return false; // BOOKMARK: only the resourceVersion moves on.
            }
        }
    }

    private static ServiceKey KeyOf(V1Service s) => new(s.Metadata?.NamespaceProperty ?? "default", s.Metadata?.Name ?? string.Empty);

    // Routes from the current Services, by the same rules as Get-NginxRoute and New-NginxConf. Each
    // Service was checked when it arrived; here the routes are only ordered and their claims settled.
    // Each message comes with the text its once-only report compares, kept with a Service's finding.
    private (RouteSetResult Set, List<SyncMessage> Messages, List<string> MessageKeys, Dictionary<ServiceKey, ServiceFinding> Losers) Discover()
    {
        ServiceFinding[] current;
        lock (gate)
        {
            current = new ServiceFinding[findings.Count];
            findings.Values.CopyTo(current, 0);
        }
        var accepted = new List<AcceptedRoute>(current.Length);
        var messages = new List<SyncMessage>();
        var keys = new List<string>();
        foreach (var finding in current)
        {
            if (finding.Accepted is not null) accepted.Add(finding.Accepted);
            else if (finding.Message is not null)
            {
                messages.Add(finding.Message);
                keys.Add(finding.MessageKey!);
            }
        }
        var set = RouteSet.Settle(accepted, [], DefaultServerName);
        foreach (var problem in set.Problems)
        {
            var refused = new SyncMessage.Refused(problem);
            messages.Add(refused);
            keys.Add(refused.ToString());
        }
        // The Services that lost a claim, as they were when their routes were settled, for their PathConflict Events.
        var losers = new Dictionary<ServiceKey, ServiceFinding>();
        if (set.Conflicts.Count > 0)
        {
            var wanted = set.Conflicts.Select(c => new ServiceKey(c.Loser.Route.Namespace ?? "default", c.Loser.Route.Service ?? string.Empty)).ToHashSet();
            foreach (var finding in current)
            {
                var key = new ServiceKey(finding.Namespace, finding.Name);
                if (wanted.Contains(key)) losers[key] = finding;
            }
        }
        return (set, messages, keys, losers);
    }

    private async Task<SyncEvent> SyncAsync(string trigger, Func<SyncMessage, ValueTask> report, bool requireRoutes, bool recordEvents, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (set, messages, keys, losers) = Discover();
        var accepted = set.Accepted;
        // Say each warning and refusal once, not on every sync while it stands.
        var now = keys.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
            if (!reported.Contains(keys[i])) await report(messages[i]).ConfigureAwait(false);
        reported.Clear();
        reported.UnionWith(now);

        var conf = NginxConf.Render(accepted, settings.Render, settings.Template);
        IReadOnlyList<AcceptedRoute> before;
        lock (gate) before = served?.Routes ?? [];
        var (added, removed) = RouteSet.Changes(before, accepted, DefaultServerName);

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
        SyncEvent result;
        if (unchanged && !rotated && !ReloadOwed)
        {
            lock (gate) served = (conf.Hash, accepted);
            result = Done(false, false, false, false, null);
        }
        else
        {
            result = await WriteAndReloadAsync(conf, accepted, Done, unchanged, certificate, once: requireRoutes, cancellationToken).ConfigureAwait(false);
        }
        // After nginx has the config: the owner's notice must not hold up the traffic.
        if (recordEvents) await RecordConflictsAsync(set.Conflicts, losers, report, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<SyncEvent> WriteAndReloadAsync(RenderedConf conf, IReadOnlyList<AcceptedRoute> accepted,
        Func<bool, bool, bool, bool, string?, SyncEvent> done, bool unchanged, string? certificate, bool once, CancellationToken cancellationToken)
    {
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
                return done(!unchanged, false, false, false, ex.Problem.Message);
            }
            if (!test.Valid)
            {
                if (unchanged) lock (gate) refusedCertificate = certificate;
                var what = unchanged ? "the rotated certificate, so nginx keeps the one it has" : "the new config, so the last good one stays";
                return done(!unchanged, false, false, true, $"nginx -t rejected {what}: {string.Join("; ", test.Errors.Concat(test.Warnings).Select(e => e.Message))}");
            }
            validated = true;
        }

        if (unchanged)
        {
            // The file is what nginx should serve, but nginx has not loaded it: the certificate
            // changed, or the reload after its write failed. Nothing to write, a reload to load it.
            try
            {
                await settings.Reloader.ReloadAsync(runner, cancellationToken).ConfigureAwait(false);
            }
            catch (NginxKitException ex)
            {
                return done(false, false, false, validated, ex.Problem.Message);
            }
            Loaded(conf, accepted, certificate);
            return done(false, false, settings.Reloader is not NginxReloader.None, validated, null);
        }

        try
        {
            NginxConf.Write(settings.OutFile, conf, settings.Backup);
        }
        catch (NginxKitException) when (once)
        {
            throw; // -Once ends with the write's own error, such as AccessDenied
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NginxKitException)
        {
            // Like a failed reload, an event that says so: a watch goes on and tries again at the next change.
            return done(true, false, false, validated, $"Writing {settings.OutFile} failed, so nginx keeps the config it has: {ex.Message}");
        }
        // Written, not yet served: until a reload succeeds, the file is owed one.
        lock (gate) reloadOwed = true;
        try
        {
            await settings.Reloader.ReloadAsync(runner, cancellationToken).ConfigureAwait(false);
        }
        catch (NginxKitException ex)
        {
            return done(true, true, false, validated, ex.Problem.Message);
        }
        Loaded(conf, accepted, certificate);
        return done(true, true, settings.Reloader is not NginxReloader.None, validated, null);
    }

    // nginx has loaded this config: only now is it what nginx serves, and what Synced Events report.
    private void Loaded(RenderedConf conf, IReadOnlyList<AcceptedRoute> accepted, string? certificate)
    {
        lock (gate) (served, reloadOwed, loadedCertificate) = ((conf.Hash, accepted), false, certificate);
    }

    /// <summary>A reload is owed: the file holds a config nginx failed to load, and the watch tries again.</summary>
    internal bool ReloadOwed
    {
        get { lock (gate) return reloadOwed; }
    }

    // One PathConflict Event per lost claim while it stands; a claim lost again later gets a new one.
    private async Task RecordConflictsAsync(IReadOnlyList<RouteConflict> conflicts, Dictionary<ServiceKey, ServiceFinding> losers,
        Func<SyncMessage, ValueTask> report, CancellationToken cancellationToken)
    {
        var standing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var conflict in conflicts)
        {
            var loser = conflict.Loser.Route;
            var holder = conflict.Holder.Route;
            if (!losers.TryGetValue(new ServiceKey(loser.Namespace ?? "default", loser.Service ?? string.Empty), out var finding)) continue;
            var key = $"{loser.Namespace}/{loser.Service} {conflict.Loser.ServerName}{conflict.Loser.Location} {holder.Namespace}/{holder.Service}";
            standing.Add(key);
            if (recordedConflicts.Contains(key)) continue;
            recordedConflicts.Add(key);
            var e = PathConflictEvent.Build(conflict, finding.Reference(), DateTimeOffset.UtcNow, Environment.MachineName);
            try
            {
                await PathConflictEvent.RecordAsync(connection, e, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not NginxKitException)
            {
                await report(new SyncMessage.Warning($"Recording the {PathConflictEvent.Describe(e)} failed ({Describe(ex)}); the route stays refused.")).ConfigureAwait(false);
            }
        }
        recordedConflicts.IntersectWith(standing);
    }
}
