using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// What nginx serves from one config, as far as choosing a location goes: the server blocks in
/// file order. Read from the text NginxKit renders (<see cref="ServedConfReader"/>); anything in
/// it that could change where a request goes and that this model does not follow is refused.
/// </summary>
public sealed record ServedConf(IReadOnlyList<ServedServer> Servers)
{
    /// <summary>Reads a config's text; throws UnsupportedConfConstruct for what it cannot model.</summary>
    public static ServedConf Parse(string text, string? source = null) => ServedConfReader.Read(text, source);

    /// <summary>Reads a config file: regular files only, capped in size; throws ConfigNotReadable or UnsupportedConfConstruct.</summary>
    public static ServedConf Load(string path)
    {
        var text = BoundedFileReader.ReadText(path, out var rule, out var why);
        if (text is null)
            throw ErrorCatalog.ConfigNotReadable.Exception($"Cannot read '{Printable.Escape(path)}': {why}.", path, rule);
        return Parse(text, path);
    }
}
