#!/bin/bash
# Stop the libvirt daemons that libvirt-up.sh started, and only those.
#
# usage: libvirt-down.sh [STATEFILE]
#
# Reads "NAME PID" lines from STATEFILE (default /run/pvci-libvirt.started).
# A pid is signalled only if it still belongs to a process of that name.
# Without a state file (daemons were already running) it does nothing.
set -euo pipefail

state=${1:-/run/pvci-libvirt.started}

log() { printf 'libvirt-down: %s\n' "$*" >&2; }

if [ ! -e "$state" ]; then
	log "nothing to stop"
	exit 0
fi

declare -A pids=()
while read -r name pid; do
	case $name in
	virtlogd | libvirtd) ;;
	*) continue ;;
	esac
	[[ $pid =~ ^[0-9]+$ ]] || continue
	pids[$name]=$pid
done <"$state"

is_ours() {
	[ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ]
}

# libvirtd first: it holds connections to virtlogd.
rc=0
for name in libvirtd virtlogd; do
	pid=${pids[$name]:-}
	[ -n "$pid" ] || continue
	if ! is_ours "$name" "$pid"; then
		log "$name (pid $pid) is already gone"
		continue
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		is_ours "$name" "$pid" || break
		sleep 0.1
	done
	if is_ours "$name" "$pid"; then
		log "$name (pid $pid) did not stop within 15 s"
		rc=1
	else
		log "stopped $name (pid $pid)"
	fi
done
[ "$rc" = 0 ] && rm -f "$state"
exit "$rc"
