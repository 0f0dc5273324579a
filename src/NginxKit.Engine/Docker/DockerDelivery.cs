namespace NginxKit.Engine.Docker;

/// <summary>Whether dockerd will receive one requested value at its next start.</summary>
/// <param name="Setting">The flag (--dns) or variable (http_proxy) asked for.</param>
/// <param name="Value">The value asked for, credentials masked; empty for a removal.</param>
/// <param name="Received">True when the unit as systemd has it, and the files it reads, give dockerd exactly this.</param>
/// <param name="Detail">What dockerd gets instead, and which file decides it, when not received.</param>
public sealed record DockerDelivery(string Setting, string Value, bool Received, string? Detail);
