using System.Diagnostics;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public class ProcessRunnerTests
{
    [Fact]
    public async Task ReturnsExitCodeOutputAndErrorAsData()
    {
        var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]));
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
    }

    [Fact]
    public async Task ArgumentsAreNeverResplitByAShell()
    {
        var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("/usr/bin/printf", ["%s|", "a b", "$HOME", "'q'"]));
        Assert.Equal("a b|$HOME|'q'|", result.StandardOutput.TrimEnd('\n'));
    }

    [Fact]
    public async Task StreamsLinesAsTheyArriveAndPassesStdinAndEnvironment()
    {
        var lines = new List<string>();
        var spec = new ProcessSpec("/bin/sh", ["-c", "cat; echo \"$NGINXKIT_X\""])
        {
            StandardInput = "one\ntwo\n",
            Environment = new Dictionary<string, string?> { ["NGINXKIT_X"] = "three" },
            OnOutputLine = lines.Add,
        };
        await ProcessRunner.Instance.RunAsync(spec);
        Assert.Equal(["one", "two", "three"], lines);
    }

    [Fact]
    public async Task CancellationKillsTheProcess()
    {
        using var cts = new CancellationTokenSource();
        int pid = 0;
        var spec = new ProcessSpec("/bin/sh", ["-c", "echo $$; exec sleep 300"])
        {
            OnOutputLine = line => { pid = int.Parse(line); cts.CancelAfter(100); },
        };
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ProcessRunner.Instance.RunAsync(spec, cts.Token));
        // Far below the child's own 300 s: the cancellation ended it, not the sleep.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(150), $"took {sw.Elapsed}");
        Assert.NotEqual(0, pid);
        // Gone, or a zombie waiting to be reaped: either way no longer running.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (IsRunning(pid) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(IsRunning(pid), $"process {pid} still runs after the cancellation");
    }

    private static bool IsRunning(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    [Fact]
    public async Task AMissingCommandIsNativeCommandNotFound()
    {
        var ex = await Assert.ThrowsAsync<NginxKitException>(() => ProcessRunner.Instance.RunAsync(new ProcessSpec("/no/such/tool", [])));
        Assert.Equal("NativeCommandNotFound", ex.Problem.ErrorId);
        Assert.Equal(ProblemCategory.NotInstalled, ex.Problem.Category);
    }

    [Fact]
    public void StartHandsOverStandardOutputAsItsExactBytes()
    {
        using var process = ProcessRunner.Instance.Start(new ProcessSpec("/usr/bin/printf", ["a\\000b\\377\\n\\nc"]));
        using var bytes = new MemoryStream();
        process.StandardOutput.CopyTo(bytes);
        var result = process.WaitForExit();
        Assert.Equal(new byte[] { (byte)'a', 0, (byte)'b', 0xFF, (byte)'\n', (byte)'\n', (byte)'c' }, bytes.ToArray());
        Assert.True(result.Succeeded);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public void StartCollectsStandardErrorTheExitCodeInputAndEnvironment()
    {
        var spec = new ProcessSpec("/bin/sh", ["-c", "cat; echo \"$NGINXKIT_X\" >&2; exit 4"])
        {
            StandardInput = "in\n",
            Environment = new Dictionary<string, string?> { ["NGINXKIT_X"] = "err" },
        };
        using var process = ProcessRunner.Instance.Start(spec);
        var stdout = new StreamReader(process.StandardOutput).ReadToEnd();
        var result = process.WaitForExit();
        Assert.Equal("in\n", stdout);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("err\n", result.StandardError);
        Assert.True(process.HasExited);
    }

    [Fact]
    public async Task KillEndsAReadThatWaitsForOutput()
    {
        using var process = ProcessRunner.Instance.Start(new ProcessSpec("/bin/sh", ["-c", "exec sleep 600"]));
        var read = Task.Run(() => process.StandardOutput.Read(new byte[16], 0, 16));
        Assert.False(read.IsCompleted);
        process.Kill();
        process.Kill(); // again: nothing happens
        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(process.HasExited);
    }

    [Fact]
    public void DisposingKillsWhatIsStillRunning()
    {
        int pid;
        using (var process = ProcessRunner.Instance.Start(new ProcessSpec("/bin/sh", ["-c", "echo $$; exec sleep 600"])))
        {
            pid = int.Parse(new StreamReader(process.StandardOutput).ReadLine()!);
            Assert.True(IsRunning(pid));
        }
        Assert.True(SpinWait.SpinUntil(() => !IsRunning(pid), 30_000), $"process {pid} outlived its disposal");
    }

    [Fact]
    public void StartOfAMissingCommandIsNativeCommandNotFound()
    {
        var ex = Assert.Throws<NginxKitException>(() => ProcessRunner.Instance.Start(new ProcessSpec("/no/such/tool", [])));
        Assert.Equal("NativeCommandNotFound", ex.Problem.ErrorId);
    }

    [Fact]
    public void FindLooksInSbinToo()
    {
        Assert.Equal("/bin/sh", NativeCommand.Find("/bin/sh"));
        Assert.NotNull(NativeCommand.Find("sh"));
        Assert.Null(NativeCommand.Find("no-such-tool-nginxkit"));
        // With an empty PATH, only the system directories can have found it.
        Assert.Matches("^/(usr/)?(local/)?s?bin/sh$", NativeCommand.Find("sh", path: ""));
    }
}
