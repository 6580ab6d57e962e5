#!/bin/bash
# Build the pvci Linux test guest golden image from Debian packages only.
#
# usage: build.sh OUTDIR
#
# Writes into OUTDIR:
#   vmlinuz         Debian's cloud kernel (from linux-image-*-cloud-amd64)
#   initramfs.img   busybox init, the kernel modules it needs, the agent
#   tools.ext4      fio and iperf3 with their libraries (label pvci-tools)
#   disk.qcow2      the golden data disk (blank); jobs overlay it
#   agent.sh        the guest agent installed in the initramfs (a copy)
#   image.json      the manifest: files, kernel version, command line
#
# Needs root (apt-get update, device nodes in the initramfs) on Debian 12
# with busybox-static, fio, iperf3, cpio, e2fsprogs and qemu-utils.  The
# kernel .deb is kept in $PVCI_CACHE (default OUTDIR/cache) and reused.  A
# second run with unchanged inputs only checks and exits.
#
# Environment:
#   PVCI_CACHE          where downloaded .debs are kept
#   PVCI_KERNEL_PKG     kernel package to use instead of the one that
#                       linux-image-cloud-amd64 depends on
#   PVCI_DISK_SIZE      size of disk.qcow2 (default 1G); only when created
#   SOURCE_DATE_EPOCH   timestamp put on every file in the images
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ $# = 1 ] || die "usage: build.sh OUTDIR"
[ "$(id -u)" = 0 ] || die "must run as root"

for tool in apt-get apt-cache dpkg-deb dpkg-query cpio gzip mke2fs debugfs qemu-img sha256sum ldd; do
	command -v "$tool" >/dev/null || die "'$tool' is missing"
done
busybox=/bin/busybox
[ -x "$busybox" ] || die "'$busybox' is missing (install busybox-static)"
for tool in fio iperf3; do
	command -v "$tool" >/dev/null || die "'$tool' is missing (install $tool)"
done

outdir=$1
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
cache=${PVCI_CACHE:-$outdir/cache}
mkdir -p "$cache"
# QEMU runs as libvirt-qemu under qemu:///system: it must read the images.
chmod 0755 "$outdir"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C TZ=UTC
umask 022

cmdline="console=ttyS0,115200 panic=-1 oops=panic sysrq_always_enabled"
tools_label=pvci-tools
# Fixed so that the same inputs give the same tools.ext4.
tools_uuid=8d3f2b57-2a55-4bd7-9c51-7a9e1c0d5e11
agent_version=$(sed -n 's/^AGENT_VERSION=\([0-9][0-9]*\).*/\1/p' "$here/agent.sh")
[ -n "$agent_version" ] || die "no AGENT_VERSION in '$here/agent.sh'"

# Modules, in load order.  Everything else the guest needs (ext4, jbd2,
# mbcache, crc16, crc32c, the 8250 UART, ACPI) is built into the cloud
# kernel; check_modules below fails the build if that stops being true.
# The CD-ROM ones load in the background: ATA probing takes a second or
# more under TCG and nothing needs the CD-ROM before the agent is up.
modules_early=(
	virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	virtio_blk failover net_failover virtio_net
	pvpanic pvpanic-mmio pvpanic-pci
)
modules_cdrom=(scsi_common scsi_mod cdrom sr_mod libata ata_piix isofs)
modules=("${modules_early[@]}" "${modules_cdrom[@]}")

# --- the kernel package ------------------------------------------------------

resolve_kernel_pkg() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

kpkg=${PVCI_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	kpkg=$(resolve_kernel_pkg)
	if [ -z "$kpkg" ]; then
		log "linux-image-cloud-amd64 unknown to apt; running apt-get update"
		apt-get update -qq || die "apt-get update failed"
		kpkg=$(resolve_kernel_pkg)
	fi
	[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 to a kernel package"
fi
kver=${kpkg#linux-image-}

kdeb=$(find "$cache" -maxdepth 1 -name "${kpkg}_*_amd64.deb" | sort | tail -n 1)
if [ -z "$kdeb" ]; then
	log "downloading $kpkg into '$cache'"
	# apt drops privileges to _apt, which must be able to write the cache.
	chown _apt "$cache" 2>/dev/null || true
	(cd "$cache" && apt-get download -q "$kpkg") ||
		(apt-get update -qq && cd "$cache" && apt-get download -q "$kpkg") ||
		die "cannot download '$kpkg'"
	kdeb=$(find "$cache" -maxdepth 1 -name "${kpkg}_*_amd64.deb" | sort | tail -n 1)
	[ -n "$kdeb" ] || die "'$kpkg' downloaded but no .deb in '$cache'"
fi
kdeb_version=$(dpkg-deb -f "$kdeb" Version)

# --- up to date? -------------------------------------------------------------

pkgver() { dpkg-query -W -f '${Version}' "$1"; }
fio_bin=$(command -v fio)
iperf3_bin=$(command -v iperf3)
inputs=$(
	{
		sha256sum "$here/build.sh" "$here/agent.sh" "$kdeb" "$busybox" "$fio_bin" "$iperf3_bin"
		ldd "$fio_bin" "$iperf3_bin" | awk '/=>/ {print $3} /ld-linux/ {print $1}' |
			sort -u | xargs -r sha256sum
		echo "$SOURCE_DATE_EPOCH $cmdline"
	} | sed 's|  .*/|  |' | sha256sum | cut -c1-64
)

files=(vmlinuz initramfs.img tools.ext4 disk.qcow2 agent.sh)
if [ -f "$outdir/image.json" ] && grep -q "\"inputs\": \"$inputs\"" "$outdir/image.json"; then
	uptodate=1
	for f in "${files[@]}"; do
		[ -f "$outdir/$f" ] || uptodate=0
	done
	if [ "$uptodate" = 1 ]; then
		log "'$outdir' is up to date"
		exit 0
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pvci-testguest.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- unpack the kernel -------------------------------------------------------

log "unpacking $(basename "$kdeb")"
dpkg-deb -x "$kdeb" "$work/kernel"
kroot=$work/kernel/lib/modules/$kver
[ -d "$kroot" ] || die "'$kdeb' has no lib/modules/$kver"
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "'$kdeb' has no boot/vmlinuz-$kver"
kconfig=$work/kernel/boot/config-$kver

for opt in EXT4_FS JBD2 FS_MBCACHE CRC16 CRYPTO_CRC32C SERIAL_8250 SERIAL_8250_CONSOLE DEVTMPFS \
	BLK_DEV_INITRD RD_GZIP TMPFS MAGIC_SYSRQ ACPI UNIX INET PACKET; do
	grep -qx "CONFIG_$opt=y" "$kconfig" || die "kernel '$kver' lacks CONFIG_$opt=y"
done

# Each module's dependencies must be built in or loaded before it.
declare -A kofile=()
check_modules() {
	local m f dep loaded=" "
	for m in "${modules[@]}"; do
		f=$(find "$kroot/kernel" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || die "kernel '$kver' has no module '$m'"
		kofile[$m]=$f
		for dep in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
			case $loaded in
			*" $dep "* | *" ${dep//_/-} "* | *" ${dep//-/_} "*) ;;
			*) die "module '$m' needs '$dep' before it" ;;
			esac
		done
		loaded="$loaded$m "
	done
}
check_modules

# --- initramfs ---------------------------------------------------------------

log "building initramfs.img"
root=$work/initramfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc/init.d,tools,mnt}
mkdir -p "$root/lib/modules/$kver"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
# One link per applet, as "busybox --install -s" would do at boot.
for applet in $("$busybox" --list-full); do
	case $applet in
	bin/busybox | linuxrc) continue ;;
	esac
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
for m in "${modules[@]}"; do
	cp "${kofile[$m]}" "$root/lib/modules/$kver/$m.ko"
done
printf '%s\n' "${modules_early[@]}" >"$root/etc/modules"
printf '%s\n' "${modules_cdrom[@]}" >"$root/etc/modules.cdrom"
install -m 0755 "$here/agent.sh" "$root/sbin/pvci-agent"
mknod -m 0600 "$root/dev/console" c 5 1
mknod -m 0666 "$root/dev/null" c 1 3

cat >"$root/init" <<'EOF'
#!/bin/sh
# Early init: mounts and console, then busybox init (see /etc/inittab).
mount -t devtmpfs devtmpfs /dev
exec 0<>/dev/console 1>&0 2>&0
mount -t proc proc /proc
mount -t sysfs sysfs /sys
exec /sbin/init
EOF
chmod 0755 "$root/init"

cat >"$root/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::respawn:/sbin/pvci-agent-tty
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF

cat >"$root/etc/init.d/rcS" <<EOF
#!/bin/sh
# pvci test guest: modules, network, tools disk.
kver=$kver
EOF
cat >>"$root/etc/init.d/rcS" <<'EOF'
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
hostname pvci-testguest
# Panics must stop the guest visibly: sysrq-trigger and oops=panic on the
# command line; pvpanic (when the machine has one) tells the host.
echo 1 >/proc/sys/kernel/sysrq
load_modules() {
	while read -r m; do
		insmod "/lib/modules/$kver/$m.ko" 2>/dev/null || echo "rcS: insmod $m failed"
	done <"$1"
}
load_modules /etc/modules
(load_modules /etc/modules.cdrom; touch /run/pvci-cdrom.ready) &
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
	echo "rcS: eth0 not configured"
echo "nameserver 10.0.2.3" >/etc/resolv.conf
# The tools disk is the second virtio disk, labelled pvci-tools.  busybox
# here has no blkid and findfs also probes the (slow) CD-ROM, so read the
# label from the ext4 superblock (offset 1024 + 120) of the virtio disks.
tools=
i=0
while [ -z "$tools" ] && [ $i -lt 30 ]; do
	for d in /dev/vdb /dev/vd?; do
		[ -b "$d" ] || continue
		if [ "$(dd if="$d" bs=1 skip=1144 count=16 2>/dev/null | tr -d '\000')" = "pvci-tools" ]; then
			tools=$d
			break
		fi
	done
	[ -n "$tools" ] || sleep 0.1
	i=$((i + 1))
done
if [ -n "$tools" ]; then
	mount -t ext4 -o ro "$tools" /tools || echo "rcS: cannot mount tools disk '$tools'"
else
	echo "rcS: no disk labelled pvci-tools"
fi
echo "rcS: up in $(cut -d' ' -f1 /proc/uptime)s"
EOF
chmod 0755 "$root/etc/init.d/rcS"

cat >"$root/sbin/pvci-agent-tty" <<'EOF'
#!/bin/sh
# Run the agent on the second serial port; busybox init restarts it.
stty -F /dev/ttyS1 115200 raw -echo || sleep 1
exec /sbin/pvci-agent </dev/ttyS1 >/dev/ttyS1 2>/dev/console
EOF
chmod 0755 "$root/sbin/pvci-agent-tty"
cat >"$root/sbin/pvci-mount-cdrom" <<'EOF'
#!/bin/sh
# usage: pvci-mount-cdrom [DIR]: mount the CD-ROM (/dev/sr0) read-only on
# DIR (default /mnt).  After a media change the first read of /dev/sr0
# fails (unit attention) and a mount then fails with EINVAL, so read once
# and retry.
dir=${1:-/mnt}
i=0
while [ ! -e /run/pvci-cdrom.ready ] || [ ! -b /dev/sr0 ]; do
	[ $i -ge 300 ] && { echo "pvci-mount-cdrom: no /dev/sr0" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
mkdir -p "$dir"
i=0
while [ $i -lt 10 ]; do
	dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null
	mount -t iso9660 -o ro /dev/sr0 "$dir" 2>/dev/null && exit 0
	sleep 1
	i=$((i + 1))
done
mount -t iso9660 -o ro /dev/sr0 "$dir"
EOF
chmod 0755 "$root/sbin/pvci-mount-cdrom"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# Reproducible archive: sorted names, fixed times, no gzip name/time.
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$root" && find . -mindepth 1 | sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$work/initramfs.img"

# --- tools disk --------------------------------------------------------------

log "building tools.ext4"
troot=$work/tools
mkdir -p "$troot"/{bin,libexec,lib}
loader=
for lib in $(ldd "$fio_bin" "$iperf3_bin" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
	case $lib in
	*/ld-linux-x86-64.so.2) loader=$lib ;;
	esac
	cp -L "$lib" "$troot/lib/$(basename "$lib")"
done
[ -n "$loader" ] || die "no dynamic loader found by ldd"
cp "$fio_bin" "$iperf3_bin" "$troot/libexec/"
# Run through the loader with an explicit library path: the initramfs has
# no /lib64, and the wrappers work wherever the disk is mounted.
for tool in fio iperf3; do
	cat >"$troot/bin/$tool" <<EOF
#!/bin/sh
d=\$(dirname "\$0")/..
exec "\$d/lib/ld-linux-x86-64.so.2" --library-path "\$d/lib" "\$d/libexec/$tool" "\$@"
EOF
	chmod 0755 "$troot/bin/$tool"
done
{
	echo "fio $(pkgver fio)"
	echo "iperf3 $(pkgver iperf3)"
	echo "busybox $(pkgver busybox-static)"
	echo "kernel $kpkg $kdeb_version"
} >"$troot/VERSIONS"
find "$troot" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
size_kib=$(du -sk "$troot" | cut -f1)
size_kib=$((size_kib * 5 / 4 + 16384))
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext4 -O ^has_journal \
	-L "$tools_label" -U "$tools_uuid" -E "hash_seed=$tools_uuid,root_owner=0:0" \
	-N 1024 -d "$troot" "$work/tools.ext4" "${size_kib}k" >/dev/null ||
	die "mke2fs failed"
# mke2fs -d copies each file's ctime (which touch cannot set) and atime
# (which reading the file may have moved): pin them.
(cd "$troot" && find . | sort | sed 's|^\.||; s|^$|/|' |
	while IFS= read -r p; do
		printf 'sif "%s" ctime @%s\nsif "%s" atime @%s\n' "$p" "$SOURCE_DATE_EPOCH" "$p" "$SOURCE_DATE_EPOCH"
	done
	printf 'sif "/lost+found" ctime @%s\n' "$SOURCE_DATE_EPOCH") >"$work/debugfs.cmds"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$work/debugfs.cmds" "$work/tools.ext4" >/dev/null 2>"$work/debugfs.err" ||
	die "debugfs failed: $(cat "$work/debugfs.err")"

# --- install -----------------------------------------------------------------

install_file() {
	chmod 0644 "$1"
	mv -f "$1" "$outdir/$2"
}
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"
install_file "$work/vmlinuz" vmlinuz
install_file "$work/initramfs.img" initramfs.img
install_file "$work/tools.ext4" tools.ext4
cp "$here/agent.sh" "$work/agent.sh"
install_file "$work/agent.sh" agent.sh
# The golden disk is never rewritten: overlays of older jobs may use it.
if [ ! -f "$outdir/disk.qcow2" ]; then
	log "creating disk.qcow2"
	qemu-img create -q -f qcow2 "$work/disk.qcow2" "${PVCI_DISK_SIZE:-1G}"
	install_file "$work/disk.qcow2" disk.qcow2
fi

json_file() {
	local f=$1 sep=$2
	printf '    "%s": {"size": %s, "sha256": "%s"}%s\n' "$f" \
		"$(stat -c %s "$outdir/$f")" "$(sha256sum "$outdir/$f" | cut -c1-64)" "$sep"
}
{
	printf '{\n'
	printf '  "name": "testguest",\n'
	printf '  "kind": "linux-testguest",\n'
	printf '  "kernel_package": "%s",\n' "$kpkg"
	printf '  "kernel_package_version": "%s",\n' "$kdeb_version"
	printf '  "kernel_version": "%s",\n' "$kver"
	printf '  "kernel_cmdline": "%s",\n' "$cmdline"
	printf '  "agent_version": %s,\n' "$agent_version"
	printf '  "agent_serial": "serial1",\n'
	printf '  "tools_label": "%s",\n' "$tools_label"
	printf '  "fio_version": "%s",\n' "$(pkgver fio)"
	printf '  "iperf3_version": "%s",\n' "$(pkgver iperf3)"
	printf '  "busybox_version": "%s",\n' "$(pkgver busybox-static)"
	printf '  "source_date_epoch": %s,\n' "$SOURCE_DATE_EPOCH"
	printf '  "inputs": "%s",\n' "$inputs"
	printf '  "files": {\n'
	json_file vmlinuz ,
	json_file initramfs.img ,
	json_file tools.ext4 ,
	json_file disk.qcow2 ,
	json_file agent.sh ''
	printf '  }\n'
	printf '}\n'
} >"$work/image.json"
install_file "$work/image.json" image.json
log "built '$outdir' (kernel $kver)"
