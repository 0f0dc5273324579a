namespace NginxKit.Engine.Diagnostics;

/// <summary>
/// What went wrong with one item, as data. The engine knows nothing of PowerShell; the cmdlets
/// turn a Problem into an ErrorRecord whose ErrorId and category are exactly these.
/// </summary>
/// <param name="ErrorId">Stable identifier scripts can match on, such as <c>InvalidRoutePath</c>.</param>
/// <param name="Category">The name of a PowerShell ErrorCategory.</param>
/// <param name="Message">What is wrong and what to do about it.</param>
/// <param name="Target">The offending object.</param>
/// <param name="Rule">The narrower rule that was broken, when there is one.</param>
public sealed record Problem(string ErrorId, ProblemCategory Category, string Message, object? Target = null, string? Rule = null)
{
    public override string ToString() => $"{ErrorId}: {Message}";
}

/// <summary>The subset of PowerShell's ErrorCategory the engine uses; names match exactly.</summary>
public enum ProblemCategory
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    PermissionDenied,
    ResourceExists,
    ResourceUnavailable,
    ConnectionError,
    NotInstalled,
    OperationTimeout,
    ParserError,
    ReadError,
    WriteError,
    SecurityError,
    AuthenticationError,
    LimitsExceeded,
}

/// <summary>An engine failure that stops the whole operation; carries its Problem.</summary>
public class NginxKitException : Exception
{
    public NginxKitException(Problem problem, Exception? inner = null) : base(problem.Message, inner) => Problem = problem;

    public Problem Problem { get; }
}
