using System.Management.Automation;
using System.Reflection;
using NginxKit.Engine.IO;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Infrastructure;

/// <summary>
/// Base for NginxKit's cmdlets. Async work runs under ProcessRecord with its continuations back on
/// the pipeline thread; Ctrl+C (StopProcessing) cancels <see cref="CancellationToken"/> so an in-flight API
/// call or child process ends at once. Problems from the engine become error records here.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stop = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => stop.Token;

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void BeginProcessing()
    {
        // One place for every cmdlet that needs Linux: refused before it binds anything to the system.
        if (GetType().GetCustomAttribute<RequiresLinuxAttribute>(inherit: true) is { } linux
            && PlatformGuard.RequireLinux(MyInvocation.MyCommand.Name, linux.Needs) is { } problem)
            ThrowProblem(problem);
        RunOnPipelineThread(BeginProcessingAsync);
    }

    protected override void ProcessRecord() => RunOnPipelineThread(ProcessRecordAsync);

    protected override void EndProcessing() => RunOnPipelineThread(EndProcessingAsync);

    protected override void StopProcessing() => stop.Cancel();

    private void RunOnPipelineThread(Func<CancellationToken, Task> step)
    {
        try
        {
            PipelineSynchronizationContext.Run(() => step(stop.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (NginxKitException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex.Problem, ex));
        }
        catch (Exception ex) when (FileAccessErrors.IsAccessDenied(ex))
        {
            // The engine maps its writes itself, with the path; this catches any refusal it missed.
            var denied = FileAccessErrors.AccessDenied(null, ex);
            ThrowTerminatingError(ErrorRecords.From(denied.Problem, denied));
        }
    }

    /// <summary>Writes one non-terminating error for one bad item; the pipeline goes on.</summary>
    protected void WriteProblem(Problem problem, Exception? exception = null) => WriteError(ErrorRecords.From(problem, exception));

    /// <summary>Stops the command with a terminating error: for problems no item could escape.</summary>
    protected void ThrowProblem(Problem problem, Exception? exception = null) => ThrowTerminatingError(ErrorRecords.From(problem, exception));

    /// <summary>Asks ShouldProcess with a full description (shown by -WhatIf, e.g. a diff) and a short prompt.</summary>
    protected bool ShouldProcessWithDetail(string target, string action, string? detail)
    {
        var description = detail is null or "" ? $"Performing the operation \"{action}\" on target \"{target}\"." : $"{action} \"{target}\":\n{detail}";
        return ShouldProcess(description, $"{action} \"{target}\"?", action);
    }

    /// <summary>True under -WhatIf or $WhatIfPreference, so a cmdlet can ask the server for a dry run first.</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
            ? value is SwitchParameter { IsPresent: true } || value is true
            : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));

    /// <summary>
    /// PowerShell disposes a cmdlet when its pipeline ends however it ends: after EndProcessing, on a
    /// terminating error, and on Ctrl+C, when EndProcessing never runs. What a cmdlet holds open is
    /// released here.
    /// </summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) stop.Dispose();
    }
}
