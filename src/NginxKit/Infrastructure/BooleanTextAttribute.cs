using System.Management.Automation;

namespace NginxKit.Infrastructure;

/// <summary>
/// Reads "true"/"false" (and yes/no, 1/0) as booleans. Without it a CSV column holding "False"
/// would bind as $true, because PowerShell treats every non-empty string as true.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BooleanTextAttribute : ArgumentTransformationAttribute
{
    /// <summary>What an empty string (an empty CSV cell) means: usually the parameter's default.</summary>
    public bool EmptyMeans { get; set; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is not string text) return inputData;
        return TryParse(text, EmptyMeans, out var result)
            ? result
            : throw new ArgumentTransformationMetadataException($"'{text}' is not a boolean. Use true or false.");
    }

    public static bool TryParse(string text, bool emptyMeans, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "": value = emptyMeans; return true;
            case "true" or "yes" or "1" or "on": value = true; return true;
            case "false" or "no" or "0" or "off": value = false; return true;
            default: value = false; return false;
        }
    }
}
