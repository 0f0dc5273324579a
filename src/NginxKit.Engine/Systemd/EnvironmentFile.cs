using System.Text;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Systemd;

/// <summary>
/// An EnvironmentFile read exactly as systemd 252 reads it (parse_env_file_internal in env-file.c,
/// the parser behind EnvironmentFile= and environment.d), and edited so that every byte NginxKit
/// does not mean to change stays as it was.
/// <list type="bullet">
/// <item>The file is bytes: a Latin-1 byte in a comment stays that byte; CR, LF and CRLF stay as written.</item>
/// <item>A lone CR ends a line. A comment ending in a backslash continues onto the next line (systemd 252; 254 changed it).</item>
/// <item>A double- or single-quoted value may span lines; an unterminated quote takes the rest of the file.</item>
/// <item>A NUL byte anywhere makes systemd refuse the whole file. A UTF-8 BOM becomes part of the first key, which is then no valid name.</item>
/// <item>One assignment that is not UTF-8 (as systemd checks it) makes systemd ignore the whole file.</item>
/// <item><c>export KEY=...</c> is the key "export KEY", which systemd drops with an error in the journal.</item>
/// </list>
/// Edits replace or remove whole items, or append lines; each edit is checked by parsing the result
/// again, and one that would not read back as asked is refused (EnvironmentFileNotEditable, naming the line).
/// </summary>
public sealed class EnvironmentFile
{
    private enum State { PreKey, Key, PreValue, Value, ValueEscape, SingleQuote, DoubleQuote, DoubleQuoteEscape, Comment, CommentEscape }

    private sealed class Item
    {
        public int Start;
        public int End;            // exclusive; the terminator (CR, LF or CRLF) follows unless at the end
        public int TerminatorLength;
        public required EnvironmentLine Line;
        public string? NewKey;     // the key after an edit
        public string? NewValue;
        public byte[]? Replacement;
        public bool Removed;
    }

    private readonly byte[] bytes;
    private readonly List<Item> items;
    private readonly int[] lineStarts;
    private readonly State endState;
    private readonly List<byte[]> appended = [];

    private EnvironmentFile(byte[] bytes, string? path)
    {
        this.bytes = bytes;
        Path = path;
        lineStarts = LineStarts(bytes);
        (items, endState, UnterminatedLine, NulLine, UnreadableLine) = Scan(bytes, lineStarts);
    }

    /// <summary>The file's path, for messages only.</summary>
    public string? Path { get; }

    /// <summary>Every comment, assignment and ignored item, in file order.</summary>
    public IReadOnlyList<EnvironmentLine> Lines => items.Select(i => i.Line).ToList();

    /// <summary>The items systemd skips (export lines, invalid names, lines without '=', invalid UTF-8).</summary>
    public IEnumerable<EnvironmentLine> IgnoredLines => items.Where(i => i.Line.Kind == EnvironmentLineKind.Ignored).Select(i => i.Line);

    public IEnumerable<EnvironmentLine> ExportLines => items.Where(i => i.Line.IsExport).Select(i => i.Line);

    /// <summary>The line of a quote still open at the end of the file: its value runs to the end.</summary>
    public int? UnterminatedLine { get; }

    /// <summary>The line holding a NUL byte: systemd then refuses the whole file (measured on 252).</summary>
    public int? NulLine { get; }

    /// <summary>The line of the first assignment that is not UTF-8: systemd then ignores the whole file.</summary>
    public int? UnreadableLine { get; }

    /// <summary>
    /// The variables systemd passes to the service (EnvironmentFile= semantics): the last assignment
    /// of a key wins, an assignment without a value sets the empty string, names systemd refuses are
    /// dropped, and a file with an assignment that is not UTF-8 gives nothing at all.
    /// </summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            if (UnreadableLine is not null || NulLine is not null) return new Dictionary<string, string>(StringComparer.Ordinal);
            return Edited ? Expected() : items.Where(i => i.Line.Kind == EnvironmentLineKind.Assignment)
                .Aggregate(new Dictionary<string, string>(StringComparer.Ordinal), (map, i) => { map[i.Line.Key!] = i.Line.Value ?? string.Empty; return map; });
        }
    }

    public static EnvironmentFile Parse(string text, string? path = null) => Parse(Encoding.UTF8.GetBytes(text), path);

    public static EnvironmentFile Parse(byte[] bytes, string? path = null) => new(bytes, path);

    public static EnvironmentFile Empty(string? path = null) => new([], path);

    /// <summary>Environment variable names systemd accepts: a letter or _, then letters, digits and _.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// Checks a value can be written so that systemd, and dockerd after it, get exactly it: no control
    /// character but tab, and only code points systemd's UTF-8 check accepts (it would drop the whole file).
    /// </summary>
    public static string? CheckValue(string value)
    {
        if (value.Any(c => c < ' ' && c != '\t' || c == '\u007f')) return "ControlCharacter";
        for (int i = 0; i < value.Length; i++)
        {
            if (!Rune.TryGetRuneAt(value, i, out var rune)) return "InvalidUnicode";
            if (!ByteText.IsSystemdCodePoint(rune.Value)) return "InvalidUnicode";
            if (rune.IsBmp) continue;
            i++;
        }
        return null;
    }

    /// <summary>Writes a value systemd (and a POSIX shell) reads back exactly: double quotes, with " \ ` $ escaped.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\' or '`' or '$') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Sets (or, for null, removes) a variable. The last assignment keeps its place; earlier ones are removed.</summary>
    public void Set(string key, string? value)
    {
        if (!IsValidName(key))
            throw ErrorCatalog.InvalidEnvironmentName.Exception($"'{Printable.Escape(key)}' is not an environment variable name (letters, digits and _, not starting with a digit).", key);
        if (value is not null && CheckValue(value) is { } rule)
            throw ErrorCatalog.InvalidEnvironmentValue.Exception($"The value of {key} holds {(rule == "ControlCharacter" ? "a control character" : "a character systemd refuses as UTF-8")}, which an EnvironmentFile cannot carry.", key, rule);

        var current = items.Where(i => !i.Removed && CurrentKey(i) == key).ToList();
        var newLines = appended.Where(a => KeyOfAppended(a) == key).ToList();
        if (value is null)
        {
            foreach (var i in current) i.Removed = true;
            foreach (var a in newLines) appended.Remove(a);
            return;
        }
        var text = Encoding.UTF8.GetBytes($"{key}={Quote(value)}");
        if (current.Count == 0 && newLines.Count == 0)
        {
            appended.Add(text);
            return;
        }
        if (newLines.Count > 0)
        {
            foreach (var i in current) i.Removed = true;
            appended[appended.IndexOf(newLines[^1])] = text;
            foreach (var a in newLines.SkipLast(1)) appended.Remove(a);
            return;
        }
        var keep = current[^1];
        foreach (var i in current.SkipLast(1)) i.Removed = true;
        if (CurrentValue(keep) == value && keep.Replacement is null && current.Count == 1) return; // the original bytes stay
        keep.Replacement = text;
        keep.NewKey = key;
        keep.NewValue = value;
    }

    /// <summary>Rewrites every <c>export KEY=value</c> line as <c>KEY="value"</c>, so systemd reads it; returns the keys.</summary>
    public IReadOnlyList<string> FixExportLines()
    {
        var fixedKeys = new List<string>();
        foreach (var item in items.Where(i => i.Line.IsExport && !i.Removed && i.Replacement is null))
        {
            var key = item.Line.Key!;
            var value = item.Line.Value ?? string.Empty;
            if (CheckValue(value) is not null) continue; // kept as it is: it cannot be written back exactly
            item.Replacement = Encoding.UTF8.GetBytes($"{key}={Quote(value)}");
            item.NewKey = key;
            item.NewValue = value;
            fixedKeys.Add(key);
        }
        return fixedKeys;
    }

    /// <summary>True when an edit was made that changes the bytes.</summary>
    public bool Edited => appended.Count > 0 || items.Any(i => i.Removed || i.Replacement is not null);

    /// <summary>The file's bytes after the edits, checked to read back as asked.</summary>
    public byte[] ToBytes()
    {
        if (!Edited) return bytes;
        if (UnreadableLine is { } bad)
            throw NotEditable(bad, $"line {bad} holds an assignment that is not UTF-8, so systemd ignores the whole file. Fix that line by hand first.", "InvalidUtf8");
        if (NulLine is { } nul)
            throw NotEditable(nul, $"line {nul} holds a NUL byte, so systemd ignores the whole file. Fix the file by hand first.", "NulByte");

        var newline = Encoding.ASCII.GetBytes(ByteText.LineEnding(bytes));
        using var output = new MemoryStream(bytes.Length + 256);
        int at = 0;
        foreach (var item in items)
        {
            if (!item.Removed && item.Replacement is null) continue;
            output.Write(bytes, at, item.Start - at);
            if (item.Removed)
                at = item.End + item.TerminatorLength;
            else
            {
                output.Write(item.Replacement!);
                at = item.End;
            }
        }
        output.Write(bytes, at, bytes.Length - at);
        if (appended.Count > 0)
        {
            var body = output.ToArray();
            var separator = body.Length > 0 && body[^1] is not ((byte)'\n' or (byte)'\r') ? newline : [];
            // The end of the file must be where a new line starts a new key: not inside a quote, an
            // escaped newline or a comment that a trailing backslash continues.
            var probe = body.Concat(separator).ToArray();
            var (probeItems, state, _, _, _) = Scan(probe, LineStarts(probe));
            if (state != State.PreKey)
            {
                var line = probeItems.Count > 0 ? probeItems[^1].Line.LineNumber : 1;
                var why = state switch
                {
                    State.SingleQuote or State.DoubleQuote or State.DoubleQuoteEscape => $"line {UnterminatedLine ?? line} opens a quote that is never closed, so systemd reads the rest of the file as that value",
                    State.Comment or State.CommentEscape => $"the comment on line {line} ends in a backslash, which continues it onto the next line (systemd 252)",
                    _ => $"line {line} ends in a backslash, which continues it onto the next line",
                };
                throw NotEditable(line, $"A line added at the end would not be read as its own assignment: {why}. Fix the file by hand first.", "OpenAtEnd");
            }
            output.Write(separator);
            foreach (var line in appended)
            {
                output.Write(line);
                output.Write(newline);
            }
        }
        var result = output.ToArray();
        Verify(result);
        return result;
    }

    /// <summary>The text after the edits (bytes that are not UTF-8 shown as \xNN).</summary>
    public string Render() => ByteText.Display(ToBytes());

    private void Verify(byte[] result)
    {
        var expected = Expected();
        var actual = Parse(result).Variables;
        var differing = expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .FirstOrDefault(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k));
        if (differing is null) return;
        var source = items.LastOrDefault(i => CurrentKey(i) == differing)?.Line.LineNumber ?? items.LastOrDefault()?.Line.LineNumber ?? 1;
        throw NotEditable(source, $"after the change systemd would not read {differing} as asked (line {source}). Fix the file by hand first.", "ReadBackDiffers");
    }

    // The variables the edits are meant to give.
    private Dictionary<string, string> Expected()
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items.Where(i => !i.Removed))
        {
            var key = CurrentKey(item);
            if (key is not null) expected[key] = CurrentValue(item) ?? string.Empty;
        }
        foreach (var line in appended)
        {
            var parsed = Parse(line);
            foreach (var (k, v) in parsed.Variables) expected[k] = v;
        }
        return expected;
    }

    private NginxKitException NotEditable(int line, string why, string rule) =>
        ErrorCatalog.EnvironmentFileNotEditable.Exception($"{Path ?? "The EnvironmentFile"}:{line}: NginxKit cannot change this file faithfully: {why}",
            Path is null ? $"line {line}" : $"{Path}:{line}", rule);

    private static string? CurrentKey(Item item) =>
        item.Removed ? null : item.NewKey ?? (item.Line.Kind == EnvironmentLineKind.Assignment ? item.Line.Key : null);

    private static string? CurrentValue(Item item) => item.NewKey is not null ? item.NewValue : item.Line.Value;

    private static string? KeyOfAppended(byte[] line) => Parse(line).Variables.Keys.FirstOrDefault();

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsNewline(byte c) => c is (byte)'\n' or (byte)'\r';

    // Line starts: LF ends a line, and so does a CR that no LF follows (CRLF is one line end).
    private static int[] LineStarts(byte[] bytes)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n' || bytes[i] == (byte)'\r' && (i + 1 >= bytes.Length || bytes[i + 1] != (byte)'\n'))
                starts.Add(i + 1);
        }
        return starts.ToArray();
    }

    private static int LineOf(int[] starts, int offset)
    {
        var i = Array.BinarySearch(starts, offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    // A port of systemd 252's parse_env_file_internal, with the byte span of each item kept.
    private static (List<Item> Items, State End, int? Unterminated, int? Nul, int? Unreadable) Scan(byte[] bytes, int[] lineStarts)
    {
        var items = new List<Item>();
        var nul = Array.IndexOf(bytes, (byte)0);
        var limit = nul < 0 ? bytes.Length : nul;
        var state = State.PreKey;
        var key = new List<byte>();
        List<byte>? value = null;
        int lastKeyWhitespace = -1, lastValueWhitespace = -1, start = 0, quoteAt = -1;
        int? unreadable = null;

        void Append(byte c) => (value ??= []).Add(c);

        void Add(int end, EnvironmentLineKind kind, string? reason, string? k, string? v, bool isExport = false)
        {
            var terminator = end < limit ? (bytes[end] == (byte)'\r' && end + 1 < limit && bytes[end + 1] == (byte)'\n' ? 2 : 1) : 0;
            items.Add(new Item
            {
                Start = start,
                End = end,
                TerminatorLength = terminator,
                Line = new EnvironmentLine(ByteText.Display(bytes.AsSpan(start, end - start)), k, v, isExport, LineOf(lineStarts, start), kind, reason),
            });
        }

        void Push(int end)
        {
            var keyBytes = lastKeyWhitespace >= 0 ? key.Take(lastKeyWhitespace).ToArray() : key.ToArray();
            var valueBytes = value?.ToArray();
            var k = ByteText.Display(keyBytes);
            var v = valueBytes is null ? null : ByteText.Display(valueBytes);
            if (!ByteText.IsSystemdUtf8(keyBytes) || valueBytes is not null && !ByteText.IsSystemdUtf8(valueBytes))
            {
                unreadable ??= LineOf(lineStarts, start);
                Add(end, EnvironmentLineKind.Ignored, ByteText.IsSystemdUtf8(keyBytes) ? "InvalidUtf8Value" : "InvalidUtf8Key", k, v);
            }
            else if (IsValidName(k))
                Add(end, EnvironmentLineKind.Assignment, null, k, v);
            else if (ExportedName(k) is { } exported)
                Add(end, EnvironmentLineKind.Ignored, "ExportLine", exported, v, isExport: true);
            else
                Add(end, EnvironmentLineKind.Ignored, "InvalidName", k, v);
            key.Clear();
            value = null;
        }

        for (int p = 0; p < limit; p++)
        {
            var c = bytes[p];
            switch (state)
            {
                case State.PreKey:
                    if (c is (byte)'#' or (byte)';') { state = State.Comment; start = p; }
                    else if (!IsWhitespace(c)) { state = State.Key; lastKeyWhitespace = -1; key.Clear(); key.Add(c); start = p; }
                    break;
                case State.Key:
                    if (IsNewline(c))
                    {
                        Add(p, EnvironmentLineKind.Ignored, "NoEquals", null, null);
                        key.Clear();
                        state = State.PreKey;
                    }
                    else if (c == (byte)'=') { state = State.PreValue; lastValueWhitespace = -1; }
                    else
                    {
                        if (!IsWhitespace(c)) lastKeyWhitespace = -1;
                        else if (lastKeyWhitespace < 0) lastKeyWhitespace = key.Count;
                        key.Add(c);
                    }
                    break;
                case State.PreValue:
                    if (IsNewline(c)) { Push(p); state = State.PreKey; }
                    else if (c == (byte)'\'') { state = State.SingleQuote; quoteAt = p; }
                    else if (c == (byte)'"') { state = State.DoubleQuote; quoteAt = p; }
                    else if (c == (byte)'\\') state = State.ValueEscape;
                    else if (!IsWhitespace(c)) { state = State.Value; Append(c); }
                    break;
                case State.Value:
                    if (IsNewline(c))
                    {
                        if (lastValueWhitespace >= 0) value!.RemoveRange(lastValueWhitespace, value.Count - lastValueWhitespace);
                        Push(p);
                        state = State.PreKey;
                    }
                    else if (c == (byte)'\\') { state = State.ValueEscape; lastValueWhitespace = -1; }
                    else
                    {
                        if (!IsWhitespace(c)) lastValueWhitespace = -1;
                        else if (lastValueWhitespace < 0) lastValueWhitespace = value?.Count ?? 0;
                        Append(c);
                    }
                    break;
                case State.ValueEscape:
                    state = State.Value;
                    if (!IsNewline(c)) Append(c); // an escaped newline is eaten whole
                    break;
                case State.SingleQuote:
                    if (c == (byte)'\'') state = State.PreValue;
                    else Append(c);
                    break;
                case State.DoubleQuote:
                    if (c == (byte)'"') state = State.PreValue;
                    else if (c == (byte)'\\') state = State.DoubleQuoteEscape;
                    else Append(c);
                    break;
                case State.DoubleQuoteEscape:
                    state = State.DoubleQuote;
                    if (c is (byte)'"' or (byte)'\\' or (byte)'`' or (byte)'$') Append(c);
                    else if (c != (byte)'\n') { Append((byte)'\\'); Append(c); } // kept, as a shell keeps it; only LF is eaten
                    break;
                case State.Comment:
                    if (c == (byte)'\\') state = State.CommentEscape;
                    else if (IsNewline(c)) { Add(p, EnvironmentLineKind.Comment, null, null, null); state = State.PreKey; }
                    break;
                case State.CommentEscape:
                    state = State.Comment; // systemd 252: even a newline is swallowed
                    break;
            }
        }

        int? unterminated = null;
        switch (state)
        {
            case State.PreValue or State.Value or State.ValueEscape or State.SingleQuote or State.DoubleQuote or State.DoubleQuoteEscape:
                if (state == State.Value && lastValueWhitespace >= 0) value!.RemoveRange(lastValueWhitespace, value.Count - lastValueWhitespace);
                if (state is State.SingleQuote or State.DoubleQuote or State.DoubleQuoteEscape) unterminated = LineOf(lineStarts, quoteAt);
                Push(limit);
                break;
            case State.Key:
                Add(limit, EnvironmentLineKind.Ignored, "NoEquals", null, null);
                break;
            case State.Comment or State.CommentEscape:
                Add(limit, EnvironmentLineKind.Comment, null, null, null);
                break;
        }
        return (items, state, unterminated, nul < 0 ? null : LineOf(lineStarts, nul), unreadable);
    }

    // "export NAME" (with spaces or tabs between), as a shell would read it.
    private static string? ExportedName(string key)
    {
        if (!key.StartsWith("export", StringComparison.Ordinal) || key.Length < 8 || key[6] is not (' ' or '\t')) return null;
        var name = key[7..].TrimStart(' ', '\t');
        return IsValidName(name) ? name : null;
    }
}
