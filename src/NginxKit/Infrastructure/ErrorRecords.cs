using System.Management.Automation;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Infrastructure;

/// <summary>Builds error records with NginxKit's stable ErrorIds from engine problems.</summary>
public static class ErrorRecords
{
    public static ErrorRecord From(Problem problem, Exception? exception = null)
    {
        var category = Enum.TryParse<ErrorCategory>(problem.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(exception ?? new NginxKitException(problem), problem.ErrorId, category, problem.Target);
        record.ErrorDetails = new ErrorDetails(problem.Message);
        if (problem.Rule is not null)
            record.ErrorDetails.RecommendedAction = $"Rule broken: {problem.Rule}.";
        return record;
    }

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? exception = null)
    {
        var record = new ErrorRecord(exception ?? new InvalidOperationException(message), errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message),
        };
        return record;
    }
}
