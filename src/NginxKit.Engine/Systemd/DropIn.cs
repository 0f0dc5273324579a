namespace NginxKit.Engine.Systemd;

/// <summary>One drop-in of a unit as systemd finds it.</summary>
/// <param name="Name">The file name, which decides the order.</param>
/// <param name="Path">The file's path as read (under -Root when given).</param>
/// <param name="UnitPath">The path on the system itself, as systemctl show names it.</param>
/// <param name="Masked">A link to /dev/null: it applies nothing, and hides every other drop-in of that name.</param>
public sealed record DropIn(string Name, string Path, string UnitPath, bool Masked);
