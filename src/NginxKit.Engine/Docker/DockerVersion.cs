using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Docker;

/// <summary>One side of <c>docker version</c>.</summary>
public sealed record DockerComponentVersion(string? Version, string? ApiVersion, string? GoVersion, string? GitCommit, string? Built, string? Os, string? Arch);

/// <summary>Client and server versions; when the daemon does not answer, Server is null and ServerError says why.</summary>
public sealed record DockerVersionInfo(string DockerPath, DockerComponentVersion Client, DockerComponentVersion? Server, string? ServerError);

/// <summary>Reads <c>docker version --format '{{json .}}'</c>, which prints the client part even when the daemon is down.</summary>
public static class DockerVersionReader
{
    public const string DockerNotFound = nameof(DockerNotFound);
    public const string DockerVersionFailed = nameof(DockerVersionFailed);

    public static async Task<DockerVersionInfo> ReadAsync(IProcessRunner runner, string? dockerPath, CancellationToken cancellationToken)
    {
        var docker = NativeCommand.Find(dockerPath ?? "docker") ?? throw new NginxKitException(new Problem(DockerNotFound, ProblemCategory.NotInstalled,
            "The docker client was not found. Install the engine with Install-DockerEngine, or give -DockerPath.", dockerPath));
        var result = await runner.RunAsync(new ProcessSpec(docker, ["version", "--format", "{{json .}}"]), cancellationToken).ConfigureAwait(false);
        var json = result.StandardOutput.Trim();
        if (json.Length == 0 || json[0] != '{')
            throw new NginxKitException(new Problem(DockerVersionFailed, ProblemCategory.InvalidResult,
                $"'docker version' printed no version (exit {result.ExitCode}): {result.StandardError.Trim()}", docker));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var client = Component(root.TryGetProperty("Client", out var c) ? c : default);
        DockerComponentVersion? server = root.TryGetProperty("Server", out var s) && s.ValueKind == JsonValueKind.Object ? Component(s) : null;
        var error = server is null ? (result.StandardError.Trim() is { Length: > 0 } e ? e : "the daemon did not answer") : null;
        return new DockerVersionInfo(docker, client, server, error);
    }

    private static DockerComponentVersion Component(JsonElement e)
    {
        string? Get(string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new DockerComponentVersion(Get("Version"), Get("ApiVersion"), Get("GoVersion"), Get("GitCommit"), Get("BuildTime") ?? Get("Built"), Get("Os"), Get("Arch"));
    }
}
