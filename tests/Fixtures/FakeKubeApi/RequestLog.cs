using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>One API request as the fake saw it (control requests under /_fake are not recorded).</summary>
public sealed class RecordedRequest
{
    public required string Method { get; init; }
    public required string Path { get; init; }
    /// <summary>The raw query string without its '?', still URL-encoded.</summary>
    public required string Query { get; init; }
    public string? ContentType { get; init; }
    public string? Accept { get; init; }
    public string? UserAgent { get; init; }
    /// <summary>HTTP/1.1 or HTTP/2.</summary>
    public string? Protocol { get; init; }
    public bool Discovery { get; init; }
    public bool Watch { get; init; }
    public DateTimeOffset Time { get; init; }
    public bool DryRun { get; set; }
    public string? FieldManager { get; set; }
    /// <summary>The request body for writes (truncated at 64 KiB), else null.</summary>
    public string? Body { get; set; }
    /// <summary>Who sent it: a client certificate's CN, "token" for the bearer token, or null.</summary>
    public string? User { get; set; }
    /// <summary>The HTTP status answered; 0 until the response starts.</summary>
    public int Status { get; set; }

    public JsonObject ToJson() => new()
    {
        ["method"] = Method,
        ["path"] = Path,
        ["query"] = Query,
        ["contentType"] = ContentType,
        ["accept"] = Accept,
        ["userAgent"] = UserAgent,
        ["protocol"] = Protocol,
        ["dryRun"] = DryRun,
        ["fieldManager"] = FieldManager,
        ["discovery"] = Discovery,
        ["watch"] = Watch,
        ["user"] = User,
        ["status"] = Status,
        ["body"] = Body,
        ["time"] = Json.Rfc3339(Time),
    };
}

/// <summary>Every API request, in arrival order, until cleared.</summary>
public sealed class RequestLog
{
    private readonly object _gate = new();
    private readonly List<RecordedRequest> _requests = [];

    public void Add(RecordedRequest request)
    {
        lock (_gate) _requests.Add(request);
    }

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate) return [.. _requests];
    }

    public void Clear()
    {
        lock (_gate) _requests.Clear();
    }
}
