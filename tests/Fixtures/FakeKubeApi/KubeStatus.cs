using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>A failure answered as a meta/v1 Status object with the matching HTTP code.</summary>
public sealed class KubeApiException(JsonObject status) : Exception(status["message"]?.GetValue<string>())
{
    public JsonObject Status { get; } = status;

    public int Code => (int)(Json.Long(Status["code"]) ?? 500);
}

/// <summary>Builds Status objects worded the way the real apiserver words them.</summary>
public static class KubeStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null) status["details"] = details;
        status["code"] = code;
        return status;
    }

    public static JsonObject Success(ResourceType type, string name, string? uid)
    {
        var details = Details(type, name);
        if (uid is not null) details["uid"] = uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    public static JsonObject Details(ResourceType type, string? name)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name)) details["name"] = name;
        if (type.Group.Length > 0) details["group"] = type.Group;
        details["kind"] = type.Plural;
        return details;
    }

    public static KubeApiException NotFound(ResourceType type, string name) =>
        new(Failure(404, "NotFound", $"{type.QualifiedPlural} \"{name}\" not found", Details(type, name)));

    public static KubeApiException NamespaceNotFound(string ns) =>
        NotFound(ResourceCatalog.Namespaces, ns);

    public static KubeApiException AlreadyExists(ResourceType type, string name) =>
        new(Failure(409, "AlreadyExists", $"{type.QualifiedPlural} \"{name}\" already exists", Details(type, name)));

    public static KubeApiException Conflict(ResourceType type, string name, string why =
        "the object has been modified; please apply your changes to the latest version and try again") =>
        new(Failure(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": {why}", Details(type, name)));

    public static KubeApiException BadRequest(string message) => new(Failure(400, "BadRequest", message));

    /// <summary>504 from the watch cache when a watch asks for a resourceVersion it has not reached.</summary>
    public static KubeApiException TooLargeResourceVersion(long asked, long current) => new(Failure(504, "Timeout",
        $"Timeout: Too large resource version: {asked}, current: {current}",
        new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
            ["retryAfterSeconds"] = 1,
        }));

    public static KubeApiException Unauthorized() => new(Failure(401, "Unauthorized", "Unauthorized"));

    public static KubeApiException Forbidden(ResourceType? type, string verb, string? ns, string? name, string user = "system:anonymous", string? subresource = null)
    {
        if (type is null)
            return new(Failure(403, "Forbidden", $"forbidden: User \"{user}\" cannot {verb} path", new JsonObject()));
        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        var subject = name is null ? type.QualifiedPlural : $"{type.QualifiedPlural} \"{name}\"";
        return new(Failure(403, "Forbidden",
            $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{type.Plural}{(subresource is null ? "" : "/" + subresource)}\" in API group \"{type.Group}\" {scope}",
            Details(type, name)));
    }

    public static KubeApiException MethodNotAllowed(string method) =>
        new(Failure(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource"));

    public static KubeApiException PathNotFound() =>
        new(Failure(404, "NotFound", "the server could not find the requested resource", new JsonObject()));

    public static KubeApiException UnsupportedMediaType(string contentType, IEnumerable<string> accepted) =>
        new(Failure(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}"));

    /// <summary>422 Invalid: <c>Node "x" is invalid: metadata.name: Invalid value: ...</c>, with one cause per error.</summary>
    public static KubeApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        var text = errors.Count == 1
            ? $"{errors[0].Field}: {errors[0].Message}"
            : "[" + string.Join(", ", errors.Select(e => $"{e.Field}: {e.Message}")) + "]";
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0) details["group"] = type.Group;
        details["kind"] = type.Kind;
        details["causes"] = causes;
        var qualifiedKind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        return new(Failure(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {text}", details));
    }

    /// <summary>422 from a JSON patch that cannot be applied (the apiserver's generic 422 form).</summary>
    public static KubeApiException PatchFailed(string message) => new(Failure(422, "Invalid", message));

    /// <summary>An arbitrary (injected) failure: a Status with the given code and reason.</summary>
    public static KubeApiException Injected(int code, string reason, string message, JsonObject? details) =>
        new(Failure(code, reason, message, details));

    /// <summary>The ERROR event a watch sends when its resourceVersion is older than the history.</summary>
    public static JsonObject Expired(long requested, long oldest) =>
        Failure(410, "Expired", $"too old resource version: {requested} ({oldest})");
}

/// <summary>One field validation error: reason is FieldValueInvalid, FieldValueRequired, ...</summary>
public sealed record FieldError(string Field, string Reason, string Message)
{
    public static FieldError Required(string field) => new(field, "FieldValueRequired", "Required value");

    public static FieldError InvalidValue(string field, string value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: \"{value}\": {why}");
}
