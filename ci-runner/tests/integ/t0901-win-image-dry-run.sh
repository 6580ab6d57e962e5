#!/bin/bash
# pvci image build windows --dry-run: for every edition, the answer file is
# well-formed XML (xmllint) and the domain definition valid (virt-xml-
# validate); the administrator password is generated once, kept 0600 and
# only encoded in the answer file; test signing follows the signing CA;
# bad input is refused, naming it. The install itself (no --dry-run) needs
# Windows media and a lab host: untested here.
. "$(dirname "$0")/lib.sh"

if ! command -v xmllint >/dev/null || ! command -v virt-xml-validate >/dev/null; then
	echo "1..0 # SKIP xmllint or virt-xml-validate missing (scripts/install-deps.sh)"
	exit 0
fi
plan 29

init_instance
: >"$TEST_DIR/install.iso"
split_out() {
	awk -v dir="$TEST_DIR" '/^==> autounattend.xml <==$/ { f = dir "/autounattend.xml"; next }
		/^==> domain.xml <==$/ { f = dir "/domain.xml"; next }
		{ print > f }' "$1"
}

for ed in ws2016 ws2019 ws2022 ws2025 win10 win11; do
	rm -f "$TEST_DIR/autounattend.xml" "$TEST_DIR/domain.xml"
	pvci image build windows --iso "$TEST_DIR/install.iso" --edition $ed --dry-run \
		>"$TEST_DIR/out" 2>"$TEST_DIR/err"
	rc=$?
	split_out "$TEST_DIR/out"
	if [ $rc = 0 ] && xmllint --noout "$TEST_DIR/autounattend.xml" 2>"$TEST_DIR/xmllint"; then
		ok "$ed: exit 0, the answer file is well-formed XML"
	else
		not_ok "$ed: exit $rc; $(cat "$TEST_DIR/err" "$TEST_DIR/xmllint" | head -5)"
	fi
	check "$ed: the domain definition validates" virt-xml-validate "$TEST_DIR/domain.xml" domain
done

pwfile="$PVCI_HOME/keys/windows-admin-password"
is "the password is kept 0600" "$(stat -c %a "$pwfile")" 600
pw=$(cat "$pwfile")
like "the password is 20 characters of the safe set" "$pw" '^[A-Za-z0-9._+-]{20}$'
if grep -qF -- "$pw" "$TEST_DIR/out"; then not_ok "the password appears in the clear"; else ok "the password never appears in the clear"; fi
enc=$(printf '%sAdministratorPassword' "$pw" | iconv -t UTF-16LE | base64 -w0)
like "the answer file holds it encoded as Setup reads it" "$(cat "$TEST_DIR/autounattend.xml")" "<Value>$enc</Value>"
like "the console says where it is kept" "$(cat "$TEST_DIR/err")" "password kept in '.*/keys/windows-admin-password' \(0600\)"
pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2022 --dry-run >/dev/null 2>&1
is "a second run keeps the same password" "$(cat "$pwfile")" "$pw"

# Windows Update, the vendor device, the agent, the edition's image.
a=$(cat "$TEST_DIR/autounattend.xml")
like "Windows Update delivers no drivers" "$a" 'ExcludeWUDriversInQualityUpdate /t REG_DWORD /d 1'
like "the agent starts at boot as SYSTEM" "$a" 'schtasks /create /tn pvci-agent /ru SYSTEM /sc onstart'
like "win11: the edition's image by name" "$a" '<Value>Windows 11 Pro</Value>'
out=$(grep -v -e '^ *<!--' -e '^  [A-Za-z]' "$TEST_DIR/domain.xml" | grep -c -i -e 'xen-pvdevice' -e 'qemu:commandline')
is "no XenServer vendor device in the domain" "$out" 0

# Test signing: on with a private CA (signing.ca), off without, --test-signing wins.
pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2019 --dry-run >"$TEST_DIR/out" 2>"$TEST_DIR/err"
if [ -e "$PVCI_HOME/keys/ca.pem" ]; then want=on; else want=off; fi
like "test signing $want by default here" "$(cat "$TEST_DIR/err")" "test signing $want"
touch "$PVCI_HOME/keys/ca.pem"
pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2019 --dry-run >"$TEST_DIR/out" 2>"$TEST_DIR/err"
like "with a private CA, test signing on (said so)" "$(cat "$TEST_DIR/err")" 'test signing on \(signing.ca is a private CA\)'
like "with a private CA, the answer file turns it on" "$(cat "$TEST_DIR/out")" 'bcdedit.exe /set testsigning on'
pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2019 --dry-run --test-signing off >"$TEST_DIR/out" 2>&1
if grep -q testsigning "$TEST_DIR/out"; then not_ok "--test-signing off still sets it"; else ok "--test-signing off: no test signing"; fi

# Refusals, naming what is wrong.
out=$(pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2012 --dry-run 2>&1)
like "an unknown edition is refused, listing the known" "$out" "unknown Windows edition 'ws2012' \(known: ws2016\|"
out=$(pvci image build windows --iso "$TEST_DIR/nope.iso" --edition ws2016 --dry-run 2>&1)
like "a missing medium is refused, naming it" "$out" "installation medium '.*nope.iso': No such file"
chmod 644 "$pwfile"
out=$(pvci image build windows --iso "$TEST_DIR/install.iso" --edition ws2016 --dry-run 2>&1)
like "a password file others may read is refused" "$out" "windows-admin-password' \(mode 0644\) may be read by others"
