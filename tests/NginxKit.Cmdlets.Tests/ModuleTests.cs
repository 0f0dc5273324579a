namespace NginxKit.Cmdlets.Tests;

/// <summary>A test's runspace with the built module, and a directory of its own; both go when the test ends.</summary>
public abstract class ModuleTests : IDisposable
{
    protected ModuleSession Session { get; } = new();

    protected TempDirectory Temp { get; } = new();

    public void Dispose()
    {
        Session.Dispose();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
