using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.IO;

/// <summary>What a write did, or would do under -WhatIf.</summary>
/// <param name="Path">The full path of the target file.</param>
/// <param name="Changed">True when the content differed (and, unless planned only, was written).</param>
/// <param name="Hash">The content hash of the new content.</param>
/// <param name="PreviousHash">The hash of what was there before, or null when there was no file.</param>
/// <param name="BackupPath">Where the previous content was saved, or null when nothing was replaced.</param>
/// <param name="Diff">Unified diff from the old content to the new one (filled when planning).</param>
public sealed record FileWriteResult(string Path, bool Changed, string Hash, string? PreviousHash, string? BackupPath, string? Diff = null);
