using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Text.Json.Nodes;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>Merges settings into /etc/docker/daemon.json, refusing any that DOCKER_OPTS or the unit already give as flags.</summary>
[Cmdlet(VerbsCommon.Set, "DockerDaemonConfig", SupportsShouldProcess = true)]
[OutputType(typeof(FileWriteResult))]
public sealed class SetDockerDaemonConfigCommand : DockerSettingsCommandBase
{
    /// <summary>Any other daemon.json keys: strings, booleans, numbers, lists, hashtables, PSCustomObjects; $null removes a key.</summary>
    [Parameter]
    public Hashtable? Setting { get; set; }

    // PowerShell's own wrappers, unwrapped for the engine: a PSCustomObject reads as an ordered dictionary of its properties.
    private static object? Unwrap(object value) => value switch
    {
        PSObject { BaseObject: PSCustomObject } custom => custom.Properties.Aggregate(new OrderedDictionary(), (d, p) => { d[p.Name] = p.Value; return d; }),
        PSObject wrapped => wrapped.BaseObject,
        _ => value,
    };

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var settings = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Setting ?? [])
        {
            var key = entry.Key?.ToString() ?? string.Empty;
            settings[key] = DaemonJsonValue.From(entry.Value, key, Unwrap);
        }
        var plan = DockerDaemonConfig.Plan(root, new DockerDaemonConfigRequest
        {
            Dns = Dns,
            RegistryMirror = RegistryMirror,
            InsecureRegistry = InsecureRegistry,
            HttpProxy = HttpProxy,
            HttpsProxy = HttpsProxy,
            NoProxy = NoProxyText,
            Settings = settings,
        });
        if (!plan.UnitFound) WriteVerbose("No docker.service unit found; only DOCKER_OPTS is checked for conflicts.");
        foreach (var key in plan.DuplicateKeys)
            WriteWarning($"{plan.Path} gives '{key}' more than once; dockerd reads the last one, and so does NginxKit. A write keeps only that one.");

        var planned = AtomicFileWriter.Plan(plan.Path, plan.NewBytes, DockerEnvironment.WriteOptions(plan.Root, plan.Credential)) with { Changed = plan.Changed, Diff = plan.Diff };
        if (!plan.Changed)
        {
            WriteObject(planned with { Diff = null });
            return Task.CompletedTask;
        }
        if (ShouldProcessWithDetail(plan.Path, "Write daemon.json", plan.Diff))
            WriteObject(DockerDaemonConfig.Write(plan));
        else if (IsWhatIf)
            WriteObject(planned);
        return Task.CompletedTask;
    }
}
