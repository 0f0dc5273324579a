using System.Text.Json;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Docker;

/// <summary>Reads <c>docker version --format '{{json .}}'</c>, which prints the client part even when the daemon is down.</summary>
public static class DockerVersionReader
{

    public static async Task<DockerVersionInfo> ReadAsync(IProcessRunner runner, string? dockerPath, CancellationToken cancellationToken)
    {
        var docker = NativeCommand.Find(dockerPath ?? "docker") ?? throw ErrorCatalog.DockerNotFound.Exception("The docker client was not found. Install the engine with Install-DockerEngine, or give -DockerPath.", dockerPath);
        var result = await runner.RunAsync(new ProcessSpec(docker, ["version", "--format", "{{json .}}"]), cancellationToken).ConfigureAwait(false);
        var json = result.StandardOutput.Trim();
        if (json.Length == 0 || json[0] != '{')
            throw ErrorCatalog.DockerVersionFailed.Exception($"'docker version' printed no version (exit {result.ExitCode}): {result.StandardError.Trim()}", docker);
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
