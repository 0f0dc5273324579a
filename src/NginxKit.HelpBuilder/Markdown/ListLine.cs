namespace NginxKit.HelpBuilder.Markdown;

/// <summary>One item of a list as plain text lays it out: its marker's column, the marker and the item's text.</summary>
/// <param name="Marker">"- " for bullets, "1. " or "1) " for numbered items.</param>
internal sealed record ListLine(int Column, string Marker, string Text);
