using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace NginxKit.Infrastructure;

/// <summary>
/// Loads NginxKit.Engine and everything in the module's Dependencies/ folder (KubernetesClient,
/// YamlDotNet…) into a load context of their own. A session that has already loaded another
/// YamlDotNet keeps it, and NginxKit gets its own copy. Assemblies the folder does not hold
/// (the runtime, System.Management.Automation) fall through to the default context.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    private const string EngineAssemblyName = "NginxKit.Engine";

    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)!, "Dependencies");

    private static readonly EngineLoadContext Instance = new();
    private static int registered;

    private EngineLoadContext() : base("NginxKit", isCollectible: false)
    {
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    // Runs as soon as NginxKit.dll loads, before PowerShell reflects over any cmdlet that names an engine type.
#pragma warning disable CA2255 // A module that isolates its dependencies is exactly the advanced case this exists for.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
            Default.Resolving += ResolveEngine;
    }

    internal static void Unregister()
    {
        if (Interlocked.Exchange(ref registered, 0) == 1)
            Default.Resolving -= ResolveEngine;
    }

    // The default context asks only for the engine itself; the engine's own references then resolve inside this context.
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? Instance.LoadFromAssemblyName(name) : null;
}
