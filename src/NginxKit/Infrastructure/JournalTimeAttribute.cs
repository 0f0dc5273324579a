using System.Management.Automation;
using NginxKit.Engine.Journal;

namespace NginxKit.Infrastructure;

/// <summary>Takes a DateTime as it is, or a string in journalctl's forms ("1 hour ago", "today", "@1764064800").</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class JournalTimeAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        try
        {
            return value switch
            {
                null => null,
                DateTimeOffset d => d,
                DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d),
                string s => JournalQuery.ParseTime(s, DateTimeOffset.Now),
                _ => throw new ArgumentTransformationMetadataException($"'{value}' is not a time."),
            };
        }
        catch (Engine.Diagnostics.NginxKitException ex)
        {
            throw new ArgumentTransformationMetadataException(ex.Problem.Message, ex);
        }
    }
}
