using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Nginx;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Nginx;

/// <summary>Checks a config with the real nginx -t, unprivileged, in a private temp prefix.</summary>
[Cmdlet(VerbsDiagnostic.Test, "NginxConf", DefaultParameterSetName = ByText)]
[OutputType(typeof(NginxConfTestResult))]
public sealed class TestNginxConfCommand : AsyncCmdlet
{
    private const string ByText = "ByText";
    private const string ByPath = "ByPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByText, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string Text { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = ByPath, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "Path")]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The nginx binary; by default found on PATH or in the sbin directories.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NginxPath { get; set; }

    /// <summary>The input is a whole nginx.conf, not a server-level snippet such as default.conf.</summary>
    [Parameter]
    public SwitchParameter MainConfig { get; set; }

    /// <summary>A warning fails the test too: nginx warns when it ignores part of a config.</summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    /// <summary>How long nginx -t may run before it is stopped.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = (int)NginxConfTester.DefaultTimeout.TotalSeconds;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // A path given to PowerShell is relative to the PowerShell location, not the process's.
        if (NginxPath is not null && NginxPath.Contains('/')) NginxPath = GetUnresolvedProviderPathFromPSPath(NginxPath);
        if (ParameterSetName == ByText)
        {
            await TestAsync(Text, cancellationToken);
            return;
        }
        foreach (var item in LiteralPath)
        {
            var path = GetUnresolvedProviderPathFromPSPath(item);
            // Reading a FIFO would wait for a writer forever, and a device would never end.
            if (UnixFiles.KindOf(path) == UnixFiles.Kind.Other)
            {
                WriteProblem(ErrorCatalog.ConfigNotReadable.Problem($"Cannot read '{path}': it is not a regular file (a FIFO, a socket or a device).", path, "NotARegularFile"));
                continue;
            }
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteProblem(ErrorCatalog.ConfigNotReadable.Problem($"Cannot read '{path}': {ex.Message}", path), ex);
                continue;
            }
            await TestAsync(text, cancellationToken);
        }
    }

    private async Task TestAsync(string text, CancellationToken cancellationToken)
    {
        try
        {
            WriteObject(await new NginxConfTester(ProcessRunner.Instance).TestAsync(text, NginxPath, MainConfig, cancellationToken, Strict, TimeSpan.FromSeconds(TimeoutSec)));
        }
        catch (NginxKitException ex) when (ex.Problem.Kind == ErrorCatalog.IncludedFileNotRegular || ex.Problem.Kind == ErrorCatalog.NginxTestTimeout)
        {
            // This config could not be tested; the next one may be.
            WriteProblem(ex.Problem, ex);
        }
    }
}
