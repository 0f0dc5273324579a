namespace NginxKit.Engine.Text;

/// <summary>Escapes text for messages so that control characters and look-alikes are visible, never acted on.</summary>
public static class Printable
{
    public const int MaxLength = 80;

    public static string Escape(string? value)
    {
        if (value is null) return "<null>";
        var sb = new System.Text.StringBuilder(Math.Min(value.Length, MaxLength) + 8);
        foreach (var c in value)
        {
            if (sb.Length >= MaxLength) { sb.Append("…"); break; }
            if (c is >= ' ' and <= '~') sb.Append(c);
            else sb.Append($"\\u{(int)c:X4}");
        }
        return sb.ToString();
    }
}
