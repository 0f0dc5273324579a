using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// What Deploy-NginxKit did: the objects applied, in order, or the refusals that stopped it before
/// anything was applied (with the new Namespaces it created to check them and deleted again).
/// </summary>
public sealed record DeployOutcome(IReadOnlyList<ApplyResult> Applied, IReadOnlyList<Problem> Refused, IReadOnlyList<string> RolledBackNamespaces);
