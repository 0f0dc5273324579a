using System.Collections;
using System.Management.Automation;

namespace NginxKit.Infrastructure;

/// <summary>Reads a hashtable parameter's entries as text, the one way every cmdlet does.</summary>
internal static class HashtableEntries
{
    /// <summary>
    /// The entries' keys and values as strings. PowerShell may wrap a value in a PSObject, which is
    /// unwrapped first, so @{ n = 5 } and @{ n = $x } read alike; a $null value stays null.
    /// </summary>
    public static IEnumerable<(string Key, string? Value)> AsText(IDictionary? table)
    {
        if (table is null) yield break;
        foreach (DictionaryEntry entry in table)
            yield return (entry.Key?.ToString() ?? string.Empty, (entry.Value is PSObject p ? p.BaseObject : entry.Value)?.ToString());
    }
}
