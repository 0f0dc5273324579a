namespace NginxKit.Engine.Systemd;

/// <summary>What systemd makes of one item of an EnvironmentFile.</summary>
public enum EnvironmentLineKind
{
    /// <summary>KEY=VALUE with a name systemd accepts: the variable reaches the service.</summary>
    Assignment,

    /// <summary>A line starting with # or ; (continued by a trailing backslash, as systemd 252 does).</summary>
    Comment,

    /// <summary>Text systemd skips: no '=', a name it refuses (export lines, a BOM before the name).</summary>
    Ignored,
}
