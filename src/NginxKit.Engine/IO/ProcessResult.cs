using System.Diagnostics;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>How a native command ended: its exit code and output, as data.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}
