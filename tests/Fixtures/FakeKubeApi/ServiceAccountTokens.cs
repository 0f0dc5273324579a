using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Tokens issued by the TokenRequest API (<c>kubectl create token</c>): each authenticates as its
/// ServiceAccount while that ServiceAccount (the same uid) exists and the token has not expired,
/// as a bound service account token does. They look like the apiserver's JWTs; the fake knows them
/// by value and checks no signature.
/// </summary>
public sealed class ServiceAccountTokens(ObjectStore store)
{
    private sealed record Issued(string Namespace, string Name, string Uid, DateTimeOffset Expires);

    private readonly object _gate = new();
    private readonly Dictionary<string, Issued> _tokens = new(StringComparer.Ordinal);

    /// <summary>Answers a TokenRequest for the ServiceAccount <paramref name="ns"/>/<paramref name="name"/>.</summary>
    public JsonObject Issue(string ns, string name, JsonObject? request)
    {
        var type = ResourceCatalog.FindByKind("v1", "ServiceAccount")!;
        var account = store.Get(type, ns, name) ?? throw KubeStatus.NotFound(type, name);
        var uid = Json.Str(account["metadata"]?["uid"]) ?? "";
        var spec = request?["spec"] as JsonObject ?? new JsonObject();
        var seconds = Json.Long(spec["expirationSeconds"]) ?? 3600;
        if (seconds < 600)
            throw KubeStatus.Invalid(ResourceCatalog.FindByKind("v1", "ServiceAccount")!, name,
                [new FieldError("spec.expirationSeconds", "FieldValueInvalid", $"Invalid value: {seconds}: may not specify a duration less than 10 minutes")]);
        var audiences = spec["audiences"] is JsonArray { Count: > 0 } given ? given.DeepClone() : new JsonArray("https://kubernetes.default.svc.cluster.local");
        var now = DateTimeOffset.UtcNow;
        var expires = now.AddSeconds(seconds);
        var token = Jwt(ns, name, uid, audiences, now, expires);
        lock (_gate) _tokens[token] = new Issued(ns, name, uid, expires);
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["audiences"] = audiences, ["expirationSeconds"] = seconds, ["boundObjectRef"] = null },
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = Json.Rfc3339(expires) },
        };
    }

    /// <summary>The ServiceAccount a token stands for, or null when the fake never issued it or it no longer holds.</summary>
    public Identity? Authenticate(string token)
    {
        Issued? issued;
        lock (_gate) _tokens.TryGetValue(token, out issued);
        if (issued is null || issued.Expires < DateTimeOffset.UtcNow) return null;
        var account = store.Get(ResourceCatalog.FindByKind("v1", "ServiceAccount")!, issued.Namespace, issued.Name);
        if (account is null || Json.Str(account["metadata"]?["uid"]) != issued.Uid) return null;
        return Identity.ServiceAccount(issued.Namespace, issued.Name);
    }

    public void Clear()
    {
        lock (_gate) _tokens.Clear();
    }

    private static string Jwt(string ns, string name, string uid, JsonNode audiences, DateTimeOffset now, DateTimeOffset expires)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = "fake" };
        var claims = new JsonObject
        {
            ["aud"] = audiences.DeepClone(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = "https://kubernetes.default.svc.cluster.local",
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = new JsonObject { ["namespace"] = ns, ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid } },
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
        };
        var signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(256)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part(header.ToJsonString(Json.Compact))}.{Part(claims.ToJsonString(Json.Compact))}.{signature}";
    }
}
