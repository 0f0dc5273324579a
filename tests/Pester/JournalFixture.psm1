# Real journal files for the Get-DockerJournal tests and bench, built the way the recipe in
# /work/shared/recipes/journald-fixtures.md measured: entries in journal *export format* piped
# into `systemd-journal-remote --output=DIR/x.journal -`, which writes genuine journal files (with
# the timestamps, boot IDs and fields we give it) that journalctl and sd-journal read like any other.
#
# The generator is C# (Add-Type): a million entries take seconds there and minutes in a PowerShell
# loop, and it streams straight into journal-remote's stdin, so no export text is held in memory.
#
#   New-JournalFixture      builds a directory: the standard test set, or the bench's N dockerd lines
#   Start-JournalAppender   a journal-remote kept running on a pipe, for -Follow: Add-JournalEntry, Stop-JournalAppender
#   Invoke-JournalctlJson   the real journalctl -o json --all, as objects, the oracle every test compares with
#   ConvertTo-JournalKey    one line per entry (cursor, µs, priority, pid, unit, host, boot, identifier,
#                           message bytes), the same from a JournalEntry or from journalctl's JSON
#   Get-JournalctlChild     journalctl processes a reader left behind (for the -Follow stop tests)
#   [NginxKitTests.Journal.LineCollector]  a child process's stdout lines, collected off the pipeline thread

$fixtureSource = @'
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace NginxKitTests.Journal
{
    /// <summary>One entry as journal-remote will store it.</summary>
    public sealed class FixtureEntry
    {
        public ulong Realtime;      // µs since the epoch: __REALTIME_TIMESTAMP
        public ulong Monotonic;     // µs since boot: __MONOTONIC_TIMESTAMP
        public string BootId;
        public string Kind;         // what the generator meant it to be (docker, pid1, multiline, binary, …)
        public readonly List<KeyValuePair<string, byte[]>> Fields = new List<KeyValuePair<string, byte[]>>();

        public FixtureEntry Add(string name, string value) { Fields.Add(new KeyValuePair<string, byte[]>(name, Encoding.UTF8.GetBytes(value))); return this; }
        public FixtureEntry Add(string name, byte[] value) { Fields.Add(new KeyValuePair<string, byte[]>(name, value)); return this; }

        public byte[] Get(string name)
        {
            foreach (var f in Fields) if (f.Key == name) return f.Value;
            return null;
        }

        public string Text(string name) { var v = Get(name); return v == null ? null : Encoding.UTF8.GetString(v); }
        public byte[] MessageBytes { get { return Get("MESSAGE"); } }
    }

    /// <summary>Journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/).</summary>
    public static class ExportFormat
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        public static void Write(Stream output, FixtureEntry e)
        {
            WriteText(output, "__REALTIME_TIMESTAMP", e.Realtime.ToString());
            WriteText(output, "__MONOTONIC_TIMESTAMP", e.Monotonic.ToString());
            WriteText(output, "_BOOT_ID", e.BootId);
            foreach (var f in e.Fields)
            {
                if (IsPlain(f.Value))
                {
                    WriteBytes(output, Encoding.ASCII.GetBytes(f.Key + "="));
                    output.Write(f.Value, 0, f.Value.Length);
                    output.WriteByte((byte)'\n');
                }
                else
                {
                    // The binary-safe form: NAME\n, little-endian uint64 length, the bytes, \n.
                    WriteBytes(output, Encoding.ASCII.GetBytes(f.Key + "\n"));
                    WriteBytes(output, BitConverter.GetBytes((ulong)f.Value.LongLength)); // x86/arm64: little-endian
                    output.Write(f.Value, 0, f.Value.Length);
                    output.WriteByte((byte)'\n');
                }
            }
            output.WriteByte((byte)'\n');
        }

        public static byte[] ToBytes(IEnumerable<FixtureEntry> entries)
        {
            var ms = new MemoryStream();
            foreach (var e in entries) Write(ms, e);
            return ms.ToArray();
        }

        // Printable UTF-8 without control characters goes as KEY=value; anything else in binary form.
        private static bool IsPlain(byte[] value)
        {
            foreach (var b in value) if (b < 0x20 || b == 0x7f) return false;
            try { Strict.GetString(value); return true; } catch (DecoderFallbackException) { return false; }
        }

        private static void WriteText(Stream s, string name, string value) { WriteBytes(s, Encoding.UTF8.GetBytes(name + "=" + value + "\n")); }
        private static void WriteBytes(Stream s, byte[] b) { s.Write(b, 0, b.Length); }
    }

    /// <summary>Runs systemd-journal-remote writing to one output file; entries go in through its stdin.</summary>
    public sealed class JournalRemote : IDisposable
    {
        private readonly Process process;
        private readonly Stream input;
        private readonly StringBuilder stderr = new StringBuilder();
        public long Written;

        public JournalRemote(string remote, string outputFile)
        {
            var psi = new ProcessStartInfo(remote)
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--output=" + outputFile);
            psi.ArgumentList.Add("-");
            process = Process.Start(psi);
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (_, e) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            input = new BufferedStream(process.StandardInput.BaseStream, 1 << 16);
        }

        public int ProcessId { get { return process.Id; } }

        public void Add(FixtureEntry e) { ExportFormat.Write(input, e); Written++; }

        public void AddRange(IEnumerable<FixtureEntry> entries) { foreach (var e in entries) Add(e); }

        /// <summary>Pushes what was added down the pipe, so journal-remote writes it now.</summary>
        public void Flush() { input.Flush(); process.StandardInput.BaseStream.Flush(); }

        /// <summary>Closes stdin: journal-remote writes the rest, closes the file and exits.</summary>
        public void Complete(int timeoutMs = 600000)
        {
            input.Flush();
            process.StandardInput.Close();
            if (!process.WaitForExit(timeoutMs)) { process.Kill(); throw new TimeoutException("systemd-journal-remote did not finish in time"); }
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException("systemd-journal-remote exited with " + process.ExitCode + ": " + Stderr);
        }

        public string Stderr { get { lock (stderr) return stderr.ToString(); } }

        public void Dispose()
        {
            try { if (!process.HasExited) { process.StandardInput.Close(); if (!process.WaitForExit(10000)) process.Kill(); } } catch (Exception) { }
            process.Dispose();
        }
    }

    /// <summary>Collects a child process's output lines on a thread of its own (PowerShell script blocks cannot run there).</summary>
    public sealed class LineCollector
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        public readonly System.Threading.Tasks.Task Task;

        public LineCollector(TextReader reader)
        {
            Task = System.Threading.Tasks.Task.Run(() => { string line; while ((line = reader.ReadLine()) != null) lines.Enqueue(line); });
        }

        public int Count { get { return lines.Count; } }
        public string[] ToArray() { return lines.ToArray(); }
    }

    /// <summary>The fixtures' content. Deterministic: the same seed gives the same bytes.</summary>
    public static class Scenarios
    {
        public const string Host = "fixture-host";
        static readonly string[] Levels = { "panic", "fatal", "fatal", "error", "warning", "info", "info", "debug" };

        public static string BootId(int seed, int boot)
        {
            var r = new Random(seed * 7919 + boot);
            var b = new byte[16];
            r.NextBytes(b);
            return string.Concat(b.Select(x => x.ToString("x2")));
        }

        static string GoTime(ulong usec) { return DateTimeOffset.FromUnixTimeMilliseconds((long)(usec / 1000)).AddTicks((long)(usec % 1000) * 10).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff") + "000Z"; }

        static FixtureEntry Base(ulong realtime, ulong monotonic, string boot, string kind)
        {
            return new FixtureEntry { Realtime = realtime, Monotonic = monotonic, BootId = boot, Kind = kind };
        }

        static FixtureEntry Dockerd(FixtureEntry e, int pid, int priority, string message)
        {
            return e.Add("_SYSTEMD_UNIT", "docker.service").Add("_PID", pid.ToString()).Add("_UID", "0").Add("_COMM", "dockerd")
                .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "dockerd").Add("PRIORITY", priority.ToString()).Add("MESSAGE", message);
        }

        static readonly string[] DockerMsgs =
        {
            "msg=\"Starting up\"",
            "msg=\"Loading containers: start.\"",
            "msg=\"Loading containers: done.\"",
            "msg=\"API listen on /run/docker.sock\"",
            "msg=\"Docker daemon\" commit=311b9ff graphdriver=overlay2 version=27.3.1",
            "msg=\"ignoring event\" container={0} module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\"",
            "msg=\"shim disconnected\" id={0} namespace=moby",
            "msg=\"Container failed to exit within 10s of signal 15 - using the force\" container={0}",
            "msg=\"Handler for POST /v1.47/containers/{0}/start returned error: driver failed programming external connectivity\" spanID=3f2a traceID=9c1d",
            "msg=\"Your kernel does not support \\\"swap\\\" limit capabilities or the cgroup is not mounted. Memory limited without swap.\"",
            "msg=\"failed to pull image\" error=\"Get \\\"https://registry-1.docker.io/v2/\\\": net/http: request canceled\" image=\"nginx:1.27\"",
        };

        static string DockerLine(Random r, ulong usec, int priority)
        {
            var id = r.Next().ToString("x8") + r.Next().ToString("x8");
            return "time=\"" + GoTime(usec) + "\" level=" + Levels[priority] + " " + string.Format(DockerMsgs[r.Next(DockerMsgs.Length)], id);
        }

        /// <summary>
        /// The test set: <paramref name="boots"/> boots of <paramref name="perBoot"/> entries, a few
        /// hours apart, at odd microsecond steps. dockerd logfmt lines at every priority, multi-line
        /// and non-UTF-8 messages, PID 1's lines about docker and containerd, a coredump and a
        /// journald note about docker (the other matches of journalctl -u), containerd and ssh as
        /// noise, an entry without PRIORITY, an empty and a 100 KB message, and entries on and just
        /// around a whole second (<paramref name="edgeSecond"/>) for --since/--until. Each entry
        /// carries <paramref name="pads"/> unique filler fields: journal-remote rotates its file when
        /// the data hash table fills (~175k distinct field values), so a few thousand entries
        /// already make a rotated set.
        /// </summary>
        public static List<FixtureEntry> Standard(int seed, ulong startUsec, int boots, int perBoot, int pads, out ulong edgeSecond)
        {
            var r = new Random(seed);
            var list = new List<FixtureEntry>();
            edgeSecond = 0;
            ulong t = startUsec;
            for (int b = 0; b < boots; b++)
            {
                var boot = BootId(seed, b);
                var bootStart = startUsec + (ulong)b * 3 * 3600 * 1000000UL; // boots three hours apart
                t = bootStart;
                ulong mono = 1500000 + (ulong)r.Next(1000000);
                int dockerPid = 700 + b * 13, containerdPid = 650 + b * 11, sshPid = 900 + b * 17;
                for (int i = 0; i < perBoot; i++)
                {
                    var step = (ulong)(37000 + r.Next(90000)) + 1; // 38–127 ms, never a whole ms
                    t += step; mono += step;
                    FixtureEntry e;
                    int roll = r.Next(100);
                    if (i == 0)
                    {
                        e = Base(t, mono, boot, "pid1").Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host)
                            .Add("SYSLOG_IDENTIFIER", "systemd").Add("UNIT", "docker.service").Add("PRIORITY", "6")
                            .Add("MESSAGE", "Starting docker.service - Docker Application Container Engine...");
                    }
                    else if (roll < 52)
                    {
                        int p = i % 8; // every priority, evenly
                        e = Dockerd(Base(t, mono, boot, "docker"), dockerPid, p, DockerLine(r, t, p));
                    }
                    else if (roll < 55)
                    {
                        e = Dockerd(Base(t, mono, boot, "multiline"), dockerPid, 3,
                            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55d1]\n\ngoroutine " + r.Next(1000) + " [running]:\ngithub.com/docker/docker/daemon.(*Daemon).ContainerStart(...)\n\t/go/src/github.com/docker/docker/daemon/start.go:" + r.Next(400) + " +0x1d");
                    }
                    else if (roll < 57)
                    {
                        var bytes = new List<byte>(Encoding.UTF8.GetBytes("container " + r.Next(100000) + " wrote: caf"));
                        bytes.AddRange(new byte[] { 0xE9, 0x20, 0xFF, 0xFE, 0x20, 0xC3, 0x28, 0x20 }); // Latin-1 é, invalid bytes, a broken sequence
                        bytes.AddRange(Encoding.UTF8.GetBytes("end"));
                        e = Dockerd(Base(t, mono, boot, "binary"), dockerPid, 6, "x");
                        e.Fields.RemoveAt(e.Fields.Count - 1);
                        e.Add("MESSAGE", bytes.ToArray());
                    }
                    else if (roll < 61)
                    {
                        string[] m = { "Started docker.service - Docker Application Container Engine.", "Stopping docker.service - Docker Application Container Engine...",
                                       "docker.service: Main process exited, code=exited, status=1/FAILURE", "docker.service: Failed with result 'exit-code'.",
                                       "docker.service: Scheduled restart job, restart counter is at 3." };
                        int k = r.Next(m.Length);
                        e = Base(t, mono, boot, "pid1").Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host)
                            .Add("SYSLOG_IDENTIFIER", "systemd").Add("UNIT", "docker.service").Add("PRIORITY", k >= 2 ? (k == 3 ? "4" : "5") : "6").Add("MESSAGE", m[k]);
                    }
                    else if (roll < 63)
                    {
                        e = Base(t, mono, boot, "pid1-other").Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host)
                            .Add("SYSLOG_IDENTIFIER", "systemd").Add("UNIT", "containerd.service").Add("PRIORITY", "6")
                            .Add("MESSAGE", "Started containerd.service - containerd container runtime.");
                    }
                    else if (roll < 80)
                    {
                        int p = (i * 3) % 8;
                        e = Base(t, mono, boot, "containerd").Add("_SYSTEMD_UNIT", "containerd.service").Add("_PID", containerdPid.ToString()).Add("_UID", "0")
                            .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "containerd").Add("PRIORITY", p.ToString())
                            .Add("MESSAGE", "time=\"" + GoTime(t) + "\" level=" + Levels[p] + " msg=\"loading plugin \\\"io.containerd.snapshotter.v1.overlayfs\\\"...\" runtime=io.containerd.runc.v2 type=io.containerd.snapshotter.v1");
                    }
                    else
                    {
                        bool bad = r.Next(4) == 0;
                        e = Base(t, mono, boot, "ssh").Add("_SYSTEMD_UNIT", "ssh.service").Add("_PID", (sshPid + r.Next(50)).ToString()).Add("_UID", "0")
                            .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "sshd").Add("PRIORITY", bad ? "5" : "6")
                            .Add("MESSAGE", bad ? "Invalid user admin from 203.0.113." + r.Next(255) + " port " + (40000 + r.Next(20000))
                                                : "Accepted publickey for root from 10.0.0." + r.Next(255) + " port " + (40000 + r.Next(20000)) + " ssh2: ED25519 SHA256:q8Z");
                    }
                    list.Add(e);

                    // The rarer matches and shapes, once per boot at fixed places.
                    if (i == perBoot / 5)
                    {
                        t += 1000; mono += 1000;
                        list.Add(Base(t, mono, boot, "coredump").Add("_SYSTEMD_UNIT", "systemd-coredump@0-4242-0.service").Add("_PID", "4242").Add("_UID", "0")
                            .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "systemd-coredump").Add("PRIORITY", "2")
                            .Add("MESSAGE_ID", "fc2e22bc6ee647b6b90729ab34a250b1").Add("COREDUMP_UNIT", "docker.service")
                            .Add("MESSAGE", "Process " + dockerPid + " (dockerd) of user 0 dumped core."));
                        t += 1000; mono += 1000;
                        list.Add(Base(t, mono, boot, "object").Add("_SYSTEMD_UNIT", "systemd-journald.service").Add("_PID", "310").Add("_UID", "0")
                            .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "systemd-journald").Add("PRIORITY", "5")
                            .Add("OBJECT_SYSTEMD_UNIT", "docker.service").Add("MESSAGE", "Suppressed 4181 messages from docker.service"));
                    }
                    if (i == perBoot / 3)
                    {
                        t += 1000; mono += 1000;
                        var noPriority = Dockerd(Base(t, mono, boot, "no-priority"), dockerPid, 0, "time=\"" + GoTime(t) + "\" level=info msg=\"no PRIORITY field\"");
                        noPriority.Fields.RemoveAll(f => f.Key == "PRIORITY");
                        list.Add(noPriority);
                        t += 1000; mono += 1000;
                        list.Add(Dockerd(Base(t, mono, boot, "empty"), dockerPid, 6, ""));
                        t += 1000; mono += 1000;
                        list.Add(Dockerd(Base(t, mono, boot, "large"), dockerPid, 4,
                            "time=\"" + GoTime(t) + "\" level=warning msg=\"" + new string('x', 100 * 1024) + "\" size=102400"));
                    }
                    if (b == boots / 2 && i == perBoot / 2)
                    {
                        // Entries on, just before and just after a whole second, for --since/--until.
                        edgeSecond = (t / 1000000 + 2);
                        ulong s = edgeSecond * 1000000;
                        foreach (var at in new ulong[] { s - 1, s, s + 1, s + 500, s + 999, s + 1000, s + 999999, s + 1000000 })
                        {
                            mono += at - t; t = at;
                            list.Add(Dockerd(Base(t, mono, boot, "edge"), dockerPid, 6, "time=\"" + GoTime(t) + "\" level=info msg=\"edge " + ((long)at - (long)s) + "us\""));
                        }
                    }
                }
                // The canary: a known logfmt line near the end of the newest boot.
                if (b == boots - 1)
                {
                    t += 5000; mono += 5000;
                    list.Add(Dockerd(Base(t, mono, boot, "canary"), dockerPid, 4,
                        "time=\"2026-11-25T10:00:00.123456789Z\" level=warning msg=\"Your kernel does not support \\\"swap\\\" limit\" storage-driver=overlay2 err=\"line one\\nline two\" flag"));
                }
            }
            int seq = 0;
            foreach (var e in list)
            {
                e.Add("FIXTURE_SEQ", (seq++).ToString());
                for (int k = 0; k < pads; k++) e.Add("FIXTURE_PAD_" + k.ToString("D2"), seq.ToString("x") + "." + k);
            }
            return list;
        }

        /// <summary>
        /// The bench set: <paramref name="count"/> docker.service entries (dockerd logfmt at all
        /// priorities, with PID 1's start lines every 5000), one every <paramref name="stepUsec"/> µs
        /// from <paramref name="startUsec"/>, one boot. Streamed: nothing is kept.
        /// </summary>
        public static IEnumerable<FixtureEntry> Bench(int seed, ulong startUsec, int count, ulong stepUsec)
        {
            var r = new Random(seed);
            var boot = BootId(seed, 0);
            ulong t = startUsec, mono = 2000000;
            for (int i = 0; i < count; i++)
            {
                t += stepUsec; mono += stepUsec;
                var e = Base(t, mono, boot, "docker");
                if (i % 5000 == 0)
                    e.Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "systemd")
                     .Add("UNIT", "docker.service").Add("PRIORITY", "6").Add("MESSAGE", "Started docker.service - Docker Application Container Engine.");
                else
                {
                    int p = (i * 7) % 8;
                    Dockerd(e, 812, p, DockerLine(r, t, p));
                }
                yield return e;
            }
        }
    }
}
'@
if (-not ('NginxKitTests.Journal.Scenarios' -as [type])) {
    Add-Type -TypeDefinition $fixtureSource -Language CSharp -WarningAction Ignore
}

function Find-JournalRemote {
    # systemd-journal-remote (package systemd-journal-remote); $null when missing.
    foreach ($p in '/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote') { if (Test-Path $p) { return $p } }
    $null
}

function New-JournalFixture {
    <#
    .SYNOPSIS
        Builds real journal files in -Path with systemd-journal-remote and describes them.
    .PARAMETER Scenario
        Standard: the test set (several boots, every shape of entry, rotated into several files).
        Bench: -Count dockerd lines, one boot, rotating naturally every ~175k entries.
    .OUTPUTS
        Directory, Files, Entries (the FixtureEntry list; Standard only), Count, Boots (oldest first),
        EdgeSecond (Standard: a whole second with entries at s-1µs, s, s+1µs, … s+1s), First/Last (µs).
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('Standard', 'Bench')] [string] $Scenario = 'Standard',
        [int] $Count = 1000000,
        [int] $Seed = 42,
        # 2026-11-21 08:00:00 UTC
        [uint64] $StartUsec = 1795248000000000,
        [int] $Boots = 3,
        [int] $PerBoot = 4000,
        [int] $Pads = 30,
        [uint64] $StepUsec = 100000
    )
    $remote = Find-JournalRemote
    if (-not $remote) { throw 'systemd-journal-remote is not installed (apt-get install systemd-journal-remote).' }
    New-Item -ItemType Directory -Force $Path | Out-Null
    $out = Join-Path $Path 'docker.journal'
    $writer = [NginxKitTests.Journal.JournalRemote]::new($remote, $out)
    try {
        if ($Scenario -eq 'Standard') {
            $edge = [uint64]0
            $entries = [NginxKitTests.Journal.Scenarios]::Standard($Seed, $StartUsec, $Boots, $PerBoot, $Pads, [ref] $edge)
            $writer.AddRange($entries)
        } else {
            $writer.AddRange([NginxKitTests.Journal.Scenarios]::Bench($Seed, $StartUsec, $Count, $StepUsec))
            $entries = $null
        }
        $writer.Complete()
    } finally { $writer.Dispose() }
    $written = $writer.Written
    [pscustomobject]@{
        Directory  = (Resolve-Path $Path).Path
        Files      = @(Get-ChildItem $Path -Filter '*.journal' | Sort-Object Name | ForEach-Object FullName)
        Entries    = $entries
        Count      = $written
        Boots      = @(0..($(if ($Scenario -eq 'Standard') { $Boots } else { 1 }) - 1) | ForEach-Object { [NginxKitTests.Journal.Scenarios]::BootId($Seed, $_) })
        EdgeSecond = if ($Scenario -eq 'Standard') { $edge } else { $null }
        First      = if ($entries) { $entries[0].Realtime } else { $StartUsec + $StepUsec }
        Last       = if ($entries) { $entries[$entries.Count - 1].Realtime } else { $StartUsec + [uint64]$Count * $StepUsec }
    }
}

function New-FollowEntry {
    # dockerd lines for -Follow tests: $Count entries from $StartUsec, 1 ms apart, with a $Tag in the message.
    param([uint64] $StartUsec, [int] $Count, [string] $Tag, [string] $BootId = ([NginxKitTests.Journal.Scenarios]::BootId(7, 0)))
    for ($i = 0; $i -lt $Count; $i++) {
        $e = [NginxKitTests.Journal.FixtureEntry]@{ Realtime = $StartUsec + [uint64]($i * 1000); Monotonic = [uint64](5000000 + $i * 1000); BootId = $BootId; Kind = 'follow' }
        $null = $e.Add('_SYSTEMD_UNIT', 'docker.service').Add('_PID', '812').Add('_HOSTNAME', 'fixture-host').Add('SYSLOG_IDENTIFIER', 'dockerd').
            Add('PRIORITY', '6').Add('MESSAGE', "level=info msg=`"$Tag $i`"")
        $e
    }
}

function Start-JournalAppender {
    # A journal-remote that stays up on a pipe, writing -Path/docker.journal as entries come (for -Follow).
    param([Parameter(Mandatory)] [string] $Path)
    New-Item -ItemType Directory -Force $Path | Out-Null
    [NginxKitTests.Journal.JournalRemote]::new((Find-JournalRemote), (Join-Path $Path 'docker.journal'))
}

function Add-JournalEntry {
    param([Parameter(Mandatory)] $Appender, [Parameter(Mandatory)] [object[]] $Entry)
    foreach ($e in $Entry) { $Appender.Add($e) }
    $Appender.Flush()
}

function Stop-JournalAppender {
    param([Parameter(Mandatory)] $Appender)
    try { $Appender.Complete(30000) } finally { $Appender.Dispose() }
}

function Invoke-JournalctlJson {
    <#
    .SYNOPSIS
        The real journalctl's answer: `journalctl <source> -o json --all <Argument>` as objects.
        --all, or journalctl prints null for any field over 4096 bytes. Throws on a non-zero exit.
    #>
    param([string] $Directory, [string[]] $File, [string[]] $Argument = @())
    [string[]] $source = if ($File) { $File | ForEach-Object { "--file=$_" } } else { "--directory=$Directory" }
    $lines = & journalctl --no-pager --quiet -o json --all @source @Argument 2>&1
    if ($LASTEXITCODE -ne 0) { throw "journalctl $($source -join ' ') $($Argument -join ' ') exited $LASTEXITCODE`: $($lines -join "`n")" }
    foreach ($line in $lines) { if ("$line".StartsWith('{')) { $line | ConvertFrom-Json -AsHashtable } }
}

function ConvertTo-JournalKey {
    <#
    .SYNOPSIS
        One comparable line per entry, from a JournalEntry (-Entry) or from journalctl's JSON (-Json):
        cursor, realtime µs, priority, pid, unit, hostname, boot, identifier, message bytes (base64).
        For JSON, Unit and the default priority follow the rule both readers implement: PID 1's UNIT=,
        else _SYSTEMD_UNIT; PRIORITY 6 when absent.
    #>
    param([Parameter(ValueFromPipeline)] $InputObject, [switch] $Json)
    process {
        if ($null -eq $InputObject) { return }
        if ($Json) {
            $j = $InputObject
            $msg = $j['MESSAGE']
            # (An empty byte[] out of an if would unroll to $null, so the base64 is taken in each branch.)
            $message = if ($null -eq $msg) { '' } elseif ($msg -is [string]) { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($msg)) } else { [Convert]::ToBase64String([byte[]]@($msg | ForEach-Object { [byte]$_ })) }
            $pidValue = if ($j['_PID']) { [int]$j['_PID'] } else { $null }
            $unit = if ($pidValue -eq 1) { if ($j['UNIT']) { $j['UNIT'] } else { $j['_SYSTEMD_UNIT'] } } else { if ($j['_SYSTEMD_UNIT']) { $j['_SYSTEMD_UNIT'] } else { $j['UNIT'] } }
            $priority = if ($j['PRIORITY']) { [int]$j['PRIORITY'] } else { 6 }
            @($j['__CURSOR'], $j['__REALTIME_TIMESTAMP'], $priority, $pidValue, $unit, $j['_HOSTNAME'], $j['_BOOT_ID'], $j['SYSLOG_IDENTIFIER'], $message) -join '|'
        } else {
            $e = $InputObject
            $usec = [uint64](($e.TimeCreated.UtcTicks - [DateTimeOffset]::UnixEpoch.UtcTicks) / 10)
            $message = if ($null -ne $e.MessageBytes) { [Convert]::ToBase64String($e.MessageBytes) } else { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($e.Message)) }
            @($e.Cursor, $usec, [int]$e.Priority, $e.Pid, $e.Unit, $e.Hostname, $e.BootId, $e.Identifier, $message) -join '|'
        }
    }
}

function Get-JournalctlChild {
    <#
    .SYNOPSIS
        What a reader left behind: journalctl processes whose command line mentions -Needle (a
        fixture path), and journalctl zombies of this process (exited, never reaped: their command
        line is empty, so they are found by parent instead).
    #>
    param([Parameter(Mandatory)] [string] $Needle)
    foreach ($d in [IO.Directory]::GetDirectories('/proc')) {
        $procId = Split-Path $d -Leaf
        if ($procId -notmatch '^\d+$') { continue }
        try {
            $stat = [IO.File]::ReadAllText("$d/stat")
            $cmd = [IO.File]::ReadAllText("$d/cmdline") -replace "`0", ' '
        } catch { continue }
        # /proc/<pid>/stat: pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
        $open = $stat.IndexOf('('); $close = $stat.LastIndexOf(')')
        if ($open -lt 0 -or $close -lt $open) { continue }
        if ($stat.Substring($open + 1, $close - $open - 1) -ne 'journalctl') { continue }
        $rest = $stat.Substring($close + 2).Split(' ')
        $state = $rest[0]; $parent = [int]$rest[1]
        if ($cmd.Contains($Needle) -or ($state -eq 'Z' -and $parent -eq $PID)) {
            [pscustomobject]@{ Id = [int]$procId; State = $state; Parent = $parent; CommandLine = $cmd.Trim() }
        }
    }
}

Export-ModuleMember -Function Find-JournalRemote, New-JournalFixture, New-FollowEntry, Start-JournalAppender, Add-JournalEntry,
    Stop-JournalAppender, Invoke-JournalctlJson, ConvertTo-JournalKey, Get-JournalctlChild
