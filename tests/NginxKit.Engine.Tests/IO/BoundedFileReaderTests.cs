using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public sealed class BoundedFileReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nginxkit-bounded-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TellsRegularFilesDirectoriesDevicesAndMissingPathsApart()
    {
        var file = Path.Combine(dir, "a.yaml");
        File.WriteAllText(file, "x");
        var link = Path.Combine(dir, "link.yaml");
        File.CreateSymbolicLink(link, file);
        var dangling = Path.Combine(dir, "dangling.yaml");
        File.CreateSymbolicLink(dangling, Path.Combine(dir, "none"));

        Assert.Equal(UnixFiles.Kind.Regular, UnixFiles.KindOf(file));
        Assert.Equal(UnixFiles.Kind.Regular, UnixFiles.KindOf(link));
        Assert.Equal(UnixFiles.Kind.Directory, UnixFiles.KindOf(dir));
        Assert.Equal(UnixFiles.Kind.Other, UnixFiles.KindOf("/dev/zero"));
        Assert.Equal(UnixFiles.Kind.Missing, UnixFiles.KindOf(dangling));
        Assert.Equal(UnixFiles.Kind.Missing, UnixFiles.KindOf(Path.Combine(dir, "none")));
        Assert.Equal(file, UnixFiles.RealPath(link));
    }

    [Fact]
    public void ReadsARegularFileAndRefusesEverythingElseWithARule()
    {
        var file = Path.Combine(dir, "a.yaml");
        File.WriteAllText(file, "kind: Service\n");
        Assert.Equal("kind: Service\n", BoundedFileReader.ReadText(file, out var rule, out _));
        Assert.Null(rule);

        Assert.Null(BoundedFileReader.ReadText("/dev/zero", out rule, out _));
        Assert.Equal("NotARegularFile", rule);
        Assert.Null(BoundedFileReader.ReadText(dir, out rule, out _));
        Assert.Equal("NotAFile", rule);
        Assert.Null(BoundedFileReader.ReadText(Path.Combine(dir, "none"), out rule, out _));
        Assert.Equal("NotFound", rule);
    }

    [Fact]
    public void RefusesAFileOverTheCapWithoutReadingIt()
    {
        var file = Path.Combine(dir, "big.yaml");
        File.WriteAllBytes(file, new byte[2048]);
        Assert.Null(BoundedFileReader.ReadText(file, out var rule, out var why, maxBytes: 1024));
        Assert.Equal("TooLarge", rule);
        Assert.Contains("larger", why);
    }
}
