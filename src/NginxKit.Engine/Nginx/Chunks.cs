using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Nginx;

/// <summary>Chunks of bytes as one <see cref="ReadOnlySequence{T}"/>.</summary>
internal static class Chunks
{
    public static ReadOnlySequence<byte> Join(IReadOnlyList<(byte[] Bytes, int Length)> chunks)
    {
        Segment? first = null, last = null;
        foreach (var (bytes, length) in chunks)
        {
            if (length == 0) continue;
            var next = new Segment(bytes.AsMemory(0, length), last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null) first = next;
            else last.SetNext(next);
            last = next;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
