using System.Globalization;
using System.Management.Automation;

namespace NginxKit.Infrastructure;

/// <summary>
/// Refuses a number with a fraction where a whole one is meant. PowerShell would round 80.7 (or
/// the text "80.7") to 81 for an int parameter: for a port, another service's.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class WholeNumberAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        var whole = value switch
        {
            double d => Math.Floor(d) == d,
            float f => MathF.Floor(f) == f,
            decimal m => decimal.Floor(m) == m,
            string s => s.Trim().Length == 0 || long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                || !double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ => true,
        };
        return whole ? inputData : throw new ArgumentTransformationMetadataException($"'{value}' is not a whole number.");
    }
}
