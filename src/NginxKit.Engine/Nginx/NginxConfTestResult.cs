using System.Globalization;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>The outcome of <c>nginx -t</c>.</summary>
public sealed record NginxConfTestResult(bool Valid, IReadOnlyList<NginxConfMessage> Messages, string NginxPath, string Output)
{
    public IEnumerable<NginxConfMessage> Errors => Messages.Where(m => m.Level is "emerg" or "alert" or "crit" or "error");

    // A property of its own rather than a types.ps1xml member: any TypesToProcess file costs every
    // Import-Module about 7 ms, whatever it holds.
    public int ErrorCount => Errors.Count();

    /// <summary>What nginx warned about: usually a part of the config it ignores, such as a conflicting server name.</summary>
    public IEnumerable<NginxConfMessage> Warnings => Messages.Where(m => m.Level == "warn");

    public int WarningCount => Warnings.Count();

    /// <summary>True when the test ran with -Strict, where any warning makes the config not Valid.</summary>
    public bool Strict { get; init; }
}
