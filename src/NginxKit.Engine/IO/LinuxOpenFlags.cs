using System.Runtime.InteropServices;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.IO;

/// <summary>
/// open(2) flags whose numbers differ between Linux architectures. x86 and x86-64 use
/// include/uapi/asm-generic/fcntl.h; arm and arm64 override O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE in
/// arch/arm{,64}/include/uapi/asm/fcntl.h, so x86-64's O_DIRECTORY (0x10000) is O_DIRECT there.
/// An architecture not in the table is refused rather than guessed.
/// </summary>
public sealed record LinuxOpenFlags(Architecture Architecture, int Directory, int NoFollow, int Direct)
{
    public const int ReadOnly = 0;          // asm-generic, every architecture
    public const int CloseOnExec = 0x80000; // 02000000, asm-generic; no architecture above overrides it

    private static readonly LinuxOpenFlags Generic = new(default, Directory: 0x10000, NoFollow: 0x20000, Direct: 0x4000);
    private static readonly LinuxOpenFlags Arm = new(default, Directory: 0x4000, NoFollow: 0x8000, Direct: 0x10000);

    /// <summary>The flags of the architecture this process runs on.</summary>
    public static LinuxOpenFlags Current => For(RuntimeInformation.ProcessArchitecture);

    /// <summary>The flags for <paramref name="architecture"/>; PlatformNotSupported for one NginxKit has no table for.</summary>
    public static LinuxOpenFlags For(Architecture architecture) => architecture switch
    {
        Architecture.X64 or Architecture.X86 => Generic with { Architecture = architecture },
        Architecture.Arm64 or Architecture.Arm => Arm with { Architecture = architecture },
        _ => throw ErrorCatalog.PlatformNotSupported.Exception(
            $"NginxKit writes files on Linux for x64, x86, arm64 and arm, not for {architecture}: the open(2) flags it needs differ between architectures, and it has no table for this one.",
            architecture.ToString(), "Architecture", "Run NginxKit on an x64 or arm64 host."),
    };
}
