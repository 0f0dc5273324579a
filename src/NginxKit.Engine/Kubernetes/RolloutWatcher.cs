using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Follows a Deployment's rollout the way a person would with kubectl: its ready replicas against
/// the desired number, and its pods. A pod in a state that waiting will not fix (an image that
/// cannot be pulled, a crash loop, no node with the role label) ends the wait at once, with the
/// container's own reason, the image and pull policy, or the last lines of its log.
/// </summary>
public sealed class RolloutWatcher(KubeConnection connection)
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many of a crashing container's last log lines the error carries.</summary>
    public const int LogLines = 20;

    public async Task<RolloutStatus> WaitAsync(string name, string ns, TimeSpan timeout, IProgress<RolloutStatus> progress, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        RolloutStatus status = new(name, 0, 0, 0, 0, false, "waiting");
        try
        {
            while (true)
            {
                var d = await connection.Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: limit.Token).ConfigureAwait(false);
                var desired = d.Spec?.Replicas ?? 1;
                var ready = d.Status?.ReadyReplicas ?? 0;
                var updated = d.Status?.UpdatedReplicas ?? 0;
                var available = d.Status?.AvailableReplicas ?? 0;
                var observed = (d.Status?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
                var complete = observed && updated >= desired && available >= desired && (d.Status?.Replicas ?? 0) <= desired;
                status = new RolloutStatus(name, desired, ready, updated, available, complete,
                    complete ? $"deployment \"{name}\" successfully rolled out: {ready}/{desired} ready"
                        : $"{ready}/{desired} ready ({updated} updated, {available} available)");
                progress.Report(status);
                if (complete) return status;

                if (d.Spec?.Selector?.MatchLabels is { Count: > 0 } labels)
                {
                    var selector = string.Join(',', labels.Select(l => $"{l.Key}={l.Value}"));
                    var pods = await connection.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: limit.Token).ConfigureAwait(false);
                    if (PodDiagnosis.Diagnose(pods.Items) is { } failure)
                        throw new NginxKitException(await ExplainAsync(failure, d, limit.Token).ConfigureAwait(false));
                }
                await Task.Delay(Interval, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ErrorCatalog.RolloutTimeout.Exception($"Deployment {ns}/{name} did not finish rolling out within {timeout.TotalSeconds:0} s: {status.Message}.", name,
                hint: $"See its pods with kubectl describe pods -n {ns} -l app.kubernetes.io/name={name}.");
        }
    }

    private async Task<Problem> ExplainAsync(PodFailure f, V1Deployment deployment, CancellationToken cancellationToken)
    {
        var pod = $"{f.Namespace}/{f.Pod}";
        var container = f.Container is null ? "" : $"{(f.InitContainer ? "init container" : "container")} '{f.Container}'";
        var lastEvent = await LastWarningAsync(f, cancellationToken).ConfigureAwait(false);
        var said = (f.Message is { Length: > 0 } m ? $": {m}" : "") + (lastEvent is null ? "" : $" Last event: {lastEvent}");
        switch (f.Kind)
        {
            case PodFailureKind.ImagePull:
                return ErrorCatalog.ImagePullFailed.Problem(
                    $"Pod {pod} cannot start: {container} cannot pull image '{f.Image}' with pull policy {f.PullPolicy ?? "(default)"} ({f.Reason}{said}).",
                    pod, f.Reason, PodFailureHints.For(f, null));
            case PodFailureKind.CrashLoop:
                var log = await LogTailAsync(f, cancellationToken).ConfigureAwait(false);
                return ErrorCatalog.ContainerCrashLooping.Problem(
                    $"Pod {pod} cannot start: {container} keeps exiting ({f.Reason}, {f.Restarts} restarts). Its last log lines:\n{(log.Length == 0 ? "(the log is empty)" : log)}",
                    pod, f.Reason, PodFailureHints.For(f, null));
            case PodFailureKind.NoMatchingNode:
                var selector = deployment.Spec?.Template?.Spec?.NodeSelector is { Count: > 0 } s ? string.Join(",", s.Select(l => $"{l.Key}={l.Value}")) : "(none)";
                string? role = null;
                deployment.Spec?.Template?.Spec?.NodeSelector?.TryGetValue(NodeLabeler.RoleLabel, out role);
                return ErrorCatalog.NoEntryNode.Problem(
                    $"No node can run pod {pod}: it runs only on nodes labelled {selector}, and the scheduler found none ({f.Reason}{said}).",
                    pod, f.Reason, PodFailureHints.NoEntryNode(role));
            default:
                return ErrorCatalog.ContainerNotStarted.Problem($"Pod {pod} cannot start: {container} cannot be created ({f.Reason}{said}).", pod, f.Reason, PodFailureHints.For(f, null));
        }
    }

    // The container's last lines: of the instance that crashed when there is one, else of the current one.
    private async Task<string> LogTailAsync(PodFailure f, CancellationToken cancellationToken)
    {
        foreach (var previous in new[] { true, false })
        {
            try
            {
                using var stream = await connection.Client.CoreV1.ReadNamespacedPodLogAsync(f.Pod, f.Namespace, container: f.Container, previous: previous,
                    tailLines: LogLines, cancellationToken: cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream);
                var text = (await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).TrimEnd('\n');
                if (text.Length > 0 || !previous) return text;
            }
            catch (Exception ex) when (KubeErrors.IsApiFailure(ex) && !KubeErrors.IsFatal(ex))
            {
                // No previous instance (or no right to read logs): try the current one, then give up.
            }
        }
        return "";
    }

    private async Task<string?> LastWarningAsync(PodFailure f, CancellationToken cancellationToken)
    {
        try
        {
            var events = await connection.Client.CoreV1.ListNamespacedEventAsync(f.Namespace, fieldSelector: $"involvedObject.name={f.Pod}",
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var last = events.Items.Where(e => e.Type == "Warning")
                .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp).LastOrDefault();
            return last is null ? null : $"{last.Reason}: {last.Message?.Trim()}";
        }
        catch (Exception ex) when (KubeErrors.IsApiFailure(ex) && !KubeErrors.IsFatal(ex))
        {
            return null; // events are a help, not a need
        }
    }
}
