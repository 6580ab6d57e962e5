#!/bin/bash
# The Xen test host: "pvci image build xenhost" (Debian's Xen 4.17 and
# kernel, a dom0 root in an initramfs), booted as a QEMU guest of the local
# libvirt; dom0 answers xl over SSH on a loopback port forward, with the
# instance's key and its host key pinned; stopping it leaves no domain and
# no SSH process.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/xen-lib.sh"
xen_setup
plan 15

check "the xenhost image builds (or is up to date)" xen_image
is "the image is registered as a Xen host" \
	"$(pvci image list --json | jq -r '.[] | select(.name == "xenhost") | .kind')" xen-host

out=$(pvci xenhost run xl info 2>&1); rc=$?
is "no host yet: run is broken" "$rc" 2
like "... saying so" "$out" "no Xen host runs from"

pvci xenhost start --image "$XEN_IMAGE" >"$TEST_DIR/start.out" 2>"$TEST_DIR/start.err"; rc=$?
is "xenhost start boots the host" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TEST_DIR/start.err" | sed 's/^/# /'
grep -h 'ready in' "$TEST_DIR/start.err" | sed 's/^/# /'
port=$(jq -r .port "$XEN_STATE/host.json")
like "dom0 is on a loopback port" "$(cat "$TEST_DIR/start.out")" \
	"running: dom0 at ssh://root@127\.0\.0\.1:$port "
like "the forward listens on 127.0.0.1 only" "$(ss -Hltn "sport = :$port")" "127\.0\.0\.1:$port"

# The host key is pinned: a known_hosts naming another key is refused
# (before any shared connection exists, which would skip the check).
cp "$XEN_STATE/known_hosts" "$TEST_DIR/known_hosts.good"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_DIR/other" 
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$TEST_DIR/other.pub")" >"$XEN_STATE/known_hosts"
out=$(pvci xenhost run xl info 2>&1); rc=$?
is "a host key other than the pinned one is broken" "$rc" 2
like "... as a failed SSH link" "$out" "SSH link to dom0 failed"
cp "$TEST_DIR/known_hosts.good" "$XEN_STATE/known_hosts"

info=$(pvci xenhost run xl info 2>"$TEST_DIR/info.err")
like "xl info in dom0: Xen 4.17" "$(grep -E '^xen_(major|minor)' <<<"$info" | tr -s ' ' | paste -sd' ')" \
	"xen_major : 4 xen_minor : 17"
like "... with PV guests" "$(grep '^virt_caps' <<<"$info")" "pv"
is "xl list -l in dom0: Domain-0, as JSON" \
	"$(pvci xenhost run xl list -l | jq -r '.[0].config.c_info.name')" Domain-0

pvci xenhost stop >"$TEST_DIR/stop.out" 2>&1; rc=$?
is "xenhost stop" "$rc" 0
left=$( (virsh_q list --all --name | grep -x "$XEN_DOMAIN"; xen_ssh_procs;
	[ -e "$XEN_STATE/host.json" ] && echo "host.json") | paste -sd' ')
is "no domain, SSH process or host.json left" "$left" ""
pvci xenhost stop >/dev/null 2>&1; rc=$?
is "stopping a stopped host is a no-op" "$rc" 0
