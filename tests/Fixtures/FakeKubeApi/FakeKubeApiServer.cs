using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeKubeApi;

/// <summary>
/// A fake kube-apiserver on 127.0.0.1, over plain HTTP or, given <see cref="Certificates"/>, over
/// HTTPS (HTTP/1.1 and HTTP/2, as the apiserver) with client-certificate authentication. Host it in-process:
/// <code>
/// await using var server = await FakeKubeApiServer.StartAsync(port: 0, token: null);
/// server.AddObjects(JsonNode.Parse("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}""")!);
/// File.WriteAllText(path, server.KubeConfigYaml());
/// </code>
/// or run it standalone (Program.cs). The methods mirror the /_fake/ control API.
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private Task _bookmarks = Task.CompletedTask;

    private FakeKubeApiServer(WebApplication app, string? token, Certificates? tls)
    {
        _app = app;
        Token = token;
        Tls = tls;
        Store = new ObjectStore(new WatchHub());
        Registry = new Registry(Store, new ObjectRules());
        Registry.SeedBuiltInNamespaces();
        Tokens = new ServiceAccountTokens(Store);
    }

    /// <summary>http://127.0.0.1:PORT/, or https:// with <see cref="Tls"/>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The bearer token every API request must carry, or null when anything goes.</summary>
    public string? Token { get; }

    /// <summary>The PKI when serving HTTPS; every API request must then carry a client certificate it issued, or the token.</summary>
    public Certificates? Tls { get; }

    public ObjectStore Store { get; }

    public Registry Registry { get; }

    /// <summary>ServiceAccount tokens issued by the TokenRequest API; RBAC decides what they may do.</summary>
    public ServiceAccountTokens Tokens { get; }

    public WatchHub Watches => Store.Hub;

    public FaultInjector Faults { get; } = new();

    public RequestLog Requests { get; } = new();

    /// <summary>What the pods/log subresource answers, per container.</summary>
    public PodLogs Logs { get; } = new();

    /// <summary>
    /// Starts listening on 127.0.0.1:<paramref name="port"/> (0 picks a free port). The store
    /// starts with the namespaces every cluster has: default, kube-node-lease, kube-public, kube-system.
    /// Watches that allow bookmarks get one every <paramref name="bookmarkInterval"/> (default 1 s).
    /// With <paramref name="tls"/> it serves HTTPS with that PKI's serving certificate, and a client
    /// certificate the PKI did not issue authenticates nobody, as at a real apiserver.
    /// </summary>
    public static async Task<FakeKubeApiServer> StartAsync(int port = 0, string? token = null, TimeSpan? bookmarkInterval = null,
        Certificates? tls = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeKubeApiServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port, l =>
            {
                if (tls is null)
                {
                    l.Protocols = HttpProtocols.Http1;
                    return;
                }
                // kubectl speaks HTTP/2 over TLS, as to a real apiserver.
                l.Protocols = HttpProtocols.Http1AndHttp2;
                // Like the apiserver's tls.RequestClientCert: any certificate completes the handshake,
                // and the authenticator decides (an unknown CA's is no identity, so 401).
                l.UseHttps(https =>
                {
                    https.ServerCertificate = tls.Server;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            });
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        var server = new FakeKubeApiServer(app, token, tls);
        ControlEndpoints.Map(app, server);
        var api = new ApiEndpoints(server.Registry, server.Faults, server.Requests, token, tls, server.Tokens, new Authorizer(server.Store), server.Logs);
        app.MapFallback("{**path}", api.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        server._bookmarks = server.EmitBookmarksAsync(bookmarkInterval ?? TimeSpan.FromSeconds(1), server._stopping.Token);
        return server;
    }

    /// <summary>Back to a fresh cluster: objects, faults, tokens, the request log and open watches all go; the resourceVersion keeps counting.</summary>
    public void Reset()
    {
        Watches.CloseAll();
        Store.Clear();
        Registry.SeedBuiltInNamespaces();
        Faults.Clear();
        Requests.Clear();
        Tokens.Clear();
        Logs.Clear();
    }

    /// <summary>
    /// Stores objects directly (a JSON object or array of them); see <see cref="Registry.Seed"/>.
    /// A List (as `kubectl get -o yaml` prints one) stores each of its items, as `kubectl create -f` does.
    /// </summary>
    public IReadOnlyList<JsonObject> AddObjects(JsonNode objects)
    {
        var list = (objects is JsonArray a ? a.ToList() : [objects]).SelectMany(ListItems);
        return list.Select(o => Registry.Seed(o as JsonObject ?? throw KubeStatus.BadRequest("each object must be a JSON object"))).ToList();
    }

    /// <summary>
    /// Applies PATCH requests in one step, in order, as the API would one by one: each item is
    /// {"path": an object's API path, "type": the patch's content type (merge patch when absent),
    /// "patch": the body, "fieldManager": optional}. Watches get each change as its own event, and
    /// no other request comes between them. The first that fails answers its Status; those before
    /// it stay applied. Returns the patched objects.
    /// </summary>
    public IReadOnlyList<JsonObject> Patch(JsonNode patches, string defaultManager)
    {
        var items = (patches is JsonArray a ? a.ToList() : [patches])
            .Select(p => p as JsonObject ?? throw KubeStatus.BadRequest("each patch must be a JSON object")).ToList();
        return Store.Locked(() => items.Select(item =>
        {
            var path = Json.Str(item["path"]) ?? throw KubeStatus.BadRequest("path is required");
            if (ApiRoute.Parse(path) is not { Name: { } name, Subresource: null or "status", LegacyWatch: false } route)
                throw KubeStatus.BadRequest($"{path} is not an object's path");
            var type = Json.Str(item["type"]) ?? Patches.MergePatchType;
            if (!Patches.Accepted.Contains(type)) throw KubeStatus.UnsupportedMediaType(type, Patches.Accepted);
            var manager = Json.Str(item["fieldManager"]);
            if (type == Patches.ApplyPatchType && manager is null) throw KubeStatus.BadRequest($"PATCH {path}: fieldManager is required for apply requests");
            var body = item["patch"] ?? throw KubeStatus.BadRequest("patch is required");
            var options = new WriteOptions(manager ?? defaultManager, Subresource: route.Subresource);
            return Registry.Patch(route.Type, route.Namespace, name, type, body.ToJsonString(), options, force: false).Object;
        }).ToList());
    }

    private static List<JsonNode?> ListItems(JsonNode? node) =>
        node is JsonObject o && Json.Str(o["kind"]) is { } kind && kind.EndsWith("List", StringComparison.Ordinal) && o["items"] is JsonArray items
            ? items.ToList()
            : [node];

    /// <summary>A copy of a stored object, by apiVersion and kind; null when absent.</summary>
    public JsonObject? GetObject(string apiVersion, string kind, string? ns, string name)
    {
        var type = ResourceCatalog.FindByKind(apiVersion, kind) ?? throw new ArgumentException($"{apiVersion} {kind} is not served");
        return Store.Get(type, type.Namespaced ? ns ?? "default" : null, name);
    }

    /// <summary>Every stored object, of every type.</summary>
    public IReadOnlyList<JsonObject> AllObjects() =>
        ResourceCatalog.All.SelectMany(t => Store.List(t, null).Items).ToList();

    public void AddFault(FakeFault fault) => Faults.Add(fault);

    public void ClearFaults() => Faults.Clear();

    public IReadOnlyList<RecordedRequest> GetRequests() => Requests.Snapshot();

    public void ClearRequests() => Requests.Clear();

    /// <summary>Ends every open watch stream; returns how many there were.</summary>
    public int CloseWatches() => Watches.CloseAll();

    /// <summary>Forgets event history, so a watch from an older resourceVersion gets 410 Expired.</summary>
    public void Compact() => Store.Compact();

    /// <summary>
    /// A kubeconfig for this server: cluster, user and context all named "fake". Over TLS the
    /// cluster trusts the fake's CA and the user presents its RSA client certificate, embedded.
    /// </summary>
    public string KubeConfigYaml(string? token = null, string @namespace = "default")
    {
        token ??= Token;
        static string Data(string pem) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem));
        var credentials = (token is null ? "" : $"\n    token: {token}")
            + (Tls is null ? "" : $"\n    client-certificate-data: {Data(Tls.Pem["client.crt"])}\n    client-key-data: {Data(Tls.Pem["client.key"])}");
        var user = credentials.Length == 0 ? "{}" : credentials;
        var authority = Tls is null ? "" : $"\n    certificate-authority-data: {Data(Tls.Pem["ca.crt"])}";
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}{authority}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
                namespace: {@namespace}
            current-context: fake
            users:
            - name: fake
              user: {user}

            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Watches.CloseAll();
        await _bookmarks;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task EmitBookmarksAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) Store.EmitBookmarks();
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }
}
