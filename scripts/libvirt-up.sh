#!/bin/bash
# Start virtlogd and libvirtd by hand (no systemd) if they are not running,
# and wait until qemu:///system answers.
#
# usage: libvirt-up.sh [STATEFILE]
#
# STATEFILE (default /run/pvci-libvirt.started) records "NAME PID" for each
# daemon this script started, so libvirt-down.sh stops only those.  Daemons
# that were already running are left alone and not recorded.  Running it
# again is harmless.
set -euo pipefail

state=${1:-/run/pvci-libvirt.started}
uri=qemu:///system
wait_max=60

log() { printf 'libvirt-up: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

# pid_alive NAME PIDFILE: print the pid if PIDFILE names a live NAME process.
pid_alive() {
	local name=$1 pidfile=$2 pid comm
	[ -r "$pidfile" ] || return 1
	pid=$(tr -d " \n" <"$pidfile") || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$name" ] || return 1
	printf '%s\n' "$pid"
}

# Keep the entries of an earlier run whose daemons are still alive, so a
# second "up" does not forget what the first one started.
declare -A started=()
if [ -r "$state" ]; then
	while read -r name pid; do
		[[ $pid =~ ^[0-9]+$ ]] || continue
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || continue
		started[$name]=$pid
	done <"$state"
fi

# The two fixes DESIGN.md describes: without the first libvirt re-probes
# QEMU on every call (~47 s a define); without the second any
# <interface type='network'> fails.
if [ -e /dev/kvm ]; then
	chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || log "cannot fix /dev/kvm permissions"
fi
mkdir -p /var/lib/libvirt/dnsmasq

start_daemon() {
	local name=$1 pidfile=$2 pid i
	if pid=$(pid_alive "$name" "$pidfile"); then
		log "$name already running (pid $pid)"
		return 0
	fi
	"/usr/sbin/$name" --daemon || die "cannot start $name"
	# The daemon writes its pid file once it has forked; bounded wait.
	for ((i = 0; i < 100; i++)); do
		if pid=$(pid_alive "$name" "$pidfile"); then
			started[$name]=$pid
			log "started $name (pid $pid)"
			return 0
		fi
		sleep 0.1
	done
	die "$name did not write '$pidfile'"
}

write_state() {
	local tmp="$state.tmp.$$" name
	: >"$tmp"
	for name in virtlogd libvirtd; do
		[ -n "${started[$name]:-}" ] && printf '%s %s\n' "$name" "${started[$name]}" >>"$tmp"
	done
	if [ -s "$tmp" ]; then
		mv -f "$tmp" "$state"
	else
		rm -f "$tmp" "$state"
	fi
}

start_daemon virtlogd /run/virtlogd.pid
write_state
start_daemon libvirtd /run/libvirtd.pid
write_state

# The first connection probes QEMU (~12 s); poll with a bounded wait.
deadline=$((SECONDS + wait_max))
until timeout 30 virsh -q -c "$uri" version >/dev/null 2>&1; do
	((SECONDS < deadline)) || die "'$uri' did not answer within ${wait_max}s"
	sleep 0.5
done
log "'$uri' answers"
