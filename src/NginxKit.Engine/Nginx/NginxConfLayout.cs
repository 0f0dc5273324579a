namespace NginxKit.Engine.Nginx;

/// <summary>
/// How the default render lays routes out. Both serve every request alike; they differ in what
/// nginx parses on each test and reload.
/// </summary>
public enum NginxConfLayout
{
    /// <summary>Locations for a few routes, maps from <see cref="NginxConfRenderer.MapsFrom"/> routes that maps can carry.</summary>
    Auto,

    /// <summary>A location block per route: easiest to read, but nginx builds every block with all its modules' settings.</summary>
    Locations,

    /// <summary>Routes as entries in nginx maps, looked up by one location / per server (<see cref="RouteMaps"/>).</summary>
    Maps,
}
