using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Test-NginxKitEntry without a cluster, for CI: a config NginxKit wrote (-ConfigFile) against
/// the routes Service manifests give (-Path), read by the rules Get-NginxRoute -Path applies.
/// Only what makes sense offline: the file itself, and whether it serves those routes.
/// </summary>
public static class OfflineEntryCheck
{
    /// <summary>The checks; a config that cannot be read, or that NginxKit did not write, is thrown.</summary>
    public static IReadOnlyList<EntryCheckResult> Run(string configFile, IReadOnlyList<DiscoveredRoute> found)
    {
        var text = BoundedFileReader.ReadText(configFile, out var rule, out var why);
        if (text is null)
            throw ErrorCatalog.ConfigNotReadable.Exception($"Cannot read '{configFile}': {why}.", configFile, rule);
        if (NginxConfRenderer.ReadHash(text) is null)
            throw ErrorCatalog.ConfigNotFromNginxKit.Exception(
                $"'{configFile}' is not a config NginxKit rendered: it does not start with the '{NginxConfRenderer.HashMarker.Trim()}' header, so its routes cannot be read.",
                configFile, hint: "Give the default.conf that New-NginxConf, Sync-NginxConf or nginxkit-sync wrote.");
        var wanted = ServedRouteTable.FromRoutes(found.Where(f => f.Route is not null).Select(f => f.Route!), ServedRouteTable.DefaultServerOf(text));
        return EntryChecks.EvaluateOffline(configFile, text, wanted);
    }
}
