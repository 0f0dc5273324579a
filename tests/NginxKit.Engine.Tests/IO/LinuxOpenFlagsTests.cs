using System.Runtime.InteropServices;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public sealed class LinuxOpenFlagsTests
{
    // From the kernel's uapi headers: include/uapi/asm-generic/fcntl.h (x86, x86-64) and
    // arch/arm64/include/uapi/asm/fcntl.h (O_DIRECTORY 040000, O_NOFOLLOW 0100000, O_DIRECT 0200000).
    [Theory]
    [InlineData(Architecture.Arm64, 0x4000, 0x8000, 0x10000)]
    [InlineData(Architecture.Arm, 0x4000, 0x8000, 0x10000)]
    [InlineData(Architecture.X64, 0x10000, 0x20000, 0x4000)]
    [InlineData(Architecture.X86, 0x10000, 0x20000, 0x4000)]
    public void EachArchitectureHasItsOwnOpenFlags(Architecture architecture, int directory, int noFollow, int direct)
    {
        var flags = LinuxOpenFlags.For(architecture);
        Assert.Equal(architecture, flags.Architecture);
        Assert.Equal(directory, flags.Directory);
        Assert.Equal(noFollow, flags.NoFollow);
        Assert.Equal(direct, flags.Direct);
    }

    [Fact]
    public void OnArm64TheX64DirectoryFlagWouldBeODirect()
    {
        Assert.Equal(LinuxOpenFlags.For(Architecture.X64).Directory, LinuxOpenFlags.For(Architecture.Arm64).Direct);
    }

    [Theory]
    [InlineData(Architecture.Ppc64le)]
    [InlineData(Architecture.S390x)]
    [InlineData(Architecture.Wasm)]
    public void AnArchitectureWithoutATableIsRefusedByName(Architecture architecture)
    {
        var ex = Assert.Throws<NginxKitException>(() => LinuxOpenFlags.For(architecture));
        Assert.Equal(ErrorCatalog.PlatformNotSupported, ex.Problem.Kind);
        Assert.Equal(architecture.ToString(), ex.Problem.Target);
        Assert.Contains(architecture.ToString(), ex.Problem.Message);
    }

    [Fact]
    public void TheCurrentFlagsAreThoseOfThisProcess()
    {
        Assert.Equal(RuntimeInformation.ProcessArchitecture, LinuxOpenFlags.Current.Architecture);
    }

    [Fact]
    public void TheDirectoryFlagOpensOnlyDirectoriesHere()
    {
        if (!OperatingSystem.IsLinux()) return;
        var flags = LinuxOpenFlags.Current;
        var dir = Directory.CreateTempSubdirectory("nginxkit-flags-");
        try
        {
            var file = Path.Combine(dir.FullName, "f");
            File.WriteAllText(file, "x");
            var fd = Native.open(dir.FullName, LinuxOpenFlags.ReadOnly | flags.Directory | LinuxOpenFlags.CloseOnExec);
            Assert.True(fd >= 0);
            Native.close(fd);
            Assert.Equal(-1, Native.open(file, LinuxOpenFlags.ReadOnly | flags.Directory));
            Assert.Equal(20, Marshal.GetLastPInvokeError()); // ENOTDIR: the flag is O_DIRECTORY, not O_DIRECT
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}
