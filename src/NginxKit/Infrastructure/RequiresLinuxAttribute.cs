namespace NginxKit.Infrastructure;

/// <summary>
/// Marks a cmdlet that needs Linux; <see cref="AsyncCmdlet"/> refuses it elsewhere with
/// PlatformNotSupported before it reads or changes anything. Inherited, so a base class marks all its cmdlets.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresLinuxAttribute(string needs) : Attribute
{
    /// <summary>What the cmdlet needs that only Linux has, such as "systemd".</summary>
    public string Needs { get; } = needs;
}
