using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

public sealed class KubeNodeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.FromCluster(fakeBoundParameters, wordToComplete, async (connection, ct) =>
            (await new NodeLabeler(connection).ListAsync(null, ct).ConfigureAwait(false)).Select(n => n.Name).ToList());
}
