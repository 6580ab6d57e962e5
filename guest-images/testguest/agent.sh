#!/bin/sh
# pvci guest agent for the Linux test guest (busybox sh).
#
# Speaks the protocol of guest-images/AGENT.md on its stdin/stdout, which
# the init scripts connect to /dev/ttyS1 in raw mode without echo.  Frames
# are written with one printf each so a frame is never split by another
# writer.  Anything that is not a request frame is ignored.

AGENT_VERSION=1
MAX_LINE=16384          # longest request line accepted, in bytes
MAX_OUT=65536           # output captured per request, in bytes
PIECE=3072              # bytes of output per OUT frame (4096 in base64)

PATH=/tools/bin:/bin:/sbin:/usr/bin:/usr/sbin
PVCI_AGENT_PID=$$
export PATH PVCI_AGENT_PID
cd / || exit 1

work=$(mktemp -d /tmp/pvci-agent.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

boot_id() {
	# A fresh random UUID every boot; only [0-9a-f-] so it is a valid token.
	cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown
}

ready() {
	printf 'PVCI-READY %s %s\n' "$(boot_id)" "$AGENT_VERSION"
}

err() {
	printf 'PVCI-ERR %s %s\n' "$1" "$2"
}

# The command's output goes to a file rather than a pipe so that a
# background child keeping stdout open cannot hold the reply back.
run() {
	id=$1
	cmd=$2
	sh -c "$cmd" </dev/null >"$work/out" 2>&1
	status=$?
	size=$(wc -c <"$work/out")
	size=$((size + 0))
	truncated=0
	if [ "$size" -gt "$MAX_OUT" ]; then
		truncated=1
		size=$MAX_OUT
	fi
	i=0
	while [ $((i * PIECE)) -lt "$size" ]; do
		# The last piece never reads past MAX_OUT since MAX_OUT is not a
		# multiple of PIECE; cut it explicitly.
		left=$((size - i * PIECE))
		n=$PIECE
		[ "$left" -lt "$n" ] && n=$left
		b64=$(dd if="$work/out" bs="$PIECE" skip="$i" count=1 2>/dev/null |
			head -c "$n" | base64 -w 0)
		printf 'PVCI-OUT %s %s\n' "$id" "$b64"
		i=$((i + 1))
	done
	rm -f "$work/out"
	printf 'PVCI-END %s %s %s %s\n' "$id" "$status" "$size" "$truncated"
}

runbg() {
	id=$1
	cmd=$2
	# setsid: new session, no controlling tty; busybox init adopts it.
	setsid sh -c "$cmd" </dev/null >/dev/null 2>&1 &
	printf 'PVCI-END %s 0 0 0\n' "$id"
}

valid_id() {
	case $1 in
	'' | *[!0-9]* | 0*) return 1 ;;
	esac
	[ "${#1}" -le 10 ] || return 1
	[ "$1" -le 2147483647 ]
}

handle() {
	line=$1
	rest=${line#PVCI-REQ }
	id=${rest%% *}
	valid_id "$id" || return 0          # no id to answer: ignore the line
	if [ "${#line}" -gt "$MAX_LINE" ]; then
		err "$id" too-long
		return 0
	fi
	rest=${rest#"$id"}
	case $rest in
	' '*' '*) ;;
	*) err "$id" bad-frame; return 0 ;;
	esac
	rest=${rest# }
	op=${rest%% *}
	payload=${rest#"$op" }
	case $payload in
	'' | *' '*) err "$id" bad-frame; return 0 ;;
	esac
	case $op in
	PING)
		ready
		;;
	RUN | RUNBG)
		case $payload in
		*[!A-Za-z0-9+/=]*) err "$id" bad-frame; return 0 ;;
		esac
		if ! printf '%s' "$payload" | base64 -d >"$work/cmd" 2>/dev/null; then
			err "$id" bad-frame
			return 0
		fi
		cmd=$(cat "$work/cmd")
		rm -f "$work/cmd"
		if [ "$op" = RUN ]; then
			run "$id" "$cmd"
		else
			runbg "$id" "$cmd"
		fi
		;;
	*)
		err "$id" unknown-op
		;;
	esac
}

cr=$(printf '\r')
ready
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%"$cr"}
	case $line in
	PVCI-REQ\ *) handle "$line" ;;
	esac
done
