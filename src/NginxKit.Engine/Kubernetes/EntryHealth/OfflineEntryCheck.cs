using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Test-NginxKitEntry without a cluster, for CI: a config NginxKit wrote (-ConfigFile) against
/// the routes Service manifests give (-Path), read by the rules Get-NginxRoute -Path applies.
/// Only what makes sense offline: the file itself, and whether it serves those routes.
/// </summary>
public static class OfflineEntryCheck
{
    // A manifest that cannot be read is the caller's error; a Service it refuses is one the sidecar
    // would refuse too, and shows in the Config check as a route not served.
    private static readonly ErrorKind[] Unreadable = [ErrorCatalog.ManifestNotFound, ErrorCatalog.ManifestNotReadable, ErrorCatalog.ManifestParseError];

    /// <summary>The checks, and the manifests that could not be read; a config that cannot be read, or that NginxKit did not write, is thrown.</summary>
    public static OfflineEntryReport Run(string configFile, IReadOnlyList<DiscoveredRoute> found)
    {
        var text = BoundedFileReader.ReadText(configFile, out var rule, out var why);
        if (text is null)
            throw ErrorCatalog.ConfigNotReadable.Exception($"Cannot read '{Printable.Escape(configFile)}': {why}.", configFile, rule);
        if (NginxConfRenderer.ReadHash(text) is null)
            throw ErrorCatalog.ConfigNotFromNginxKit.Exception(
                $"'{Printable.Escape(configFile)}' is not a config NginxKit rendered: it does not start with the '{NginxConfRenderer.HashMarker.Trim()}' header, so its routes cannot be read.",
                configFile, hint: "Give the default.conf that New-NginxConf, Sync-NginxConf or nginxkit-sync wrote.");
        var conf = ServedConf.Parse(text, configFile);
        var wanted = ServedRouteTable.FromRoutes(found.Where(f => f.Route is not null).Select(f => f.Route!), ServedRouteTable.DefaultServerOf(conf));
        var problems = found.Where(f => f.Problem is { } p && Unreadable.Contains(p.Kind)).Select(f => f.Problem!).ToList();
        return new OfflineEntryReport(problems, EntryChecks.EvaluateOffline(configFile, text, conf, wanted));
    }
}
