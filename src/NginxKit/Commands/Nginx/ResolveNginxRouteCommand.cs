using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>
/// Says where nginx sends a URL: the route, the backend, the URI the backend receives, or what
/// nginx answers itself, and why. The routes come from the cluster, manifest files, route objects,
/// or an nginx config file; routes are rendered as New-NginxConf renders them and resolved on that.
/// </summary>
[Cmdlet(VerbsDiagnostic.Resolve, "NginxRoute", DefaultParameterSetName = FromCluster)]
[OutputType(typeof(RouteResolution))]
public sealed class ResolveNginxRouteCommand : RouteDiscoveryCmdlet
{
    private const string FromRoutes = "FromRoutes";
    private const string FromConfig = "FromConfig";

    private ServedConf? conf;
    private readonly List<Route> piped = [];
    private bool unread;

    /// <summary>The URLs to resolve: http(s)://host[:port]/path?query, or a path alone for the default server.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uri")]
    [AllowEmptyString]
    public string[] Url { get; set; } = [];

    /// <summary>Manifest files or directories whose Services give the routes, as Get-NginxRoute -Path reads them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromFiles)]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Routes, as Get-NginxRoute writes them or New-NginxConf takes them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromRoutes, ValueFromPipeline = true)]
    public object? Route { get; set; }

    /// <summary>An nginx config to resolve against, such as the conf.d file New-NginxConf wrote.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromConfig)]
    [ValidateNotNullOrEmpty]
    public string? ConfigFile { get; set; }

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    [ValidateNotNullOrEmpty]
    public string[] Listen { get; set; } = ["80"];

    /// <summary>The server of routes that name none, as New-NginxConf -ServerName.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    [ValidateNotNullOrEmpty]
    public string? ServerName { get; set; }

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    public SwitchParameter NotDefaultServer { get; set; }

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    public Hashtable? ProxySetHeader { get; set; }

    /// <summary>Switches TLS on, as with New-NginxConf; the file is not read.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    [ValidateNotNullOrEmpty]
    public string? TlsCertificate { get; set; }

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    [ValidateNotNullOrEmpty]
    public string? TlsKey { get; set; }

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    [ValidateNotNullOrEmpty]
    public string[] TlsListen { get; set; } = ["443"];

    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Parameter(ParameterSetName = FromRoutes)]
    public SwitchParameter RedirectHttp { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        await base.BeginProcessingAsync(cancellationToken);
        if (ParameterSetName is FromRoutes or FromConfig) RefuseClusterWith("-Route or -ConfigFile the routes are given");
        if (ParameterSetName == FromConfig)
        {
            try
            {
                conf = ServedConf.Load(GetUnresolvedProviderPathFromPSPath(ConfigFile));
            }
            catch (NginxKitException ex)
            {
                ThrowProblem(ex.Problem, ex);
            }
        }
        else if (ParameterSetName is FromCluster or FromFiles)
        {
            // When the cluster could not be read (the error is written), no URL is resolved: against no routes every answer would be a 404.
            if (await DiscoverAsync(ParameterSetName == FromFiles ? Path : null, cancellationToken) is { } found)
                Render(Routes(found, cancellationToken).ToList());
            else
                unread = true;
        }
        else if (MyInvocation.BoundParameters.ContainsKey(nameof(Route)))
        {
            // Routes given by name: each piped URL is resolved as it comes.
            Receive(Route);
            Render(piped);
        }
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (unread) return Task.CompletedTask;
        if (conf is not null)
        {
            foreach (var url in Url) Resolve(url);
        }
        else
        {
            // Routes piped: the URLs, given by name, wait for the last of them.
            Receive(Route);
        }
        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (conf is not null || unread) return Task.CompletedTask;
        Render(piped);
        foreach (var url in Url) Resolve(url);
        return Task.CompletedTask;
    }

    private void Receive(object? item)
    {
        if (item is null) return;
        if (LanguagePrimitives.GetEnumerable(item) is { } many)
        {
            foreach (var one in many) Receive(one);
            return;
        }
        var route = RouteInput.Read(item, out var problem);
        if (route is null) WriteProblem(problem!);
        else piped.Add(route);
    }

    private void Render(IReadOnlyList<Route> routes)
    {
        var options = new NginxConfOptions
        {
            Listen = Listen,
            ServerName = ServerName ?? RouteSet.DefaultServerName,
            ProxyHeaders = HashtableEntries.AsText(ProxySetHeader).ToDictionary(h => h.Key, h => h.Value ?? string.Empty, StringComparer.OrdinalIgnoreCase),
            DefaultServer = !NotDefaultServer,
            TlsCertificate = TlsCertificate is null ? null : GetUnresolvedProviderPathFromPSPath(TlsCertificate),
            TlsKey = TlsKey is null ? null : GetUnresolvedProviderPathFromPSPath(TlsKey),
            TlsListen = TlsListen,
            RedirectHttp = RedirectHttp,
        };
        if (options.Validate() is [var first, ..]) ThrowProblem(first);
        var (served, problems) = RouteResolver.FromRoutes(routes, options);
        foreach (var problem in problems) WriteProblem(problem);
        conf = served;
    }

    private void Resolve(string url)
    {
        var answer = RouteResolver.Resolve(conf!, url, out var problem);
        if (answer is null) WriteProblem(problem!);
        else WriteObject(answer);
    }
}
