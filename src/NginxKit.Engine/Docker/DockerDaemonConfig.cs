using System.Text.Json;
using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// /etc/docker/daemon.json, and the one rule that joins it to DOCKER_OPTS: dockerd refuses to
/// start when an option is given both as a flag and in daemon.json ("the following directives are
/// specified both as a flag and in the configuration file"). -H fd:// in the unit with "hosts" in
/// daemon.json is the classic case.
/// </summary>
public static class DockerDaemonConfig
{
    public const string DefaultPath = "/etc/docker/daemon.json";

    /// <summary>dockerd flags and the daemon.json keys they clash with.</summary>
    public static readonly IReadOnlyDictionary<string, string> FlagKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--dns"] = "dns", ["--dns-search"] = "dns-search", ["--dns-opt"] = "dns-opts",
        ["--registry-mirror"] = "registry-mirrors", ["--insecure-registry"] = "insecure-registries",
        ["-H"] = "hosts", ["--host"] = "hosts", ["--data-root"] = "data-root", ["-g"] = "data-root",
        ["--log-driver"] = "log-driver", ["--log-opt"] = "log-opts", ["--log-level"] = "log-level", ["-l"] = "log-level",
        ["--storage-driver"] = "storage-driver", ["-s"] = "storage-driver", ["--storage-opt"] = "storage-opts",
        ["--bip"] = "bip", ["--mtu"] = "mtu", ["--label"] = "labels", ["--exec-opt"] = "exec-opts",
        ["--default-runtime"] = "default-runtime", ["--iptables"] = "iptables", ["--ip-forward"] = "ip-forward",
        ["--debug"] = "debug", ["-D"] = "debug", ["--containerd"] = "containerd", ["--live-restore"] = "live-restore",
        ["--tls"] = "tls", ["--tlsverify"] = "tlsverify", ["--tlscacert"] = "tlscacert", ["--tlscert"] = "tlscert", ["--tlskey"] = "tlskey",
        ["--http-proxy"] = "proxies", ["--https-proxy"] = "proxies", ["--no-proxy"] = "proxies",
        ["--default-address-pool"] = "default-address-pools", ["--userns-remap"] = "userns-remap", ["--group"] = "group", ["-G"] = "group",
    };

    public static JsonObject Parse(string? text, string path)
    {
        if (string.IsNullOrWhiteSpace(text)) return new JsonObject();
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new JsonException("the top level is not an object");
        }
        catch (JsonException ex)
        {
            throw ErrorCatalog.InvalidDaemonJson.Exception($"{path} is not valid JSON ({ex.Message}); dockerd would not start with it either. Fix it by hand first.", path, inner: ex);
        }
    }

    /// <summary>
    /// The words dockerd gets on its command line in the tree at <paramref name="root"/>: the docker
    /// unit's ExecStart (after the program) and DOCKER_OPTS from /etc/default/docker. UnitFound is
    /// false when there is no docker unit; then only DOCKER_OPTS counts.
    /// </summary>
    public static (IReadOnlyList<string> Words, bool UnitFound) FlagWords(string root)
    {
        var words = new List<string>();
        var unitFound = true;
        try
        {
            var (_, directives) = DockerUnitDropIn.ReadInstalled(root, DockerEnvironment.Unit, ownDropIn: "");
            words.AddRange(DockerOptions.Parse(UnitFile.Effective(directives, "Service", "ExecStart").LastOrDefault() ?? string.Empty).Words.Skip(1));
        }
        catch (NginxKitException ex) when (ex.Problem.Kind == ErrorCatalog.DockerUnitNotFound)
        {
            unitFound = false;
        }
        var envPath = DockerEnvironment.UnderRoot(root, DockerEnvironment.EnvironmentFilePath);
        if (File.Exists(envPath))
            words.AddRange(DockerOptions.Parse(EnvironmentFile.Parse(File.ReadAllText(envPath)).Variables.GetValueOrDefault("DOCKER_OPTS")).Words);
        return (words, unitFound);
    }

    /// <summary>The daemon.json keys that dockerd's flags (from the unit's ExecStart and DOCKER_OPTS) would clash with.</summary>
    public static IReadOnlyList<Problem> Conflicts(IEnumerable<string> flagWords, JsonObject config, string path)
    {
        var problems = new List<Problem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in flagWords)
        {
            var flag = word.Split('=', 2)[0];
            if (!FlagKeys.TryGetValue(flag, out var key) || !config.ContainsKey(key) || !seen.Add(key)) continue;
            problems.Add(ErrorCatalog.ConflictingDockerSetting.Problem($"'{flag}' is given as a dockerd flag and '{key}' is set in {path}: dockerd refuses to start when an option is in both. Keep it in one place.",
                key, "FlagAndConfigFile"));
        }
        return problems;
    }

    /// <summary>Sets keys (a null value removes one), keeping every other key and the key order.</summary>
    public static string Merge(JsonObject config, IReadOnlyDictionary<string, JsonNode?> changes)
    {
        foreach (var (key, value) in changes)
        {
            if (value is null) config.Remove(key);
            else config[key] = value.DeepClone();
        }
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
