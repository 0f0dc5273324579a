using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// A minimal but valid OpenAPI v3 per group version. kubectl needs it: before it sends
/// <c>fieldValidation=Strict</c> it looks up the resource's PATCH operation (by its
/// x-kubernetes-group-version-kind) and checks that the operation takes that query parameter;
/// without /openapi/v3 (and /openapi/v2) <c>kubectl apply</c> fails with "failed to download
/// openapi". The component schemas are deliberately not tagged with their kind: client-side
/// <c>kubectl apply</c> then finds no schema to compute its patch from and silently uses its
/// compiled-in types (the real schemas), instead of warning about fields a stub schema lacks.
/// </summary>
public static class OpenApi
{
    private static readonly Lazy<Dictionary<string, string>> Documents = new(BuildAll);

    /// <summary>The document for /openapi/v3 or /openapi/v3/{api/v1|apis/g/v}, or null.</summary>
    public static string? Answer(string path)
    {
        var trimmed = path.Trim('/');
        if (trimmed == "openapi/v3") return Root();
        return trimmed.StartsWith("openapi/v3/", StringComparison.Ordinal)
            ? Documents.Value.GetValueOrDefault(trimmed["openapi/v3/".Length..])
            : null;
    }

    private static string Root()
    {
        var paths = new JsonObject();
        foreach (var (gv, doc) in Documents.Value)
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(doc)}" };
        return new JsonObject { ["paths"] = paths }.ToJsonString(Json.Compact);
    }

    private static string Hash(string doc) => Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(doc)));

    private static Dictionary<string, string> BuildAll() =>
        ResourceCatalog.All
            .GroupBy(r => r.GroupVersionPath.TrimStart('/'))
            .ToDictionary(g => g.Key, g => Build(g.ToList()).ToJsonString(Json.Compact));

    private static JsonObject Build(List<ResourceType> resources)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject
        {
            ["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = new JsonObject { ["type"] = "object", ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." },
            ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] = new JsonObject { ["type"] = "object", ["description"] = "ObjectMeta is metadata that all persisted resources must have." },
        };
        foreach (var r in resources)
        {
            var schema = SchemaName(r);
            var gvk = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };
            schemas[schema] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = $"{r.Kind} (served by the fake; fields are not validated).",
                ["properties"] = new JsonObject
                {
                    ["apiVersion"] = new JsonObject { ["type"] = "string" },
                    ["kind"] = new JsonObject { ["type"] = "string" },
                    ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")) },
                },
            };
            schemas[schema + "List"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["items"] = new JsonObject { ["type"] = "array", ["items"] = Ref(schema) } },
            };

            var collection = r.Namespaced ? $"{r.GroupVersionPath}/namespaces/{{namespace}}/{r.Plural}" : $"{r.GroupVersionPath}/{r.Plural}";
            var scope = r.Namespaced ? "Namespaced" : "";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(r, $"list{Prefix(r)}{scope}{r.Kind}", "list", gvk, schema + "List", ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "watch"]),
                ["post"] = Operation(r, $"create{Prefix(r)}{scope}{r.Kind}", "post", gvk, schema, ["dryRun", "fieldManager", "fieldValidation"], body: schema),
                ["delete"] = Operation(r, $"deletecollection{Prefix(r)}{scope}{r.Kind}", "deletecollection", gvk, null, ["dryRun", "labelSelector", "fieldSelector"]),
                ["parameters"] = PathParameters(r.Namespaced, named: false),
            };
            paths[collection + "/{name}"] = ItemPath(r, scope, gvk, schema, "");
            if (r.HasStatus) paths[collection + "/{name}/status"] = ItemPath(r, scope, gvk, schema, "Status");
            if (r.Namespaced)
                paths[$"{r.GroupVersionPath}/{r.Plural}"] = new JsonObject
                {
                    ["get"] = Operation(r, $"list{Prefix(r)}{r.Kind}ForAllNamespaces", "list", gvk, schema + "List", ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "watch"]),
                };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject ItemPath(ResourceType r, string scope, JsonObject gvk, string schema, string suffix)
    {
        var item = new JsonObject
        {
            ["get"] = Operation(r, $"read{Prefix(r)}{scope}{r.Kind}{suffix}", "get", gvk, schema, []),
            ["put"] = Operation(r, $"replace{Prefix(r)}{scope}{r.Kind}{suffix}", "put", gvk, schema, ["dryRun", "fieldManager", "fieldValidation"], body: schema),
            ["patch"] = Operation(r, $"patch{Prefix(r)}{scope}{r.Kind}{suffix}", "patch", gvk, schema, ["dryRun", "fieldManager", "fieldValidation", "force"], patch: true),
        };
        if (suffix.Length == 0)
            item["delete"] = Operation(r, $"delete{Prefix(r)}{scope}{r.Kind}", "delete", gvk, null, ["dryRun", "gracePeriodSeconds", "propagationPolicy"]);
        item["parameters"] = PathParameters(r.Namespaced, named: true);
        return item;
    }

    private static JsonObject Operation(ResourceType r, string operationId, string action, JsonObject gvk, string? response,
        string[] queryParameters, string? body = null, bool patch = false)
    {
        var op = new JsonObject
        {
            ["tags"] = new JsonArray($"{Tag(r)}_{r.Version}"),
            ["operationId"] = operationId,
            ["parameters"] = new JsonArray(queryParameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p,
                ["in"] = "query",
                ["schema"] = new JsonObject { ["type"] = p is "limit" or "timeoutSeconds" or "gracePeriodSeconds" ? "integer" : p is "watch" or "force" ? "boolean" : "string", ["uniqueItems"] = true },
            }).ToArray()),
        };
        if (patch)
        {
            var content = new JsonObject();
            foreach (var type in Patches.Accepted)
                content[type] = new JsonObject { ["schema"] = Ref("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") };
            op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }
        else if (body is not null)
        {
            op["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = Ref(body) } }, ["required"] = true };
        }
        var ok = new JsonObject { ["description"] = "OK" };
        if (response is not null) ok["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(response) } };
        op["responses"] = new JsonObject { ["200"] = ok, ["401"] = new JsonObject { ["description"] = "Unauthorized" } };
        op["x-kubernetes-action"] = action;
        op["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return op;
    }

    private static JsonArray PathParameters(bool namespaced, bool named)
    {
        var list = new JsonArray();
        if (named) list.Add(PathParameter("name"));
        if (namespaced) list.Add(PathParameter("namespace"));
        list.Add(new JsonObject { ["name"] = "pretty", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        return list;
    }

    private static JsonObject PathParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "path",
        ["required"] = true,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject Ref(string schema) => new() { ["$ref"] = $"#/components/schemas/{schema}" };

    // io.k8s.api.core.v1.Node, io.k8s.api.apps.v1.Deployment, io.k8s.api.rbac.v1.ClusterRole
    private static string SchemaName(ResourceType r) =>
        $"io.k8s.api.{(r.Group.Length == 0 ? "core" : r.Group.Split('.')[0])}.{r.Version}.{r.Kind}";

    // core, apps, rbacAuthorization
    private static string Tag(ResourceType r) => r.Group.Length == 0 ? "core" : Camel(r.Group, upperFirst: false);

    // Core, Apps, RbacAuthorization (as in operation ids like patchRbacAuthorizationV1ClusterRole)
    private static string Prefix(ResourceType r) =>
        (r.Group.Length == 0 ? "Core" : Camel(r.Group, upperFirst: true)) + char.ToUpperInvariant(r.Version[0]) + r.Version[1..];

    private static string Camel(string group, bool upperFirst)
    {
        var parts = group.Replace(".k8s.io", "").Split('.');
        var text = string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        return upperFirst ? text : char.ToLowerInvariant(text[0]) + text[1..];
    }
}
