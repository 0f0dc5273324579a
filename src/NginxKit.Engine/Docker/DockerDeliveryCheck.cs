using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Works out what dockerd receives from a unit's ExecStart, Environment= and EnvironmentFile=, as
/// systemd builds it: Environment= first, each EnvironmentFile in order over it, then $DOCKER_OPTS
/// split into words (${DOCKER_OPTS} stays one word). Proxies are read as Go does: the upper-case
/// name first, the lower-case one only when the upper-case one is unset or empty.
/// </summary>
public static class DockerDeliveryCheck
{
    /// <param name="request">What was asked for.</param>
    /// <param name="execStart">The effective ExecStart's command line (program and arguments, unexpanded).</param>
    /// <param name="environment">Environment= variables, with the file that sets each.</param>
    /// <param name="environmentFiles">EnvironmentFile= paths in order ('-' prefix for optional ones).</param>
    /// <param name="readFile">Reads an EnvironmentFile's variables; null when it does not exist.</param>
    public static IReadOnlyList<DockerDelivery> Check(
        DockerEnvironmentRequest request,
        string? execStart,
        IReadOnlyDictionary<string, (string Value, string Source)> environment,
        IReadOnlyList<string> environmentFiles,
        Func<string, IReadOnlyDictionary<string, string>?> readFile)
    {
        var env = environment.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        foreach (var raw in environmentFiles)
        {
            var path = raw.TrimStart('-');
            foreach (var (key, value) in readFile(path) ?? new Dictionary<string, string>()) env[key] = (value, path);
        }
        var argv = new List<string>();
        var passes = false;
        foreach (var word in (execStart ?? string.Empty).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            if (word == "$DOCKER_OPTS") { passes = true; argv.AddRange(DockerOptions.SplitWords(env.GetValueOrDefault("DOCKER_OPTS").Value ?? string.Empty)); }
            else if (word == "${DOCKER_OPTS}") { passes = true; if (env.ContainsKey("DOCKER_OPTS")) argv.Add(env["DOCKER_OPTS"].Value); }
            else argv.Add(word);
        }
        var results = new List<DockerDelivery>();
        string WhyNotFlag() => !passes
            ? $"the unit's ExecStart ({Credentials.MaskText(execStart ?? "none")}) does not pass $DOCKER_OPTS"
            : $"dockerd's arguments would be: {Credentials.MaskText(string.Join(' ', argv))}";

        void Flags(string flag, IReadOnlyList<string>? values)
        {
            if (values is null) return;
            var given = Pairs(argv, flag);
            foreach (var value in values)
            {
                var ok = given.Contains(value);
                results.Add(new DockerDelivery(flag, Credentials.MaskText(value), ok, ok ? null : WhyNotFlag()));
            }
            if (values.Count == 0)
                results.Add(new DockerDelivery(flag, string.Empty, given.Count == 0, given.Count == 0 ? null : $"{flag} is still given: {WhyNotFlag()}"));
        }
        Flags("--dns", request.Dns);
        Flags("--registry-mirror", request.RegistryMirror);
        Flags("--insecure-registry", request.InsecureRegistry);
        if (request.DockerOpts is { } opts)
        {
            var words = DockerOptions.SplitWords(opts);
            var ok = ContainsRun(argv, words);
            results.Add(new DockerDelivery("DOCKER_OPTS", Credentials.MaskText(opts), ok, ok ? null : WhyNotFlag()));
        }

        void Proxy(string lower, string? value)
        {
            if (value is null) return;
            var upper = lower.ToUpperInvariant();
            var (seen, source) = env.TryGetValue(upper, out var u) && u.Value.Length > 0 ? (u.Value, (upper, u.Source)) : env.TryGetValue(lower, out var l) ? (l.Value, (lower, l.Source)) : (string.Empty, ((string, string)?)null);
            var ok = seen == value;
            results.Add(new DockerDelivery(lower, Credentials.MaskProxy(value), ok,
                ok ? null : source is { } s ? $"dockerd reads {s.Item1}={Credentials.MaskProxy(seen)}, set in {s.Item2} (Go reads {upper} before {lower})" : $"dockerd gets no {lower}: /etc/default/docker is not one of the unit's EnvironmentFiles"));
        }
        Proxy("http_proxy", request.HttpProxy);
        Proxy("https_proxy", request.HttpsProxy);
        Proxy("no_proxy", request.NoProxy);
        foreach (var (key, value) in request.Environment)
        {
            var has = env.TryGetValue(key, out var v);
            var ok = value is null ? !has : has && v.Value == value;
            results.Add(new DockerDelivery(key, value is null ? string.Empty : Credentials.MaskVariable(key, value), ok,
                ok ? null : has ? $"dockerd gets {key}={Credentials.MaskVariable(key, v.Value)}, set in {v.Source}" : $"dockerd gets no {key}"));
        }
        return results;
    }

    /// <summary>The check against the unit as systemd has loaded it (systemctl show after daemon-reload).</summary>
    public static IReadOnlyList<DockerDelivery> FromUnit(DockerEnvironmentRequest request, SystemdUnit unit) =>
        Check(request, unit.RawExecStart,
            unit.RawEnvironment.ToDictionary(e => e.Key, e => (e.Value, $"Environment= of {unit.Name}"), StringComparer.Ordinal),
            unit.EnvironmentFiles,
            path => File.Exists(path) ? EnvironmentFile.Parse(File.ReadAllBytes(path)).Variables : null);

    private static List<string> Pairs(List<string> argv, string flag)
    {
        var values = new List<string>();
        for (int i = 0; i < argv.Count; i++)
        {
            if (argv[i] == flag && i + 1 < argv.Count) values.Add(argv[++i]);
            else if (argv[i].StartsWith(flag + "=", StringComparison.Ordinal)) values.Add(argv[i][(flag.Length + 1)..]);
        }
        return values;
    }

    private static bool ContainsRun(List<string> argv, List<string> words)
    {
        if (words.Count == 0) return true;
        for (int i = 0; i + words.Count <= argv.Count; i++)
            if (argv.Skip(i).Take(words.Count).SequenceEqual(words)) return true;
        return false;
    }
}
