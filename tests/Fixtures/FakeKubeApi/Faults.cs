using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FakeKubeApi;

/// <summary>
/// An injected failure: requests whose method and path match are answered with a Status of
/// <see cref="Code"/> instead of being served. <see cref="Path"/> is exact or a glob where
/// <c>*</c> matches anything (slashes included). <see cref="Times"/> is how many requests it
/// applies to, -1 for every one.
/// </summary>
public sealed record FakeFault(string? Method, string Path, int Code, string? Reason = null, string? Message = null, int Times = -1, bool DryRunOnly = false)
{
    public static FakeFault FromJson(JsonObject json) => new(
        Method: Json.Str(json["method"]),
        Path: Json.Str(json["path"]) ?? throw KubeStatus.BadRequest("a fault needs a path"),
        Code: (int)(Json.Long(json["code"]) ?? throw KubeStatus.BadRequest("a fault needs a code")),
        Reason: Json.Str(json["reason"]),
        Message: Json.Str(json["message"]),
        Times: (int)(Json.Long(json["times"]) ?? -1),
        DryRunOnly: json["dryRunOnly"] is JsonValue v && v.TryGetValue<bool>(out var b) && b);

    public JsonObject ToJson() => new()
    {
        ["method"] = Method, ["path"] = Path, ["code"] = Code, ["reason"] = Reason, ["message"] = Message,
        ["times"] = Times, ["dryRunOnly"] = DryRunOnly,
    };

    /// <summary>The reason the apiserver gives for a code.</summary>
    public static string DefaultReason(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}

/// <summary>The active faults, first match wins; a fault with Times left 0 is used up.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<(FakeFault Fault, Regex Path, int Left)> _faults = [];

    public void Add(FakeFault fault)
    {
        var pattern = "^" + Regex.Escape(fault.Path).Replace("\\*", ".*") + "$";
        lock (_gate) _faults.Add((fault, new Regex(pattern, RegexOptions.CultureInvariant), fault.Times));
    }

    public void Clear()
    {
        lock (_gate) _faults.Clear();
    }

    public IReadOnlyList<FakeFault> Active
    {
        get { lock (_gate) return _faults.Where(f => f.Left != 0).Select(f => f.Fault with { Times = f.Left }).ToList(); }
    }

    /// <summary>The fault this request triggers, if any (using up one of its times).</summary>
    public FakeFault? Match(string method, string path, bool dryRun)
    {
        lock (_gate)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (fault, regex, left) = _faults[i];
                if (left == 0) continue;
                if (fault.Method is { Length: > 0 } m && m != "*" && !m.Equals(method, StringComparison.OrdinalIgnoreCase)) continue;
                if (fault.DryRunOnly && !dryRun) continue;
                if (!regex.IsMatch(path)) continue;
                if (left > 0) _faults[i] = (fault, regex, left - 1);
                return fault;
            }
            return null;
        }
    }
}
