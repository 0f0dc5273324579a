using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>A native command to run: never through a shell, so arguments are never re-split.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes one) on top of the current environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    public string? StandardInput { get; init; }

    /// <summary>Called for each line of standard output as it arrives; the output is still collected unless <see cref="CollectOutput"/> is false.</summary>
    public Action<string>? OnOutputLine { get; init; }

    public bool CollectOutput { get; init; } = true;

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments.Select(Quote))}";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}
