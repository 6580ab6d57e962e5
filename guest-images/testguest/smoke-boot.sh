#!/bin/bash
# Developer check of the test guest: boot it through libvirt and exercise
# the agent, fio, iperf3, the CD-ROM, save/restore, reboot and a panic.
#
# usage: smoke-boot.sh IMAGEDIR [DOMAIN-TYPE]
#
# IMAGEDIR is a build.sh output directory whose parents libvirt-qemu can
# traverse (e.g. /var/tmp/pvci-guest-test/img).  Needs libvirtd running
# (scripts/libvirt-up.sh).  The agent is reached through the serial1 pty
# directly (virsh console wants a terminal); the C side uses
# virDomainOpenConsole instead.  Leaves nothing behind.
set -euo pipefail

img=$(cd "$1" && pwd)
dtype=${2:-qemu}
uri=qemu:///system
name=pvci-dev-smoke-$$
run=$(dirname "$img")/run-$name
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
V() { virsh -q -c "$uri" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
log() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

iperf_pid=
cleanup() {
	V destroy "$name" >/dev/null 2>&1 || true
	V undefine "$name" >/dev/null 2>&1 || true
	[ -n "$iperf_pid" ] && kill "$iperf_pid" 2>/dev/null || true
	[ -n "${SMOKE_KEEP:-}" ] && cp "$run/console.log" "$SMOKE_KEEP" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT

mkdir -p "$run"
chmod 0755 "$run"
qemu-img create -q -f qcow2 -b "$img/disk.qcow2" -F qcow2 "$run/overlay.qcow2"
cmdline=${SMOKE_CMDLINE:-}
[ -n "$cmdline" ] || cmdline=$(sed -n 's/.*"kernel_cmdline": "\(.*\)",/\1/p' "$img/image.json")
sed -e "s|@NAME@|$name|" -e "s|@DOMAIN_TYPE@|$dtype|" -e "s|@MEMORY_MIB@|512|" \
	-e "s|@VCPUS@|${SMOKE_VCPUS:-2}|" -e "s|@KERNEL@|$img/vmlinuz|" -e "s|@INITRD@|$img/initramfs.img|" \
	-e "s|@CMDLINE@|$cmdline|" -e "s|@OVERLAY@|$run/overlay.qcow2|" \
	-e "s|@TOOLS@|$img/tools.ext4|" -e "s|@CONSOLE_LOG@|$run/console.log|" \
	-e "s|@EMULATOR@|/usr/bin/qemu-system-x86_64|" "$here/domain.xml.in" >"$run/domain.xml"
V define "$run/domain.xml" >/dev/null

fd=
open_agent() {
	local pty
	[ -n "$fd" ] && exec {fd}>&-
	pty=$(V dumpxml "$name" | awk '/<serial type=.pty.>/ {s = 1} s && /source path=/ {
		sub(/.*path=./, ""); sub(/[^\/a-z0-9].*/, ""); print; exit }')
	[ -n "$pty" ] || fail "no serial1 pty"
	exec {fd}<>"$pty"
	stty -F "$pty" raw -echo
}

reqid=0
# wait_ready TIMEOUT: PING until READY; sets boot_id.
wait_ready() {
	local deadline=$(($(date +%s) + $1)) line
	while [ "$(date +%s)" -lt "$deadline" ]; do
		reqid=$((reqid + 1))
		printf 'PVCI-REQ %s PING -\n' "$reqid" >&"$fd"
		while IFS= read -r -t 0.5 -u "$fd" line; do
			line=${line%$'\r'}
			case $line in
			"PVCI-READY "*)
				boot_id=$(echo "$line" | cut -d' ' -f2)
				return 0
				;;
			esac
		done
	done
	return 1
}

# agent OP CMD TIMEOUT: output to $out, status to $status.
agent() {
	local op=$1 cmd=$2 deadline=$(($(date +%s) + $3)) line f
	reqid=$((reqid + 1))
	printf 'PVCI-REQ %s %s %s\n' "$reqid" "$op" "$(printf %s "$cmd" | base64 -w0)" >&"$fd"
	out=
	: >"$run/out"
	while [ "$(date +%s)" -lt "$deadline" ]; do
		IFS= read -r -t 1 -u "$fd" line || continue
		line=${line%$'\r'}
		read -ra f <<<"$line"
		[ "${f[1]:-}" = "$reqid" ] || continue
		case ${f[0]} in
		PVCI-OUT) printf %s "${f[2]}" | base64 -d >>"$run/out" ;;
		PVCI-END)
			status=${f[2]}
			out=$(cat "$run/out")
			[ "$(stat -c %s "$run/out")" = "${f[3]}" ] || fail "byte count mismatch"
			return 0
			;;
		PVCI-ERR) fail "agent error ${f[2]}" ;;
		esac
	done
	fail "request $reqid ($cmd) timed out"
}

step_boot() {
log "boot ($dtype)"
t0=$(now)
V start "$name" >/dev/null
echo "virsh start returned after $(elapsed "$t0") s"
open_agent
wait_ready 120 || fail "no READY"
echo "boot to READY: $(elapsed "$t0") s (boot id $boot_id)"
agent RUN 'cat /proc/uptime; uname -r; cat /proc/cmdline; mount | grep tools; ls /tools/bin; ip -4 addr show eth0 | grep inet; lsmod | wc -l; echo pid=$PVCI_AGENT_PID' 30
echo "$out"

}
step_out64() {
log "64 KiB output"
t=$(now)
agent RUN 'head -c 100000 /dev/urandom | base64' 60
echo "status $status bytes ${#out} in $(elapsed "$t") s"

}
step_fio() {
log "fio --verify=crc32c on /dev/vda"
t=$(now)
agent RUN 'fio --name=verify --filename=/dev/vda --direct=1 --ioengine=libaio --rw=randwrite --bs=4k --size=64M --iodepth=16 --verify=crc32c --do_verify=1 --output-format=terse | cut -d";" -f1-8,48-50' 600
echo "status $status in $(elapsed "$t") s: $out"
[ "$status" = 0 ] || fail fio

}
step_iperf() {
log "iperf3 to the host's 127.0.0.1 via 10.0.2.2"
iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 &
iperf_pid=$!
sleep 0.5
agent RUN 'iperf3 -c 10.0.2.2 -t 5 -f m | tail -4' 60
echo "status $status: $out"
agent RUN 'iperf3 -c 10.0.2.2 -t 5 -f m -R | tail -4' 60
echo "status $status (-R): $out"
kill "$iperf_pid"; iperf_pid=

}
step_cdrom() {
log "CD-ROM"
mkdir -p "$run/iso"
echo "pvci cd test" >"$run/iso/hello.txt"
xorriso -as mkisofs -quiet -J -R -o "$run/test.iso" "$run/iso" 2>/dev/null
V change-media "$name" hdc "$run/test.iso" --insert >/dev/null
agent RUN 'pvci-mount-cdrom /mnt && cat /mnt/hello.txt; umount /mnt' 60
echo "status $status: $out"
V change-media "$name" hdc --eject >/dev/null

}
step_saverestore() {
log "save/restore"
t=$(now)
V save "$name" "$run/save.img" >/dev/null
echo "save: $(elapsed "$t") s, $(du -h "$run/save.img" | cut -f1)"
t=$(now)
V restore "$run/save.img" >/dev/null
echo "restore: $(elapsed "$t") s"
open_agent
t=$(now)
wait_ready 30 || fail "no READY after restore"
echo "READY after restore: $(elapsed "$t") s (boot id $boot_id)"
rm -f "$run/save.img"

}
step_reboot() {
log "reboot"
old=$boot_id
agent RUNBG 'sleep 1; reboot -f' 10
t=$(now)
sleep 2
wait_ready 120 || fail "no READY after reboot"
echo "reboot to READY: $(elapsed "$t") s, boot id $old -> $boot_id"
[ "$old" != "$boot_id" ] || fail "boot id unchanged"

}
step_panic() {
log "panic"
agent RUNBG 'sleep 1; echo c > /proc/sysrq-trigger' 10
sleep 5
V domstate "$name" --reason || true
tail -5 "$run/console.log"

}
step_poweroff() {
log "poweroff"
V start "$name" >/dev/null
open_agent
wait_ready 120 || fail "no READY after panic restart"
agent RUNBG 'sleep 1; poweroff -f' 10
sleep 5
V domstate "$name" --reason || true
}

for s in ${SMOKE_STEPS:-boot out64 fio iperf cdrom saverestore reboot panic poweroff}; do
	"step_$s"
done
echo OK
