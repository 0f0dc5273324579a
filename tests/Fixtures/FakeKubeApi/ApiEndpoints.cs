using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FakeKubeApi;

/// <summary>A parsed resource path: <c>/api/v1/namespaces/{ns}/services/{name}</c> and friends.</summary>
public sealed record ApiRoute(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool LegacyWatch)
{
    public static ApiRoute? Parse(string path)
    {
        var s = path.Trim('/').Split('/');
        var (group, version, rest) = s switch
        {
            ["api", var v, .. var after] => ("", v, after),
            ["apis", var g, var v, .. var after] => (g, v, after),
            _ => ("", "", Array.Empty<string>()),
        };
        if (rest.Length == 0) return null;
        var legacyWatch = rest[0] == "watch";
        if (legacyWatch) rest = rest[1..];
        if (rest.Length == 0) return null;

        if (rest is ["namespaces", var ns, var plural, .. var tail] &&
            ResourceCatalog.Find(group, version, plural) is { Namespaced: true } namespaced)
            return Build(namespaced, ns, tail, legacyWatch);
        if (ResourceCatalog.Find(group, version, rest[0]) is { } type)
        {
            // A namespaced type outside /namespaces/{ns}/ is only its all-namespaces collection.
            if (type.Namespaced && rest.Length > 1) return null;
            return Build(type, null, rest[1..], legacyWatch);
        }
        return null;
    }

    private static ApiRoute? Build(ResourceType type, string? ns, string[] tail, bool legacyWatch) => tail switch
    {
        [] => new(type, ns, null, null, legacyWatch),
        [var name] => new(type, ns, name, null, legacyWatch),
        [var name, "status"] when type.HasStatus && !legacyWatch => new(type, ns, name, "status", false),
        // The TokenRequest API: POST only, answered with a token for the ServiceAccount.
        [var name, "token"] when type.Kind == "ServiceAccount" && !legacyWatch => new(type, ns, name, "token", false),
        [var name, "log"] when type.Kind == "Pod" && !legacyWatch => new(type, ns, name, "log", false),
        _ => null,
    };
}

/// <summary>
/// The Kubernetes API over HTTP: authentication, RBAC for ServiceAccounts, fault injection, the
/// request log, content negotiation (JSON, Table, PartialObjectMetadata), the verbs, the
/// TokenRequest API, and watch streaming.
/// </summary>
public sealed class ApiEndpoints(Registry registry, FaultInjector faults, RequestLog log, string? token, Certificates? tls = null,
    ServiceAccountTokens? serviceAccountTokens = null, Authorizer? authorizer = null, PodLogs? podLogs = null)
{
    private const string JsonType = "application/json";
    private static readonly string[] WriteContentTypes = ["application/json", "application/yaml", Protobuf.ContentType];

    public async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        var path = request.Path.Value ?? "/";
        var query = request.Query;
        var entry = new RecordedRequest
        {
            Method = request.Method,
            Path = path,
            Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            ContentType = request.ContentType,
            Accept = request.Headers.Accept.ToString(),
            UserAgent = request.Headers.UserAgent.ToString(),
            Protocol = request.Protocol,
            Discovery = Discovery.IsDiscoveryPath(path),
            Watch = IsTrue(query["watch"]) || path.Contains("/watch/"),
            DryRun = query["dryRun"].Count > 0,
            FieldManager = query["fieldManager"].FirstOrDefault(),
            Time = DateTimeOffset.UtcNow,
        };
        log.Add(entry);
        ctx.Response.OnStarting(() =>
        {
            entry.Status = ctx.Response.StatusCode;
            return Task.CompletedTask;
        });

        try
        {
            var who = Authenticate(ctx);
            if (who is null)
            {
                // A bearer token nobody issued, or no credentials where the fake asks for some.
                if (token is not null || tls is not null || BearerToken(ctx) is not null) throw KubeStatus.Unauthorized();
                who = Identity.Anyone;
            }
            entry.User = who.Name;
            var body = await ReadBodyAsync(request, entry);
            await ServeAsync(ctx, path, body, entry, who);
        }
        catch (KubeApiException ex)
        {
            if (!ctx.Response.HasStarted) await WriteAsync(ctx, ex.Code, ex.Status);
        }
        catch (Exception ex) when (!ctx.RequestAborted.IsCancellationRequested && !ctx.Response.HasStarted)
        {
            // A bug in the fake: answer the way the apiserver answers its own failures.
            await WriteAsync(ctx, 500, KubeStatus.Failure(500, "InternalError", $"Internal error occurred: {ex.GetType().Name}: {ex.Message}"));
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away (typically in the middle of a watch).
        }
        entry.Status = ctx.Response.StatusCode;
    }

    // Who the request is, as the apiserver's authenticators see it: the CN of a client certificate
    // the cluster CA issued, else the bearer token (the admin's, or a ServiceAccount's), else nobody.
    private Identity? Authenticate(HttpContext ctx)
    {
        if (tls is not null && ctx.Connection.ClientCertificate is { } certificate && tls.Trusts(certificate))
            return Identity.ClusterAdmin(certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        if (BearerToken(ctx) is not { } bearer) return null;
        if (token is not null && bearer == token) return Identity.ClusterAdmin("token");
        return serviceAccountTokens?.Authenticate(bearer);
    }

    private static string? BearerToken(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length > 7 ? header[7..] : null;
    }

    private async Task ServeAsync(HttpContext ctx, string path, byte[]? body, RecordedRequest entry, Identity who)
    {
        var method = ctx.Request.Method;
        var route = ApiRoute.Parse(path);
        // kubectl delete --dry-run=server puts dryRun in the DeleteOptions body, not the query.
        var deleteOptions = method == "DELETE" && !string.IsNullOrWhiteSpace(Text(body))
            ? Json.ParseJsonOrYaml(Text(body), allowYaml: false) as JsonObject
            : null;
        if ((deleteOptions?["dryRun"] as JsonArray)?.Any(v => Json.Str(v) == "All") == true) entry.DryRun = true;
        authorizer?.Check(who, route, Verb(method, route, entry.Watch));
        if (faults.Match(method, path, entry.DryRun) is { } fault) throw Injected(fault, route, method, entry.Watch);

        if (path is "/healthz" or "/livez" or "/readyz")
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("ok");
            return;
        }
        if (route is null)
        {
            if (method == "GET" && Discovery.Answer(path, ctx.Request.Headers.Accept.ToString()) is var (doc, contentType))
            {
                await WriteAsync(ctx, 200, doc, contentType);
                return;
            }
            if (method == "GET" && OpenApi.Answer(path) is { } spec)
            {
                ctx.Response.ContentType = JsonType;
                await ctx.Response.WriteAsync(spec, ctx.RequestAborted);
                return;
            }
            throw KubeStatus.PathNotFound();
        }

        var q = ctx.Request.Query;
        var dryRun = DryRun(q) || entry.DryRun;
        var manager = q["fieldManager"].FirstOrDefault() ?? DefaultManager(ctx.Request.Headers.UserAgent.ToString());
        if (manager.Length > 128) throw KubeStatus.BadRequest("fieldManager: Too long: may not be longer than 128");
        var options = new WriteOptions(manager, dryRun, route.Subresource);
        var (type, ns, name) = (route.Type, route.Namespace, route.Name);

        if (route.Subresource == "token")
        {
            if (method != "POST") throw KubeStatus.MethodNotAllowed(method);
            if (serviceAccountTokens is null) throw KubeStatus.PathNotFound();
            await WriteAsync(ctx, 201, serviceAccountTokens.Issue(ns!, name!, ParseWriteBody(ctx.Request, body) as JsonObject));
            return;
        }

        if (route.Subresource == "log")
        {
            if (method != "GET") throw KubeStatus.MethodNotAllowed(method);
            var text = (podLogs ?? new PodLogs()).Read(registry.Get(type, ns, name!), q["container"].FirstOrDefault(),
                IsTrue(q["previous"]), int.TryParse(q["tailLines"], out var tail) ? tail : null);
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync(text, ctx.RequestAborted);
            return;
        }

        switch (method)
        {
            case "GET" when name is null || route.LegacyWatch:
                if (route.LegacyWatch || IsTrue(q["watch"])) await WatchAsync(ctx, route);
                else await ListAsync(ctx, route);
                return;
            case "GET":
                await WriteObjectAsync(ctx, 200, registry.Get(type, ns, name), type);
                return;
            case "POST" when name is null && (ns is not null || !type.Namespaced):
                await WriteAsync(ctx, 201, registry.Create(type, ns, ParseWriteBody(ctx.Request, body), options));
                return;
            case "PUT" when name is not null:
                await WriteAsync(ctx, 200, registry.Update(type, ns, name, ParseWriteBody(ctx.Request, body), options));
                return;
            case "PATCH" when name is not null:
            {
                var patchType = MediaType(ctx.Request.ContentType);
                if (!Patches.Accepted.Contains(patchType)) throw KubeStatus.UnsupportedMediaType(patchType, Patches.Accepted);
                var isApply = patchType == Patches.ApplyPatchType;
                if (isApply && q["fieldManager"].Count == 0)
                    throw KubeStatus.BadRequest("PATCH " + path + ": fieldManager is required for apply requests");
                if (!isApply && q["force"].Count > 0)
                    throw KubeStatus.BadRequest("force: Forbidden: may not be specified for non-apply patch");
                var (obj, created) = registry.Patch(type, ns, name, patchType, Text(body), options, force: IsTrue(q["force"]));
                await WriteAsync(ctx, created ? 201 : 200, obj);
                return;
            }
            case "DELETE" when name is not null:
                await WriteAsync(ctx, 200, registry.Delete(type, ns, name, deleteOptions, dryRun));
                return;
            case "DELETE":
                await WriteAsync(ctx, 200, registry.DeleteCollection(type, ns,
                    LabelSelector.Parse(q["labelSelector"]), FieldSelector.Parse(q["fieldSelector"], type), dryRun));
                return;
            default:
                throw KubeStatus.MethodNotAllowed(method);
        }
    }

    private async Task ListAsync(HttpContext ctx, ApiRoute route)
    {
        var q = ctx.Request.Query;
        int? limit = int.TryParse(q["limit"], out var l) ? l : null;
        var result = registry.List(route.Type, route.Namespace,
            LabelSelector.Parse(q["labelSelector"]), FieldSelector.Parse(q["fieldSelector"], route.Type),
            limit, q["continue"].FirstOrDefault() is { Length: > 0 } c ? c : null);

        var metadata = new JsonObject { ["resourceVersion"] = result.ResourceVersion.ToString() };
        if (result.Continue is not null) metadata["continue"] = result.Continue;
        if (result.RemainingItemCount is not null) metadata["remainingItemCount"] = result.RemainingItemCount;

        switch (Negotiate(ctx.Request))
        {
            case Representation.Table table:
                await WriteAsync(ctx, 200, Tables.Build(route.Type, result.Items, metadata, q["includeObject"], table.ApiVersion), table.ContentType);
                return;
            case Representation.Metadata meta:
                await WriteAsync(ctx, 200, new JsonObject
                {
                    ["kind"] = "PartialObjectMetadataList",
                    ["apiVersion"] = meta.ApiVersion,
                    ["metadata"] = metadata,
                    ["items"] = new JsonArray(result.Items.Select(i => (JsonNode)Tables.PartialObjectMetadata(i)).ToArray()),
                }, meta.ContentType);
                return;
        }
        // A JSON list's items carry no kind or apiVersion: the list's kind says it.
        var items = new JsonArray();
        foreach (var item in result.Items)
        {
            item.Remove("kind");
            item.Remove("apiVersion");
            items.Add(item);
        }
        await WriteAsync(ctx, 200, new JsonObject
        {
            ["kind"] = route.Type.ListKind,
            ["apiVersion"] = route.Type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = items,
        });
    }

    private static readonly TimeSpan TooLargeResourceVersionWait = TimeSpan.FromSeconds(3);

    private async Task WatchAsync(HttpContext ctx, ApiRoute route)
    {
        var q = ctx.Request.Query;
        var fields = FieldSelector.Parse(q["fieldSelector"], route.Type);
        if (route.Name is not null)
            fields = FieldSelector.Parse($"metadata.name={route.Name}" + (q["fieldSelector"].FirstOrDefault() is { Length: > 0 } f ? "," + f : ""), route.Type);
        var filter = new WatchFilter(route.Type, route.Namespace, LabelSelector.Parse(q["labelSelector"]), fields);
        long? from = q["resourceVersion"].FirstOrDefault() is { Length: > 0 } rvText
            ? long.TryParse(rvText, out var rv) && rv >= 0 ? rv : throw KubeStatus.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a non-negative integer")
            : null;
        var representation = Negotiate(ctx.Request);
        // The watch cache waits a few seconds for a resourceVersion it has not seen, then gives up
        // with 504 (a client that kept one across an apiserver restart must list again).
        if (from is { } wanted && wanted > registry.Store.ResourceVersion)
        {
            var deadline = DateTime.UtcNow + TooLargeResourceVersionWait;
            while (wanted > registry.Store.ResourceVersion && DateTime.UtcNow < deadline)
                await Task.Delay(50, ctx.RequestAborted);
            if (wanted > registry.Store.ResourceVersion) throw KubeStatus.TooLargeResourceVersion(wanted, registry.Store.ResourceVersion);
        }

        var response = ctx.Response;
        response.StatusCode = 200;
        response.ContentType = JsonType;
        response.Headers.CacheControl = "no-cache, private";
        using var sub = registry.Store.Subscribe(filter, from, IsTrue(q["sendInitialEvents"]), IsTrue(q["allowWatchBookmarks"]), out var expired);
        // Headers go out now, so the client sees its watch open before the first event.
        await response.StartAsync(ctx.RequestAborted);
        await response.Body.FlushAsync(ctx.RequestAborted);
        if (sub is null)
        {
            await WriteEventAsync(response, "ERROR", expired!, ctx.RequestAborted);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        if (int.TryParse(q["timeoutSeconds"], out var timeout) && timeout > 0) stop.CancelAfter(TimeSpan.FromSeconds(timeout));
        try
        {
            await foreach (var (type, obj) in sub.Events.ReadAllAsync(stop.Token))
                await WriteEventAsync(response, type, Render(route.Type, type, obj, representation, q["includeObject"]), stop.Token);
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed or the client went away: the watch simply ends.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString(Json.Compact) + "\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), ct);
        await response.Body.FlushAsync(ct);
    }

    private static JsonObject Render(ResourceType type, string eventType, JsonObject obj, Representation representation, string? includeObject)
    {
        if (eventType is "BOOKMARK" or "ERROR") return obj;
        return representation switch
        {
            Representation.Table t => Tables.Build(type, [obj], new JsonObject { ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone() }, includeObject, t.ApiVersion),
            Representation.Metadata => Tables.PartialObjectMetadata(obj),
            _ => obj,
        };
    }

    private static async Task WriteObjectAsync(HttpContext ctx, int code, JsonObject obj, ResourceType type)
    {
        switch (Negotiate(ctx.Request))
        {
            case Representation.Table table:
                var meta = new JsonObject { ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone() };
                await WriteAsync(ctx, code, Tables.Build(type, [obj], meta, ctx.Request.Query["includeObject"], table.ApiVersion), table.ContentType);
                return;
            case Representation.Metadata m:
                await WriteAsync(ctx, code, Tables.PartialObjectMetadata(obj), m.ContentType);
                return;
            default:
                await WriteAsync(ctx, code, obj);
                return;
        }
    }

    private static async Task WriteAsync(HttpContext ctx, int code, JsonNode body, string contentType = JsonType)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        var bytes = Json.Utf8(body);
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    /// <summary>What the Accept header asks for, first acceptable entry wins.</summary>
    private abstract record Representation
    {
        public sealed record Plain : Representation;
        public sealed record Table(string ApiVersion, string ContentType) : Representation;
        public sealed record Metadata(string ApiVersion, string ContentType) : Representation;
    }

    private static Representation Negotiate(HttpRequest request)
    {
        foreach (var media in request.Headers.Accept.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = media.Split(';').Select(p => p.Trim()).ToArray();
            var type = parts[0];
            var p = parts.Skip(1).Select(x => x.Split('=', 2)).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1]);
            if (p.TryGetValue("as", out var kind))
            {
                if (type != JsonType || p.GetValueOrDefault("g") != "meta.k8s.io" || p.GetValueOrDefault("v") is not ("v1" or "v1beta1")) continue;
                var apiVersion = $"meta.k8s.io/{p["v"]}";
                var contentType = $"{JsonType};as={kind};v={p["v"]};g=meta.k8s.io";
                switch (kind)
                {
                    case "Table": return new Representation.Table(apiVersion, contentType);
                    case "PartialObjectMetadata" or "PartialObjectMetadataList": return new Representation.Metadata(apiVersion, contentType);
                    default: continue;
                }
            }
            if (type is JsonType or "*/*" or "application/*" or "application/yaml") return new Representation.Plain();
        }
        return new Representation.Plain();
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, RecordedRequest entry)
    {
        if (request.Method is "GET" or "HEAD") return null;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        // The log keeps text bodies as text and binary (protobuf) ones as base64.
        entry.Body = MediaType(request.ContentType) == Protobuf.ContentType
            ? Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, 65536)))
            : Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 65536)));
        return body;
    }

    private static JsonNode? ParseWriteBody(HttpRequest request, byte[]? body)
    {
        var media = MediaType(request.ContentType);
        if (media == Protobuf.ContentType) return Protobuf.Decode(body ?? []);
        if (media.Length > 0 && !WriteContentTypes.Contains(media))
            throw KubeStatus.UnsupportedMediaType(media, WriteContentTypes);
        return Json.ParseJsonOrYaml(Text(body), allowYaml: media == "application/yaml");
    }

    private static string Text(byte[]? body) => body is null ? "" : Encoding.UTF8.GetString(body);

    private static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static bool DryRun(IQueryCollection q)
    {
        foreach (var value in q["dryRun"])
            if (value != "All") throw KubeStatus.BadRequest($"dryRun: Unsupported value: \"{value}\": supported values: \"All\"");
        return q["dryRun"].Count > 0;
    }

    private static bool IsTrue(StringValues value) => value.FirstOrDefault() is "true" or "1" or "True";

    // The apiserver names an unnamed manager after the User-Agent's product: "kubectl/v1.32..." is "kubectl".
    internal static string DefaultManager(string userAgent) =>
        userAgent.Split('/')[0] is { Length: > 0 } product ? product[..Math.Min(product.Length, 128)] : "unknown";

    private static KubeApiException Injected(FakeFault fault, ApiRoute? route, string method, bool watch)
    {
        var reason = fault.Reason ?? FakeFault.DefaultReason(fault.Code);
        if (fault.Message is null && route is not null)
        {
            var generated = (fault.Code, route.Name) switch
            {
                (403, _) => KubeStatus.Forbidden(route.Type, Verb(method, route, watch), route.Namespace, route.Name),
                (404, { } name) => KubeStatus.NotFound(route.Type, name),
                (409, { } name) => KubeStatus.Conflict(route.Type, name),
                _ => null,
            };
            if (generated is not null)
            {
                generated.Status["reason"] = reason;
                return generated;
            }
        }
        var details = route is null ? null : KubeStatus.Details(route.Type, route.Name);
        return KubeStatus.Injected(fault.Code, reason, fault.Message ?? $"injected fault: {fault.Code} {reason}", details);
    }

    private static string Verb(string method, ApiRoute? route, bool watch) => route is null ? method.ToLowerInvariant() : method switch
    {
        "GET" when watch => "watch",
        "GET" when route.Name is null => "list",
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" when route.Name is null => "deletecollection",
        "DELETE" => "delete",
        _ => method.ToLowerInvariant(),
    };
}
