using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// What GET /api/v1/namespaces/{ns}/pods/{name}/log answers: text a test gives per container (and
/// for its previous, terminated instance), with the kubelet's rules for choosing the container.
/// </summary>
public sealed class PodLogs
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Container, bool Previous), string> _logs = new();

    public void Set(string ns, string pod, string container, bool previous, string text) => _logs[(ns, pod, container, previous)] = text;

    public void Clear() => _logs.Clear();

    /// <summary>The log of one container of <paramref name="pod"/>; throws the apiserver's 400 for a container it cannot pick.</summary>
    public string Read(JsonObject pod, string? container, bool previous, int? tailLines)
    {
        var name = Json.Name(pod)!;
        var ns = Json.Namespace(pod)!;
        var containers = Names(pod, "containers");
        var inits = Names(pod, "initContainers");
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count != 1)
                throw KubeStatus.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]"
                    + (inits.Count > 0 ? $" or one of the init containers: [{string.Join(" ", inits)}]" : ""));
            container = containers[0];
        }
        else if (!containers.Contains(container) && !inits.Contains(container))
        {
            throw KubeStatus.BadRequest($"container {container} is not valid for pod {name}");
        }
        if (!_logs.TryGetValue((ns, name, container, previous), out var text))
        {
            if (previous) throw KubeStatus.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
            text = "";
        }
        if (tailLines is { } n && n >= 0)
        {
            var lines = text.EndsWith('\n') ? text[..^1].Split('\n') : text.Split('\n');
            text = n == 0 || text.Length == 0 ? "" : string.Join('\n', lines.TakeLast(n)) + "\n";
        }
        return text;
    }

    private static List<string> Names(JsonObject pod, string list) =>
        (pod["spec"]?[list] as JsonArray)?.OfType<JsonObject>().Select(c => Json.Str(c["name"])).OfType<string>().ToList() ?? [];
}
