namespace NginxKit.Cmdlets.Tests;

/// <summary>A test's runspace with the built module, and a directory of its own; both go when the test ends.</summary>
public abstract class ModuleTests : IDisposable
{
    protected ModuleSession Session { get; } = new();

    protected TempDirectory Temp { get; } = new();

    /// <summary>The text each statement of a script wrote, which must write no error and not stop.</summary>
    protected string[] Texts(string script, params (string Name, object? Value)[] variables)
    {
        var result = Session.Run(script, variables);
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        return [.. result.Output.Select(o => (string)o.BaseObject)];
    }

    public void Dispose()
    {
        Session.Dispose();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
