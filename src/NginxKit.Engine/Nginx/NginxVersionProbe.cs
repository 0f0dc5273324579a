using System.Text.RegularExpressions;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// Asks an nginx for its version (nginx -v), for a config rendered beside the very nginx that
/// serves it (the entry pod's sidecar), where nobody should have to restate the image's version.
/// </summary>
public static partial class NginxVersionProbe
{
    // nginx -v writes "nginx version: nginx/1.22.1" (or "openresty/1.21.4.1") on standard error.
    [GeneratedRegex(@"nginx version: [a-z]+/(?<version>\d{1,4}\.\d{1,4}\.\d{1,4})\b")]
    private static partial Regex VersionLine();

    /// <summary>The version in nginx -v's output, or null when the output holds none.</summary>
    public static Version? Parse(string output)
    {
        var m = VersionLine().Match(output);
        return m.Success ? Version.Parse(m.Groups["version"].Value) : null;
    }

    /// <summary>The version of the nginx at <paramref name="nginxPath"/> (or found on PATH); null when there is none or it does not say.</summary>
    public static async Task<Version?> DetectAsync(IProcessRunner runner, string? nginxPath, CancellationToken cancellationToken)
    {
        if (NginxConfTester.FindNginx(nginxPath) is not { } nginx) return null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var result = await runner.RunAsync(new ProcessSpec(nginx, ["-v"]), limit.Token).ConfigureAwait(false);
            return result.Succeeded ? Parse(result.StandardError + result.StandardOutput) : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
