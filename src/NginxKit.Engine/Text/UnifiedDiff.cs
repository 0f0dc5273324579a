using System.Text;

namespace NginxKit.Engine.Text;

/// <summary>
/// Line diffs in unified format, for -WhatIf. Myers' O(ND) algorithm, so that a one-line change
/// in a 60,000-line config stays cheap.
/// </summary>
public static class UnifiedDiff
{
    /// <summary>Returns the unified diff from <paramref name="oldText"/> to <paramref name="newText"/>, or "" when equal.</summary>
    public static string Create(string? oldText, string newText, string oldLabel, string newLabel, int context = 3)
    {
        oldText ??= string.Empty;
        if (string.Equals(oldText, newText, StringComparison.Ordinal))
            return string.Empty;

        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var edits = Diff(a, b);

        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldLabel).Append('\n');
        sb.Append("+++ ").Append(newLabel).Append('\n');

        // Group edits into hunks separated by more than 2*context unchanged lines.
        int i = 0;
        while (i < edits.Count)
        {
            while (i < edits.Count && edits[i].Kind == EditKind.Same) i++;
            if (i >= edits.Count) break;

            int start = Math.Max(0, i - context);
            int end = i;
            int lastChange = i;
            while (end < edits.Count)
            {
                if (edits[end].Kind != EditKind.Same) lastChange = end;
                else if (end - lastChange > 2 * context) break;
                end++;
            }
            end = Math.Min(edits.Count, lastChange + context + 1);

            int oldStart = edits[start].OldIndex, newStart = edits[start].NewIndex;
            int oldCount = 0, newCount = 0;
            for (int k = start; k < end; k++)
            {
                if (edits[k].Kind != EditKind.Insert) oldCount++;
                if (edits[k].Kind != EditKind.Delete) newCount++;
            }
            sb.Append("@@ -").Append(HunkRange(oldStart, oldCount)).Append(" +").Append(HunkRange(newStart, newCount)).Append(" @@\n");
            for (int k = start; k < end; k++)
            {
                var e = edits[k];
                switch (e.Kind)
                {
                    case EditKind.Same: sb.Append(' ').Append(a[e.OldIndex]).Append('\n'); break;
                    case EditKind.Delete: sb.Append('-').Append(a[e.OldIndex]).Append('\n'); break;
                    default: sb.Append('+').Append(b[e.NewIndex]).Append('\n'); break;
                }
            }
            i = end;
        }
        return sb.ToString();
    }

    private static string HunkRange(int zeroBasedStart, int count) =>
        count == 0 ? $"{zeroBasedStart},0" : count == 1 ? $"{zeroBasedStart + 1}" : $"{zeroBasedStart + 1},{count}";

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var lines = text.Split('\n');
        // A trailing newline ends the last line; it does not start an empty one.
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private enum EditKind { Same, Delete, Insert }

    private readonly record struct Edit(EditKind Kind, int OldIndex, int NewIndex);

    private static List<Edit> Diff(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length, max = n + m;
        var v = new int[2 * max + 2];
        var trace = new List<int[]>();
        long traced = 0;
        for (int d = 0; d <= max; d++)
        {
            // The trace grows by one copy of v per step; past ~64 MB, show a whole replacement instead.
            traced += v.Length;
            if (traced > 16_000_000)
                return Replacement(n, m);
            trace.Add((int[])v.Clone());
            for (int k = -d; k <= d; k += 2)
            {
                int x = (k == -d || (k != d && v[max + k - 1] < v[max + k + 1])) ? v[max + k + 1] : v[max + k - 1] + 1;
                int y = x - k;
                while (x < n && y < m && string.Equals(a[x], b[y], StringComparison.Ordinal)) { x++; y++; }
                v[max + k] = x;
                if (x >= n && y >= m)
                    return Backtrack(trace, a.Length, b.Length, max, d);
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    private static List<Edit> Replacement(int n, int m)
    {
        var edits = new List<Edit>(n + m);
        for (int i = 0; i < n; i++) edits.Add(new Edit(EditKind.Delete, i, 0));
        for (int j = 0; j < m; j++) edits.Add(new Edit(EditKind.Insert, n, j));
        return edits;
    }

    private static List<Edit> Backtrack(List<int[]> trace, int n, int m, int max, int dEnd)
    {
        var edits = new List<Edit>();
        int x = n, y = m;
        for (int d = dEnd; d > 0; d--)
        {
            var v = trace[d];
            int k = x - y;
            int prevK = (k == -d || (k != d && v[max + k - 1] < v[max + k + 1])) ? k + 1 : k - 1;
            int prevX = v[max + prevK], prevY = prevX - prevK;
            while (x > prevX && y > prevY) { x--; y--; edits.Add(new Edit(EditKind.Same, x, y)); }
            if (x == prevX) { y--; edits.Add(new Edit(EditKind.Insert, x, y)); }
            else { x--; edits.Add(new Edit(EditKind.Delete, x, y)); }
        }
        while (x > 0 && y > 0) { x--; y--; edits.Add(new Edit(EditKind.Same, x, y)); }
        edits.Reverse();
        return edits;
    }
}
