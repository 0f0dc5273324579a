using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public sealed class LinuxInodeFlagsTests
{
    // FS_IOC_GETFLAGS as the kernel headers give it: 0x80086601 with a 64-bit long, 0x80046601 with a 32-bit one.
    [Theory]
    [InlineData(8, 0x80086601u)]
    [InlineData(4, 0x80046601u)]
    public void TheRequestCarriesTheSizeOfLong(int longSize, uint expected) =>
        Assert.Equal((nuint)expected, LinuxInodeFlags.GetFlagsRequest(longSize));

    [Fact]
    public void AnOrdinaryFileIsNotPinned()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.False(LinuxInodeFlags.IsPinned(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
