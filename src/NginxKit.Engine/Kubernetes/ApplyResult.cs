using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What applying one object did, or under -WhatIf what the server's dry run said it would do.</summary>
public sealed record ApplyResult(string Kind, string? Namespace, string Name, bool Changed, bool Created, bool DryRun, string? ResourceVersion, string? Diff);
