using System.Collections;
using System.Management.Automation;
using System.Text.Json.Nodes;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;
using NginxKit.Engine.Docker;

namespace NginxKit.Commands.Docker;

/// <summary>Merges settings into /etc/docker/daemon.json, refusing any that DOCKER_OPTS or the unit already give as flags.</summary>
[Cmdlet(VerbsCommon.Set, "DockerDaemonConfig", SupportsShouldProcess = true)]
[OutputType(typeof(FileWriteResult))]
public sealed class SetDockerDaemonConfigCommand : DockerSettingsCommandBase
{

    /// <summary>Any other daemon.json keys, as values ConvertTo-Json can write; $null removes a key.</summary>
    [Parameter]
    public Hashtable? Setting { get; set; }

    // PowerShell values to JSON: hashtables become objects, lists arrays, the rest scalars.
    private static JsonNode? ToJson(object? value) => (value is PSObject p ? p.BaseObject : value) switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or short or byte => JsonValue.Create(Convert.ToInt64(value is PSObject q ? q.BaseObject : value, System.Globalization.CultureInfo.InvariantCulture)),
        double or float or decimal => JsonValue.Create(Convert.ToDouble(value is PSObject r ? r.BaseObject : value, System.Globalization.CultureInfo.InvariantCulture)),
        // A Hashtable's order changes from process to process; sorted keys keep re-runs byte-identical.
        System.Collections.Specialized.IOrderedDictionary ordered => new JsonObject(ordered.Cast<DictionaryEntry>().Select(e => KeyValuePair.Create(e.Key?.ToString() ?? string.Empty, ToJson(e.Value)))),
        IDictionary map => new JsonObject(map.Cast<DictionaryEntry>().OrderBy(e => e.Key?.ToString(), StringComparer.Ordinal).Select(e => KeyValuePair.Create(e.Key?.ToString() ?? string.Empty, ToJson(e.Value)))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        var other => JsonValue.Create(other.ToString()),
    };

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var path = DockerEnvironment.UnderRoot(root, DockerDaemonConfig.DefaultPath);
        var config = DockerDaemonConfig.Parse(File.Exists(path) ? File.ReadAllText(path) : null, path);

        var changes = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        static JsonNode? List(string[] values) => values.Length == 0 ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        if (Dns is not null) changes["dns"] = List(Dns);
        if (RegistryMirror is not null) changes["registry-mirrors"] = List(RegistryMirror);
        if (InsecureRegistry is not null) changes["insecure-registries"] = List(InsecureRegistry);
        if (HttpProxy is not null || HttpsProxy is not null || NoProxy is not null)
        {
            var proxies = config["proxies"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in new[] { ("http-proxy", HttpProxy), ("https-proxy", HttpsProxy), ("no-proxy", NoProxyText) })
            {
                if (value is null) continue;
                if (value.Length == 0) proxies.Remove(key);
                else proxies[key] = value;
            }
            changes["proxies"] = proxies.Count == 0 ? null : proxies.DeepClone();
        }
        if (Setting is not null)
            foreach (DictionaryEntry entry in Setting.Cast<DictionaryEntry>().OrderBy(e => e.Key?.ToString(), StringComparer.Ordinal))
                changes[entry.Key?.ToString() ?? string.Empty] = ToJson(entry.Value);

        // The flags dockerd already gets, from the unit and from DOCKER_OPTS, must not be set here too.
        var (flags, unitFound) = DockerDaemonConfig.FlagWords(root);
        if (!unitFound) WriteVerbose("No docker.service unit found; only DOCKER_OPTS is checked for conflicts.");

        var text = DockerDaemonConfig.Merge(config, changes);
        var merged = DockerDaemonConfig.Parse(text, path);
        foreach (var conflict in DockerDaemonConfig.Conflicts(flags, merged, path))
            ThrowProblem(conflict);

        var plan = AtomicFileWriter.Plan(path, text);
        if (!plan.Changed)
        {
            WriteObject(plan with { Diff = null });
            return Task.CompletedTask;
        }
        if (ShouldProcessWithDetail(path, "Write daemon.json", DockerOptions.MaskCredentials(plan.Diff ?? "")))
            WriteObject(AtomicFileWriter.Write(path, text, DockerOptions.WriteOptionsFor(text)));
        else if (IsWhatIf)
            WriteObject(plan with { Diff = DockerOptions.MaskCredentials(plan.Diff ?? "") });
        return Task.CompletedTask;
    }
}
