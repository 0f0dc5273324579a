using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public sealed class AtomicFileWriterTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("nginxkit-writer-");

    public void Dispose() => dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(dir.FullName, name);

    [Fact]
    public void CreatesANewFileAndItsMissingDirectories()
    {
        var path = PathOf("conf.d/default.conf");
        var result = AtomicFileWriter.Write(path, "hello\n");
        Assert.True(result.Changed);
        Assert.Null(result.PreviousHash);
        Assert.Null(result.BackupPath);
        Assert.Equal(ContentHash.Of("hello\n"), result.Hash);
        Assert.Equal("hello\n", File.ReadAllText(path));
    }

    [Fact]
    public void ADirectoryWhereTheFileShouldBeIsTargetNotAFileAndNothingIsWritten()
    {
        Directory.CreateDirectory(PathOf("conf.d"));
        foreach (var attempt in new Action[] { () => AtomicFileWriter.Write(PathOf("conf.d"), "x\n"), () => AtomicFileWriter.Plan(PathOf("conf.d"), "x\n") })
        {
            var error = Assert.Throws<NginxKitException>(attempt).Problem;
            Assert.Equal((ErrorCatalog.TargetNotAFile.Id, "TargetIsDirectory", PathOf("conf.d")), (error.ErrorId, error.Rule, error.Target as string));
        }
        Assert.Empty(Directory.GetFileSystemEntries(PathOf("conf.d")));
        Assert.Equal(["conf.d"], Directory.GetFileSystemEntries(dir.FullName).Select(Path.GetFileName));
    }

    [Fact]
    public void AFileWhereADirectoryShouldBeIsTargetNotAFileAndNothingIsWritten()
    {
        File.WriteAllText(PathOf("conf.d"), "a file\n");
        var error = Assert.Throws<NginxKitException>(() => AtomicFileWriter.Write(PathOf("conf.d/sub/default.conf"), "x\n")).Problem;
        Assert.Equal((ErrorCatalog.TargetNotAFile.Id, "ParentIsFile"), (error.ErrorId, error.Rule));
        Assert.Contains(PathOf("conf.d") + " is a file", error.Message);
        Assert.Equal("a file\n", File.ReadAllText(PathOf("conf.d")));
        Assert.Equal(["conf.d"], Directory.GetFileSystemEntries(dir.FullName).Select(Path.GetFileName));
    }

    [Fact]
    public void UnchangedContentIsNotRewritten()
    {
        var path = PathOf("a.conf");
        AtomicFileWriter.Write(path, "same\n");
        var before = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, before.AddMinutes(-5));
        var result = AtomicFileWriter.Write(path, "same\n");
        Assert.False(result.Changed);
        Assert.Equal(before.AddMinutes(-5), File.GetLastWriteTimeUtc(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    // Files are compared and backed up a chunk at a time: every byte of a large one still counts.
    [Theory]
    [InlineData(0)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(199_999)]
    public void ALargeFileDifferingInOneByteOfTheSameLengthIsRewrittenWithAnExactBackup(int at)
    {
        var path = PathOf("large.conf");
        var old = Enumerable.Range(0, 200_000).Select(i => (byte)('a' + i % 26)).ToArray();
        File.WriteAllBytes(path, old);
        var content = (byte[])old.Clone();
        content[at] = (byte)'#';
        Assert.False(AtomicFileWriter.Holds(path, new System.Buffers.ReadOnlySequence<byte>(content)));
        var result = AtomicFileWriter.Write(path, content);
        Assert.True(result.Changed);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(old, File.ReadAllBytes(path + ".bak"));
        Assert.Equal(ContentHash.Of(old), result.PreviousHash);
        Assert.True(AtomicFileWriter.Holds(path, new System.Buffers.ReadOnlySequence<byte>(content)));
        Assert.False(AtomicFileWriter.Write(path, content).Changed);
    }

    [Theory]
    [InlineData("abc", "abcd")]
    [InlineData("abcd", "abc")]
    [InlineData("", "x")]
    [InlineData("x", "")]
    public void AFileThatIsAPrefixOfTheContentOrTheOtherWayRoundDoesNotHoldIt(string existing, string content)
    {
        var path = PathOf("prefix.conf");
        File.WriteAllText(path, existing);
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        Assert.False(AtomicFileWriter.Holds(path, new System.Buffers.ReadOnlySequence<byte>(bytes)));
        Assert.True(AtomicFileWriter.Write(path, content, new AtomicWriteOptions { Backup = false }).Changed);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void AnEmptyFileHoldsEmptyContentAndAMissingOneHoldsNothing()
    {
        var path = PathOf("empty.conf");
        Assert.False(AtomicFileWriter.Holds(path, System.Buffers.ReadOnlySequence<byte>.Empty));
        File.WriteAllText(path, "");
        Assert.True(AtomicFileWriter.Holds(path, System.Buffers.ReadOnlySequence<byte>.Empty));
    }

    [Fact]
    public void AChangeKeepsABackupOfTheOldContentAndTheFileMode()
    {
        var path = PathOf("b.conf");
        AtomicFileWriter.Write(path, "old\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = AtomicFileWriter.Write(path, "new\n");
        Assert.True(result.Changed);
        Assert.Equal(path + ".bak", result.BackupPath);
        Assert.Equal("old\n", File.ReadAllText(path + ".bak"));
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(ContentHash.Of("old\n"), result.PreviousHash);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void NoBackupWhenAskedNot()
    {
        var path = PathOf("c.conf");
        AtomicFileWriter.Write(path, "old\n");
        var result = AtomicFileWriter.Write(path, "new\n", new AtomicWriteOptions { Backup = false });
        Assert.Null(result.BackupPath);
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void PlanShowsTheDiffAndWritesNothing()
    {
        var path = PathOf("d.conf");
        AtomicFileWriter.Write(path, "a\nb\nc\n");
        var plan = AtomicFileWriter.Plan(path, "a\nB\nc\n");
        Assert.True(plan.Changed);
        Assert.Equal("a\nb\nc\n", File.ReadAllText(path));
        Assert.Contains("-b\n+B\n", plan.Diff);
        Assert.False(AtomicFileWriter.Plan(path, "a\nb\nc\n").Changed);
        Assert.Contains("--- /dev/null", AtomicFileWriter.Plan(PathOf("new.conf"), "x\n").Diff);
    }

    [Fact]
    public void LeavesNoTempFilesBehind()
    {
        var path = PathOf("e.conf");
        for (int i = 0; i < 5; i++) AtomicFileWriter.Write(path, $"v{i}\n");
        Assert.Equal(["e.conf", "e.conf.bak"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName).Order());
    }
}

public sealed class AtomicFileWriterMetadataTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("nginxkit-writer-meta-");

    public void Dispose() => dir.Delete(recursive: true);

    [RealFact("setfacl")]
    public void OwnerGroupModeAndAclAreKeptWhenAsked()
    {
        var path = Path.Combine(dir.FullName, "f");
        File.WriteAllText(path, "old\n");
        Run("chown", "65534:65534", path);
        Run("chmod", "0640", path);
        Run("setfacl", "-m", "u:daemon:r", path);
        var acl = Run("getfacl", "-c", path);
        AtomicFileWriter.Write(path, "new\n", new AtomicWriteOptions { KeepOwnerAndAcl = true });
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal("65534:65534 640", Run("stat", "-c", "%u:%g %a", path).Trim());
        Assert.Equal(acl, Run("getfacl", "-c", path));
        Assert.Equal(acl, Run("getfacl", "-c", path + ".bak"));
        // The control: without the option the file is the writer's own.
        AtomicFileWriter.Write(path, "newer\n");
        Assert.NotEqual("65534:65534", Run("stat", "-c", "%u:%g", path).Trim());
    }

    [Fact]
    public void AnExplicitModeIsSetWhateverTheFileHadAndReplaceStillReplacesALink()
    {
        var path = Path.Combine(dir.FullName, "g");
        File.WriteAllText(path, "x\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        var r = AtomicFileWriter.Write(path, "x\n", new AtomicWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        Assert.True(r.Changed);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var link = Path.Combine(dir.FullName, "link");
        File.CreateSymbolicLink(link, path);
        AtomicFileWriter.Write(link, "y\n");
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal("x\n", File.ReadAllText(path));
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
        return output;
    }
}
