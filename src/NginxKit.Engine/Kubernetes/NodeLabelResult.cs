using System.Text.Json;
using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What labelling one node did, or under -WhatIf what the server's dry run said it would do.</summary>
public sealed record NodeLabelResult(string Name, bool Changed, bool DryRun, IReadOnlyDictionary<string, string?> Applied, EntryNode Node, int Attempts);
