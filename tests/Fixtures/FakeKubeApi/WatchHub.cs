using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace FakeKubeApi;

/// <summary>What one watch is about: a type, optionally one namespace, and selectors.</summary>
public sealed record WatchFilter(ResourceType Resource, string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public bool Matches(JsonObject obj) =>
        (Namespace is null || Json.Namespace(obj) == Namespace) && Labels.Matches(Json.Labels(obj)) && Fields.Matches(obj);
}

/// <summary>One open watch: the events to send, in order. Disposing it ends the watch.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Channel<(string Type, JsonObject Object)> _events =
        Channel.CreateUnbounded<(string, JsonObject)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WatchHub _hub;

    internal WatchSubscription(WatchHub hub, WatchFilter filter, bool bookmarks)
    {
        _hub = hub;
        Filter = filter;
        Bookmarks = bookmarks;
    }

    public WatchFilter Filter { get; }

    public bool Bookmarks { get; }

    /// <summary>Events until the watch is closed (by the server, a test, or disposal).</summary>
    public ChannelReader<(string Type, JsonObject Object)> Events => _events.Reader;

    internal void Enqueue(string type, JsonObject obj) => _events.Writer.TryWrite((type, obj));

    internal void Complete() => _events.Writer.TryComplete();

    public void Dispose()
    {
        Complete();
        _hub.Unregister(this);
    }
}

/// <summary>
/// Fans store events out to open watches. A MODIFIED event that moves an object into or out
/// of a watch's selection arrives as ADDED or DELETED, as the apiserver's watch cache does it.
/// The store calls in with its lock held, so every watch sees events in resourceVersion order.
/// </summary>
public sealed class WatchHub
{
    private readonly object _gate = new();
    private readonly List<WatchSubscription> _subscriptions = [];

    public int OpenWatches
    {
        get { lock (_gate) return _subscriptions.Count; }
    }

    internal WatchSubscription Register(WatchFilter filter, IEnumerable<WatchEvent> initial, long resourceVersion, bool bookmarks, bool initialEventsEnd)
    {
        var sub = new WatchSubscription(this, filter, bookmarks);
        foreach (var e in initial) Deliver(sub, e);
        if (initialEventsEnd)
        {
            var end = BookmarkObject(filter.Resource, resourceVersion);
            Json.Metadata(end)["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            sub.Enqueue("BOOKMARK", end);
        }
        lock (_gate) _subscriptions.Add(sub);
        return sub;
    }

    internal void Unregister(WatchSubscription sub)
    {
        lock (_gate) _subscriptions.Remove(sub);
    }

    internal void Publish(WatchEvent change)
    {
        lock (_gate)
            foreach (var sub in _subscriptions.Where(s => s.Filter.Resource == change.Resource))
                Deliver(sub, change);
    }

    internal void Bookmark(long resourceVersion)
    {
        lock (_gate)
            foreach (var sub in _subscriptions.Where(s => s.Bookmarks))
                sub.Enqueue("BOOKMARK", BookmarkObject(sub.Filter.Resource, resourceVersion));
    }

    /// <summary>Ends every open watch, as an apiserver restart or timeout would; clients must resume.</summary>
    public int CloseAll()
    {
        List<WatchSubscription> closing;
        lock (_gate)
        {
            closing = [.. _subscriptions];
            _subscriptions.Clear();
        }
        foreach (var sub in closing) sub.Complete();
        return closing.Count;
    }

    private static void Deliver(WatchSubscription sub, WatchEvent e)
    {
        if (e.Resource != sub.Filter.Resource) return;
        var now = sub.Filter.Matches(e.Object);
        var before = e.Previous is not null && sub.Filter.Matches(e.Previous);
        switch (e.Type)
        {
            case "ADDED" when now:
                sub.Enqueue("ADDED", Json.Clone(e.Object));
                break;
            case "DELETED" when now:
                sub.Enqueue("DELETED", Json.Clone(e.Object));
                break;
            case "MODIFIED" when now:
                sub.Enqueue(before ? "MODIFIED" : "ADDED", Json.Clone(e.Object));
                break;
            case "MODIFIED" when before:
                // Left the selection: the watcher sees it deleted, at this event's resourceVersion.
                var gone = Json.Clone(e.Previous!);
                Json.Metadata(gone)["resourceVersion"] = e.ResourceVersion.ToString();
                sub.Enqueue("DELETED", gone);
                break;
        }
    }

    private static JsonObject BookmarkObject(ResourceType type, long resourceVersion) => new()
    {
        ["kind"] = type.Kind,
        ["apiVersion"] = type.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(), ["creationTimestamp"] = null },
    };
}
