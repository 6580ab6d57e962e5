#!/bin/bash
# Build the pvci Xen test host image from Debian packages only.
#
# usage: build.sh OUTDIR
#
# The Xen host is a QEMU guest of the local host: Xen 4.17 from Debian,
# Debian's generic amd64 kernel as dom0, and a dom0 root held entirely in
# an initramfs (busybox, xl and its libraries, sshd).  Writes into OUTDIR:
#   xen             the hypervisor (xen-4.17-amd64.gz gunzipped: an ELF32
#                   multiboot image QEMU's -kernel boots directly)
#   vmlinuz         dom0's kernel (linux-image-*-amd64, not the cloud one:
#                   that has no dom0 support); also the PV guest kernel
#   initramfs.img   dom0's root: busybox, the Xen tools, sshd
#   pvguest-initrd.img  a tiny PV guest root (also inside dom0, at
#                   /var/lib/pvci/): prints "pvci-pvguest: up" on hvc0
#   disk.qcow2      a blank scratch disk (the golden disk pvci registers)
#   image.json      the manifest
#
# Nothing here is secret: the SSH host key and root's authorized key are
# made per instance by "pvci xenhost start" and added as a second cpio
# archive behind initramfs.img (the kernel unpacks both).
#
# Needs root (device nodes, apt's cache) on Debian 12 with busybox-static,
# openssh-server, util-linux, bash, cpio, gzip, qemu-utils.  The .debs are
# kept in $PVCI_CACHE (default OUTDIR/cache) and reused; a second run with
# unchanged inputs only checks and exits.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ $# = 1 ] || die "usage: build.sh OUTDIR"
[ "$(id -u)" = 0 ] || die "must run as root"

for tool in apt-get apt-cache dpkg-deb cpio gzip qemu-img sha256sum ldd ldconfig file; do
	command -v "$tool" >/dev/null || die "'$tool' is missing"
done
busybox=/bin/busybox
[ -x "$busybox" ] || die "'$busybox' is missing (install busybox-static)"
sshd_bin=/usr/sbin/sshd
[ -x "$sshd_bin" ] || die "'$sshd_bin' is missing (install openssh-server)"
bash_bin=$(command -v bash)
flock_bin=$(command -v flock) || die "'flock' is missing (install util-linux)"

outdir=$1
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
cache=${PVCI_CACHE:-$outdir/cache}
mkdir -p "$cache"
chmod 0755 "$outdir"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C TZ=UTC
umask 022

xenver=4.17
# Xen's arguments. Without smep=0 smap=0 dom0 crashes at once under TCG.
xen_cmdline="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 noreboot smep=0 smap=0"
dom0_cmdline="console=hvc0 earlyprintk=xen panic=-1"

xen_pkgs=(
	xen-hypervisor-$xenver-amd64 xen-hypervisor-common xen-utils-$xenver
	xen-utils-common xenstore-utils libxenmisc$xenver libxencall1
	libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
	libxentoollog1 libxenhypfs1 libxendevicemodel1 libxentoolcore1 libyajl2
)
# dom0's modules; their dependencies are added in load order.
dom0_modules=(
	xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback
	xen-blkback bridge loop virtio_pci virtio_net virtio_blk
)
# The PV guest's modules (the frontends).
guest_modules=(xen-blkfront xen-netfront)

# --- packages ----------------------------------------------------------------

resolve_kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

kpkg=${PVCI_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	kpkg=$(resolve_kernel_pkg)
	if [ -z "$kpkg" ]; then
		log "linux-image-amd64 unknown to apt; running apt-get update"
		apt-get update -qq || die "apt-get update failed"
		kpkg=$(resolve_kernel_pkg)
	fi
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a kernel package"
fi
kver=${kpkg#linux-image-}

find_deb() { find "$cache" -maxdepth 1 -name "${1}_*_amd64.deb" | sort | tail -n 1; }

missing=()
for p in "$kpkg" "${xen_pkgs[@]}"; do
	[ -n "$(find_deb "$p")" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "downloading ${missing[*]} into '$cache'"
	chown _apt "$cache" 2>/dev/null || true
	(cd "$cache" && apt-get download -q "${missing[@]}") ||
		(apt-get update -qq && cd "$cache" && apt-get download -q "${missing[@]}") ||
		die "cannot download ${missing[*]}"
fi
debs=()
for p in "$kpkg" "${xen_pkgs[@]}"; do
	d=$(find_deb "$p")
	[ -n "$d" ] || die "'$p' downloaded but no .deb in '$cache'"
	debs+=("$d")
done
kdeb=${debs[0]}

# --- up to date? -------------------------------------------------------------

host_bins=("$busybox" "$sshd_bin" "$bash_bin" "$flock_bin")
inputs=$(
	{
		sha256sum "$here/build.sh" "${debs[@]}" "${host_bins[@]}"
		ldd "$sshd_bin" "$bash_bin" "$flock_bin" | awk '/=>/ {print $3}' | sort -u | xargs -r sha256sum
		echo "$SOURCE_DATE_EPOCH $xen_cmdline $dom0_cmdline"
	} | sed 's|  .*/|  |' | sha256sum | cut -c1-64
)
files=(xen vmlinuz initramfs.img pvguest-initrd.img disk.qcow2)
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

work=$(mktemp -d "${TMPDIR:-/tmp}/pvci-xenhost.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- unpack ------------------------------------------------------------------

log "unpacking ${#debs[@]} packages"
for d in "${debs[@]:1}"; do
	dpkg-deb -x "$d" "$work/xen"
done
dpkg-deb -x "$kdeb" "$work/kernel"
kroot=$work/kernel/lib/modules/$kver
[ -d "$kroot" ] || die "'$kdeb' has no lib/modules/$kver"
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "'$kdeb' has no boot/vmlinuz-$kver"
for opt in XEN_PV XEN_PVH XEN_DOM0 HVC_XEN DEVTMPFS TMPFS BLK_DEV_INITRD RD_GZIP UNIX INET PACKET; do
	grep -qx "CONFIG_$opt=y" "$work/kernel/boot/config-$kver" || die "kernel '$kver' lacks CONFIG_$opt=y"
done
xengz=$work/xen/boot/xen-$xenver-amd64.gz
[ -f "$xengz" ] || die "no boot/xen-$xenver-amd64.gz in xen-hypervisor-$xenver-amd64"
xenlib=/usr/lib/xen-$xenver

# Modules and their dependencies, in load order (from each .ko's depends=).
declare -A kofile=() seen=()
ordered=()
add_module() {
	local m=$1 f dep
	m=${m//_/-}
	[ -n "${seen[$m]:-}" ] && return 0
	f=$(find "$kroot/kernel" \( -name "$m.ko" -o -name "${m//-/_}.ko" \) | head -n 1)
	[ -n "$f" ] || die "kernel '$kver' has no module '$1'"
	seen[$m]=1
	for dep in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$dep"
	done
	kofile[$m]=$f
	ordered+=("$m")
}

# Copies ELF files and the libraries they need (the Xen ones from the
# unpacked packages, the rest from this Debian 12 host) into a root.
copy_libs() {
	local root=$1 lib
	shift
	for lib in $(LD_LIBRARY_PATH=$work/xen/usr/lib/x86_64-linux-gnu ldd "$@" |
		awk '/=>/ && $3 ~ /^\// {print $3}' | sort -u); do
		cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
	done
}

busybox_root() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,lib64,dev,proc,sys,tmp,run,root,etc/init.d,var}
	chmod 1777 "$root/tmp"
	ln -s usr/lib "$root/lib"
	cp /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
	cp "$busybox" "$root/bin/busybox"
	for applet in $("$busybox" --list-full); do
		case $applet in
		bin/busybox | linuxrc) continue ;;
		esac
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	mknod -m 0600 "$root/dev/console" c 5 1
	mknod -m 0666 "$root/dev/null" c 1 3
	printf 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# Reproducible archive: sorted names, fixed times, no gzip name/time.
make_cpio() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	(cd "$1" && find . -mindepth 1 | sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$2"
}

# --- the PV guest's root -----------------------------------------------------

log "building pvguest-initrd.img"
groot=$work/pvguest
busybox_root "$groot"
for m in "${guest_modules[@]}"; do
	add_module "$m"
done
mkdir -p "$groot/lib/modules"
for m in "${ordered[@]}"; do
	cp "${kofile[$m]}" "$groot/lib/modules/$m.ko"
done
printf '%s\n' "${ordered[@]}" >"$groot/etc/modules"
cat >"$groot/init" <<'EOF'
#!/bin/sh
# pvci's tiny PV guest: mounts, frontends, a line on the console, then idle.
mount -t devtmpfs devtmpfs /dev
exec 0<>/dev/console 1>&0 2>&0
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# pvci.skip=MOD,MOD on the command line leaves frontends out (a device
# that never connects, for tests of the xenstore-state check).
skip=$(sed -n 's/.*pvci\.skip=\([^ ]*\).*/,\1,/p' /proc/cmdline)
while read -r m; do
	case $skip in *",$m,"*) echo "pvci-pvguest: skipping $m"; continue ;; esac
	insmod "/lib/modules/$m.ko" 2>/dev/null
done </etc/modules
echo "pvci-pvguest: up"
while :; do sleep 3600; done
EOF
chmod 0755 "$groot/init"
make_cpio "$groot" "$work/pvguest-initrd.img"

# --- dom0's root -------------------------------------------------------------

log "building initramfs.img"
root=$work/dom0
busybox_root "$root"
ordered=()
seen=()
for m in "${dom0_modules[@]}"; do
	add_module "$m"
done
mkdir -p "$root/lib/modules"
for m in "${ordered[@]}"; do
	cp "${kofile[$m]}" "$root/lib/modules/$m.ko"
done
printf '%s\n' "${ordered[@]}" >"$root/etc/modules"

# The Xen tools: the packages' files as they are, minus documentation and
# the hypervisor itself; xl and friends linked straight to their binaries
# (Debian's wrapper only picks the version).
(cd "$work/xen" && tar -cf - --exclude=./usr/share/doc --exclude=./usr/share/man \
	--exclude=./usr/share/lintian --exclude=./boot --exclude=./usr/sbin --exclude=./usr/bin .) |
	(cd "$root" && tar -xf -)
for b in xl xenstored xenconsoled xen-init-dom0 xenstore-control; do
	ln -sf "$xenlib/bin/$b" "$root/usr/sbin/$b"
done
for b in "$work"/xen/usr/bin/xenstore*; do
	[ -L "$b" ] || cp "$b" "$root/usr/bin/"
done
cp "$sshd_bin" "$root/usr/sbin/sshd"
# bash and flock for the hotplug scripts, which busybox sh cannot run.
rm -f "$root/bin/bash" "$root/usr/bin/flock"
cp "$bash_bin" "$root/bin/bash"
cp "$flock_bin" "$root/usr/bin/flock"
elfs=()
while IFS= read -r f; do
	file -b "$f" | grep -q '^ELF' && elfs+=("$f")
done < <(find "$root$xenlib/bin" "$root/usr/bin" "$root/usr/sbin" "$root/bin/bash" -type f)
copy_libs "$root" "${elfs[@]}"
# xl aborts without libgcc_s (pthread_cancel loads it).
cp -L /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$root/usr/lib/x86_64-linux-gnu/"
# Keep the libraries' soname links of the packages.
cp -a "$work"/xen/usr/lib/x86_64-linux-gnu/*.so.* "$root/usr/lib/x86_64-linux-gnu/"
printf '/usr/lib/x86_64-linux-gnu\n%s/lib/x86_64-linux-gnu\n' "$xenlib" >"$root/etc/ld.so.conf"
ldconfig -r "$root"

mkdir -p "$root"/var/{lib/xen,lib/xenstored,log/xen,lib/pvci/save} "$root/etc/ssh" "$root/root/.ssh"
ln -s /run "$root/var/run"
ln -s /run/lock "$root/var/lock"
cp "$work/kernel/boot/vmlinuz-$kver" "$root/var/lib/pvci/vmlinuz"
cp "$work/pvguest-initrd.img" "$root/var/lib/pvci/pvguest-initrd.img"
cat >"$root/var/lib/pvci/pvguest.cfg" <<'EOF'
# A tiny PV guest for checking the host: kernel and initrd only.
name = "NAME"
type = "pv"
kernel = "/var/lib/pvci/vmlinuz"
ramdisk = "/var/lib/pvci/pvguest-initrd.img"
extra = "console=hvc0 panic=-1"
memory = 128
vcpus = 1
on_crash = "preserve"
EOF

# A vif hotplug script that attaches nothing: the vif's xenstore handshake
# runs (netback and netfront connect) without a bridge or a network.
# netback stays in init-wait until the script says hotplug-status
# "connected", as vif-bridge does.
printf '%s\n' '#!/bin/sh' \
	'case $1 in' \
	'online|add) /usr/bin/xenstore-write "$XENBUS_PATH/hotplug-status" connected ;;' \
	'offline|remove) /usr/bin/xenstore-rm "$XENBUS_PATH/hotplug-status" 2>/dev/null ;;' \
	'esac' 'exit 0' >"$root/etc/xen/scripts/vif-pvci-null"
chmod 0755 "$root/etc/xen/scripts/vif-pvci-null"

cat >"$root/etc/ssh/sshd_config" <<'EOF'
# dom0's sshd: root with the instance's key only.
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile /root/.ssh/authorized_keys
PidFile /run/sshd.pid
UseDNS no
PrintMotd no
EOF

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
::respawn:/usr/sbin/sshd -D -e
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF
cat >"$root/etc/init.d/rcS" <<'EOF'
#!/bin/sh
# pvci Xen host dom0: modules, xenstored, xen-init-dom0, xenconsoled,
# network, then sshd (from inittab).
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /run/xen /run/xenstored /run/sshd
# The block hotplug script's lock loops for ever without /dev/stdin.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
hostname pvci-xenhost
while read -r m; do
	insmod "/lib/modules/$m.ko" 2>/dev/null || echo "rcS: insmod $m failed"
done </etc/modules
mount -t xenfs xenfs /proc/xen || echo "rcS: cannot mount xenfs"
/usr/sbin/xenstored --pid-file /run/xen/xenstored.pid
i=0
while [ ! -S /run/xenstored/socket ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
/usr/sbin/xen-init-dom0 || echo "rcS: xen-init-dom0 failed"
# Guest consoles logged to /var/log/xen/console/guest-NAME.log, readable
# over SSH (xl console wants a terminal).
mkdir -p /var/log/xen/console
/usr/sbin/xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || echo "rcS: xenconsoled failed"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
	echo "rcS: eth0 not configured"
# An isolated bridge for guests' vifs (nothing leaves the host).
ip link add xenbr0 type bridge && ip link set xenbr0 up || echo "rcS: no xenbr0"
[ -f /etc/ssh/ssh_host_ed25519_key ] || echo "rcS: no SSH host key (not started by pvci?)"
chmod 0600 /etc/ssh/ssh_host_ed25519_key 2>/dev/null
echo "pvci-xenhost: up in $(cut -d' ' -f1 /proc/uptime)s"
EOF
chmod 0755 "$root/etc/init.d/rcS"
make_cpio "$root" "$work/initramfs.img"

# --- install -----------------------------------------------------------------

install_file() {
	chmod 0644 "$1"
	mv -f "$1" "$outdir/$2"
}
gzip -dc "$xengz" >"$work/xen.elf"
install_file "$work/xen.elf" xen
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"
install_file "$work/vmlinuz" vmlinuz
install_file "$work/initramfs.img" initramfs.img
install_file "$work/pvguest-initrd.img" pvguest-initrd.img
if [ ! -f "$outdir/disk.qcow2" ]; then
	qemu-img create -q -f qcow2 "$work/disk.qcow2" "${PVCI_DISK_SIZE:-4G}"
	install_file "$work/disk.qcow2" disk.qcow2
fi

json_file() {
	printf '    "%s": {"size": %s, "sha256": "%s"}%s\n' "$1" \
		"$(stat -c %s "$outdir/$1")" "$(sha256sum "$outdir/$1" | cut -c1-64)" "$2"
}
xen_version=$(dpkg-deb -f "$(find_deb xen-hypervisor-$xenver-amd64)" Version)
{
	printf '{\n'
	printf '  "name": "xenhost",\n'
	printf '  "kind": "xen-host",\n'
	printf '  "xen_version": "%s",\n' "$xen_version"
	printf '  "xen_cmdline": "%s",\n' "$xen_cmdline"
	printf '  "kernel_package": "%s",\n' "$kpkg"
	printf '  "kernel_package_version": "%s",\n' "$(dpkg-deb -f "$kdeb" Version)"
	printf '  "kernel_version": "%s",\n' "$kver"
	printf '  "kernel_cmdline": "%s",\n' "$dom0_cmdline"
	printf '  "pvguest_config": "/var/lib/pvci/pvguest.cfg",\n'
	printf '  "source_date_epoch": %s,\n' "$SOURCE_DATE_EPOCH"
	printf '  "inputs": "%s",\n' "$inputs"
	printf '  "files": {\n'
	json_file xen ,
	json_file vmlinuz ,
	json_file initramfs.img ,
	json_file pvguest-initrd.img ,
	json_file disk.qcow2 ''
	printf '  }\n'
	printf '}\n'
} >"$work/image.json"
install_file "$work/image.json" image.json
log "built '$outdir' (Xen $xen_version, kernel $kver)"
