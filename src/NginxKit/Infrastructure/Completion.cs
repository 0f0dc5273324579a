using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

/// <summary>Shared by the completers: the target the command line names so far, and quiet failure.</summary>
internal static class Completion
{
    // A completer must never hang the prompt on a cluster that does not answer.
    public static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(2);

    public static KubeTarget Target(IDictionary fakeBoundParameters)
    {
        var kubeConfig = fakeBoundParameters["KubeConfig"] as string;
        var context = fakeBoundParameters["Context"] as string;
        var session = KubeSessionDefaults.Current;
        return new KubeTarget(kubeConfig ?? session?.KubeConfig, context ?? (kubeConfig is null ? session?.Context : null));
    }

    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete) =>
        values.Where(v => v.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
              .Select(v => new CompletionResult(v.Contains(' ') ? $"'{v}'" : v, v, CompletionResultType.ParameterValue, v));

    public static IEnumerable<CompletionResult> FromCluster(IDictionary fakeBoundParameters, string wordToComplete,
        Func<KubeConnection, CancellationToken, Task<IReadOnlyList<string>>> list)
    {
        try
        {
            using var cts = new CancellationTokenSource(ClusterTimeout);
            using var connection = KubeConnection.Open(Target(fakeBoundParameters));
            var task = Task.Run(() => list(connection, cts.Token), cts.Token);
            return task.Wait(ClusterTimeout) ? Matching(task.Result, wordToComplete).ToList() : [];
        }
        catch (Exception)
        {
            return []; // No cluster, no kubeconfig, no permission: offer nothing rather than an error.
        }
    }
}
