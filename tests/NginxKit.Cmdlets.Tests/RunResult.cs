using System.Collections.ObjectModel;
using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>What a script gave: its output, its non-terminating errors and warnings, and the error that stopped it.</summary>
public sealed record RunResult(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<string> Warnings, ErrorRecord? Terminating)
{
    /// <summary>The one output object's property.</summary>
    public object? Single(string property) => Assert.Single(Output).Properties[property]?.Value;
}
