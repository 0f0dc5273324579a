using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace NginxKit.Cmdlets.Tests;

/// <summary>
/// A runspace with the built module imported from its manifest, as Import-Module loads it: NginxKit.dll
/// in the default load context, the engine and its packages in the module's own.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    /// <summary>The copy of out/NginxKit/&lt;version&gt;/ the project puts beside the tests.</summary>
    public static string ModuleManifest { get; } = Path.Combine(AppContext.BaseDirectory, "NginxKit", "NginxKit.psd1");

    public static string Examples { get; } = Path.Combine(AppContext.BaseDirectory, "Examples");

    private const string StopVariable = "NginxKitTestStop";
    private readonly Runspace runspace;

    public ModuleSession()
    {
        if (!File.Exists(ModuleManifest))
            throw new InvalidOperationException($"{ModuleManifest} is missing: run ./build.ps1 Build before these tests.");
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule([ModuleManifest]);
        state.ThrowOnRunspaceOpenError = true;
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
    }

    /// <summary>
    /// Runs a script; variables are set first, by name. The error that stops the script (a cmdlet's
    /// ThrowTerminatingError, a binding error, -ErrorAction Stop) is caught by the script's own
    /// try/catch, as a caller's script would, and returned apart from the non-terminating errors.
    /// </summary>
    public RunResult Run(string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables)
            runspace.SessionStateProxy.SetVariable(name, value);
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        runspace.SessionStateProxy.SetVariable(StopVariable, null);
        shell.AddScript($"try {{\n{script}\n}} catch {{ ${StopVariable} = $_ }}");
        Collection<PSObject> output = [];
        ErrorRecord? terminating = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex.ErrorRecord;
        }
        terminating ??= runspace.SessionStateProxy.GetVariable(StopVariable) as ErrorRecord;
        return new RunResult(output, [.. shell.Streams.Error], [.. shell.Streams.Warning.Select(w => w.Message)], terminating);
    }

    public void Dispose() => runspace.Dispose();
}
