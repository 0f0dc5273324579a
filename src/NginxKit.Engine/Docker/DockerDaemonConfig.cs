using System.Text.Json;
using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using System.Buffers;
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

    public static JsonObject Parse(string? text, string path) => Parse(text is null ? null : System.Text.Encoding.UTF8.GetBytes(text), path).Config;

    /// <summary>daemon.json as dockerd (Go's encoding/json) reads it: strict JSON, and for a key given twice the last value wins.</summary>
    public static (JsonObject Config, IReadOnlyList<string> Duplicates) Parse(byte[]? bytes, string path)
    {
        if (IsBlank(bytes)) return (new JsonObject(), []);
        var duplicates = new List<string>();
        JsonObject config;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the top level is not an object");
            config = ReadObject(ref reader, duplicates, "");
        }
        catch (Exception ex) when (ex is (JsonException or InvalidOperationException) && FirstInvalidUtf8Line(bytes!) is { } line)
        {
            // Go reads such bytes as U+FFFD, so dockerd may well start; NginxKit could not write them back as they are.
            throw ErrorCatalog.DaemonJsonNotEditable.Exception($"{path} holds bytes that are not UTF-8 on line {line}. dockerd reads them as U+FFFD; NginxKit does not edit a file it cannot keep byte for byte.",
                path, "NotUtf8", "Save the file as UTF-8 (or remove those bytes) by hand first.", ex);
        }
        catch (JsonException ex)
        {
            throw ErrorCatalog.InvalidDaemonJson.Exception($"{path} is not valid JSON ({ex.Message}); dockerd would not start with it either. Fix it by hand first.", path, inner: ex);
        }
        catch (InvalidOperationException ex)
        {
            // A \u escape that is half of a surrogate pair: Go reads it as U+FFFD, .NET cannot read it as text.
            throw ErrorCatalog.DaemonJsonNotEditable.Exception($"{path} holds a \\u escape that is half of a UTF-16 surrogate pair ({ex.Message}). dockerd reads it as U+FFFD; NginxKit does not edit what it cannot read exactly.",
                path, "LoneSurrogate", "Replace the escape by hand first.", ex);
        }
        if (TextAfterObject(bytes!) is { } after)
            // Measured with dockerd 20.10: it reads the first JSON value and ignores what follows.
            throw ErrorCatalog.DaemonJsonNotEditable.Exception($"{path} has more after its top-level object (line {after}). dockerd reads only the object and ignores the rest; NginxKit does not edit a file whose rest may have been meant to count.",
                path, "TextAfterObject", "Remove what follows the closing brace, or merge it into the object, by hand first.");
        return (config, duplicates);
    }

    private static bool IsBlank(byte[]? bytes) => bytes is null || bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r');

    // The line of the first byte after the top-level object that is not JSON whitespace; null when there is none.
    private static int? TextAfterObject(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        reader.Skip();
        for (var i = (int)reader.BytesConsumed; i < bytes.Length; i++)
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r'))
                return 1 + bytes.AsSpan(0, i).Count((byte)'\n');
        return null;
    }

    private static int? FirstInvalidUtf8Line(byte[] bytes)
    {
        var span = bytes.AsSpan();
        var valid = 0;
        while (valid < span.Length)
        {
            if (System.Text.Unicode.Utf8.IsValid(span[valid..])) return null;
            var status = System.Text.Rune.DecodeFromUtf8(span[valid..], out _, out var consumed);
            if (status != OperationStatus.Done) return 1 + span[..valid].Count((byte)'\n');
            valid += consumed;
        }
        return null;
    }

    /// <summary>Reads daemon.json under its path (through a symbolic link, whose absolute target is read under the root), with its duplicate keys.</summary>
    public static (JsonObject Config, IReadOnlyList<string> Duplicates) Read(string path, string root = "/")
    {
        var target = IO.SymlinkTarget.Resolve(path, root);
        return Parse(File.Exists(target) ? File.ReadAllBytes(target) : null, path);
    }

    private static JsonObject ReadObject(ref Utf8JsonReader reader, List<string> duplicates, string prefix)
    {
        var obj = new JsonObject();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = ReadValue(ref reader, duplicates, prefix + key + ".");
            if (obj.ContainsKey(key))
            {
                duplicates.Add(prefix + key);
                obj.Remove(key); // as Go does: the last one wins
            }
            obj[key] = value;
        }
        return obj;
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, List<string> duplicates, string prefix)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject: return ReadObject(ref reader, duplicates, prefix);
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) array.Add(ReadValue(ref reader, duplicates, prefix));
                return array;
            case JsonTokenType.String: return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number: return JsonNode.Parse(System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray()));
            case JsonTokenType.True: return JsonValue.Create(true);
            case JsonTokenType.False: return JsonValue.Create(false);
            default: return null;
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
            words.AddRange(DockerOptions.Parse(UnitFile.Effective(directives, "Service", "ExecStart").LastOrDefault() ?? string.Empty).Words.Skip(1)
                .Where(w => w is not ("$DOCKER_OPTS" or "${DOCKER_OPTS}")));
        }
        catch (NginxKitException ex) when (ex.Problem.Kind == ErrorCatalog.DockerUnitNotFound)
        {
            unitFound = false;
        }
        var envPath = DockerEnvironment.UnderRoot(root, DockerEnvironment.EnvironmentFilePath);
        if (File.Exists(envPath))
            words.AddRange(DockerOptions.Parse(EnvironmentFile.Parse(File.ReadAllBytes(envPath)).Variables.GetValueOrDefault("DOCKER_OPTS")).Words);
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

    /// <summary>
    /// The file changed by setting keys (a null value removes one), every other byte kept: the other
    /// keys, their order, the whitespace and line endings (<see cref="Text.JsonTextEdit"/>). The result
    /// is read back and must give exactly the wanted settings, or nothing is written.
    /// </summary>
    public static byte[] Edit(byte[]? original, IReadOnlyDictionary<string, JsonNode?> changes, string path)
    {
        var (config, _) = Parse(original, path);
        var wanted = (JsonObject)config.DeepClone();
        foreach (var (key, value) in changes)
        {
            if (value is null) wanted.Remove(key);
            else wanted[key] = value.DeepClone();
        }
        if (JsonNode.DeepEquals(config, wanted) && original is not null) return original;
        var bytes = IsBlank(original) ? Text.JsonTextEdit.Fresh(wanted) : Text.JsonTextEdit.Apply(original!, wanted);
        var (readBack, _) = Parse(bytes, path);
        if (!JsonNode.DeepEquals(readBack, wanted))
            throw ErrorCatalog.DaemonJsonNotEditable.Exception($"Editing {path} in place would not give the settings asked for, so nothing is written.", path, "ReadBack",
                "Make the change by hand, or write the file anew from ConvertTo-Json.");
        return bytes;
    }

    /// <summary>
    /// The whole change in one call: reads daemon.json (through a symbolic link) as dockerd does,
    /// merges the request, refuses keys dockerd's flags already give, and says what would be written.
    /// </summary>
    public static DockerDaemonConfigPlan Plan(string root, DockerDaemonConfigRequest request)
    {
        var path = DockerEnvironment.UnderRoot(root, DefaultPath);
        var target = IO.SymlinkTarget.Resolve(path, root);
        var oldBytes = File.Exists(target) ? File.ReadAllBytes(target) : null;
        var (config, duplicates) = Parse(oldBytes, path);

        foreach (var value in new[] { request.HttpProxy, request.HttpsProxy }.Concat(request.RegistryMirror ?? []))
            if (value is not null && Credentials.CarriesMask(value))
                throw ErrorCatalog.MaskedValue.Exception($"A value holds '{Credentials.Mask}' where a password or token belongs ({Credentials.MaskProxy(value)}): that is the mask NginxKit shows, not the secret.", path);
        foreach (var (key, node) in request.Settings)
            if (node?.ToJsonString() is { } json && Credentials.CarriesMask(json))
                throw ErrorCatalog.MaskedValue.Exception($"-Setting {key} holds '{Credentials.Mask}' where a password or token belongs: that is the mask NginxKit shows, not the secret.", key);

        var changes = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        static JsonNode? List(IReadOnlyList<string> values) => values.Count == 0 ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        if (request.Dns is not null) changes["dns"] = List(request.Dns);
        if (request.RegistryMirror is not null) changes["registry-mirrors"] = List(request.RegistryMirror);
        if (request.InsecureRegistry is not null) changes["insecure-registries"] = List(request.InsecureRegistry);
        foreach (var (key, value) in request.Settings) changes[key] = value;
        var proxyFlags = new[] { ("http-proxy", request.HttpProxy), ("https-proxy", request.HttpsProxy), ("no-proxy", request.NoProxy) }.Where(p => p.Item2 is not null).ToList();
        if (proxyFlags.Count > 0)
        {
            // -Setting's proxies (when given) and the proxy parameters merge; the same key from both is refused.
            JsonObject proxies;
            if (request.Settings.TryGetValue("proxies", out var given))
            {
                proxies = given as JsonObject ?? throw ErrorCatalog.DuplicateSetting.Exception("-Setting sets proxies to something other than an object, and a proxy parameter is given too. Give the proxies one way.", "proxies");
                foreach (var (key, value) in proxyFlags)
                    if (proxies.ContainsKey(key) && proxies[key]?.GetValue<string>() != value)
                        throw ErrorCatalog.DuplicateSetting.Exception($"proxies.{key} is given both in -Setting and by its parameter, with different values. Give it once.", $"proxies.{key}");
            }
            else proxies = config["proxies"] as JsonObject ?? new JsonObject();
            proxies = (JsonObject)proxies.DeepClone();
            foreach (var (key, value) in proxyFlags)
            {
                if (value!.Length == 0) proxies.Remove(key);
                else proxies[key] = value;
            }
            changes["proxies"] = proxies.Count == 0 ? null : proxies;
        }

        // The flags dockerd already gets, from the unit and from DOCKER_OPTS, must not be set here too.
        var (flags, unitFound) = FlagWords(root);
        var newBytes = Edit(oldBytes, changes, path);
        var (merged, _) = Parse(newBytes, path);
        if (Conflicts(flags, merged, path) is [var conflict, ..]) throw new NginxKitException(conflict);
        var text = System.Text.Encoding.UTF8.GetString(newBytes);
        var credential = merged["proxies"] is JsonObject p && p.Any(kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var s) && Credentials.HasCredential("http_proxy", s))
            || (merged["registry-mirrors"]?.ToJsonString() is { } mirrors && Credentials.MaskText(mirrors) != mirrors);
        var modeChange = credential && oldBytes is not null && File.GetUnixFileMode(target) != (UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var contentChanged = oldBytes is null || !oldBytes.AsSpan().SequenceEqual(newBytes);
        var diff = contentChanged
            ? Text.UnifiedDiff.Create(oldBytes is null ? null : Text.ByteText.Display(oldBytes), text, oldBytes is null ? "/dev/null" : path, path)
            : modeChange ? $"mode {path}: 0{Convert.ToString((int)File.GetUnixFileMode(target), 8)} -> 0600 (it holds a proxy credential)\n" : string.Empty;
        return new DockerDaemonConfigPlan(path, newBytes, contentChanged || modeChange, Credentials.MaskText(diff), duplicates, credential, root, unitFound);
    }

    /// <summary>Writes the plan's daemon.json atomically with a backup, through a link, keeping owner and ACLs.</summary>
    public static IO.FileWriteResult Write(DockerDaemonConfigPlan plan) =>
        IO.AtomicFileWriter.Write(plan.Path, plan.NewBytes, DockerEnvironment.WriteOptions(plan.Root, plan.Credential)) with { Diff = plan.Diff };
}
