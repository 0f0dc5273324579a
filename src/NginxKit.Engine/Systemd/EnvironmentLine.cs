namespace NginxKit.Engine.Systemd;

/// <summary>One item of an EnvironmentFile as systemd 252 reads it: an assignment, a comment, or text systemd ignores.</summary>
/// <param name="Raw">The item's text as written (continuation and quoted lines included); bytes that are not UTF-8 show as \xNN.</param>
/// <param name="Key">The key as systemd reads it, for an assignment or an ignored assignment; null for a comment.</param>
/// <param name="Value">The value systemd reads (quotes and escapes resolved); null when there is none.</param>
/// <param name="IsExport">An <c>export KEY=...</c> line: systemd ignores it (and logs an error), though a shell would not.</param>
/// <param name="LineNumber">1-based number of the item's first line (a lone CR ends a line, as it does for systemd).</param>
/// <param name="Kind">Assignment, Comment or Ignored.</param>
/// <param name="Reason">Why systemd ignores the item (Ignored only): ExportLine, InvalidName, NoEquals, InvalidUtf8.</param>
public sealed record EnvironmentLine(string Raw, string? Key, string? Value, bool IsExport, int LineNumber, EnvironmentLineKind Kind = EnvironmentLineKind.Assignment, string? Reason = null)
{
    public bool IsAssignment => Kind == EnvironmentLineKind.Assignment;
}
