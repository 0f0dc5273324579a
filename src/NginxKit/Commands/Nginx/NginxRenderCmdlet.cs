using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>
/// The rendering parameters New-NginxConf and Sync-NginxConf share, declared once and checked once
/// before any route.
/// </summary>
public abstract class NginxRenderCmdlet : AsyncCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Listen { get; set; } = ["80"];

    [Parameter]
    public Hashtable? ProxySetHeader { get; set; }

    [Parameter]
    public int ProxyConnectTimeoutSec { get; set; }

    [Parameter]
    public int ProxyReadTimeoutSec { get; set; }

    [Parameter]
    public int ProxySendTimeoutSec { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Template { get; set; }

    /// <summary>The validated options, for a default server named <paramref name="serverName"/> (null: "_").</summary>
    protected NginxConfOptions RenderOptions(string? serverName) =>
        Build(this, Listen, serverName, ProxySetHeader, ProxyConnectTimeoutSec, ProxyReadTimeoutSec, ProxySendTimeoutSec);

    protected NginxTemplate? LoadTemplate() => Template is null ? null : LoadTemplate(this, Template);

    private static NginxConfOptions Build(PSCmdlet cmdlet, string[] listen, string? serverName, Hashtable? headers,
        int connectTimeout, int readTimeout, int sendTimeout)
    {
        var headerMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in HashtableEntries.AsText(headers))
            headerMap[key] = value ?? string.Empty;

        var options = new NginxConfOptions
        {
            Listen = listen,
            ServerName = serverName ?? RouteSet.DefaultServerName,
            ProxyHeaders = headerMap,
            ProxyConnectTimeoutSec = connectTimeout == 0 ? null : connectTimeout,
            ProxyReadTimeoutSec = readTimeout == 0 ? null : readTimeout,
            ProxySendTimeoutSec = sendTimeout == 0 ? null : sendTimeout,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
            cmdlet.ThrowTerminatingError(ErrorRecords.From(problems[0]));
        return options;
    }

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
