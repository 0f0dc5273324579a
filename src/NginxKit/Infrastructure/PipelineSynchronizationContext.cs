namespace NginxKit.Infrastructure;

/// <summary>
/// Runs async continuations on the pipeline thread, where WriteObject and WriteError are legal.
/// The thread that calls <see cref="Run"/> pumps posted callbacks until the task completes.
/// A step that completes synchronously costs one small allocation, which matters at 10,000 records.
/// </summary>
internal sealed class PipelineSynchronizationContext : SynchronizationContext
{
    private readonly object gate = new();
    private Queue<(SendOrPostCallback Callback, object? State)>? queue;
    private bool taskDone;
    private bool pumpEnded;

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (gate)
        {
            if (!pumpEnded)
            {
                (queue ??= new()).Enqueue((d, state));
                Monitor.Pulse(gate);
                return;
            }
        }
        ThreadPool.QueueUserWorkItem(_ => d(state)); // A late continuation, after the step ended.
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Synchronous Send onto the pipeline thread would deadlock.");

    public static void Run(Func<Task> body)
    {
        var previous = Current;
        var context = new PipelineSynchronizationContext();
        SetSynchronizationContext(context);
        try
        {
            var task = body();
            if (!task.IsCompleted)
            {
                task.ContinueWith(static (_, state) =>
                {
                    var ctx = (PipelineSynchronizationContext)state!;
                    lock (ctx.gate) { ctx.taskDone = true; Monitor.Pulse(ctx.gate); }
                }, context, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                context.Pump();
            }
            task.GetAwaiter().GetResult();
        }
        finally
        {
            lock (context.gate) context.pumpEnded = true;
            SetSynchronizationContext(previous);
        }
    }

    private void Pump()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) item;
            lock (gate)
            {
                while ((queue is null || queue.Count == 0) && !taskDone)
                    Monitor.Wait(gate);
                if (queue is null || queue.Count == 0)
                    return;
                item = queue.Dequeue();
            }
            item.Callback(item.State);
        }
    }
}
