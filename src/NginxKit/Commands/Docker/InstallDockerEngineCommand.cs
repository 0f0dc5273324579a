using System.Management.Automation;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>Installs the Docker engine with apt, then enables and starts it.</summary>
[RequiresLinux("apt and Docker's Debian packages")]
[Cmdlet(VerbsLifecycle.Install, "DockerEngine", SupportsShouldProcess = true)]
[OutputType(typeof(DockerInstallResult))]
public sealed class InstallDockerEngineCommand : AsyncCmdlet
{
    /// <summary>Distribution (docker.io from Debian/Ubuntu) or Docker (docker-ce from Docker's repository).</summary>
    // A string, not the engine's enum: a value-type field of an engine type would make the runtime
    // load the engine while PowerShell first reflects over this class, before the load context is hooked up.
    [Parameter(Position = 0)]
    [ValidateSet(nameof(DockerSource.Distribution), nameof(DockerSource.Docker))]
    public string Source { get; set; } = nameof(DockerSource.Distribution);

    /// <summary>Docker's signing key as a file, for hosts that cannot download it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    /// <summary>The apt architecture; by default dpkg --print-architecture.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Architecture { get; set; }

    /// <summary>Write the apt files under this root instead of / (no packages are installed then).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var installer = new DockerInstaller(ProcessRunner.Instance);
        var plan = await installer.PlanAsync(Enum.Parse<DockerSource>(Source, ignoreCase: true), root, KeyPath is null ? null : GetUnresolvedProviderPathFromPSPath(KeyPath), Architecture, cancellationToken);
        var live = System.IO.Path.GetFullPath(root) == "/";

        // -WhatIf names every file and command; steps already in place are said to be so.
        var needed = plan.Steps.Where(s => s.Needed).ToList();
        foreach (var step in plan.Steps.Where(s => !s.Needed))
            WriteVerbose($"In place: {step.Kind.ToLowerInvariant()} {step.Target} ({step.Description}).");
        var approved = needed.Where(step => ShouldProcessWithDetail(step.Target, step.Kind == "File" ? "Write file" : "Run", step.Content ?? step.Description)).ToList();
        if (IsWhatIf)
        {
            WriteObject(new DockerInstallResult(plan, plan.Changed, null));
            return;
        }
        if (approved.Count < needed.Count) return;
        await installer.ExecuteAsync(plan, cancellationToken);

        SystemdUnit? state = null;
        var changed = plan.Changed;
        if (live)
        {
            // Through the same semantics as Enable-/Start-DockerService: nothing happens when already so.
            var manager = new UnitManager(new Systemctl(ProcessRunner.Instance));
            state = await manager.ShowAsync(DockerEnvironment.Unit, cancellationToken);
            foreach (var action in new[] { UnitAction.Enable, UnitAction.Start })
            {
                var step = await manager.ApplyAsync(DockerEnvironment.Unit, action, state, cancellationToken);
                changed |= step.Changed;
                state = step.State;
            }
        }
        WriteObject(new DockerInstallResult(plan, changed, state));
    }
}
