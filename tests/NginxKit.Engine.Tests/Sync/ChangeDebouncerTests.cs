using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using NginxKit.Engine.Sync;
using Xunit;

namespace NginxKit.Engine.Tests.Sync;

// The watch's debounce on a clock the test moves. The channel runs its readers' continuations
// inline, the fake clock fires its timers inline, and without a synchronization context awaits
// resume inline too: each write and each millisecond of time has taken full effect on the
// debouncer when it returns. No real time passes and nothing races.
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // as the engine is
public class ChangeDebouncerTests
{
    private static readonly TimeSpan Debounce = new SyncSettings { OutFile = "x" }.Debounce;
    private static readonly TimeSpan MaxDelay = new SyncSettings { OutFile = "x" }.MaxDelay;

    private sealed class Burst
    {
        private readonly FakeTimeProvider clock = new();
        private readonly Channel<string> changes = Channel.CreateUnbounded<string>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        private readonly DateTimeOffset start;
        private readonly Task reading;

        public Burst(TimeSpan debounce, TimeSpan maxDelay, params string[] queued)
        {
            start = clock.GetUtcNow();
            foreach (var change in queued) changes.Writer.TryWrite(change);
            reading = Inline(() => ReadAsync(new ChangeDebouncer(changes.Reader, debounce, maxDelay, clock)));
        }

        /// <summary>Each burst the debouncer gave, with the time since the start when it gave it.</summary>
        public List<(TimeSpan At, IReadOnlyList<string> Changes)> Batches { get; } = [];

        public TimeSpan Now => clock.GetUtcNow() - start;

        public void Change(string name) => Assert.True(Inline(() => changes.Writer.TryWrite(name)));

        // A millisecond at a time, so every timer fires at its own time.
        public void Advance(TimeSpan by) => Inline(() =>
        {
            for (var ms = 0; ms < (int)by.TotalMilliseconds; ms++) clock.Advance(TimeSpan.FromMilliseconds(1));
            return true;
        });

        /// <summary>Ends the changes and gives the bursts once the debouncer has said it has no more.</summary>
        public List<(TimeSpan At, IReadOnlyList<string> Changes)> End()
        {
            Inline(() => changes.Writer.TryComplete());
            Assert.True(reading.IsCompletedSuccessfully, $"the debouncer ended with the channel ({reading.Status})");
            return Batches;
        }

        // xunit's synchronization context would send the awaits' continuations to the thread pool.
        public static T Inline<T>(Func<T> step)
        {
            var context = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                return step();
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }

        private async Task ReadAsync(ChangeDebouncer debouncer)
        {
            while (await debouncer.NextAsync(CancellationToken.None).ConfigureAwait(false) is { } batch)
                Batches.Add((Now, batch));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(40)]
    [InlineData(49)]
    public void A_burst_of_100_changes_faster_than_the_debounce_gives_at_most_5_batches_ending_on_the_last_change(int gapMs)
    {
        var burst = new Burst(Debounce, MaxDelay);
        var sent = Enumerable.Range(1, 100).Select(i => $"change {i}").ToList();
        foreach (var change in sent)
        {
            burst.Change(change);
            burst.Advance(TimeSpan.FromMilliseconds(gapMs));
        }
        burst.Advance(MaxDelay);
        var batches = burst.End();

        Assert.InRange(batches.Count, 1, 5);
        // Every change is in exactly one batch, in the order sent, and the last batch holds the last one.
        Assert.Equal(sent, batches.SelectMany(b => b.Changes));
        Assert.Equal(sent[^1], batches[^1].Changes[^1]);
        // The last batch comes once the changes stop, after the debounce's quiet, or sooner at MaxDelay.
        var lastSent = TimeSpan.FromMilliseconds(gapMs * 99);
        Assert.InRange(batches[^1].At, lastSent, lastSent + Debounce);
    }

    [Fact]
    public void Changes_already_waiting_when_the_debouncer_reads_are_one_batch_after_the_debounce()
    {
        var sent = Enumerable.Range(1, 100).Select(i => $"change {i}").ToArray();
        var burst = new Burst(Debounce, MaxDelay, sent);
        burst.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Empty(burst.Batches);
        burst.Advance(MaxDelay);
        var batch = Assert.Single(burst.End());
        Assert.Equal(Debounce, batch.At);
        Assert.Equal(sent, batch.Changes);
    }

    [Fact]
    public void A_change_after_quiet_is_a_batch_of_its_own_exactly_one_debounce_later()
    {
        var burst = new Burst(Debounce, MaxDelay);
        burst.Change("first");
        burst.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Empty(burst.Batches);
        burst.Advance(TimeSpan.FromMilliseconds(1));
        var first = Assert.Single(burst.Batches);
        Assert.Equal(Debounce, first.At);
        Assert.Equal(["first"], first.Changes);

        burst.Advance(TimeSpan.FromSeconds(5));
        var changedAt = burst.Now;
        burst.Change("second");
        burst.Advance(Debounce + TimeSpan.FromSeconds(5));
        var batches = burst.End();

        Assert.Equal(2, batches.Count);
        Assert.Equal(changedAt + Debounce, batches[1].At);
        Assert.Equal(["second"], batches[1].Changes);
    }

    [Fact]
    public void Each_change_within_the_debounce_waits_for_quiet_again()
    {
        var burst = new Burst(Debounce, MaxDelay);
        burst.Change("a");
        burst.Advance(TimeSpan.FromMilliseconds(30));
        burst.Change("b");
        burst.Advance(TimeSpan.FromMilliseconds(30));
        // 60 ms after the first change, 30 ms after the second: still waiting for quiet.
        Assert.Empty(burst.Batches);
        burst.Advance(TimeSpan.FromMilliseconds(20));
        var batch = Assert.Single(burst.Batches);
        Assert.Equal(TimeSpan.FromMilliseconds(80), batch.At);
        Assert.Equal(["a", "b"], batch.Changes);
    }

    [Fact]
    public void Changes_that_keep_coming_are_cut_at_MaxDelay_from_the_first_of_each_batch()
    {
        var burst = new Burst(Debounce, MaxDelay);
        // A change every 10 ms for 3.5 s: never quiet, so only MaxDelay ends a batch.
        for (var i = 0; i < 350; i++)
        {
            burst.Change($"change {i}");
            burst.Advance(TimeSpan.FromMilliseconds(10));
        }
        burst.Advance(MaxDelay);
        var batches = burst.End();

        // Cut at 1 s, 2 s and 3 s; the changes from 3 s on end 3.5 s in, with the debounce's quiet.
        Assert.Equal([MaxDelay, 2 * MaxDelay, 3 * MaxDelay, TimeSpan.FromMilliseconds(3490) + Debounce], batches.Select(b => b.At));
        Assert.Equal([100, 100, 100, 50], batches.Select(b => b.Changes.Count));
        Assert.Equal(Enumerable.Range(0, 350).Select(i => $"change {i}"), batches.SelectMany(b => b.Changes));
    }

    [Fact]
    public void No_debounce_makes_each_change_a_batch_at_once()
    {
        var burst = new Burst(TimeSpan.Zero, MaxDelay);
        burst.Change("a");
        burst.Change("b");
        var batches = burst.End();
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero], batches.Select(b => b.At));
        Assert.Equal([["a"], ["b"]], batches.Select(b => b.Changes.ToArray()));
    }

    [Fact]
    public void Cancelling_ends_a_wait_with_the_cancellation_not_with_a_batch()
    {
        var clock = new FakeTimeProvider();
        var changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        using var stop = new CancellationTokenSource();
        var next = Burst.Inline(() => new ChangeDebouncer(changes.Reader, Debounce, MaxDelay, clock).NextAsync(stop.Token).AsTask());
        Burst.Inline(() => changes.Writer.TryWrite("a"));
        Assert.False(next.IsCompleted);
        Burst.Inline(() => { stop.Cancel(); return true; });
        Assert.True(next.IsCanceled);
    }
}
