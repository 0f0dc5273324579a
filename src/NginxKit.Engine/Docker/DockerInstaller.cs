using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Installs the engine the current way. For Docker's repository: the key goes into
/// /etc/apt/keyrings and the source names it with signed-by=, never the deprecated apt-key,
/// which trusts a key for every repository. Everything is checked first, so a second run finds
/// every step in place and does nothing.
/// </summary>
public sealed class DockerInstaller(IProcessRunner runner)
{
    public const string KeyringPath = "/etc/apt/keyrings/docker.asc";
    public const string SourcePath = "/etc/apt/sources.list.d/docker.list";

    public static readonly string[] DistributionPackages = ["docker.io"];
    public static readonly string[] DockerPackages = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"];

    public async Task<DockerInstallPlan> PlanAsync(DockerSource source, string root, string? keyPath, string? architecture, CancellationToken cancellationToken)
    {
        var os = OsRelease(root);
        var id = os.GetValueOrDefault("ID") ?? "";
        var distribution = id is "debian" or "ubuntu" ? id : os.GetValueOrDefault("ID_LIKE")?.Split(' ').FirstOrDefault(l => l is "debian" or "ubuntu") ?? "";
        if (distribution.Length == 0)
            throw ErrorCatalog.UnsupportedDistribution.Exception($"This host is '{id}', not Debian or Ubuntu (or one derived from them): NginxKit installs Docker with apt only.", id);
        var suite = os.GetValueOrDefault("UBUNTU_CODENAME") ?? os.GetValueOrDefault("VERSION_CODENAME") ?? "";
        var arch = architecture ?? (await runner.RunAsync(new ProcessSpec(NativeCommand.Find("dpkg") ?? "dpkg", ["--print-architecture"]), cancellationToken).ConfigureAwait(false)).StandardOutput.Trim();
        var live = Path.GetFullPath(root) == "/";

        var steps = new List<InstallStep>();
        var packages = source == DockerSource.Docker ? DockerPackages : DistributionPackages;
        var sourceChanged = false;
        if (source == DockerSource.Docker)
        {
            var keyring = Path.Combine(root, KeyringPath.TrimStart('/'));
            var keyUrl = $"https://download.docker.com/linux/{distribution}/gpg";
            byte[]? key = keyPath is null ? null : await File.ReadAllBytesAsync(keyPath, cancellationToken).ConfigureAwait(false);
            if (key is not null) CheckKey(key, keyPath!);
            var keyNeeded = !File.Exists(keyring) || (key is not null && !File.ReadAllBytes(keyring).AsSpan().SequenceEqual(key));
            steps.Add(new InstallStep("File", keyring, keyNeeded, key is null ? $"Docker's signing key, downloaded from {keyUrl}" : $"Docker's signing key, from {keyPath}")
            {
                Bytes = key,
                Content = key is null ? keyUrl : null,
            });
            var line = $"deb [arch={arch} signed-by={KeyringPath}] https://download.docker.com/linux/{distribution} {suite} stable\n";
            var list = Path.Combine(root, SourcePath.TrimStart('/'));
            var listNeeded = !File.Exists(list) || File.ReadAllText(list) != line;
            steps.Add(new InstallStep("File", list, listNeeded, "Docker's apt source, trusting only that keyring") { Content = line });
            sourceChanged = keyNeeded || listNeeded;
        }

        var missing = live ? await MissingPackagesAsync(packages, cancellationToken).ConfigureAwait(false) : packages.ToList();
        var apt = NativeCommand.Find("apt-get") ?? "apt-get";
        steps.Add(new InstallStep("Command", "apt-get update", live && (sourceChanged || missing.Count > 0),
            live ? "Refresh the package lists" : "Not run under -Root: packages install on the host that boots this tree") { Command = [apt, "update", "-q"] });
        steps.Add(new InstallStep("Command", $"apt-get install -y {string.Join(' ', packages)}", live && missing.Count > 0,
            !live ? "Not run under -Root" : missing.Count == 0 ? "Every package is installed" : $"Install {string.Join(", ", missing)}")
        {
            Command = [apt, "install", "-y", "-q", .. packages],
        });
        return new DockerInstallPlan(source, distribution, suite, arch, steps);
    }

    /// <summary>Carries out the steps a plan marks as needed; apt's own error text reaches the error.</summary>
    public async Task ExecuteAsync(DockerInstallPlan plan, CancellationToken cancellationToken)
    {
        foreach (var step in plan.Steps.Where(s => s.Needed))
        {
            if (step.Kind == "File")
            {
                var bytes = step.Bytes ?? (step.Content is { } c && c.StartsWith("https://", StringComparison.Ordinal)
                    ? await DownloadKeyAsync(c, cancellationToken).ConfigureAwait(false)
                    : Encoding.UTF8.GetBytes(step.Content ?? ""));
                AtomicFileWriter.Write(step.Target, bytes, new AtomicWriteOptions { Backup = true });
                continue;
            }
            var spec = new ProcessSpec(step.Command![0], step.Command.Skip(1).ToList())
            {
                Environment = new Dictionary<string, string?> { ["DEBIAN_FRONTEND"] = "noninteractive" },
            };
            var result = await runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                throw ErrorCatalog.AptFailed.Exception($"'{step.Target}' failed (exit {result.ExitCode}): {LastLines(result.StandardError + result.StandardOutput)}", step.Target);
        }
    }

    private static string LastLines(string text) => string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8)).Trim();

    private async Task<List<string>> MissingPackagesAsync(IEnumerable<string> packages, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        var dpkgQuery = NativeCommand.Find("dpkg-query") ?? "dpkg-query";
        foreach (var package in packages)
        {
            var r = await runner.RunAsync(new ProcessSpec(dpkgQuery, ["-W", "-f=${Status}", package]), cancellationToken).ConfigureAwait(false);
            if (!r.Succeeded || r.StandardOutput.Trim() != "install ok installed") missing.Add(package);
        }
        return missing;
    }

    private static async Task<byte[]> DownloadKeyAsync(string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        byte[] key;
        try
        {
            key = await http.GetByteArrayAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw ErrorCatalog.KeyNotUsable.Exception($"Docker's key could not be downloaded from {url}: {ex.Message}. On a host without access, give it with -KeyPath.", url, inner: ex);
        }
        CheckKey(key, url);
        return key;
    }

    private static void CheckKey(byte[] key, string source)
    {
        var text = Encoding.ASCII.GetString(key.AsSpan(0, Math.Min(key.Length, 64)));
        // An armored key, or a binary OpenPGP public key packet (0x99 or 0xC6).
        if (!text.StartsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal) && !(key.Length > 0 && key[0] is 0x99 or 0xC6))
            throw ErrorCatalog.KeyNotUsable.Exception($"{source} is not an OpenPGP public key (armored or binary).", source);
    }

    private static Dictionary<string, string> OsRelease(string root)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.Combine(root, "etc/os-release");
        var file = File.Exists(path) ? path : Path.Combine(root, "usr/lib/os-release");
        if (!File.Exists(file)) return values;
        foreach (var (key, value) in EnvironmentFile.Parse(File.ReadAllText(file)).Variables) values[key] = value;
        return values;
    }
}
