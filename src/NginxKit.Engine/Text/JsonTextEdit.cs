using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NginxKit.Engine.Text;

/// <summary>
/// Changes a JSON document's text so that it reads as a wanted object, touching only the members
/// that differ: every other byte (whitespace, line endings, key order, escapes, the form of a
/// number, duplicate keys) stays as it was. A member that changes keeps its place; a nested object
/// that changes is edited member by member; a new member is appended after the last one in the
/// style of its neighbours (indent, line ending, spacing). The caller passes text that is already
/// known to be one valid JSON object (with optional surrounding whitespace).
/// </summary>
public static class JsonTextEdit
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The text of a new document holding <paramref name="wanted"/>: two-space indents, LF, a final newline.</summary>
    public static byte[] Fresh(JsonObject wanted)
    {
        var sb = new StringBuilder();
        Write(sb, wanted, Style.Default, string.Empty);
        return Encoding.UTF8.GetBytes(sb.Append('\n').ToString());
    }

    /// <summary>
    /// <paramref name="original"/> changed to read as <paramref name="wanted"/>. A key given more than
    /// once keeps all its copies while it is left alone (a reader takes the last); a changed or
    /// removed key loses the earlier copies.
    /// </summary>
    public static byte[] Apply(byte[] original, JsonObject wanted)
    {
        var reader = new Utf8JsonReader(original, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new ArgumentException("The text is not a JSON object.", nameof(original));
        var root = ReadValue(ref reader, original);
        var style = Style.Of(root, original);
        var splices = new List<Splice>();
        EditObject(original, root, wanted, style, string.Empty, splices);
        splices.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End));
        var output = new List<byte>(original.Length + 256);
        var at = 0;
        foreach (var s in splices)
        {
            if (s.Start < at) throw new InvalidOperationException("Overlapping edits.");
            output.AddRange(original.AsSpan(at, s.Start - at).ToArray());
            output.AddRange(Encoding.UTF8.GetBytes(s.Text));
            at = s.End;
        }
        output.AddRange(original.AsSpan(at).ToArray());
        return output.ToArray();
    }

    private sealed record Splice(int Start, int End, string Text);

    private sealed class Node
    {
        public JsonTokenType Kind;
        public int Start; // the first byte of the value ('{' for an object)
        public int End;   // one past its last byte
        public List<Member> Members { get; } = [];
    }

    private sealed record Member(string Key, int KeyStart, int KeyEnd, Node Value);

    private static Node ReadValue(ref Utf8JsonReader reader, byte[] bytes)
    {
        var node = new Node { Kind = reader.TokenType, Start = (int)reader.TokenStartIndex };
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyStart = (int)reader.TokenStartIndex;
                    var key = reader.GetString()!;
                    var keyEnd = StringEnd(bytes, keyStart);
                    reader.Read();
                    node.Members.Add(new Member(key, keyStart, keyEnd, ReadValue(ref reader, bytes)));
                }
                break;
            case JsonTokenType.StartArray:
                reader.Skip();
                break;
        }
        node.End = (int)reader.BytesConsumed;
        return node;
    }

    // One past the closing quote of the string that opens at `start`.
    private static int StringEnd(byte[] bytes, int start)
    {
        var i = start + 1;
        while (bytes[i] != (byte)'"') i += bytes[i] == (byte)'\\' ? 2 : 1;
        return i + 1;
    }

    private static string Slice(byte[] bytes, int start, int end) => Encoding.UTF8.GetString(bytes, start, end - start);

    private static JsonNode? Value(byte[] bytes, Node node) => JsonNode.Parse(bytes.AsSpan(node.Start, node.End - node.Start));

    // The whitespace after the last line break of `ws`, or null when `ws` holds no line break.
    private static string? IndentAfterBreak(string ws)
    {
        var nl = ws.LastIndexOf('\n');
        return nl < 0 ? null : ws[(nl + 1)..];
    }

    private static void EditObject(byte[] bytes, Node obj, JsonObject wanted, Style style, string indent, List<Splice> splices)
    {
        var members = obj.Members;
        var removed = new bool[members.Count];
        var lastIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < members.Count; i++) lastIndex[members[i].Key] = i;

        foreach (var (key, last) in lastIndex)
        {
            if (!wanted.TryGetPropertyValue(key, out var want))
            {
                for (int i = 0; i < members.Count; i++) if (members[i].Key == key) removed[i] = true;
                continue;
            }
            var member = members[last];
            if (JsonNode.DeepEquals(Value(bytes, member.Value), want)) continue; // untouched, copies and all
            for (int i = 0; i < last; i++) if (members[i].Key == key) removed[i] = true;
            var memberIndent = LineIndent(bytes, member.KeyStart) ?? indent;
            if (member.Value.Kind == JsonTokenType.StartObject && want is JsonObject nested)
            {
                EditObject(bytes, member.Value, nested, style, memberIndent, splices);
                continue;
            }
            var oldText = Slice(bytes, member.Value.Start, member.Value.End);
            var valueStyle = oldText.Contains('\n') || member.Value.Kind is not (JsonTokenType.StartObject or JsonTokenType.StartArray)
                ? style
                : style.Inline(oldText);
            var sb = new StringBuilder();
            Write(sb, want, valueStyle, memberIndent);
            splices.Add(new Splice(member.Value.Start, member.Value.End, sb.ToString()));
        }

        var added = wanted.Where(p => !lastIndex.ContainsKey(p.Key)).ToList();
        var kept = Enumerable.Range(0, members.Count).Where(i => !removed[i]).ToList();

        if (kept.Count == 0)
        {
            // Nothing of the old interior stays: it is written anew (or emptied).
            if (members.Count == 0 && added.Count == 0) return;
            string interior;
            if (added.Count == 0) interior = string.Empty;
            else
            {
                var (first, next, colon, closing) = members.Count > 0
                    ? (Slice(bytes, obj.Start + 1, members[0].KeyStart), Separator(bytes, members, members.Count - 1), Slice(bytes, members[^1].KeyEnd, members[^1].Value.Start), Slice(bytes, members[^1].Value.End, obj.End - 1))
                    : style.NewObject(indent);
                var childIndent = IndentAfterBreak(next) ?? indent;
                var sb = new StringBuilder(first);
                for (int i = 0; i < added.Count; i++)
                {
                    if (i > 0) sb.Append(',').Append(next);
                    AppendMember(sb, added[i].Key, added[i].Value, colon, next.Contains('\n') ? style : style.Inline(next + colon), childIndent);
                }
                interior = sb.Append(closing).ToString();
            }
            splices.Add(new Splice(obj.Start + 1, obj.End - 1, interior));
            return;
        }

        // A removed member before a kept one goes with the comma and space up to the next key; removed
        // members after the last kept one go from the end of the last kept value.
        var lastKept = kept[^1];
        for (int i = 0; i < lastKept; i++)
            if (removed[i]) splices.Add(new Splice(members[i].KeyStart, members[i + 1].KeyStart, string.Empty));
        var tailEnd = lastKept < members.Count - 1 ? members[^1].Value.End : members[lastKept].Value.End;
        if (added.Count == 0 && tailEnd == members[lastKept].Value.End) return;
        var text = new StringBuilder();
        if (added.Count > 0)
        {
            var sep = Separator(bytes, members, lastKept);
            var colonText = Slice(bytes, members[lastKept].KeyEnd, members[lastKept].Value.Start);
            var childIndent = IndentAfterBreak(sep) ?? LineIndent(bytes, members[lastKept].KeyStart) ?? indent;
            var valueStyle = sep.Contains('\n') ? style : style.Inline(sep + colonText);
            foreach (var (key, value) in added)
            {
                text.Append(',').Append(sep);
                AppendMember(text, key, value, colonText, valueStyle, childIndent);
            }
        }
        splices.Add(new Splice(members[lastKept].Value.End, tailEnd, text.ToString()));
    }

    // The whitespace before member i's key: after the comma before it, or after '{' for the first.
    private static string Separator(byte[] bytes, List<Member> members, int i)
    {
        if (i == 0)
        {
            var open = members[0].KeyStart - 1;
            while (bytes[open] != (byte)'{') open--;
            return Slice(bytes, open + 1, members[0].KeyStart);
        }
        var comma = members[i - 1].Value.End;
        while (bytes[comma] != (byte)',') comma++;
        return Slice(bytes, comma + 1, members[i].KeyStart);
    }

    // The indent of the line a position is on, when only whitespace precedes it there.
    private static string? LineIndent(byte[] bytes, int position)
    {
        var i = position - 1;
        while (i >= 0 && bytes[i] is (byte)' ' or (byte)'\t') i--;
        if (i >= 0 && bytes[i] != (byte)'\n') return null;
        return Slice(bytes, i + 1, position);
    }

    private static void AppendMember(StringBuilder sb, string key, JsonNode? value, string colon, Style style, string indent)
    {
        sb.Append(JsonSerializer.Serialize(key, new JsonSerializerOptions { Encoder = Encoder })).Append(colon);
        Write(sb, value, style, indent);
    }

    private static void Write(StringBuilder sb, JsonNode? node, Style style, string indent)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first) sb.Append(style.Comma);
                    first = false;
                    if (style.Multiline) sb.Append(style.NewLine).Append(indent).Append(style.Unit);
                    sb.Append(JsonSerializer.Serialize(key, new JsonSerializerOptions { Encoder = Encoder })).Append(style.Colon);
                    Write(sb, value, style, indent + style.Unit);
                }
                if (style.Multiline) sb.Append(style.NewLine).Append(indent);
                sb.Append('}');
                break;
            case JsonArray array when array.Count > 0:
                sb.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0) sb.Append(style.Comma);
                    if (style.Multiline) sb.Append(style.NewLine).Append(indent).Append(style.Unit);
                    Write(sb, array[i], style, indent + style.Unit);
                }
                if (style.Multiline) sb.Append(style.NewLine).Append(indent);
                sb.Append(']');
                break;
            case JsonObject:
                sb.Append("{}");
                break;
            case JsonArray:
                sb.Append("[]");
                break;
            case null:
                sb.Append("null");
                break;
            default:
                sb.Append(node.ToJsonString(new JsonSerializerOptions { Encoder = Encoder }));
                break;
        }
    }

    /// <summary>How the document lays out what NginxKit adds: one member a line (its indent unit and line ending) or all on one line.</summary>
    private sealed record Style(bool Multiline, string NewLine, string Unit, string Comma, string Colon)
    {
        public static readonly Style Default = new(true, "\n", "  ", ",", ": ");

        public static Style Of(Node root, byte[] bytes)
        {
            if (root.Members.Count == 0) return Default;
            var sep = Separator(bytes, root.Members, root.Members.Count - 1);
            var colon = Slice(bytes, root.Members[^1].KeyEnd, root.Members[^1].Value.Start).Contains(": ") ? ": " : ":";
            var newLine = sep.Contains("\r\n") ? "\r\n" : "\n";
            var unit = IndentAfterBreak(sep);
            if (unit is null) return new Style(false, newLine, Default.Unit, sep.Length > 0 ? ", " : ",", colon);
            if (unit.Length == 0 || unit.Any(c => c != unit[0])) unit = Default.Unit;
            return new Style(true, newLine, unit, ",", colon);
        }

        /// <summary>The style for a value written on one line, spaced like the text it sits in.</summary>
        public Style Inline(string sample) => this with { Multiline = false, Comma = sample.Contains(", ") || sample.StartsWith(' ') ? ", " : ",", Colon = sample.Contains(": ") ? ": " : ":" };

        /// <summary>Separators for members added to an empty object at this indent: first, between, colon, closing.</summary>
        public (string First, string Next, string Colon, string Closing) NewObject(string indent) => Multiline
            ? (NewLine + indent + Unit, NewLine + indent + Unit, Colon, NewLine + indent)
            : (string.Empty, Comma == ", " ? " " : string.Empty, Colon, string.Empty);
    }
}
