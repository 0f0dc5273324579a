using System.Collections;
using System.Management.Automation;

namespace NginxKit.Infrastructure;

/// <summary>
/// Lets hashtables stand for routes, from the pipeline as well as in -Route. PowerShell converts a
/// hashtable to a class only for parameters, never for piped input, so the conversion lives here.
/// Keys are matched like parameter names (case-insensitive, with the same aliases); an unknown
/// key is an error rather than a silently ignored typo.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RouteTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            IDictionary map => FromDictionary(map),
            object[] items when items.Any(i => (i is PSObject p ? p.BaseObject : i) is IDictionary) =>
                items.Select(i => (i is PSObject p ? p.BaseObject : i) is IDictionary d ? FromDictionary(d) : i).ToArray(),
            _ => inputData,
        };
    }

    internal static NginxRoute FromDictionary(IDictionary map)
    {
        var route = new NginxRoute();
        foreach (DictionaryEntry entry in map)
        {
            var key = entry.Key?.ToString() ?? string.Empty;
            var item = entry.Value is PSObject p ? p.BaseObject : entry.Value;
            switch (key.ToLowerInvariant())
            {
                case "path": route.Path = item?.ToString(); break;
                case "backend" or "clusterip" or "host": route.Backend = item?.ToString(); break;
                case "port": route.Port = LanguagePrimitives.ConvertTo<int>(item); break;
                case "service" or "servicename": route.Service = item?.ToString(); break;
                case "namespace": route.Namespace = item?.ToString(); break;
                case "servername": route.ServerName = item?.ToString(); break;
                case "stripprefix":
                    route.StripPrefix = item is string text
                        ? (bool)new BooleanTextAttribute { EmptyMeans = true }.Transform(null!, text)!
                        : LanguagePrimitives.IsTrue(item);
                    break;
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"A route has no key '{key}'. Use Path, Backend (or ClusterIP, Host), Port, Service, Namespace, StripPrefix and ServerName.");
            }
        }
        return route;
    }
}
