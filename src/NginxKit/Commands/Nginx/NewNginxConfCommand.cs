using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Nginx;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>Renders nginx's default.conf from routes; writes it atomically with -OutFile.</summary>
[Cmdlet(VerbsCommon.New, "NginxConf", SupportsShouldProcess = true, DefaultParameterSetName = ByRoute)]
[OutputType(typeof(string))]
[OutputType(typeof(NginxConfWriteResult))]
public sealed class NewNginxConfCommand : NginxRenderCmdlet
{
    private const string ByProperty = "ByProperty";
    private const string ByRoute = "ByRoute";

    private readonly List<AcceptedRoute> accepted = [];
    private readonly List<Engine.Diagnostics.Problem> conflicts = [];
    private NginxConfOptions options = new();
    private NginxTemplate? template;

    [Parameter(Mandatory = true, ParameterSetName = ByRoute, ValueFromPipeline = true)]
    [RouteTransformation]
    public NginxRoute[] Route { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [Alias("ClusterIP", "Host")]
    [AllowEmptyString]
    public string Backend { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    public int Port { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceName")]
    public string? Service { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    public string? Namespace { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [BooleanText(EmptyMeans = true)]
    public bool StripPrefix { get; set; } = true;

    /// <summary>For piped properties, the route's own server; with -Route, the server of routes that name none.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ServerName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Skip the .bak copy of the replaced file.</summary>
    [Parameter]
    public SwitchParameter NoBackup { get; set; }

    /// <summary>Write the file even when no route is left, which takes every route off the entry.</summary>
    [Parameter]
    public SwitchParameter AllowEmpty { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        options = RenderOptions(ParameterSetName == ByProperty ? null : ServerName);
        template = LoadTemplate();
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == ByRoute)
        {
            foreach (var route in Route)
                if (route is not null) Accept(route.ToEngine());
        }
        else
        {
            Accept(new NginxRoute
            {
                Path = Path,
                Backend = Backend,
                Port = Port,
                Service = Service,
                Namespace = Namespace,
                StripPrefix = StripPrefix,
                ServerName = ServerName,
            }.ToEngine());
        }
        return Task.CompletedTask;
    }

    private void Accept(Route route)
    {
        var ok = RouteRules.Accept(route, options.ServerName, out var problem);
        if (ok is null) WriteProblem(problem!);
        else accepted.Add(ok);
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var set = RouteSet.Settle(accepted, conflicts, options.ServerName);
        foreach (var problem in set.Problems) WriteProblem(problem);
        var conf = NginxConf.Render(set.Accepted, options, template);

        if (OutFile is null)
        {
            WriteObject(conf.Text);
            return Task.CompletedTask;
        }

        var path = GetUnresolvedProviderPathFromPSPath(OutFile);
        // An empty config would take every route off the entry: never by accident.
        if (set.Accepted.Count == 0 && !AllowEmpty)
            ThrowTerminatingError(ErrorRecords.Create("NoValidRoutes", ErrorCategory.InvalidData,
                $"No valid route is left, so {path} was not written. Fix the routes, or give -AllowEmpty to write a config without any.", path));
        var plan = NginxConf.Plan(path, conf, !NoBackup);
        if (!plan.Changed)
        {
            WriteVerbose($"{path} already holds this config ({conf.Hash}); nothing written.");
            WriteObject(plan);
        }
        else if (ShouldProcessWithDetail(path, "Write nginx config", plan.Diff))
        {
            WriteObject(NginxConf.Write(path, conf, !NoBackup));
        }
        else
        {
            WriteObject(plan); // -WhatIf: what would change, with the diff.
        }
        return Task.CompletedTask;
    }
}
