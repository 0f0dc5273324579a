namespace NginxKit.Engine.Docker;

/// <summary>What Set-DockerEnvironmentFile should change; a null member is left as it is.</summary>
public sealed record DockerEnvironmentRequest
{
    public IReadOnlyList<string>? Dns { get; init; }
    public IReadOnlyList<string>? RegistryMirror { get; init; }
    public IReadOnlyList<string>? InsecureRegistry { get; init; }

    /// <summary>The whole DOCKER_OPTS, replacing what is there; the flags above then apply on top.</summary>
    public string? DockerOpts { get; init; }

    public string? HttpProxy { get; init; }
    public string? HttpsProxy { get; init; }
    public string? NoProxy { get; init; }

    /// <summary>Set the upper-case proxy names too where a drop-in's Environment= sets them (they win for Go).</summary>
    public bool OverrideDropIn { get; init; }

    /// <summary>Any other variables; a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
}
