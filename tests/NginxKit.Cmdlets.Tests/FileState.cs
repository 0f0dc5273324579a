namespace NginxKit.Cmdlets.Tests;

/// <summary>A file's bytes (base64, to compare by value) and mtime: equal states mean the file was neither changed nor rewritten.</summary>
public sealed record FileState(string Bytes, DateTime Mtime)
{
    public static FileState Of(string path) => new(Convert.ToBase64String(File.ReadAllBytes(path)), File.GetLastWriteTimeUtc(path));
}
