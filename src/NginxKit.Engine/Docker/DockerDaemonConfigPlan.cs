namespace NginxKit.Engine.Docker;

/// <summary>The daemon.json a change gives, and what it found on the way.</summary>
/// <param name="Path">daemon.json under the root (a symbolic link is written through).</param>
/// <param name="NewBytes">The file's new content.</param>
/// <param name="Changed">The content (or the mode a credential needs) differs.</param>
/// <param name="Diff">The diff, with credentials masked.</param>
/// <param name="DuplicateKeys">Keys the existing file gives twice; dockerd reads the last, and so does NginxKit.</param>
/// <param name="Credential">The file holds a proxy credential: it is written 0600.</param>
/// <param name="Root">The tree the file lies in.</param>
/// <param name="UnitFound">False when there is no docker unit: only DOCKER_OPTS was checked for conflicts.</param>
public sealed record DockerDaemonConfigPlan(string Path, byte[] NewBytes, bool Changed, string Diff, IReadOnlyList<string> DuplicateKeys, bool Credential, string Root, bool UnitFound);
