using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>What writing a config did (or, under -WhatIf, would do).</summary>
/// <param name="Hash">The hash in the config's header (of everything below it).</param>
public sealed record NginxConfWriteResult(string Path, bool Changed, string Hash, int RouteCount, string? BackupPath, string? Diff)
{
    internal static NginxConfWriteResult From(FileWriteResult file, RenderedConf conf) =>
        new(file.Path, file.Changed, conf.Hash, conf.RouteCount, file.BackupPath, string.IsNullOrEmpty(file.Diff) ? null : file.Diff);
}
