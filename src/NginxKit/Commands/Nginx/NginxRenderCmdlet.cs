using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>
/// The rendering parameters New-NginxConf, Test-NginxConf and Sync-NginxConf share, declared once
/// (the route defaults in <see cref="RouteDefaultsCmdlet"/>) and checked once before any route.
/// </summary>
public abstract class NginxRenderCmdlet : RouteDefaultsCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Listen { get; set; } = ["80"];

    [Parameter]
    public Hashtable? ProxySetHeader { get; set; }

    /// <summary>Leave default_server off the first server, for a host whose own site stays nginx's default.</summary>
    [Parameter]
    public SwitchParameter NotDefaultServer { get; set; }

    /// <summary>The certificate chain (PEM) to serve TLS with; needs -TlsKey.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsCertificate { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] TlsListen { get; set; } = ["443"];

    /// <summary>Answer plain HTTP with a redirect to https (the health check excepted).</summary>
    [Parameter]
    public SwitchParameter RedirectHttp { get; set; }

    /// <summary>The nginx the config is for; from 1.25.1 on, HTTP/2 is switched on with "http2 on;".</summary>
    [Parameter]
    public Version? NginxVersion { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ErrorPageRoot { get; set; } = "/usr/share/nginx/html";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Template { get; set; }

    /// <summary>Location blocks, nginx maps, or (Auto) maps once there are enough routes for nginx's parse to matter.</summary>
    [Parameter]
    [ValidateSet("Auto", "Locations", "Maps")]
    public string Layout { get; set; } = "Auto";

    /// <summary>The validated options, for a default server named <paramref name="serverName"/> (null: "_").</summary>
    protected NginxConfOptions RenderOptions(string? serverName)
    {
        var headerMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in HashtableEntries.AsText(ProxySetHeader))
            headerMap[key] = value ?? string.Empty;

        var options = new NginxConfOptions
        {
            Listen = Listen,
            ServerName = serverName ?? RouteSet.DefaultServerName,
            ProxyHeaders = headerMap,
            ProxyConnectTimeoutSec = ProxyConnectTimeoutSec == 0 ? null : ProxyConnectTimeoutSec,
            ProxyReadTimeoutSec = ProxyReadTimeoutSec == 0 ? null : ProxyReadTimeoutSec,
            ProxySendTimeoutSec = ProxySendTimeoutSec == 0 ? null : ProxySendTimeoutSec,
            ClientMaxBodySize = ClientMaxBodySize,
            WebSocket = WebSocket,
            ProxyRedirect = ProxyRedirect,
            DefaultServer = !NotDefaultServer,
            // nginx is given absolute paths: a relative one would resolve against nginx's prefix, not here.
            TlsCertificate = TlsCertificate is null ? null : GetUnresolvedProviderPathFromPSPath(TlsCertificate),
            TlsKey = TlsKey is null ? null : GetUnresolvedProviderPathFromPSPath(TlsKey),
            TlsListen = TlsListen,
            RedirectHttp = RedirectHttp,
            NginxVersion = NginxVersion,
            ErrorPageRoot = ErrorPageRoot,
            Layout = Enum.Parse<NginxConfLayout>(Layout, ignoreCase: true),
        };
        var problems = options.Validate();
        if (problems.Count > 0)
            ThrowTerminatingError(ErrorRecords.From(problems[0]));
        return options;
    }

    protected NginxTemplate? LoadTemplate() => Template is null ? null : LoadTemplate(this, Template);

    private static NginxTemplate LoadTemplate(PSCmdlet cmdlet, string template)
    {
        var path = cmdlet.GetUnresolvedProviderPathFromPSPath(template);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(ErrorCatalog.TemplateNotReadable.Problem($"Cannot read the template '{path}': {ex.Message}", path), ex));
            throw; // unreachable
        }
        try
        {
            return NginxTemplate.Parse(text, path);
        }
        catch (NginxKitException ex)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(ex.Problem, ex));
            throw;
        }
    }
}
