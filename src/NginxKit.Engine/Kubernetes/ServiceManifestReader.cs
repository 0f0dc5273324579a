using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Reads Services from manifest files: multi-document YAML, JSON, and the List objects that
/// <c>kubectl get svc -A -o yaml</c> prints. Objects of other kinds are passed over.
/// </summary>
public static class ServiceManifestReader
{

    /// <summary>Reads every Service in the file; a file that cannot be read or parsed is one Problem.</summary>
    public static IReadOnlyList<V1Service> Read(string path, out Problem? problem)
    {
        problem = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ErrorCatalog.ManifestNotReadable.Problem($"Cannot read '{path}': {ex.Message}", path);
            return [];
        }
        try
        {
            return Parse(text);
        }
        catch (Exception ex) when (ex is YamlException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            problem = ErrorCatalog.ManifestParseError.Problem($"'{path}' is not a valid YAML or JSON manifest: {ex.Message}", path);
            return [];
        }
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
