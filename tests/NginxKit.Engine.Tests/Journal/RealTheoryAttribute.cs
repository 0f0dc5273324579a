using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.Journal;

/// <summary>
/// <see cref="RealFactAttribute"/> for theories: skips when the tool is missing, unless
/// NGINXKIT_REQUIRE_REAL=1, in which case it runs and fails.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // as the engine is
public sealed class RealTheoryAttribute : TheoryAttribute
{
    public RealTheoryAttribute(string tool)
    {
        if (NativeCommand.Find(tool) is null && Environment.GetEnvironmentVariable("NGINXKIT_REQUIRE_REAL") != "1")
            Skip = $"{tool} is not installed (set NGINXKIT_REQUIRE_REAL=1 to fail instead)";
    }
}
