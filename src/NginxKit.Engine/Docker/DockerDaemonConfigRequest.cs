using System.Text.Json.Nodes;

namespace NginxKit.Engine.Docker;

/// <summary>What Set-DockerDaemonConfig should change; a null member is left as it is.</summary>
public sealed record DockerDaemonConfigRequest
{
    public IReadOnlyList<string>? Dns { get; init; }
    public IReadOnlyList<string>? RegistryMirror { get; init; }
    public IReadOnlyList<string>? InsecureRegistry { get; init; }

    /// <summary>proxies.http-proxy; an empty string removes it.</summary>
    public string? HttpProxy { get; init; }
    public string? HttpsProxy { get; init; }
    public string? NoProxy { get; init; }

    /// <summary>Other keys, already converted (<see cref="DaemonJsonValue"/>); a null value removes the key.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Settings { get; init; } = new Dictionary<string, JsonNode?>();
}
