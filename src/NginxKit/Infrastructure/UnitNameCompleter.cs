using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NginxKit.Engine.IO;

namespace NginxKit.Infrastructure;

/// <summary>
/// Completes systemd unit names for -Name/-Unit: Docker's own units first, then the units systemctl
/// lists. Never file names; where systemd does not run, Docker's units alone.
/// </summary>
public sealed class UnitNameCompleter : IArgumentCompleter
{
    private static readonly string[] DockerUnits = ["docker.service", "docker.socket", "containerd.service"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var units = new List<string>(DockerUnits);
        try
        {
            if (NativeCommand.Find("systemctl") is { } systemctl && Directory.Exists("/run/systemd/system"))
            {
                using var cts = new CancellationTokenSource(Completion.ClusterTimeout);
                var task = ProcessRunner.Instance.RunAsync(new ProcessSpec(systemctl, ["list-unit-files", "--no-legend", "--no-pager", "--plain", "--type=service,socket"]), cts.Token);
                if (task.Wait(Completion.ClusterTimeout) && task.Result.Succeeded)
                    units.AddRange(task.Result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)[0]));
            }
        }
        catch (Exception)
        {
            // No systemd, or it did not answer in time: Docker's units are still offered.
        }
        return Completion.Matching(units.Distinct(StringComparer.Ordinal), wordToComplete);
    }
}
