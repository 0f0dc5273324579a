namespace NginxKit.Engine.Diagnostics;

/// <summary>
/// What went wrong with one item, as data. The engine knows nothing of PowerShell; the cmdlets
/// turn a Problem into an ErrorRecord whose ErrorId and category are its kind's. A Problem is made
/// only from its <see cref="ErrorKind"/> in <see cref="ErrorCatalog"/>, so an ErrorId always has
/// the same category.
/// </summary>
public sealed record Problem
{
    internal Problem(ErrorKind kind, string message, object? target, string? rule, string? hint)
    {
        Kind = kind;
        Message = message;
        Target = target;
        Rule = rule;
        Hint = hint;
    }

    public ErrorKind Kind { get; }

    /// <summary>Stable identifier scripts can match on, such as <c>InvalidRoutePath</c>.</summary>
    public string ErrorId => Kind.Id;

    /// <summary>The name of a PowerShell ErrorCategory.</summary>
    public ProblemCategory Category => Kind.Category;

    /// <summary>What is wrong and what to do about it.</summary>
    public string Message { get; }

    /// <summary>The offending object.</summary>
    public object? Target { get; }

    /// <summary>The narrower rule that was broken, when there is one.</summary>
    public string? Rule { get; }

    /// <summary>What to do about it, when the message alone does not say.</summary>
    public string? Hint { get; }

    public override string ToString() => $"{ErrorId}: {Message}";
}
