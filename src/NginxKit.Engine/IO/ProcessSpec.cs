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

    /// <summary>
    /// How the spec starts: every stream redirected (stdin too, so the command never gets the terminal
    /// and has nothing to wait for), stderr as UTF-8, arguments as a list, the environment on top of ours.
    /// </summary>
    internal ProcessStartInfo StartInfo()
    {
        var psi = new ProcessStartInfo(FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in Arguments) psi.ArgumentList.Add(arg);
        if (WorkingDirectory is not null) psi.WorkingDirectory = WorkingDirectory;
        if (Environment is not null)
        {
            foreach (var (key, value) in Environment)
            {
                if (value is null) psi.Environment.Remove(key);
                else psi.Environment[key] = value;
            }
        }
        return psi;
    }

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments.Select(Quote))}";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}
