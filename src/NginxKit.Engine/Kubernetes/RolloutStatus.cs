using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Progress of a rollout, as Deploy-NginxKit -Wait reports it.</summary>
public sealed record RolloutStatus(string Name, int Desired, int Ready, int Updated, int Available, bool Complete, string Message);
