using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.IO;

public sealed class FileAccessErrorsTests
{
    // .NET raises EACCES and EPERM as UnauthorizedAccessException, other errno values as an IOException whose HResult is the errno.
    [Fact]
    public void PermissionsAndAReadOnlyFileSystemAreAccessDenied()
    {
        Assert.True(FileAccessErrors.IsAccessDenied(new UnauthorizedAccessException("Access to the path '/etc/x' is denied.")));
        Assert.True(FileAccessErrors.IsAccessDenied(new IOException("Read-only file system", 30)));   // EROFS
        Assert.True(FileAccessErrors.IsAccessDenied(new IOException("Permission denied", 13)));       // EACCES
        Assert.True(FileAccessErrors.IsAccessDenied(new IOException("Operation not permitted", 1)));  // EPERM
    }

    [Fact]
    public void OtherFailuresAreNotAccessDenied()
    {
        Assert.False(FileAccessErrors.IsAccessDenied(new IOException("No space left on device", 28)));   // ENOSPC
        Assert.False(FileAccessErrors.IsAccessDenied(new FileNotFoundException("missing")));
        Assert.False(FileAccessErrors.IsAccessDenied(new InvalidOperationException("other")));
    }

    [Fact]
    public void TheErrorNamesThePathAndSaysWhatToDo()
    {
        var inner = new UnauthorizedAccessException("Access to the path '/etc/nginx/conf.d/.default.conf.tmp' is denied.");
        var ex = FileAccessErrors.AccessDenied("/etc/nginx/conf.d/default.conf", inner, privileged: false);
        Assert.Equal(ErrorCatalog.AccessDenied, ex.Problem.Kind);
        Assert.Equal(ProblemCategory.PermissionDenied, ex.Problem.Category);
        Assert.Equal("/etc/nginx/conf.d/default.conf", ex.Problem.Target);
        Assert.StartsWith("/etc/nginx/conf.d/default.conf cannot be written", ex.Problem.Message);
        Assert.Contains("-OutFile", ex.Problem.Hint);
        Assert.Contains("-Root", ex.Problem.Hint);
        Assert.Contains("root", ex.Problem.Hint);
        Assert.Same(inner, ex.InnerException);
    }

    [Fact]
    public void GuardMakesTheErrorForThePathItWasGiven()
    {
        var inner = new UnauthorizedAccessException("denied");
        var ex = Assert.Throws<NginxKitException>(() => FileAccessErrors.Guard("/etc/docker/daemon.json", () => throw inner));
        Assert.Equal(ErrorCatalog.AccessDenied, ex.Problem.Kind);
        Assert.Equal("/etc/docker/daemon.json", ex.Problem.Target);
        Assert.Same(inner, ex.InnerException);
    }

    // Modes never stop root: a refusal to root is a file attribute (chattr +i, +a) or a security module.
    [Fact]
    public void ARefusalToRootPointsAtTheFilesAttributes()
    {
        var ex = FileAccessErrors.AccessDenied("/etc/default/docker", new UnauthorizedAccessException("Operation not permitted"), privileged: true);
        Assert.Equal(ErrorCatalog.AccessDenied, ex.Problem.Kind);
        Assert.Equal("RefusedToRoot", ex.Problem.Rule);
        Assert.Contains("immutable", ex.Problem.Message);
        Assert.Contains("lsattr -d /etc/default/docker /etc/default", ex.Problem.Hint);
        Assert.Contains("chattr -i", ex.Problem.Hint);
        Assert.DoesNotContain("sudo", ex.Problem.Hint);
    }

    [Fact]
    public void AReadOnlyFileSystemIsSaidSoEvenToRoot()
    {
        var ex = FileAccessErrors.AccessDenied("/ro/file", new IOException("Read-only file system", 30), privileged: true);
        Assert.Equal("ReadOnlyFileSystem", ex.Problem.Rule);
        Assert.Contains("read-only", ex.Problem.Message);
    }

    [Fact]
    public void AReadOnlyFileSystemIsSaidSo()
    {
        var ex = Assert.Throws<NginxKitException>(() => FileAccessErrors.Guard("/ro/file", () => throw new IOException("Read-only file system", 30)));
        Assert.Equal(ErrorCatalog.AccessDenied, ex.Problem.Kind);
        Assert.Equal("ReadOnlyFileSystem", ex.Problem.Rule);
        Assert.Contains("read-only", ex.Problem.Message);
    }

    [Fact]
    public void AFullFileSystemIsWriteFailedWithWhereToMakeRoom()
    {
        var full = new IOException("No space left on device", 28);
        var ex = Assert.Throws<NginxKitException>(() => FileAccessErrors.Guard("/etc/nginx/conf.d/default.conf", () => throw full));
        Assert.Equal(ErrorCatalog.WriteFailed, ex.Problem.Kind);
        Assert.Equal(ProblemCategory.WriteError, ex.Problem.Category);
        Assert.Equal("NoSpace", ex.Problem.Rule);
        Assert.Equal("/etc/nginx/conf.d/default.conf", ex.Problem.Target);
        Assert.Equal("/etc/nginx/conf.d/default.conf could not be written: No space left on device. Nothing was changed.", ex.Problem.Message);
        Assert.Contains("df -h /etc/nginx/conf.d", ex.Problem.Hint);
        Assert.Same(full, ex.InnerException);
    }

    [Fact]
    public void AnIoErrorIsWriteFailedWithoutARule()
    {
        var ex = Assert.Throws<NginxKitException>(() => FileAccessErrors.Guard("/x/y", () => throw new IOException("Input/output error", 5)));
        Assert.Equal(ErrorCatalog.WriteFailed, ex.Problem.Kind);
        Assert.Null(ex.Problem.Rule);
    }

    [Fact]
    public void OtherFailuresPassThroughUnchanged()
    {
        var missing = new FileNotFoundException("missing");
        Assert.Same(missing, Assert.Throws<FileNotFoundException>(() => FileAccessErrors.Guard("/x", () => throw missing)));
        var other = new InvalidOperationException("other");
        Assert.Same(other, Assert.Throws<InvalidOperationException>(() => FileAccessErrors.Guard("/x", () => throw other)));
    }
}
