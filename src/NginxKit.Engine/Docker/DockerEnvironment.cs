using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Plans and writes /etc/default/docker and the docker.service drop-in that wires it in. The
/// EnvironmentFile keeps every byte NginxKit does not mean to change; export lines, which systemd
/// ignores, are rewritten as plain assignments. Before anything is written, the unit as it will be
/// (every drop-in, in systemd's order) is checked to still give dockerd what was asked for.
/// </summary>
public static class DockerEnvironment
{
    public const string EnvironmentFilePath = "/etc/default/docker";
    public const string DropInDirectory = "/etc/systemd/system/docker.service.d";
    public const string Unit = "docker.service";

    public static string UnderRoot(string root, string path) => Path.Combine(root, path.TrimStart('/'));

    /// <summary>How NginxKit writes Docker's files: through symbolic links, keeping owner, group and ACLs.</summary>
    public static AtomicWriteOptions WriteOptions(string root, bool credential = false) => new()
    {
        Symlinks = SymlinkPolicy.WriteThrough,
        SymlinkRoot = root,
        KeepOwnerAndAcl = true,
        Mode = credential ? UnixFileMode.UserRead | UnixFileMode.UserWrite : null,
    };

    public static DockerEnvironmentPlan Plan(string root, DockerEnvironmentRequest request, string dropInName = DockerUnitDropIn.DefaultName)
    {
        RefuseMaskedValues(request);
        var envPath = UnderRoot(root, EnvironmentFilePath);
        var target = SymlinkTarget.Resolve(envPath, root);
        var oldBytes = File.Exists(target) ? File.ReadAllBytes(target) : null;
        var file = oldBytes is null ? EnvironmentFile.Empty(envPath) : EnvironmentFile.Parse(oldBytes, envPath);
        var fixedExports = file.FixExportLines();

        // DOCKER_OPTS given as a plain variable gets the same checks as -DockerOpts.
        if (request.Environment.TryGetValue("DOCKER_OPTS", out var viaEnvironment))
        {
            if (request.DockerOpts is not null)
                throw ErrorCatalog.InvalidDockerOption.Exception("DOCKER_OPTS is given twice, as -DockerOpts and in -Environment. Give it once.", "DOCKER_OPTS");
            request = request with { DockerOpts = viaEnvironment ?? string.Empty, Environment = request.Environment.Where(e => e.Key != "DOCKER_OPTS").ToDictionary() };
        }
        var optionsAsked = request.DockerOpts is not null || request.Dns is not null || request.RegistryMirror is not null || request.InsecureRegistry is not null;
        var options = request.DockerOpts is not null
            ? DockerOptions.FromRaw(request.DockerOpts)
            : DockerOptions.Parse(file.Variables.GetValueOrDefault("DOCKER_OPTS"));
        if (request.Dns is not null) options.Replace("--dns", request.Dns);
        if (request.RegistryMirror is not null) options.Replace("--registry-mirror", request.RegistryMirror);
        if (request.InsecureRegistry is not null) options.Replace("--insecure-registry", request.InsecureRegistry);
        if (optionsAsked) file.Set("DOCKER_OPTS", options.Words.Count == 0 ? null : options.ToString());

        SetProxy(file, "http_proxy", request.HttpProxy);
        SetProxy(file, "https_proxy", request.HttpsProxy);
        SetProxy(file, "no_proxy", request.NoProxy);
        foreach (var (key, value) in request.Environment)
            file.Set(key, value);

        // The unit as it will be, and what in it would still override what was asked for.
        var layout = DockerUnitDropIn.Layout(root, Unit, dropInName, EnvironmentFilePath);
        var unitEnvironment = UnitFile.Environment(layout.All);
        foreach (var (lower, value) in new[] { ("http_proxy", request.HttpProxy), ("https_proxy", request.HttpsProxy), ("no_proxy", request.NoProxy) })
        {
            var upper = lower.ToUpperInvariant();
            if (value is null || !unitEnvironment.TryGetValue(upper, out var set) || set.Value.Length == 0 || set.Value == value) continue;
            if (file.Variables.ContainsKey(upper)) continue; // our file sets it too, and an EnvironmentFile wins over Environment=
            if (!request.OverrideDropIn)
                throw ErrorCatalog.DropInOverridden.Exception(
                    $"{set.Source} sets {upper}={Credentials.MaskProxy(set.Value)} with Environment=, and dockerd (Go) reads {upper} before {lower}: the {lower} asked for would never be used.",
                    set.Source, "UpperCaseProxy", $"Remove {upper} from {set.Source}, or add -OverrideDropIn to set {upper} in {EnvironmentFilePath} too (an EnvironmentFile wins over Environment=).");
            file.Set(upper, value);
        }
        var execStart = UnitFile.EffectiveDirectives(layout.All, "Service", "ExecStart");
        var environmentFiles = UnitFile.EffectiveDirectives(layout.All, "Service", "EnvironmentFile");
        var newVariables = EnvironmentFile.Parse(file.ToBytes()).Variables;
        if (execStart.Count == 1 && !DockerUnitDropIn.PassesDockerOpts(execStart[0].Value) && (optionsAsked || newVariables.ContainsKey("DOCKER_OPTS")))
            throw ErrorCatalog.DropInOverridden.Exception(
                $"{execStart[0].Source} sets ExecStart after NginxKit's drop-in {dropInName} and does not pass $DOCKER_OPTS, so the options asked for would never reach dockerd.",
                execStart[0].Source, "LaterExecStart", $"Give -DropInName a name that sorts after {Path.GetFileName(execStart[0].Source)}, or add $DOCKER_OPTS to that ExecStart.");
        if (!environmentFiles.Any(f => f.Value.TrimStart('-') == EnvironmentFilePath))
        {
            var reset = layout.After.LastOrDefault(d => d.Section == "Service" && d.Key == "EnvironmentFile" && d.Value.Length == 0);
            throw ErrorCatalog.DropInOverridden.Exception(
                $"{reset?.Source ?? "A later drop-in"} resets EnvironmentFile= after NginxKit's drop-in {dropInName}, so dockerd would not read {EnvironmentFilePath}.",
                reset?.Source, "LaterEnvironmentFile", $"Give -DropInName a name that sorts after {Path.GetFileName(reset?.Source ?? "it")}.");
        }
        var ourIndex = environmentFiles.ToList().FindLastIndex(f => f.Value.TrimStart('-') == EnvironmentFilePath);
        foreach (var later in environmentFiles.Skip(ourIndex + 1))
        {
            var laterPath = UnderRoot(root, later.Value.TrimStart('-'));
            if (!File.Exists(laterPath)) continue;
            var laterVariables = EnvironmentFile.Parse(File.ReadAllBytes(laterPath), laterPath).Variables;
            var clash = newVariables.Keys.Where(k => laterVariables.ContainsKey(k) && laterVariables[k] != newVariables[k]).Order(StringComparer.Ordinal).FirstOrDefault();
            if (clash is not null)
                throw ErrorCatalog.DropInOverridden.Exception(
                    $"{later.Value.TrimStart('-')} (EnvironmentFile= in {later.Source}) is read after {EnvironmentFilePath} and sets {clash} too, so its value wins.",
                    later.Value.TrimStart('-'), "LaterEnvironmentFile", $"Remove {clash} from {later.Value.TrimStart('-')}.");
        }

        var newBytes = file.ToBytes();
        var credential = newVariables.Any(v => Credentials.HasCredential(v.Key, v.Value));

        var dropInPath = UnderRoot(root, Path.Combine(DropInDirectory, dropInName));
        var oldDropIn = File.Exists(dropInPath) ? File.ReadAllText(dropInPath) : null;

        // daemon.json must not set what the flags now set, or dockerd will not start.
        var daemonPath = UnderRoot(root, DockerDaemonConfig.DefaultPath);
        if (File.Exists(daemonPath))
        {
            var flagWords = DockerOptions.Parse(execStart.LastOrDefault()?.Value ?? string.Empty).Words.Skip(1)
                .Where(w => w is not ("$DOCKER_OPTS" or "${DOCKER_OPTS}")).Concat(options.Words);
            var daemon = DockerDaemonConfig.Read(daemonPath, root);
            if (DockerDaemonConfig.Conflicts(flagWords, daemon.Config, daemonPath) is [var conflict, ..])
                throw new NginxKitException(conflict);
        }

        var modeChange = credential && oldBytes is not null && File.GetUnixFileMode(target) != (UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var envChanged = (oldBytes is null ? newBytes.Length > 0 : !oldBytes.AsSpan().SequenceEqual(newBytes)) || modeChange;
        var dropInChanged = oldDropIn != layout.Text;
        var diff = (envChanged && (oldBytes is null || !oldBytes.AsSpan().SequenceEqual(newBytes))
                ? UnifiedDiff.Create(oldBytes is null ? null : ByteText.Display(oldBytes), ByteText.Display(newBytes), oldBytes is null ? "/dev/null" : envPath, envPath) : "")
            + (dropInChanged ? UnifiedDiff.Create(oldDropIn, layout.Text ?? string.Empty, oldDropIn is null ? "/dev/null" : dropInPath, layout.Text is null ? "/dev/null" : dropInPath) : "")
            + string.Concat(layout.StaleDropIns.Select(s => UnifiedDiff.Create(File.ReadAllText(s), string.Empty, s, "/dev/null")))
            + (modeChange ? $"mode {envPath}: 0{Convert.ToString((int)File.GetUnixFileMode(target), 8)} -> 0600 (it holds a proxy credential)\n" : "");

        var delivery = DockerDeliveryCheck.Check(request, execStart.LastOrDefault()?.Value, unitEnvironment,
            environmentFiles.Select(f => f.Value).ToList(),
            path => path == EnvironmentFilePath ? newVariables : File.Exists(UnderRoot(root, path)) ? EnvironmentFile.Parse(File.ReadAllBytes(UnderRoot(root, path))).Variables : null);
        return new DockerEnvironmentPlan(envPath, newBytes, envChanged, dropInPath, layout.Text, dropInChanged, fixedExports, Credentials.MaskText(diff))
        {
            StaleDropIns = layout.StaleDropIns,
            Credential = credential,
            Root = root,
            Request = request,
            Delivery = delivery,
            UnitFiles = layout.Files,
        };
    }

    // A masked value read back from Get-DockerEnvironmentFile and given again would store "***".
    private static void RefuseMaskedValues(DockerEnvironmentRequest request)
    {
        var values = new List<(string Name, string? Value)> { ("-HttpProxy", request.HttpProxy), ("-HttpsProxy", request.HttpsProxy), ("-NoProxy", request.NoProxy), ("-DockerOpts", request.DockerOpts) };
        values.AddRange((request.RegistryMirror ?? []).Select(v => ("-RegistryMirror", (string?)v)));
        values.AddRange(request.Environment.Select(e => (e.Key, e.Value)));
        foreach (var (name, value) in values)
        {
            if (value is not null && Credentials.CarriesMask(value))
                throw ErrorCatalog.MaskedValue.Exception(
                    $"{name} holds '{Credentials.Mask}' where a password or token belongs ({(name is "-HttpProxy" or "-HttpsProxy" || Credentials.IsProxyVariable(name) ? Credentials.MaskProxy(value) : Credentials.MaskText(value))}): that is the mask NginxKit shows, not the secret. Writing it would replace the real password.",
                    name, hint: "Give the real value, or leave the parameter out to keep what the file has.");
        }
        foreach (var (name, value) in new[] { ("-HttpProxy", request.HttpProxy), ("-HttpsProxy", request.HttpsProxy) })
        {
            if (value is null || value.Length == 0) continue;
            var parsed = ProxyUrl.Parse(value);
            if (!parsed.Valid)
                throw ErrorCatalog.InvalidEnvironmentValue.Exception(
                    $"{name} '{Printable.Escape(Credentials.MaskProxy(value))}' is not a proxy URL Go's net/http can use ({parsed.Error}); dockerd would fail every pull with it.",
                    name, "InvalidProxyUrl");
        }
    }

    // Go reads HTTP_PROXY before http_proxy: an upper-case value already in the file is set to the same.
    private static void SetProxy(EnvironmentFile file, string name, string? value)
    {
        if (value is null) return;
        var upper = name.ToUpperInvariant();
        var newValue = value.Length == 0 ? null : value;
        file.Set(name, newValue);
        if (file.Lines.Any(l => l.Key == upper && l.IsAssignment)) file.Set(upper, newValue);
    }

    /// <summary>Writes what the plan says, each file atomically with a backup; returns the files touched.</summary>
    public static IReadOnlyList<string> Write(DockerEnvironmentPlan plan)
    {
        var touched = new List<string>();
        if (plan.EnvironmentChanged)
        {
            AtomicFileWriter.Write(plan.EnvironmentFile, plan.NewEnvironmentBytes, WriteOptions(plan.Root, plan.Credential));
            touched.Add(plan.EnvironmentFile);
        }
        if (plan.DropInChanged)
        {
            if (plan.NewDropInText is null)
            {
                RemoveWithBackup(plan.DropInFile);
            }
            else
            {
                AtomicFileWriter.Write(plan.DropInFile, plan.NewDropInText, WriteOptions(plan.Root));
            }
            touched.Add(plan.DropInFile);
        }
        foreach (var stale in plan.StaleDropIns)
        {
            RemoveWithBackup(stale);
            touched.Add(stale);
        }
        return touched;
    }

    private static void RemoveWithBackup(string file) => FileAccessErrors.Guard(file, () =>
    {
        File.Copy(file, file + ".bak", overwrite: true);
        File.Delete(file);
    });
}
