using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// The discovery documents: /version, /api, /apis, /apis/{group}, and the APIResourceLists of
/// each group version, in the legacy form and in the aggregated form (apidiscovery.k8s.io/v2)
/// that kubectl 1.32 asks for first.
/// </summary>
public static class Discovery
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>True for the paths this class answers (the request log marks them as discovery).</summary>
    public static bool IsDiscoveryPath(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["version"] or ["api"] or ["apis"] or ["openapi", ..] => true,
            ["api", _] => true,
            ["apis", _] or ["apis", _, _] => true,
            _ => false,
        };
    }

    /// <summary>The document for <paramref name="path"/> and its content type, or null when there is none.</summary>
    public static (JsonObject Body, string ContentType)? Answer(string path, string? accept)
    {
        var aggregated = WantsAggregated(accept);
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["version"] => (Version(), "application/json"),
            ["api"] when aggregated => (AggregatedList([""]), AggregatedContentType),
            ["api"] => (ApiVersions(), "application/json"),
            ["apis"] when aggregated => (AggregatedList(ResourceCatalog.Groups.Select(g => g.Key)), AggregatedContentType),
            ["apis"] => (GroupList(), "application/json"),
            ["api", var v] when ResourceCatalog.HasGroupVersion("", v) => (ResourceList("", v), "application/json"),
            ["apis", var g] when ResourceCatalog.Groups.Any(x => x.Key == g) => (Group(g), "application/json"),
            ["apis", var g, var v] when ResourceCatalog.HasGroupVersion(g, v) => (ResourceList(g, v), "application/json"),
            _ => null,
        };
    }

    // kubectl sends "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,application/json".
    private static bool WantsAggregated(string? accept) =>
        accept is not null && accept.Split(',').Any(media =>
        {
            var parts = media.Split(';').Select(p => p.Trim()).ToArray();
            return parts.Contains("g=apidiscovery.k8s.io") && parts.Contains("v=v2") && parts.Contains("as=APIGroupDiscoveryList");
        });

    private static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0",
        ["gitCommit"] = "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T17:58:04Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject ApiVersions() => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = "127.0.0.1:6443" }),
    };

    private static JsonObject GroupVersion(string group, string version) => new()
    {
        ["groupVersion"] = $"{group}/{version}",
        ["version"] = version,
    };

    private static JsonObject Group(string group)
    {
        var versions = ResourceCatalog.All.Where(r => r.Group == group).Select(r => r.Version).Distinct().ToList();
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)GroupVersion(group, v)).ToArray()),
            ["preferredVersion"] = GroupVersion(group, versions[0]),
        };
    }

    private static JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var g in ResourceCatalog.Groups)
        {
            var group = Group(g.Key);
            group.Remove("kind");
            group.Remove("apiVersion");
            groups.Add(group);
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var r in ResourceCatalog.InGroupVersion(group, version))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(ResourceCatalog.Verbs),
            };
            if (r.ShortNames.Length > 0) entry["shortNames"] = Strings(r.ShortNames);
            if (r.Categories.Length > 0) entry["categories"] = Strings(r.Categories);
            resources.Add(entry);
            if (r.HasStatus)
                resources.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = r.Kind,
                    ["verbs"] = Strings(ResourceCatalog.StatusVerbs),
                });
        }
        var list = new JsonObject { ["kind"] = "APIResourceList" };
        // The core list has no apiVersion member; group lists do (as the apiserver answers them).
        if (group.Length > 0) list["apiVersion"] = "v1";
        list["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}";
        list["resources"] = resources;
        return list;
    }

    private static JsonObject AggregatedList(IEnumerable<string> groups)
    {
        var items = new JsonArray();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var version in ResourceCatalog.All.Where(r => r.Group == group).Select(r => r.Version).Distinct())
            {
                var resources = new JsonArray();
                foreach (var r in ResourceCatalog.InGroupVersion(group, version))
                {
                    var kind = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };
                    var entry = new JsonObject
                    {
                        ["resource"] = r.Plural,
                        ["responseKind"] = kind,
                        ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = r.Singular,
                        ["verbs"] = Strings(ResourceCatalog.Verbs),
                    };
                    if (r.ShortNames.Length > 0) entry["shortNames"] = Strings(r.ShortNames);
                    if (r.Categories.Length > 0) entry["categories"] = Strings(r.Categories);
                    if (r.HasStatus)
                        entry["subresources"] = new JsonArray(new JsonObject
                        {
                            ["subresource"] = "status",
                            ["responseKind"] = kind.DeepClone(),
                            ["verbs"] = Strings(ResourceCatalog.StatusVerbs),
                        });
                    resources.Add(entry);
                }
                versions.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }
            var metadata = new JsonObject();
            if (group.Length > 0) metadata["name"] = group;
            metadata["creationTimestamp"] = null;
            items.Add(new JsonObject { ["metadata"] = metadata, ["versions"] = versions });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
