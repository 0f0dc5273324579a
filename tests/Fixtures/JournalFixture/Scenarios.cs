using System.Globalization;
using System.Text;

namespace NginxKitTests.Journal;

/// <summary>The fixtures' content. Deterministic: the same seed gives the same bytes.</summary>
public static class Scenarios
{
    public const string Host = "fixture-host";
    private static readonly string[] Levels = ["panic", "fatal", "fatal", "error", "warning", "info", "info", "debug"];

    public static string BootId(int seed, int boot)
    {
        var r = new Random(seed * 7919 + boot);
        var b = new byte[16];
        r.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }

    private static string GoTime(ulong usec) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)(usec / 1000)).AddTicks((long)(usec % 1000) * 10).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "000Z";

    private static FixtureEntry Base(ulong realtime, ulong monotonic, string boot, string kind) =>
        new() { Realtime = realtime, Monotonic = monotonic, BootId = boot, Kind = kind };

    private static FixtureEntry Dockerd(FixtureEntry e, int pid, int priority, string message) =>
        e.Add("_SYSTEMD_UNIT", "docker.service").Add("_PID", I(pid)).Add("_UID", "0").Add("_COMM", "dockerd")
            .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "dockerd").Add("PRIORITY", I(priority)).Add("MESSAGE", message);

    private static readonly string[] DockerMsgs =
    [
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
    ];

    private static string DockerLine(Random r, ulong usec, int priority)
    {
        var id = r.Next().ToString("x8", CultureInfo.InvariantCulture) + r.Next().ToString("x8", CultureInfo.InvariantCulture);
        return "time=\"" + GoTime(usec) + "\" level=" + Levels[priority] + " " + string.Format(CultureInfo.InvariantCulture, DockerMsgs[r.Next(DockerMsgs.Length)], id);
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
                        .Add("MESSAGE", "Starting docker.service - Docker Application Container Engine...")
                        .Expect("docker.service", 6); // PID 1 about docker
                }
                else if (roll < 52)
                {
                    int p = i % 8; // every priority, evenly
                    e = Dockerd(Base(t, mono, boot, "docker"), dockerPid, p, DockerLine(r, t, p)).Expect("docker.service", p);
                }
                else if (roll < 55)
                {
                    e = Dockerd(Base(t, mono, boot, "multiline"), dockerPid, 3,
                        "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55d1]\n\ngoroutine " + r.Next(1000) + " [running]:\ngithub.com/docker/docker/daemon.(*Daemon).ContainerStart(...)\n\t/go/src/github.com/docker/docker/daemon/start.go:" + r.Next(400) + " +0x1d").Expect("docker.service", 3);
                }
                else if (roll < 57)
                {
                    var bytes = new List<byte>(Encoding.UTF8.GetBytes("container " + r.Next(100000) + " wrote: caf"));
                    bytes.AddRange(new byte[] { 0xE9, 0x20, 0xFF, 0xFE, 0x20, 0xC3, 0x28, 0x20 }); // Latin-1 é, invalid bytes, a broken sequence
                    bytes.AddRange(Encoding.UTF8.GetBytes("end"));
                    e = Dockerd(Base(t, mono, boot, "binary"), dockerPid, 6, "x");
                    e.Fields.RemoveAt(e.Fields.Count - 1);
                    e.Add("MESSAGE", bytes.ToArray()).Expect("docker.service", 6);
                }
                else if (roll < 61)
                {
                    string[] m = [ "Started docker.service - Docker Application Container Engine.", "Stopping docker.service - Docker Application Container Engine...",
                                   "docker.service: Main process exited, code=exited, status=1/FAILURE", "docker.service: Failed with result 'exit-code'.",
                                   "docker.service: Scheduled restart job, restart counter is at 3." ];
                    int k = r.Next(m.Length);
                    int priority = k >= 2 ? (k == 3 ? 4 : 5) : 6;
                    e = Base(t, mono, boot, "pid1").Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host)
                        .Add("SYSLOG_IDENTIFIER", "systemd").Add("UNIT", "docker.service").Add("PRIORITY", I(priority)).Add("MESSAGE", m[k])
                        .Expect("docker.service", priority); // PID 1 about docker
                }
                else if (roll < 63)
                {
                    e = Base(t, mono, boot, "pid1-other").Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("_UID", "0").Add("_HOSTNAME", Host)
                        .Add("SYSLOG_IDENTIFIER", "systemd").Add("UNIT", "containerd.service").Add("PRIORITY", "6")
                        .Add("MESSAGE", "Started containerd.service - containerd container runtime.")
                        .Expect("containerd.service", 6); // PID 1 about containerd
                }
                else if (roll < 80)
                {
                    int p = (i * 3) % 8;
                    e = Base(t, mono, boot, "containerd").Add("_SYSTEMD_UNIT", "containerd.service").Add("_PID", I(containerdPid)).Add("_UID", "0")
                        .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "containerd").Add("PRIORITY", I(p))
                        .Add("MESSAGE", "time=\"" + GoTime(t) + "\" level=" + Levels[p] + " msg=\"loading plugin \\\"io.containerd.snapshotter.v1.overlayfs\\\"...\" runtime=io.containerd.runc.v2 type=io.containerd.snapshotter.v1")
                        .Expect("containerd.service", p);
                }
                else
                {
                    bool bad = r.Next(4) == 0;
                    e = Base(t, mono, boot, "ssh").Add("_SYSTEMD_UNIT", "ssh.service").Add("_PID", I(sshPid + r.Next(50))).Add("_UID", "0")
                        .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "sshd").Add("PRIORITY", bad ? "5" : "6")
                        .Add("MESSAGE", bad ? "Invalid user admin from 203.0.113." + r.Next(255) + " port " + (40000 + r.Next(20000))
                                            : "Accepted publickey for root from 10.0.0." + r.Next(255) + " port " + (40000 + r.Next(20000)) + " ssh2: ED25519 SHA256:q8Z")
                        .Expect("ssh.service", bad ? 5 : 6);
                }
                list.Add(e);

                // The rarer matches and shapes, once per boot at fixed places.
                if (i == perBoot / 5)
                {
                    t += 1000; mono += 1000;
                    list.Add(Base(t, mono, boot, "coredump").Add("_SYSTEMD_UNIT", "systemd-coredump@0-4242-0.service").Add("_PID", "4242").Add("_UID", "0")
                        .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "systemd-coredump").Add("PRIORITY", "2")
                        .Add("MESSAGE_ID", "fc2e22bc6ee647b6b90729ab34a250b1").Add("COREDUMP_UNIT", "docker.service")
                        .Add("MESSAGE", "Process " + I(dockerPid) + " (dockerd) of user 0 dumped core.")
                        .Expect("systemd-coredump@0-4242-0.service", 2)); // its own unit, though journalctl -u docker shows it
                    t += 1000; mono += 1000;
                    list.Add(Base(t, mono, boot, "object").Add("_SYSTEMD_UNIT", "systemd-journald.service").Add("_PID", "310").Add("_UID", "0")
                        .Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "systemd-journald").Add("PRIORITY", "5")
                        .Add("OBJECT_SYSTEMD_UNIT", "docker.service").Add("MESSAGE", "Suppressed 4181 messages from docker.service")
                        .Expect("systemd-journald.service", 5)); // journald's own line about docker
                }
                if (i == perBoot / 3)
                {
                    t += 1000; mono += 1000;
                    var noPriority = Dockerd(Base(t, mono, boot, "no-priority"), dockerPid, 0, "time=\"" + GoTime(t) + "\" level=info msg=\"no PRIORITY field\"");
                    noPriority.Fields.RemoveAll(f => f.Key == "PRIORITY");
                    noPriority.Expect("docker.service", 6); // no PRIORITY reads as info, syslog's default
                    list.Add(noPriority);
                    t += 1000; mono += 1000;
                    list.Add(Dockerd(Base(t, mono, boot, "empty"), dockerPid, 6, "").Expect("docker.service", 6));
                    t += 1000; mono += 1000;
                    list.Add(Dockerd(Base(t, mono, boot, "large"), dockerPid, 4,
                        "time=\"" + GoTime(t) + "\" level=warning msg=\"" + new string('x', 100 * 1024) + "\" size=102400").Expect("docker.service", 4));
                }
                if (b == boots / 2 && i == perBoot / 2)
                {
                    // Entries on, just before and just after a whole second, for --since/--until.
                    edgeSecond = (t / 1000000 + 2);
                    ulong s = edgeSecond * 1000000;
                    foreach (var at in new ulong[] { s - 1, s, s + 1, s + 500, s + 999, s + 1000, s + 999999, s + 1000000 })
                    {
                        mono += at - t; t = at;
                        list.Add(Dockerd(Base(t, mono, boot, "edge"), dockerPid, 6, "time=\"" + GoTime(t) + "\" level=info msg=\"edge " + ((long)at - (long)s) + "us\"").Expect("docker.service", 6));
                    }
                }
            }
            // The canary: a known logfmt line near the end of the newest boot.
            if (b == boots - 1)
            {
                t += 5000; mono += 5000;
                list.Add(Dockerd(Base(t, mono, boot, "canary"), dockerPid, 4,
                    "time=\"2026-11-25T10:00:00.123456789Z\" level=warning msg=\"Your kernel does not support \\\"swap\\\" limit\" storage-driver=overlay2 err=\"line one\\nline two\" flag").Expect("docker.service", 4));
            }
        }
        int seq = 0;
        foreach (var e in list)
        {
            e.Add("FIXTURE_SEQ", I(seq++));
            for (int k = 0; k < pads; k++) e.Add("FIXTURE_PAD_" + k.ToString("D2", CultureInfo.InvariantCulture), seq.ToString("x", CultureInfo.InvariantCulture) + "." + I(k));
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
    /// <summary>
    /// dockerd lines for the -Follow tests: <paramref name="count"/> entries from
    /// <paramref name="startUsec"/>, 1 ms apart, each message "<paramref name="tag"/> i".
    /// </summary>
    public static IEnumerable<FixtureEntry> Follow(ulong startUsec, int count, string tag, string bootId)
    {
        for (int i = 0; i < count; i++)
        {
            yield return new FixtureEntry { Realtime = startUsec + (ulong)i * 1000, Monotonic = 5000000 + (ulong)i * 1000, BootId = bootId, Kind = "follow" }
                .Add("_SYSTEMD_UNIT", "docker.service").Add("_PID", "812").Add("_HOSTNAME", Host).Add("SYSLOG_IDENTIFIER", "dockerd")
                .Add("PRIORITY", "6").Add("MESSAGE", "level=info msg=\"" + tag + " " + I(i) + "\"")
                .Expect("docker.service", 6);
        }
    }

    /// <summary>
    /// A small journal to damage: <paramref name="count"/> entries over two boots, 10,007 µs apart.
    /// dockerd at every priority (every tenth a multi-line or non-UTF-8 message), PID 1 about
    /// docker, and ssh as noise, each with a distinct message, so a damaged data object belongs to one entry.
    /// </summary>
    public static IEnumerable<FixtureEntry> Small(int count, ulong startUsec, string tag = "e")
    {
        string bootA = BootId(5, 0), bootB = BootId(5, 1);
        for (int i = 0; i < count; i++)
        {
            var boot = i < count / 2 ? bootA : bootB;
            var t = startUsec + (ulong)i * 10_007;
            var e = Base(t, 1_000_000 + (ulong)i * 10_007, boot, "docker").Add("_HOSTNAME", Host);
            if (i % 10 == 3)
                e.Add("_SYSTEMD_UNIT", "init.scope").Add("_PID", "1").Add("UNIT", "docker.service").Add("SYSLOG_IDENTIFIER", "systemd")
                    .Add("PRIORITY", "5").Add("MESSAGE", "Started docker.service (" + I(i) + ").").Expect("docker.service", 5);
            else if (i % 10 == 6)
                e.Add("_SYSTEMD_UNIT", "ssh.service").Add("_PID", "900").Add("SYSLOG_IDENTIFIER", "sshd").Add("PRIORITY", "6")
                    .Add("MESSAGE", "Accepted publickey " + I(i)).Expect("ssh.service", 6);
            else
            {
                int p = i % 8;
                e.Add("_SYSTEMD_UNIT", "docker.service").Add("_PID", "812").Add("SYSLOG_IDENTIFIER", "dockerd").Add("PRIORITY", I(p));
                if (i % 10 == 7) e.Add("MESSAGE", "panic: " + I(i) + "\n\ngoroutine 1 [running]:\n\tmain.go:1");
                else if (i % 10 == 9) e.Add("MESSAGE", [.. Encoding.UTF8.GetBytes(tag + " " + I(i) + " caf"), 0xE9, 0xFF]);
                else e.Add("MESSAGE", "time=\"t\" level=" + Levels[p] + " msg=\"" + tag + " " + I(i) + "\" n=" + I(i));
                e.Expect("docker.service", p);
            }
            yield return e;
        }
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
