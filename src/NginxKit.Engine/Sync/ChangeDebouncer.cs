using System.Threading.Channels;

namespace NginxKit.Engine.Sync;

/// <summary>
/// Gathers a burst of changes into one sync: after the first change it waits until none has come
/// for <c>debounce</c>, but never longer than <c>maxDelay</c> from that first change, so changes
/// that keep coming still reach nginx. Every wait is on <c>time</c>, so a test's clock drives it.
/// </summary>
internal sealed class ChangeDebouncer(ChannelReader<string> changes, TimeSpan debounce, TimeSpan maxDelay, TimeProvider time)
{
    /// <summary>The next burst, oldest change first; null once the channel is complete and empty.</summary>
    public async ValueTask<IReadOnlyList<string>?> NextAsync(CancellationToken cancellationToken)
    {
        string? first;
        do
        {
            if (!await changes.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        }
        while (!changes.TryRead(out first));
        var burst = new List<string> { first };
        var start = time.GetTimestamp();
        while (true)
        {
            var left = maxDelay - time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero) return burst;
            var wait = left < debounce ? left : debounce;
            if (wait > TimeSpan.Zero)
            {
                // Quiet for the whole wait ends the burst; a change starts the wait again.
                using var quiet = new CancellationTokenSource(wait, time);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(quiet.Token, cancellationToken);
                try
                {
                    if (!await changes.WaitToReadAsync(either.Token).ConfigureAwait(false)) return burst;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return burst;
                }
            }
            if (!changes.TryRead(out var change)) return burst;
            do burst.Add(change); while (changes.TryRead(out change));
        }
    }
}
