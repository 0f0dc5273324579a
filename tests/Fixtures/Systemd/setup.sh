#!/bin/bash
# Prepares the private mount namespace and execs systemd. Started by boot.sh through unshare, so it
# runs as PID 1 of the new PID namespace; every mount here is private to the harness and disappears
# with it. Nothing on the host's file systems is written except below ROOT.
#
#   setup.sh ROOT
set -euo pipefail

root=${1:?usage: setup.sh ROOT}
# shellcheck source=/dev/null
. "$root/harness.conf"
empty="$root/empty"
mkdir -p "$empty"

# Private /dev: only harmless devices, the pty from `script` as /dev/console (systemd writes its status
# there; the pty's other end is ROOT/console.log), a private /dev/shm. Assembled under ROOT, then moved.
console=$(tty)
dev="$root/dev"
mkdir -p "$dev"
mount -t tmpfs -o mode=0755,nosuid,size=1m tmpfs "$dev"
for node in null zero full random urandom tty ptmx console; do
    touch "$dev/$node"
done
for node in null zero full random urandom tty ptmx; do
    mount --bind "/dev/$node" "$dev/$node"
done
mount --bind "$console" "$dev/console"
mkdir "$dev/pts" "$dev/shm"
mount --bind /dev/pts "$dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
mount --move "$dev" /dev

# /proc is fresh (unshare --mount-proc), but /proc/sys is still the host kernel's: read-only, except
# /proc/sys/net when the network namespace is private (it is then the harness's own, and a real
# dockerd must write ip_forward and friends there).
mount --bind /proc/sys /proc/sys
if [ "${NETWORK:-0}" != 1 ]; then mount --bind /proc/sys/net /proc/sys/net; fi
mount -o remount,bind,ro /proc/sys

# A fresh sysfs, so /sys/class/net shows this network namespace, with nothing at /sys/fs/cgroup:
# systemd mounts its own cgroup hierarchies there (rooted at boot.sh's child cgroups).
umount -R /sys
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys

# A private /run: systemd's sockets, the journal (volatile), /run/docker.sock, /run/containerd.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -m 1777 /run/lock
mkdir /run/standin-dockerd
mount --bind "$root/results" /run/standin-dockerd

# The unit directories and /etc/default are the harness's private copies (a test writes them on the
# host under ROOT; systemd inside reads them). /lib is a symlink to usr/lib on Debian 12, so one bind
# covers both /lib/systemd/system and /usr/lib/systemd/system.
mount --bind "$root/lib-systemd-system" /usr/lib/systemd/system
mount --bind "$root/etc-systemd-system" /etc/systemd/system
mount --bind "$root/etc-default" /etc/default
# No generators: the host's (fstab, getty, sysv, postgresql...) would pull in units that cannot work here.
for d in /usr/lib/systemd/system-generators /usr/lib/systemd/system-environment-generators \
         /etc/systemd/system-generators /usr/local/lib/systemd/system-generators \
         /usr/local/lib/systemd/system; do
    if [ -d "$d" ]; then mount --bind "$empty" "$d"; fi
done
# An empty /etc/init.d: `systemctl enable` would otherwise call update-rc.d on the host's init scripts.
mount --bind "$empty" /etc/init.d
# /var/lib reads as the host's but writes go to ROOT (systemd's state, anything a test runs inside).
mount -t overlay overlay \
    -o "lowerdir=/var/lib,upperdir=$root/var-lib/upper,workdir=$root/var-lib/work" /var/lib
# The persistent journal stays private too (journald keeps to /run/log/journal here anyway: nothing flushes it).
if [ -d /var/log/journal ]; then mount --bind "$root/var-log-journal" /var/log/journal; fi

# The stand-in dockerd in front of the real /usr/bin and /usr/sbin: a read-only overlay whose top
# layer holds only `dockerd`. Both paths, so docker-ce's and Debian's ExecStart both reach it.
if [ "${STANDIN:-0}" = 1 ]; then
    for d in /usr/bin /usr/sbin; do
        mount -t overlay overlay -o "lowerdir=$root/standin-bin:$d" "$d"
    done
fi

# The real Docker engine at its default paths, with its data under ROOT. The data directories are
# plain ext4 directories bound over /var/lib/docker and /var/lib/containerd, not part of the /var/lib
# overlay: overlay2 and containerd's overlayfs snapshotter cannot stack on an overlayfs.
# /etc/docker is private because dockerd 20.10 writes key.json there.
if [ "${REAL_DOCKER:-0}" = 1 ]; then
    for d in docker containerd; do
        mkdir -p "/var/lib/$d" "$root/var-lib-$d"
        mount --bind "$root/var-lib-$d" "/var/lib/$d"
    done
    # docker.io ships /etc/docker, so it is there whenever the real engine is.
    if [ -d /etc/docker ]; then mount --bind "$root/etc-docker" /etc/docker; fi
fi

# `container` tells systemd it is not on bare metal: it skips hardware setup and mounts it cannot do.
# TERM=dumb and SYSTEMD_COLORS=0 keep console.log free of escape sequences.
exec env -i container=nginxkit-harness TERM=dumb SYSTEMD_COLORS=0 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --show-status=yes
