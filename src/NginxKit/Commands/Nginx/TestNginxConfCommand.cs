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

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var tester = new NginxConfTester(ProcessRunner.Instance);
        // A path given to PowerShell is relative to the PowerShell location, not the process's.
        if (NginxPath is not null && NginxPath.Contains('/')) NginxPath = GetUnresolvedProviderPathFromPSPath(NginxPath);
        if (ParameterSetName == ByText)
        {
            WriteObject(await tester.TestAsync(Text, NginxPath, MainConfig, cancellationToken));
            return;
        }
        foreach (var item in LiteralPath)
        {
            var path = GetUnresolvedProviderPathFromPSPath(item);
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
            WriteObject(await tester.TestAsync(text, NginxPath, MainConfig, cancellationToken));
        }
    }
}
