namespace NginxKit.Engine.Kubernetes;

/// <summary>Kubernetes' syntax for label keys and values, checked before any request is sent.</summary>
public static class LabelRules
{
    /// <summary>A key is an optional DNS-subdomain prefix and "/", then a name of 1–63 characters.</summary>
    public static string? CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key)) return "KeyRequired";
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length is 0 or > 253) return "KeyPrefixLength";
            foreach (var label in prefix.Split('.'))
                if (Nginx.RouteRules.CheckDnsLabel(label) is not null) return "KeyPrefixSyntax";
        }
        if (name.Length is 0 or > 63) return "KeyNameLength";
        return IsQualifiedName(name) ? null : "KeyNameSyntax";
    }

    /// <summary>A value is empty, or 1–63 alphanumerics with - _ . inside.</summary>
    public static string? CheckValue(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value.Length > 63) return "ValueLength";
        return IsQualifiedName(value) ? null : "ValueSyntax";
    }

    private static bool IsQualifiedName(string s)
    {
        if (!char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1])) return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return false;
        return true;
    }
}
