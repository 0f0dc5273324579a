using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Plans and writes /etc/default/docker and the docker.service drop-in that wires it in. The
/// EnvironmentFile keeps its comments and unrelated lines; export lines, which systemd ignores,
/// are rewritten as plain assignments.
/// </summary>
public static class DockerEnvironment
{
    public const string EnvironmentFilePath = "/etc/default/docker";
    public const string DropInDirectory = "/etc/systemd/system/docker.service.d";
    public const string Unit = "docker.service";

    public static string UnderRoot(string root, string path) => Path.Combine(root, path.TrimStart('/'));

    public static DockerEnvironmentPlan Plan(string root, DockerEnvironmentRequest request, string dropInName = DockerUnitDropIn.DefaultName)
    {
        var envPath = UnderRoot(root, EnvironmentFilePath);
        var oldEnvText = File.Exists(envPath) ? File.ReadAllText(envPath) : null;
        var file = oldEnvText is null ? EnvironmentFile.Empty() : EnvironmentFile.Parse(oldEnvText);
        var fixedExports = file.FixExportLines();

        // DOCKER_OPTS given as a plain variable gets the same checks as -DockerOpts.
        if (request.Environment.TryGetValue("DOCKER_OPTS", out var viaEnvironment))
        {
            if (request.DockerOpts is not null)
                throw ErrorCatalog.InvalidDockerOption.Exception("DOCKER_OPTS is given twice, as -DockerOpts and in -Environment. Give it once.", "DOCKER_OPTS");
            request = request with { DockerOpts = viaEnvironment ?? string.Empty, Environment = request.Environment.Where(e => e.Key != "DOCKER_OPTS").ToDictionary() };
        }
        var options = request.DockerOpts is not null
            ? DockerOptions.FromRaw(request.DockerOpts)
            : DockerOptions.Parse(file.Variables.GetValueOrDefault("DOCKER_OPTS"));
        if (request.Dns is not null) options.Replace("--dns", request.Dns);
        if (request.RegistryMirror is not null) options.Replace("--registry-mirror", request.RegistryMirror);
        if (request.InsecureRegistry is not null) options.Replace("--insecure-registry", request.InsecureRegistry);
        if (request.DockerOpts is not null || request.Dns is not null || request.RegistryMirror is not null || request.InsecureRegistry is not null)
            file.Set("DOCKER_OPTS", options.Words.Count == 0 ? null : options.ToString());

        SetProxy(file, "http_proxy", request.HttpProxy);
        SetProxy(file, "https_proxy", request.HttpsProxy);
        SetProxy(file, "no_proxy", request.NoProxy);
        foreach (var (key, value) in request.Environment)
            file.Set(key, value);

        var newEnvText = file.Render();
        var dropInPath = UnderRoot(root, Path.Combine(DropInDirectory, dropInName));
        var oldDropIn = File.Exists(dropInPath) ? File.ReadAllText(dropInPath) : null;
        var (_, directives) = DockerUnitDropIn.ReadInstalled(root, Unit, dropInName);
        var newDropIn = DockerUnitDropIn.Plan(directives, EnvironmentFilePath, Unit);

        // daemon.json must not set what the flags now set, or dockerd will not start.
        var daemonPath = UnderRoot(root, DockerDaemonConfig.DefaultPath);
        if (File.Exists(daemonPath))
        {
            var execStart = UnitFile.Effective(directives, "Service", "ExecStart").LastOrDefault() ?? string.Empty;
            var flagWords = DockerOptions.Parse(execStart).Words.Skip(1).Concat(options.Words);
            if (DockerDaemonConfig.Conflicts(flagWords, DockerDaemonConfig.Parse(File.ReadAllText(daemonPath), daemonPath), daemonPath) is [var conflict, ..])
                throw new NginxKitException(conflict);
        }

        var envChanged = oldEnvText != newEnvText && !(oldEnvText is null && newEnvText.Length == 0);
        var dropInChanged = oldDropIn != newDropIn;
        var diff = (envChanged ? UnifiedDiff.Create(oldEnvText, newEnvText, oldEnvText is null ? "/dev/null" : envPath, envPath) : "")
            + (dropInChanged ? UnifiedDiff.Create(oldDropIn, newDropIn ?? string.Empty, oldDropIn is null ? "/dev/null" : dropInPath, newDropIn is null ? "/dev/null" : dropInPath) : "");
        return new DockerEnvironmentPlan(envPath, newEnvText, envChanged, dropInPath, newDropIn, dropInChanged, fixedExports, DockerOptions.MaskCredentials(diff));
    }

    // Go reads HTTP_PROXY before http_proxy: an old upper-case value would win over a new lower-case one.
    private static void SetProxy(EnvironmentFile file, string name, string? value)
    {
        if (value is null) return;
        var upper = name.ToUpperInvariant();
        var newValue = value.Length == 0 ? null : value;
        file.Set(name, newValue);
        if (file.Variables.ContainsKey(upper) || file.Lines.Any(l => l.Key == upper)) file.Set(upper, newValue);
    }

    /// <summary>Writes what the plan says, each file atomically with a backup; returns the files touched.</summary>
    public static IReadOnlyList<string> Write(DockerEnvironmentPlan plan)
    {
        var touched = new List<string>();
        if (plan.EnvironmentChanged)
        {
            AtomicFileWriter.Write(plan.EnvironmentFile, plan.NewEnvironmentText, DockerOptions.WriteOptionsFor(plan.NewEnvironmentText));
            touched.Add(plan.EnvironmentFile);
        }
        if (plan.DropInChanged)
        {
            if (plan.NewDropInText is null)
            {
                File.Copy(plan.DropInFile, plan.DropInFile + ".bak", overwrite: true);
                File.Delete(plan.DropInFile);
            }
            else
            {
                AtomicFileWriter.Write(plan.DropInFile, plan.NewDropInText);
            }
            touched.Add(plan.DropInFile);
        }
        return touched;
    }
}
