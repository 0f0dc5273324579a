using System.Management.Automation;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>
/// What every route gets unless its Service says otherwise, declared once for the cmdlets that render
/// nginx's config (New-, Test- and Sync-NginxConf, through <see cref="NginxRenderCmdlet"/>) and for
/// New-NginxKitManifest, which hands the same values to the entry's generator.
/// </summary>
public abstract class RouteDefaultsCmdlet : AsyncCmdlet
{
    [Parameter]
    public int ProxyConnectTimeoutSec { get; set; }

    [Parameter]
    public int ProxyReadTimeoutSec { get; set; }

    [Parameter]
    public int ProxySendTimeoutSec { get; set; }

    /// <summary>The largest request body for routes that set none (nginx's client_max_body_size): 50m, 512k, 0 for no limit.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientMaxBodySize { get; set; }

    /// <summary>Proxy websocket upgrades on every route that does not say otherwise.</summary>
    [Parameter]
    public SwitchParameter WebSocket { get; set; }

    /// <summary>Rewrite backends' own redirects under the stripped prefix, on every route that does not say otherwise.</summary>
    [Parameter]
    public SwitchParameter ProxyRedirect { get; set; }

    /// <summary>A timeout as the user gave it: null when the parameter was not bound, so 0 stays a value to check.</summary>
    protected int? BoundTimeout(string parameter, int value) => MyInvocation.BoundParameters.ContainsKey(parameter) ? value : null;
}
