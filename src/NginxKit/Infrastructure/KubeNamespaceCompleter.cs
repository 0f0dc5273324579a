using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

public sealed class KubeNamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.FromCluster(fakeBoundParameters, wordToComplete, ClusterRoutes.NamespaceNamesAsync);
}
