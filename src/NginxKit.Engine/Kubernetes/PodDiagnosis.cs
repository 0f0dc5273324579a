using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Reads pods the way a person reads kubectl describe: a container waiting on an image pull, a
/// crash loop, or a pod no node can take are states that waiting will not fix. Pure.
/// </summary>
public static class PodDiagnosis
{
    private static readonly HashSet<string> ImagePullReasons = new(StringComparer.Ordinal)
        { "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable" };

    private static readonly HashSet<string> NotStartedReasons = new(StringComparer.Ordinal)
        { "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError", "PreStartHookError" };

    /// <summary>The first hopeless state, pods by name and containers in pod order (init containers first); null when every pod may yet become ready.</summary>
    public static PodFailure? Diagnose(IEnumerable<V1Pod> pods)
    {
        foreach (var pod in pods.OrderBy(p => p.Metadata?.Name, StringComparer.Ordinal))
        {
            var ns = pod.Metadata?.NamespaceProperty ?? "default";
            var name = pod.Metadata?.Name ?? "";
            if (pod.Metadata?.DeletionTimestamp is not null) continue; // on its way out: not the rollout's problem
            var statuses = (pod.Status?.InitContainerStatuses ?? []).Select(s => (Status: s, Init: true))
                .Concat((pod.Status?.ContainerStatuses ?? []).Select(s => (Status: s, Init: false)));
            foreach (var (status, init) in statuses)
            {
                if (status.State?.Waiting is not { Reason: { } reason } waiting) continue;
                var spec = (init ? pod.Spec?.InitContainers : pod.Spec?.Containers)?.FirstOrDefault(c => c.Name == status.Name);
                PodFailureKind? kind = ImagePullReasons.Contains(reason) ? PodFailureKind.ImagePull
                    : reason == "CrashLoopBackOff" ? PodFailureKind.CrashLoop
                    : NotStartedReasons.Contains(reason) ? PodFailureKind.NotStarted
                    : null;
                if (kind is { } k)
                    return new PodFailure(k, ns, name, status.Name, init, reason, waiting.Message, spec?.Image ?? status.Image, spec?.ImagePullPolicy, status.RestartCount);
            }
            var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
            if (scheduled is { Status: "False", Reason: "Unschedulable" } && IsNodeSelectorMismatch(scheduled.Message))
                return new PodFailure(PodFailureKind.NoMatchingNode, ns, name, null, false, scheduled.Reason, scheduled.Message, null, null, 0);
        }
        return null;
    }

    // The scheduler's words for "no node has the labels the pod asks for" (its NodeAffinity plugin,
    // which also checks nodeSelector), as of Kubernetes 1.21 and before.
    private static bool IsNodeSelectorMismatch(string? message) =>
        message is not null && (message.Contains("didn't match Pod's node affinity/selector", StringComparison.Ordinal)
            || message.Contains("didn't match node selector", StringComparison.Ordinal));
}
