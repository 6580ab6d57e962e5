#!/bin/sh
# Installs the Debian 12 packages pvci needs, only those missing; safe to
# run again. Run as root (or through sudo).
set -eu

# Build: the C program and its unit tests.
build="gcc make pkg-config libc6-dev libjansson-dev libsqlite3-dev libvirt-dev
 libssl-dev libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev
 libarchive-dev libp11-kit-dev libxml2-dev"
# Tests: prove (perl), jq to read pvci's JSON, sqlite3 to look at rows, file to
# check the PE type of a built driver, git for the source step, python3-aiosmtpd
# for the SMTP server the mail tests start; chromium (headless) loads the web
# pages; nginx with WebDAV and sshd are the servers the publish tests start.
tests="perl jq git procps sqlite3 file python3-aiosmtpd chromium nginx
 libnginx-mod-http-dav-ext openssh-server curl"
# Benchmarks: wrk loads the web server.
bench="wrk"
# Fuzzing: clang's libFuzzer and sanitizers (make fuzz, the fuzz smoke test).
fuzz="clang libclang-rt-14-dev"
# Build-and-sign stage: the fixture driver, Authenticode, installer ISOs.
sign="gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64
 osslsigncode openssl xorriso tar"
# Guest stage: libvirt and QEMU, and what the test guest image is made of.
guest="libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
 qemu-system-x86 qemu-utils busybox-static fio iperf3 cpio e2fsprogs kmod
 apt-utils ca-certificates"
# Keys out of reach: builds run in a bubblewrap sandbox; the code-signing key
# lives in a PKCS#11 token (SoftHSM2 locally) used through OpenSSL's pkcs11
# engine; opensc's pkcs11-tool lets the tests look into the token.
keys="bubblewrap softhsm2 libengine-pkcs11-openssl opensc"
# Windows guests: Wine runs the Windows agent's tests; xmllint checks the
# answer file.
windows="wine64 libxml2-utils"

missing=""
for p in $build $tests $bench $sign $guest $keys $windows $fuzz; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: every package is already installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps: must run as root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Packages must not start their daemons (nginx, sshd, libvirtd): the tests
# start their own, with their own configs. A policy-rc.d of ours says so
# for the installation only; one already there is left alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
