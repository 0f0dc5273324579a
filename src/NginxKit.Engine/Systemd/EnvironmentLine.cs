using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Systemd;

/// <summary>One line of an EnvironmentFile, as written: an assignment, or anything else kept verbatim.</summary>
/// <param name="Raw">The line's exact text (continuation lines included), so untouched lines are written back byte for byte.</param>
/// <param name="Key">The variable, for an assignment systemd accepts; null otherwise.</param>
/// <param name="Value">The value systemd reads (quotes and escapes resolved).</param>
/// <param name="IsExport">An <c>export KEY=...</c> line: systemd ignores it (and logs an error), though a shell would not.</param>
/// <param name="LineNumber">1-based number of the line's first physical line.</param>
public sealed record EnvironmentLine(string Raw, string? Key, string? Value, bool IsExport, int LineNumber)
{
    public bool IsAssignment => Key is not null && !IsExport;
}
