using NginxKit.Engine.Text;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Infrastructure;

/// <summary>
/// Reads one piped or -Route item as a route, by property name: NginxRoute objects, hashtables,
/// PSCustomObjects (Import-Csv rows, Select-Object output) and any other object with the properties.
/// The names and aliases are New-NginxConf's parameters: Path, Backend (ClusterIP, Host), Port,
/// Service (ServiceName), Namespace, StripPrefix, ServerName; BackendProtocol and Created
/// (CreationTimestamp), which only piped objects carry; and the route's own settings:
/// WebSocket, ClientMaxBodySize, ProxyReadTimeout, ProxySendTimeout, ProxyRedirect.
///
/// PowerShell's own binding by property name costs about 5 µs per object for these parameters,
/// more than rendering the route. Objects bound whole and read here cost a fraction of that.
/// </summary>
internal static class RouteInput
{
    private enum Field { Path, Backend, Port, Service, Namespace, StripPrefix, ServerName, BackendProtocol, Created, WebSocket, ClientMaxBodySize, ProxyReadTimeout, ProxySendTimeout, ProxyRedirect, Count }

    // In precedence order: when an object has both Backend and ClusterIP, Backend wins.
    private static readonly (string Name, Field Field)[] Names =
    [
        ("Path", Field.Path), ("Backend", Field.Backend), ("ClusterIP", Field.Backend), ("Host", Field.Backend),
        ("Port", Field.Port), ("Service", Field.Service), ("ServiceName", Field.Service), ("Namespace", Field.Namespace),
        ("StripPrefix", Field.StripPrefix), ("ServerName", Field.ServerName), ("BackendProtocol", Field.BackendProtocol),
        ("Created", Field.Created), ("CreationTimestamp", Field.Created), ("WebSocket", Field.WebSocket),
        ("ClientMaxBodySize", Field.ClientMaxBodySize), ("ProxyReadTimeout", Field.ProxyReadTimeout), ("ProxySendTimeout", Field.ProxySendTimeout),
        ("ProxyRedirect", Field.ProxyRedirect),
    ];

    private static readonly Dictionary<string, (Field Field, int Rank)> ByName = Names
        .Select((n, rank) => (n.Name, Value: (n.Field, rank)))
        .ToDictionary(n => n.Name, n => n.Value, StringComparer.OrdinalIgnoreCase);

    // A PSCustomObject keeps its properties in PSObject.InstanceMembers, which is internal, as are
    // the collection's Count and its indexer. Enumerating the members instead, publicly or not,
    // copies them into a new list under a lock for every object, and the public
    // PSObject.Properties looks each name up in every member source the object has; read by
    // position, a route's properties cost a fraction of that. When a PowerShell version lacks one
    // of these members, the public path is used.
    private static readonly MemberReader? Members = MemberReader.Create();

    /// <summary>True when PSCustomObjects are read through their own members rather than the public lookup.</summary>
    internal static bool ReadsInstanceMembers => Members is not null;

    /// <summary>The route the item describes, or null and the problem that stops it from being one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Route? Read(object? item, out Problem? problem)
    {
        problem = null;
        var pso = item as PSObject;
        var value = pso is null ? item : pso.BaseObject;
        if (value is NginxRoute typed) return typed.ToEngine();

        // On the stack: this runs once per piped object.
        var fields = new Values();
        var ranks = new Ranks();
        ((Span<int>)ranks).Fill(int.MaxValue);
        if (value is IDictionary map)
        {
            foreach (DictionaryEntry entry in map)
            {
                var key = entry.Key?.ToString() ?? string.Empty;
                if (Lookup(key) is not { } field)
                {
                    problem = Refuse(ErrorCatalog.InvalidRouteInput, item, in fields, "UnknownKey",
                        $"A route has no key '{Printable.Escape(key)}'. Use Path, Backend (or ClusterIP, Host), Port, Service, Namespace, StripPrefix, ServerName, BackendProtocol, Created, WebSocket, ClientMaxBodySize, ProxyReadTimeout, ProxySendTimeout and ProxyRedirect.");
                    return null;
                }
                Set(ref fields, ref ranks, field, entry.Value);
            }
        }
        else if (pso is not null && value is PSCustomObject && Members is not null)
        {
            var members = Members.InstanceMembers(pso);
            int count = Members.Count(members);
            for (int i = 0; i < count; i++)
                if (Members.At(members, i) is PSPropertyInfo property && Lookup(property.Name) is { } field)
                    Set(ref fields, ref ranks, field, property.Value);
            // A custom type name may bring properties from a types.ps1xml file (PSObject.TypeNames
            // would give each object its own copy of the shared list), and a deserialized object, such
            // as an NginxRoute back from Invoke-Command or Import-Clixml, keeps its properties elsewhere.
            if (Members.TypeNames(pso).Count > 2 || ranks[(int)Field.Path] == int.MaxValue) ReadMissing(pso, ref fields, ref ranks);
        }
        else if (pso is not null || value is not null)
        {
            ReadMissing(pso ?? PSObject.AsPSObject(value!), ref fields, ref ranks);
        }
        return Build(item, in fields, out problem);
    }

    // The objects of one input usually share their property name strings (one hashtable literal,
    // one CSV header), so a name is first looked for by reference among the last ones seen.
    [ThreadStatic] private static string?[]? recentNames;
    [ThreadStatic] private static (Field Field, int Rank)[]? recentFields;
    [ThreadStatic] private static int recentNext;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Field Field, int Rank)? Lookup(string name)
    {
        var names = recentNames ??= new string?[16];
        var found = recentFields ??= new (Field, int)[16];
        for (int i = 0; i < names.Length; i++)
            if (ReferenceEquals(names[i], name)) return found[i];
        if (!ByName.TryGetValue(name, out var field)) return null;
        names[recentNext] = name;
        found[recentNext] = field;
        recentNext = (recentNext + 1) & 15;
        return field;
    }

    /// <summary>Delegates to PowerShell's internal member storage, or none when a member is missing.</summary>
    private sealed class MemberReader
    {
        public required Func<PSObject, object> InstanceMembers { get; init; }
        public required Func<object, int> Count { get; init; }
        public required Func<object, int, PSMemberInfo?> At { get; init; }
        public required Func<PSObject, ICollection<string>> TypeNames { get; init; }

        public static MemberReader? Create()
        {
            try
            {
                const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;
                var instanceMembers = typeof(PSObject).GetProperty("InstanceMembers", Internal)?.GetMethod;
                var typeNames = typeof(PSObject).GetProperty("InternalTypeNames", Internal)?.GetMethod;
                var collection = instanceMembers?.ReturnType;
                var count = collection?.GetProperty("Count", Internal, null, typeof(int), Type.EmptyTypes, null)?.GetMethod;
                var at = collection?.GetProperty("Item", Internal, null, typeof(PSMemberInfo), [typeof(int)], null)?.GetMethod;
                if (instanceMembers is null || typeNames is null || count is null || at is null
                    || !typeof(ICollection<string>).IsAssignableFrom(typeNames.ReturnType))
                    return null;
                return new MemberReader
                {
                    InstanceMembers = Compile<Func<PSObject, object>>(instanceMembers, typeof(PSObject), typeof(object)),
                    Count = Compile<Func<object, int>>(count, typeof(object), typeof(int)),
                    At = Compile<Func<object, int, PSMemberInfo?>>(at, typeof(object), typeof(PSMemberInfo), typeof(int)),
                    TypeNames = Compile<Func<PSObject, ICollection<string>>>(typeNames, typeof(PSObject), typeof(ICollection<string>)),
                };
            }
            catch (Exception ex) when (ex is ArgumentException or MemberAccessException or InvalidOperationException or NotSupportedException)
            {
                return null;
            }
        }

        // A call to an internal instance getter through a receiver typed as its base: a delegate
        // bound straight to the getter would have to name the internal type.
        private static T Compile<T>(MethodInfo getter, Type receiver, Type result, params Type[] arguments) where T : Delegate
        {
            var method = new DynamicMethod(getter.Name, result, [receiver, .. arguments], typeof(RouteInput).Module, skipVisibility: true);
            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, getter.DeclaringType!);
            for (short i = 0; i < arguments.Length; i++) il.Emit(OpCodes.Ldarg, (short)(i + 1));
            il.Emit(OpCodes.Callvirt, getter);
            il.Emit(OpCodes.Ret);
            return method.CreateDelegate<T>();
        }
    }

    [InlineArray((int)Field.Count)]
    private struct Values
    {
        private object? first;
    }

    [InlineArray((int)Field.Count)]
    private struct Ranks
    {
        private int first;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(ref Values fields, ref Ranks ranks, (Field Field, int Rank) at, object? value)
    {
        if (at.Rank >= ranks[(int)at.Field]) return;
        fields[(int)at.Field] = value is PSObject p ? p.BaseObject : value;
        ranks[(int)at.Field] = at.Rank;
    }

    private static void ReadMissing(PSObject pso, ref Values fields, ref Ranks ranks)
    {
        for (int rank = 0; rank < Names.Length; rank++)
        {
            var (name, field) = Names[rank];
            if (ranks[(int)field] != int.MaxValue) continue;
            if (pso.Properties[name] is { } property) Set(ref fields, ref ranks, (field, rank), property.Value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Route? Build(object? item, in Values fields, out Problem? problem)
    {
        problem = null;
        int? port = fields[(int)Field.Port] switch
        {
            null => 0,
            int i => i,
            string s => int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
            bool => null,
            // 80.7 is no port: converting would round it to 81, another service's port.
            double or float or decimal when !IsWhole(fields[(int)Field.Port]!) => null,
            var other => LanguagePrimitives.TryConvertTo(other, CultureInfo.InvariantCulture, out int converted) ? converted : null,
        };
        if (port is null)
        {
            problem = Refuse(ErrorCatalog.InvalidRoutePort, item, in fields, "PortNotANumber", "The port must be a whole number between 1 and 65535.");
            return null;
        }

        if (Flag(fields[(int)Field.StripPrefix], out var stripFlag) is false)
        {
            problem = Refuse(ErrorCatalog.InvalidRouteStripPrefix, item, in fields, "StripPrefixNotBoolean", "StripPrefix must be true or false.");
            return null;
        }

        RouteSettings? settings = null;
        // Most routes have none of these: one look before any work.
        if (fields[(int)Field.WebSocket] is not null || fields[(int)Field.ClientMaxBodySize] is not null || fields[(int)Field.ProxyReadTimeout] is not null
            || fields[(int)Field.ProxySendTimeout] is not null || fields[(int)Field.ProxyRedirect] is not null)
        {
            if (Flag(fields[(int)Field.WebSocket], out var webSocket) is false || Flag(fields[(int)Field.ProxyRedirect], out var redirect) is false)
            {
                var name = Flag(fields[(int)Field.WebSocket], out _) is false ? "WebSocket" : "ProxyRedirect";
                problem = Refuse(ErrorCatalog.InvalidRouteSetting, item, in fields, name + "NotBoolean", $"{name} must be true or false.");
                return null;
            }
            settings = NginxRoute.Settings(webSocket, Setting(fields[(int)Field.ClientMaxBodySize]), Setting(fields[(int)Field.ProxyReadTimeout]),
                Setting(fields[(int)Field.ProxySendTimeout]), redirect);
        }

        DateTimeOffset? created = null;
        switch (fields[(int)Field.Created])
        {
            case null: break;
            case DateTimeOffset time: created = time; break;
            case DateTime time: created = NginxRoute.Utc(time); break;
            case string s when s.Length == 0: break;
            case string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed): created = parsed; break;
            default:
                problem = Refuse(ErrorCatalog.InvalidRouteInput, item, in fields, "CreatedNotATime", "Created must be a date and time, such as 2024-05-01T12:00:00Z.");
                return null;
        }

        return NginxRoute.ToEngine(Text(fields[(int)Field.Path]), Text(fields[(int)Field.Backend]), port.Value,
            Text(fields[(int)Field.Service]), Text(fields[(int)Field.Namespace]), stripFlag ?? true, Text(fields[(int)Field.ServerName]),
            Text(fields[(int)Field.BackendProtocol]), created, settings);
    }

    private static bool IsWhole(object number) => number switch
    {
        double d => Math.Floor(d) == d,
        float f => MathF.Floor(f) == f,
        decimal m => decimal.Floor(m) == m,
        _ => true,
    };

    // A true/false field: null when not given (or an empty CSV cell); false when it is no boolean at all.
    private static bool Flag(object? value, out bool? flag)
    {
        flag = null;
        switch (value)
        {
            case null: return true;
            case bool b: flag = b; return true;
            case SwitchParameter sw: flag = sw.IsPresent; return true;
            case string s when s.Length == 0: return true;
            case string s when BooleanTextAttribute.TryParse(s, emptyMeans: true, out var parsed): flag = parsed; return true;
            case int or long or short or byte: flag = Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0; return true;
            default: return false;
        }
    }

    // A size or a timeout: text as given (the rules check it), a number as whole seconds or bytes.
    private static string? Setting(object? value) => value switch
    {
        null => null,
        string s => s,
        int or long or short or byte => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        _ => LanguagePrimitives.ConvertTo<string>(value),
    };

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        _ => LanguagePrimitives.ConvertTo<string>(value),
    };

    private static Problem Refuse(ErrorKind kind, object? item, in Values fields, string rule, string hint)
    {
        var path = fields[(int)Field.Path] is { } p ? $"route '{Printable.Escape(p.ToString())}'" : "a route";
        return kind.Problem($"Skipped {path}: {rule}. {hint}", item, rule);
    }
}
