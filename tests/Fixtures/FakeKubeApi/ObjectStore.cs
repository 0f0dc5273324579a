using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>One change, as watchers see it. <see cref="Previous"/> is the object before a MODIFIED or DELETED.</summary>
public sealed record WatchEvent(string Type, ResourceType Resource, JsonObject Object, JsonObject? Previous, long ResourceVersion);

/// <summary>
/// The "etcd" of the fake: objects by type, namespace and name, one global resourceVersion
/// counter, and a bounded history of events for watches that resume from a resourceVersion.
/// Stored objects are never handed out: readers get copies, so nothing outside the lock
/// touches them.
/// </summary>
public sealed class ObjectStore
{
    private readonly object _gate = new();
    private readonly Dictionary<ResourceType, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly List<WatchEvent> _history = [];
    private long _resourceVersion;
    // Every event with a resourceVersion above this one is still in _history.
    private long _historyStart;

    public ObjectStore(WatchHub hub)
    {
        Hub = hub;
        foreach (var type in ResourceCatalog.All) _objects[type] = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
    }

    public WatchHub Hub { get; }

    /// <summary>How many events watches can resume across; older resourceVersions get 410 Expired.</summary>
    public int HistoryLimit { get; set; } = 10_000;

    /// <summary>The last resourceVersion handed out: what a list answers as its own.</summary>
    public long ResourceVersion
    {
        get { lock (_gate) return _resourceVersion; }
    }

    /// <summary>The oldest resourceVersion a watch can still start from.</summary>
    public long OldestWatchableResourceVersion
    {
        get { lock (_gate) return _historyStart; }
    }

    // Keys sort like etcd keys (namespace/name), which is the order the apiserver lists in.
    private static string Key(string? ns, string name) => $"{ns}/{name}";

    /// <summary>Runs <paramref name="action"/> with the store locked, for read-modify-write sequences.</summary>
    public T Locked<T>(Func<T> action)
    {
        lock (_gate) return action();
    }

    /// <summary>The stored object itself, for use inside <see cref="Locked{T}"/> only: do not modify it.</summary>
    internal JsonObject? Peek(ResourceType type, string? ns, string name)
    {
        lock (_gate) return _objects[type].GetValueOrDefault(Key(ns, name));
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate) return Peek(type, ns, name) is { } obj ? Json.Clone(obj) : null;
    }

    /// <summary>Copies of the objects of a type (in one namespace, or all when null) that match, in key order.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, Func<JsonObject, bool>? filter = null)
    {
        lock (_gate)
        {
            var items = _objects[type].Values
                .Where(o => (ns is null || Json.Namespace(o) == ns) && (filter is null || filter(o)))
                .Select(Json.Clone)
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>
    /// Stores <paramref name="obj"/> (taking ownership of it) under a new resourceVersion, or
    /// deletes the object when it is null; records and publishes the event. Returns a copy of
    /// what was stored, or of the deleted object stamped with the deletion's resourceVersion.
    /// </summary>
    internal JsonObject Commit(ResourceType type, string? ns, string name, JsonObject? obj)
    {
        lock (_gate)
        {
            var key = Key(ns, name);
            var previous = _objects[type].GetValueOrDefault(key);
            var rv = ++_resourceVersion;
            WatchEvent change;
            if (obj is null)
            {
                if (previous is null) throw KubeStatus.NotFound(type, name);
                _objects[type].Remove(key);
                // A DELETED event carries the object at the deletion's resourceVersion.
                var gone = Json.Clone(previous);
                Json.Metadata(gone)["resourceVersion"] = rv.ToString();
                change = new WatchEvent("DELETED", type, gone, previous, rv);
            }
            else
            {
                Json.Metadata(obj)["resourceVersion"] = rv.ToString();
                obj = Json.Canonical(obj);
                _objects[type][key] = obj;
                change = new WatchEvent(previous is null ? "ADDED" : "MODIFIED", type, obj, previous, rv);
            }
            _history.Add(change);
            if (_history.Count > HistoryLimit)
            {
                var drop = _history.Count - HistoryLimit;
                _historyStart = _history[drop - 1].ResourceVersion;
                _history.RemoveRange(0, drop);
            }
            Hub.Publish(change);
            return Json.Clone(change.Object);
        }
    }

    /// <summary>
    /// Opens a watch: replays history after <paramref name="fromResourceVersion"/>, or starts
    /// with an ADDED per current object when it is null (or "0"). Returns null when the
    /// resourceVersion is too old, with the Status to send in <paramref name="expired"/>. With
    /// <paramref name="sendInitialEvents"/> (the watch-list protocol) the initial events end with a
    /// BOOKMARK annotated <c>k8s.io/initial-events-end</c>.
    /// </summary>
    public WatchSubscription? Subscribe(WatchFilter filter, long? fromResourceVersion, bool sendInitialEvents, bool bookmarks, out JsonObject? expired)
    {
        lock (_gate)
        {
            expired = null;
            var initial = new List<WatchEvent>();
            if (fromResourceVersion is null or 0 || sendInitialEvents)
            {
                foreach (var obj in _objects[filter.Resource].Values.Where(filter.Matches))
                    initial.Add(new WatchEvent("ADDED", filter.Resource, obj, null, Json.ResourceVersionOf(obj)));
            }
            else if (fromResourceVersion < _historyStart)
            {
                expired = KubeStatus.Expired(fromResourceVersion.Value, _historyStart);
                return null;
            }
            else
            {
                initial.AddRange(_history.Where(e => e.ResourceVersion > fromResourceVersion));
            }
            return Hub.Register(filter, initial, _resourceVersion, bookmarks, initialEventsEnd: sendInitialEvents && bookmarks);
        }
    }

    /// <summary>Forgets every object; the resourceVersion keeps counting and history restarts now.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var objects in _objects.Values) objects.Clear();
            _history.Clear();
            _historyStart = _resourceVersion;
        }
    }

    /// <summary>Forgets the event history: a watch from any earlier resourceVersion gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _historyStart = _resourceVersion;
        }
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every watch that asked for them.</summary>
    public void EmitBookmarks()
    {
        lock (_gate) Hub.Bookmark(_resourceVersion);
    }
}
