namespace NginxKit.Engine.Diagnostics;

/// <summary>
/// One kind of error: a stable ErrorId and the one category it always has. Every kind is declared
/// in <see cref="ErrorCatalog"/>; problems and exceptions are made from it and nowhere else.
/// </summary>
public sealed class ErrorKind
{
    internal ErrorKind(string id, ProblemCategory category)
    {
        Id = id;
        Category = category;
    }

    public string Id { get; }

    public ProblemCategory Category { get; }

    /// <summary>One bad item: the caller reports it and goes on with the next.</summary>
    public Problem Problem(string message, object? target = null, string? rule = null, string? hint = null) =>
        new(this, message, target, rule, hint);

    /// <summary>A failure that stops the whole operation.</summary>
    public NginxKitException Exception(string message, object? target = null, string? rule = null, string? hint = null, Exception? inner = null) =>
        new(Problem(message, target, rule, hint), inner);

    public override string ToString() => Id;
}
