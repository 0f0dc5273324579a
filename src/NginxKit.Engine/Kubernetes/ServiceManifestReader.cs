using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;
using NginxKit.Engine.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Reads Services from manifest files: multi-document YAML, JSON, and the List objects that
/// <c>kubectl get svc -A -o yaml</c> prints. Objects of other kinds are passed over.
/// </summary>
public static class ServiceManifestReader
{

    /// <summary>Deeper than this, a manifest is refused before anything recurses into it (Kubernetes objects nest about 15 deep).</summary>
    public const int MaxNesting = 100;

    /// <summary>Reads every Service in the file; a file that cannot be read or parsed is one Problem.</summary>
    public static IReadOnlyList<V1Service> Read(string path, out Problem? problem)
    {
        var text = ReadText(path, out problem);
        if (text is null) return [];
        try
        {
            return Parse(text);
        }
        catch (Exception ex) when (ex is YamlException or FormatException or InvalidOperationException or System.Text.Json.JsonException or ArgumentException)
        {
            problem = ErrorCatalog.ManifestParseError.Problem($"'{path}' is not a valid YAML or JSON manifest: {Printable.Escape(ex.Message)}", path);
            return [];
        }
    }

    /// <summary>
    /// A manifest's text, read defensively (a regular file, at most 16 MiB, within 30 s) and checked
    /// to nest no deeper than <see cref="MaxNesting"/>; null with a Problem naming the file otherwise.
    /// </summary>
    public static string? ReadText(string path, out Problem? problem)
    {
        problem = null;
        var text = BoundedFileReader.ReadText(path, out var rule, out var why);
        if (text is null)
        {
            problem = ErrorCatalog.ManifestNotReadable.Problem($"Cannot read '{path}': {why}.", path, rule);
            return null;
        }
        try
        {
            if (Nesting(text) > MaxNesting)
            {
                problem = ErrorCatalog.ManifestParseError.Problem($"'{path}' nests deeper than {MaxNesting} levels; no manifest does.", path, "NestingTooDeep");
                return null;
            }
        }
        catch (YamlException ex)
        {
            problem = ErrorCatalog.ManifestParseError.Problem($"'{path}' is not a valid YAML or JSON manifest: {Printable.Escape(ex.Message)}", path);
            return null;
        }
        return text;
    }

    // The deepest nesting of mappings and sequences, from the parser's events: the parser keeps its
    // own stack, so unlike building the document tree this cannot overflow the thread's stack.
    private static int Nesting(string text)
    {
        var parser = new Parser(new StringReader(text));
        int depth = 0, deepest = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    deepest = Math.Max(deepest, ++depth);
                    if (deepest > MaxNesting) return deepest;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
        return deepest;
    }

    public static IReadOnlyList<V1Service> Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var services = new List<V1Service>();
        foreach (var document in stream.Documents)
            Collect(document.RootNode, services);
        return services;
    }

    private static void Collect(YamlNode node, List<V1Service> services)
    {
        if (node is not YamlMappingNode map) return;
        var kind = Scalar(map, "kind");
        if (kind == "Service")
        {
            services.Add(KubernetesYaml.Deserialize<V1Service>(Serialize(map)));
            return;
        }
        if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal)
            && map.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode sequence)
        {
            foreach (var item in sequence)
            {
                // Items of a ServiceList carry no kind of their own.
                if (kind == "ServiceList" && item is YamlMappingNode itemMap && Scalar(itemMap, "kind") is null)
                    itemMap.Add("kind", "Service");
                Collect(item, services);
            }
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    private static string Serialize(YamlNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
