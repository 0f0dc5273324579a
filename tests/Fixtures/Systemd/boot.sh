#!/bin/bash
# Boots a real systemd as PID 1 of private namespaces, for the NginxKit systemd harness.
#
#   boot.sh ROOT
#
# Host side. Run it under a pseudo-terminal (`script -qfec "boot.sh ROOT" ROOT/console.log`): systemd
# as PID 1 wants a console, and setup.sh turns that pty into the private /dev/console.
# ROOT is the harness's host temp dir, prepared by SystemdHarness.psm1 (see README.md): it holds
# harness.conf (NETWORK, STANDIN, REAL_DOCKER as 0/1) and the private copies setup.sh bind-mounts.
#
# Writes for the caller and for teardown:
#   ROOT/cgroups      one child cgroup directory per hierarchy (remove depth-first after the kill)
#   ROOT/unshare.pid  the host PID of unshare; its only child is the inner systemd
set -euo pipefail

root=${1:?usage: boot.sh ROOT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $root =~ ^/[A-Za-z0-9/._-]+$ ]] || { echo "boot.sh: unsafe ROOT '$root'" >&2; exit 2; }
# shellcheck source=/dev/null
. "$root/harness.conf"
name=$(basename "$root")

# The mount point of the hierarchy holding CONTROLLERS (a /proc/self/cgroup field: "" is cgroup2,
# "name=systemd" the named v1 hierarchy, "cpu,cpuacct" a co-mounted pair).
cgroup_mount() {
    awk -v want="$1" '
        { for (i = 7; $i != "-"; i++); fstype = $(i + 1); superopts = $(i + 3) }
        want == "" { if (fstype == "cgroup2") { print $5; exit } next }
        fstype != "cgroup" { next }
        {
            n = split(want, w, ","); m = split(superopts, o, ","); ok = 1
            for (j = 1; j <= n; j++) { f = 0; for (k = 1; k <= m; k++) if (o[k] == w[j]) f = 1; if (!f) ok = 0 }
            if (ok) { print $5; exit }
        }' /proc/self/mountinfo
}

# 1. Contain the cgroups. Move this shell (and so unshare, and so systemd) into a child cgroup of its
# current one in EVERY hierarchy. `unshare --cgroup` then makes those children the roots systemd sees,
# so all it creates (init.scope, system.slice/docker.service, containers) lands below them, and
# teardown can rmdir them. The host's own cgroups are never touched.
# Snapshot first: reading /proc/self/cgroup while migrating between hierarchies garbles it.
snapshot=$(cat /proc/self/cgroup)
: > "$root/cgroups"
while IFS=: read -r _ controllers path; do
    mnt=$(cgroup_mount "$controllers")
    [ -n "$mnt" ] || continue
    parent="$mnt${path%/}"
    child="$parent/$name"
    echo "$child" >> "$root/cgroups" # recorded before mkdir, so teardown sees it whatever happens next
    mkdir -p "$child"
    if [[ ",$controllers," == *,cpuset,* ]]; then
        # A new cpuset cgroup starts with no CPUs and no memory nodes; a task cannot join it so.
        cat "$parent/cpuset.cpus" > "$child/cpuset.cpus"
        cat "$parent/cpuset.mems" > "$child/cpuset.mems"
    fi
    echo $$ > "$child/cgroup.procs"
done <<< "$snapshot"

# 2. Unshare. --kill-child: if unshare dies, systemd (and with it the whole PID namespace) is SIGKILLed.
# --net gives a private network with only a down loopback (no route out); NETWORK=1 keeps the host's.
ns=(--pid --fork --kill-child --mount-proc --mount --uts --ipc --cgroup --propagation private)
if [ "${NETWORK:-0}" != 1 ]; then ns+=(--net); fi
echo $$ > "$root/unshare.pid"
exec unshare "${ns[@]}" /bin/bash "$here/setup.sh" "$root"
