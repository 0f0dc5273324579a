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
        var advice = string.Join(" ", new[] { problem.Rule is null ? null : $"Rule broken: {problem.Rule}.", problem.Hint }.Where(s => s is not null));
        if (advice.Length > 0)
            record.ErrorDetails.RecommendedAction = advice;
        return record;
    }
}
