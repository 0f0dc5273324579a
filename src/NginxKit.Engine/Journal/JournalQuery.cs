using System.Globalization;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>What to read: filters that run inside the journal, through its matches and indexes.</summary>
public sealed partial record JournalQuery
{
    public IReadOnlyList<string> Units { get; init; } = ["docker.service"];
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public int? Last { get; init; }

    /// <summary>Most and least severe priority to show (journalctl -p FROM..TO).</summary>
    public (JournalPriority Most, JournalPriority Least)? Priority { get; init; }

    /// <summary>A boot: a 32-hex ID, or an offset (0 the newest boot in the journal, -1 the one before).</summary>
    public string? Boot { get; init; }

    public string? Directory { get; init; }
    public IReadOnlyList<string> Files { get; init; } = [];
    public bool Follow { get; init; }

    /// <summary>Parses -Priority: a name (err, warning…), a number, or a range such as warning..err.</summary>
    public static (JournalPriority, JournalPriority) ParsePriority(string text)
    {
        var parts = text.Split("..", 2);
        var a = Level(parts[0]);
        var b = parts.Length == 2 ? Level(parts[1]) : JournalPriority.Emergency;
        return a <= b ? (a, b) : (b, a);

        JournalPriority Level(string s) => s.Trim().ToLowerInvariant() switch
        {
            "0" or "emerg" or "emergency" => JournalPriority.Emergency,
            "1" or "alert" => JournalPriority.Alert,
            "2" or "crit" or "critical" => JournalPriority.Critical,
            "3" or "err" or "error" => JournalPriority.Error,
            "4" or "warning" or "warn" => JournalPriority.Warning,
            "5" or "notice" => JournalPriority.Notice,
            "6" or "info" or "informational" => JournalPriority.Informational,
            "7" or "debug" => JournalPriority.Debug,
            _ => throw ErrorCatalog.InvalidPriority.Exception($"'{s}' is not a priority. Use emerg, alert, crit, err, warning, notice, info, debug, 0–7, or a range such as warning..err.", s),
        };
    }

    /// <summary>
    /// Parses journalctl's time forms: a date and time, "now", "today", "yesterday", "tomorrow",
    /// "@epoch", "N unit ago", "-N unit" and "+N unit" (units: s, min, h, d, w and their long names).
    /// </summary>
    public static DateTimeOffset ParseTime(string text, DateTimeOffset now)
    {
        var t = text.Trim();
        var local = now.ToLocalTime();
        switch (t.ToLowerInvariant())
        {
            case "now": return now;
            case "today": return new DateTimeOffset(local.Date, local.Offset);
            case "yesterday": return new DateTimeOffset(local.Date.AddDays(-1), local.Offset);
            case "tomorrow": return new DateTimeOffset(local.Date.AddDays(1), local.Offset);
        }
        if (t.StartsWith('@') && decimal.TryParse(t[1..], NumberStyles.Number, CultureInfo.InvariantCulture, out var epoch))
            return DateTimeOffset.UnixEpoch.AddTicks((long)(epoch * TimeSpan.TicksPerSecond)); // to the microsecond, as journalctl reads it
        var relative = Relative().Match(t);
        if (relative.Success && (relative.Groups["sign"].Success || relative.Groups["ago"].Success))
        {
            var amount = double.Parse(relative.Groups["n"].Value, CultureInfo.InvariantCulture);
            var span = Unit(relative.Groups["u"].Value, text) * amount;
            var past = relative.Groups["sign"].Value == "-" || relative.Groups["ago"].Success;
            return past ? now - span : now + span;
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var absolute))
            return absolute;
        throw Invalid(text);
    }

    private static TimeSpan Unit(string unit, string text) => unit.ToLowerInvariant() switch
    {
        "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(1),
        "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(1),
        "h" or "hr" or "hour" or "hours" => TimeSpan.FromHours(1),
        "d" or "day" or "days" => TimeSpan.FromDays(1),
        "w" or "week" or "weeks" => TimeSpan.FromDays(7),
        _ => throw Invalid(text),
    };

    private static NginxKitException Invalid(string text) => new(ErrorCatalog.InvalidJournalTime.Problem($"'{text}' is not a time journalctl understands. Use a date and time, now, today, yesterday, @epoch, or '1 hour ago'.", text));

    [GeneratedRegex(@"^(?<sign>[+-])?\s*(?<n>\d+(\.\d+)?)\s*(?<u>[a-zA-Z]+)(\s+(?<ago>ago))?$")]
    private static partial Regex Relative();
}
