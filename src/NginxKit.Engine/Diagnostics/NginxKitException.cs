namespace NginxKit.Engine.Diagnostics;

/// <summary>An engine failure that stops the whole operation; carries its Problem.</summary>
public class NginxKitException : Exception
{
    public NginxKitException(Problem problem, Exception? inner = null) : base(problem.Message, inner) => Problem = problem;

    public Problem Problem { get; }
}
