using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FakeKubeApi;

/// <summary>
/// The test-control API under /_fake/ (not part of Kubernetes, never authenticated, never
/// logged): reset, seeding, patches in one step, fault injection, the request log, closing watches, compaction.
/// </summary>
public static class ControlEndpoints
{
    public static void Map(IEndpointRouteBuilder app, FakeKubeApiServer server)
    {
        var fake = app.MapGroup("/_fake");
        fake.MapPost("/reset", () => Run(() =>
        {
            server.Reset();
            return Ok(new JsonObject { ["resourceVersion"] = server.Store.ResourceVersion.ToString() });
        }));
        fake.MapGet("/objects", () => Run(() =>
            Ok(new JsonArray(server.AllObjects().Select(o => (JsonNode)o).ToArray()))));
        fake.MapPost("/objects", (HttpRequest request) => RunAsync(async () =>
        {
            var stored = server.AddObjects(await ReadJsonAsync(request));
            return Json(201, new JsonArray(stored.Select(o => (JsonNode)o).ToArray()));
        }));
        fake.MapPost("/patches", (HttpRequest request) => RunAsync(async () =>
        {
            var patched = server.Patch(await ReadJsonAsync(request), ApiEndpoints.DefaultManager(request.Headers.UserAgent.ToString()));
            return Ok(new JsonArray(patched.Select(o => (JsonNode)o).ToArray()));
        }));
        fake.MapGet("/faults", () => Run(() => Ok(Faults(server))));
        fake.MapPost("/faults", (HttpRequest request) => RunAsync(async () =>
        {
            var body = await ReadJsonAsync(request);
            foreach (var f in body is JsonArray a ? a.OfType<JsonObject>() : [body as JsonObject ?? throw KubeStatus.BadRequest("a fault is a JSON object")])
                server.AddFault(FakeFault.FromJson(f));
            return Json(201, Faults(server));
        }));
        fake.MapDelete("/faults", () => Run(() =>
        {
            server.ClearFaults();
            return Ok(new JsonArray());
        }));
        fake.MapPost("/logs", (HttpRequest request) => RunAsync(async () =>
        {
            // {"namespace","pod","container","previous","text"}: what pods/{pod}/log answers for that container.
            var body = await ReadJsonAsync(request) as JsonObject ?? throw KubeStatus.BadRequest("a log is a JSON object");
            server.Logs.Set(FakeKubeApi.Json.Str(body["namespace"]) ?? "default", FakeKubeApi.Json.Str(body["pod"]) ?? throw KubeStatus.BadRequest("pod is required"),
                FakeKubeApi.Json.Str(body["container"]) ?? throw KubeStatus.BadRequest("container is required"),
                body["previous"] is JsonValue p && p.TryGetValue<bool>(out var previous) && previous, FakeKubeApi.Json.Str(body["text"]) ?? "");
            return Json(201, body);
        }));
        fake.MapGet("/requests", () => Run(() =>
            Ok(new JsonArray(server.GetRequests().Select(r => (JsonNode)r.ToJson()).ToArray()))));
        fake.MapDelete("/requests", () => Run(() =>
        {
            server.ClearRequests();
            return Ok(new JsonArray());
        }));
        fake.MapPost("/watches/close", () => Run(() => Ok(new JsonObject { ["closed"] = server.CloseWatches() })));
        fake.MapPost("/compact", () => Run(() =>
        {
            server.Compact();
            return Ok(new JsonObject { ["resourceVersion"] = server.Store.ResourceVersion.ToString() });
        }));
    }

    private static JsonArray Faults(FakeKubeApiServer server) =>
        new(server.Faults.Active.Select(f => (JsonNode)f.ToJson()).ToArray());

    private static async Task<JsonNode> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        return FakeKubeApi.Json.ParseJsonOrYaml(text, allowYaml: true) ?? throw KubeStatus.BadRequest("empty body");
    }

    private static IResult Ok(JsonNode body) => Json(200, body);

    private static IResult Json(int code, JsonNode body) =>
        Results.Text(body.ToJsonString(FakeKubeApi.Json.Compact), "application/json", System.Text.Encoding.UTF8, code);

    private static IResult Run(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (KubeApiException ex)
        {
            return Json(ex.Code, ex.Status);
        }
    }

    private static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KubeApiException ex)
        {
            return Json(ex.Code, ex.Status);
        }
    }
}
