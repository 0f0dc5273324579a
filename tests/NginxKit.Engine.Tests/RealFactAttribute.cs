using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests;

/// <summary>
/// A test that needs a real tool. It skips when the tool is missing, unless NGINXKIT_REQUIRE_REAL=1,
/// in which case it runs and fails, so CI can never pass by skipping.
/// </summary>
public sealed class RealFactAttribute : FactAttribute
{
    public RealFactAttribute(string tool)
    {
        if (NativeCommand.Find(tool) is null && Environment.GetEnvironmentVariable("NGINXKIT_REQUIRE_REAL") != "1")
            Skip = $"{tool} is not installed (set NGINXKIT_REQUIRE_REAL=1 to fail instead)";
    }
}
