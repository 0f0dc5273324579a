using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>The whole render path shared by New-NginxConf and Sync-NginxConf.</summary>
public static class NginxConf
{
    public static RenderedConf Render(IReadOnlyList<AcceptedRoute> routes, NginxConfOptions options, NginxTemplate? template = null) =>
        template is null ? NginxConfRenderer.Render(routes, options) : template.Render(routes, options);

    /// <summary>Compares a render with the file on disk without writing; the result carries the diff.</summary>
    public static NginxConfWriteResult Plan(string path, RenderedConf conf, bool backup = true) =>
        NginxConfWriteResult.From(AtomicFileWriter.Plan(path, conf.Utf8, new AtomicWriteOptions { Backup = backup }), conf);

    /// <summary>Writes atomically, and only when the content changed.</summary>
    public static NginxConfWriteResult Write(string path, RenderedConf conf, bool backup = true) =>
        NginxConfWriteResult.From(AtomicFileWriter.Write(path, conf.Utf8, new AtomicWriteOptions { Backup = backup }), conf);
}
