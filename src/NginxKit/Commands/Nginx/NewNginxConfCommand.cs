using NginxKit.Engine.Diagnostics;
using System.Collections;
using System.Management.Automation;
using System.Runtime.CompilerServices;
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

    // Routes are checked together once the input ends: kept per record, the checked forms would
    // survive PowerShell's per-record garbage collections, and those collections would then take
    // twice as long.
    private readonly List<Route> received = [];
    private NginxConfOptions options = new();
    private NginxTemplate? template;

    /// <summary>
    /// Routes as NginxRoute objects, hashtables or any objects with the route's properties, one or
    /// a collection of them. Piped objects bind here whole and are read by property name (see
    /// RouteInput), unless -Path, -Backend or -Port is given, when PowerShell binds their properties
    /// to those parameters. Typed object rather than object[], so that binding a piped object needs
    /// no conversion to an array of one.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ByRoute, ValueFromPipeline = true)]
    public object? Route { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [Alias("ClusterIP", "Host")]
    [AllowEmptyString]
    public string Backend { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [WholeNumber]
    public int Port { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceName")]
    public string? Service { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    public string? Namespace { get; set; }

    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
    [BooleanText(EmptyMeans = true)]
    public bool StripPrefix { get; set; } = true;

    /// <summary>With -Route, the server of routes that name none; with -Path, the route's own server.</summary>
    [Parameter(ParameterSetName = ByRoute)]
    [Parameter(ParameterSetName = ByProperty, ValueFromPipelineByPropertyName = true)]
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

    // Synchronous, and run for each of maybe 10,000 records: no async plumbing.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByRoute)
        {
            // A hashtable is one route; LanguagePrimitives does not enumerate dictionaries.
            if (LanguagePrimitives.GetEnumerable(Route) is { } many)
                foreach (var item in many) Receive(item);
            else
                Receive(Route);
        }
        else
        {
            received.Add(NginxRoute.ToEngine(Path, Backend, Port, Service, Namespace, StripPrefix, ServerName));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Receive(object? item)
    {
        if (item is null) return;
        var route = RouteInput.Read(item, out var problem);
        if (route is null) WriteProblem(problem!);
        else received.Add(route);
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var set = RouteSet.Build(received, options.ServerName);
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
            ThrowProblem(ErrorCatalog.NoValidRoutes.Problem($"No valid route is left, so {path} was not written. Fix the routes, or give -AllowEmpty to write a config without any.", path));
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
