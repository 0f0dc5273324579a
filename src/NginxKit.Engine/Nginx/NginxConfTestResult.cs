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
}
