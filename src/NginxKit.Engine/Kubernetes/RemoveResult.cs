namespace NginxKit.Engine.Kubernetes;

/// <summary>What removing one object of the entry did, or under -WhatIf what the server's dry run said it would do.</summary>
public sealed record RemoveResult(string Kind, string? Namespace, string Name, bool Removed, bool Found, bool DryRun);
