using System.Globalization;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Journal;

/// <summary>What to read: filters that run inside the journal, through its matches and indexes.</summary>
public sealed partial record JournalQuery
{
    /// <summary>How many entries -Follow shows before the new ones when neither -Last nor -Since says otherwise, as journalctl -f does.</summary>
    public const int FollowLines = 10;

    public IReadOnlyList<string> Units { get; init; } = ["docker.service"];
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public int? Last { get; init; }

    /// <summary>Most and least severe priority to show (journalctl -p FROM..TO).</summary>
    public (JournalPriority Most, JournalPriority Least)? Priority { get; init; }

    /// <summary>A boot: a 32-hex ID, or an offset (0 the newest boot in the journal, -1 the one before).</summary>
    public string? Boot { get; init; }

    /// <summary>A directory of journal files; read when <see cref="Files"/> is null.</summary>
    public string? Directory { get; init; }

    /// <summary>
    /// The journal files to read, or null when none were named. An empty list, or one whose files
    /// are all missing, is JournalNotFound: the host's own journal is read only when neither files
    /// nor a directory were given, never in their place.
    /// </summary>
    public IReadOnlyList<string>? Files { get; init; }

    public bool Follow { get; init; }

    /// <summary>
    /// How many of the newest entries to show before anything else, or null for all of them: -Last
    /// when given; under -Follow without -Last or -Since, the last <see cref="FollowLines"/>, as
    /// journalctl -f shows them (its -n 10 default), so following never replays the whole history.
    /// </summary>
    public int? Lines => Last ?? (Follow && Since is null ? FollowLines : null);

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
            _ => throw ErrorCatalog.InvalidPriority.Exception($"'{s}' is not a priority. Use emerg, alert, crit, err, warning, notice, info, debug, 0–7, or a range such as warning..err.", text,
                hint: "Get-Help Get-DockerJournal -Parameter Priority lists the forms."),
        };
    }

    /// <summary>
    /// -Since or -Until as given: a DateTimeOffset as it is; a DateTime in its own kind (unspecified
    /// is local time, as PowerShell's Get-Date gives it); a string in journalctl's forms
    /// (<see cref="ParseTime"/>). Anything else, or a time no journal can hold, is InvalidJournalTime.
    /// </summary>
    public static DateTimeOffset? ReadTime(object? value, DateTimeOffset now)
    {
        try
        {
            return value switch
            {
                null => null,
                DateTimeOffset d => d,
                DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d),
                string s => ParseTime(s, now),
                _ => throw ErrorCatalog.InvalidJournalTime.Exception($"'{value}' ({value.GetType().Name}) is not a time. Give a DateTime, or a string such as '1 hour ago', 'today' or '@1764064800'.", value),
            };
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // A DateTime near MinValue or MaxValue moved by the local offset.
            throw OutOfRange(value?.ToString() ?? string.Empty, ex);
        }
    }

    /// <summary>
    /// Parses journalctl's time forms: a date and time, "now", "today", "yesterday", "tomorrow",
    /// "@epoch", "N unit ago", "-N unit" and "+N unit" (units: s, min, h, d, w and their long names).
    /// A time before 1970 or after 9999, which journalctl refuses too, is InvalidJournalTime.
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
        try
        {
            var epoch = Epoch().Match(t);
            if (epoch.Success)
            {
                // To the microsecond, as journalctl reads it. Seconds past year 9999 overflow here.
                var seconds = decimal.Parse(epoch.Groups["s"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                return DateTimeOffset.UnixEpoch.AddTicks(checked((long)(seconds * TimeSpan.TicksPerSecond)));
            }
            var relative = Relative().Match(t);
            if (relative.Success && (relative.Groups["sign"].Success || relative.Groups["ago"].Success))
            {
                var amount = double.Parse(relative.Groups["n"].Value, CultureInfo.InvariantCulture);
                var span = Unit(relative.Groups["u"].Value, text) * amount; // OverflowException past TimeSpan's range
                var past = relative.Groups["sign"].Value == "-" || relative.Groups["ago"].Success;
                var at = past ? now - span : now + span; // ArgumentOutOfRangeException past year 1 or 9999
                return at < DateTimeOffset.UnixEpoch ? throw OutOfRange(text, null) : at;
            }
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            throw OutOfRange(text, ex);
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var absolute))
            return absolute;
        throw ErrorCatalog.InvalidJournalTime.Exception($"'{text}' is not a time journalctl understands. Use a date and time, now, today, yesterday, @epoch, or '1 hour ago'.", text,
            hint: "Get-Help Get-DockerJournal -Parameter Since lists the forms.");
    }

    private static NginxKitException OutOfRange(string text, Exception? inner) =>
        ErrorCatalog.InvalidJournalTime.Exception($"'{text}' is out of range: a journal time lies between 1970 and the year 9999, and journalctl refuses it too.", text,
            hint: "Give a nearer time, such as '30 days ago', a date, or @ and the seconds since 1970.", inner: inner);

    private static TimeSpan Unit(string unit, string text) => unit.ToLowerInvariant() switch
    {
        "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(1),
        "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(1),
        "h" or "hr" or "hour" or "hours" => TimeSpan.FromHours(1),
        "d" or "day" or "days" => TimeSpan.FromDays(1),
        "w" or "week" or "weeks" => TimeSpan.FromDays(7),
        _ => throw ErrorCatalog.InvalidJournalTime.Exception($"'{unit}' in '{text}' is not a unit of time. Use s, min, h, d or w (or seconds, minutes, hours, days, weeks).", text),
    };

    [GeneratedRegex(@"^@(?<s>\d+(\.\d+)?)$")]
    private static partial Regex Epoch();

    [GeneratedRegex(@"^(?<sign>[+-])?\s*(?<n>\d+(\.\d+)?)\s*(?<u>[a-zA-Z]+)(\s+(?<ago>ago))?$")]
    private static partial Regex Relative();
}
