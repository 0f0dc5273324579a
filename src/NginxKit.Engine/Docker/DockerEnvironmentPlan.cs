namespace NginxKit.Engine.Docker;

/// <summary>The files a change touches, their new content, and the diff (with credentials masked).</summary>
public sealed record DockerEnvironmentPlan(
    string EnvironmentFile,
    byte[] NewEnvironmentBytes,
    bool EnvironmentChanged,
    string DropInFile,
    string? NewDropInText,
    bool DropInChanged,
    IReadOnlyList<string> FixedExportKeys,
    string Diff)
{
    public bool Changed => EnvironmentChanged || DropInChanged || StaleDropIns.Count > 0;

    /// <summary>Earlier NginxKit drop-ins under another name, removed (with a .bak) by the change.</summary>
    public IReadOnlyList<string> StaleDropIns { get; init; } = [];

    /// <summary>The environment file holds a proxy credential: it is written 0600.</summary>
    public bool Credential { get; init; }

    public string Root { get; init; } = "/";

    /// <summary>The request as planned (DOCKER_OPTS from -Environment moved to DockerOpts).</summary>
    public DockerEnvironmentRequest Request { get; init; } = new();

    /// <summary>Per requested value, whether dockerd receives it, judged from the unit files as they will be.</summary>
    public IReadOnlyList<DockerDelivery> Delivery { get; init; } = [];

    /// <summary>The unit file and the other drop-ins that apply: their change times count for a restart.</summary>
    public IReadOnlyList<string> UnitFiles { get; init; } = [];
}
