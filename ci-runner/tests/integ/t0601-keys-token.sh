#!/bin/bash
# The code-signing key in a SoftHSM2 token: "pvci keys init" makes it there
# (no key file in the instance, the CA key outside it or nowhere), "pvci
# keys show" says so, the fixture is signed through the token, the package
# catalog is signed and recorded, "pvci verify --history" names the flight
# that made the bytes; one byte changed is refused and matches no flight;
# hostile archives are refused member by member without unpacking; the
# file mode stays possible and says so.
. "$(dirname "$0")/lib.sh"
plan 46
init_instance

out=$(pvci keys init --ca-key "$PVCI_HOME/ca.key" 2>&1); rc=$?
is "a CA key inside the instance is refused" "$rc" 3
like "saying why" "$out" "is inside the instance .*: the CA's private key must be kept elsewhere"
check "and nothing was made" test ! -e "$PVCI_HOME/keys/ca.pem" -a ! -e "$PVCI_HOME/ca.key"
out=$(pvci keys init --ca-key "$PVCI_HOME/new/dir/ca.key" 2>&1); rc=$?
is "so is one in a folder of the instance not made yet" "$rc/$(grep -c 'is inside the instance' <<<"$out")" "3/1"
out=$(pvci keys init --ca-key "$TEST_DIR/offline/ca.key" 2>&1); rc=$?
is "keys init in the default (pkcs11) mode" "$rc" 0
like "says the key was made in the token" "$out" "made inside token 'pvci'"
is "the CA key is outside the instance, mode 0600" "$(stat -c %a "$TEST_DIR/offline/ca.key")" 600
is "no private key file in the instance" \
	"$(grep -rl 'PRIVATE KEY' "$PVCI_HOME" 2>/dev/null | wc -l)" 0
is "the PIN file and SoftHSM config are 0600" \
	"$(stat -c %a "$PVCI_HOME/keys/token.pin" "$PVCI_HOME/keys/softhsm2.conf" | tr '\n' ' ')" "600 600 "
check "the certificate chains to the CA" \
	openssl verify -CAfile "$PVCI_HOME/keys/ca.pem" "$PVCI_HOME/keys/codesign.pem"
check "the CA key kept outside signs for that CA" sh -c \
	"openssl x509 -in '$PVCI_HOME/keys/ca.pem' -noout -pubkey >'$TEST_DIR/a' &&
	 openssl pkey -in '$TEST_DIR/offline/ca.key' -pubout >'$TEST_DIR/b' && cmp '$TEST_DIR/a' '$TEST_DIR/b'"
export SOFTHSM2_CONF="$PVCI_HOME/keys/softhsm2.conf"
objs=$(pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label pvci --login \
	--pin "$(cat "$PVCI_HOME/keys/token.pin")" --list-objects 2>&1)
like "the token holds the private key" "$objs" "Private Key Object; RSA"
like "which is sensitive and not extractable" "$objs" "Access: *sensitive, always sensitive, never extractable"
unset SOFTHSM2_CONF
show=$(pvci keys show 2>&1); rc=$?
is "keys show passes" "$rc" 0
like "keys show says the mode" "$show" "^mode: pkcs11"
like "and where the key is" "$show" "key: token 'pvci', key 'pvci-codesign' \(present\)"
is "and never the PIN" "$(grep -cF "$(cat "$PVCI_HOME/keys/token.pin")" <<<"$show")" 0
out=$(pvci keys init 2>&1); rc=$?
is "keys init again keeps them" "$rc/$(grep -c kept <<<"$out")" "0/1"
chmod 640 "$PVCI_HOME/keys/token.pin"

repo="$TEST_DIR/fixture.git"
fixture_repo "$repo"
cat >"$TEST_DIR/build.json" <<JSON
{ "name": "build", "description": "build and sign through the token",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "jobs": [ { "name": "build-x64-pvcifix", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/build.json")
pvci flight run "$f" >/dev/null 2>&1
is "a PIN file others may read stops signing (broken)" "$(job_status "$f" build-x64-pvcifix)" broken
like "naming it" "$(cat "$PVCI_HOME"/logs/"$f"/build-x64-pvcifix/*sign*.log)" \
	"PIN file '.*token.pin' must be ours and mode 0600"
chmod 600 "$PVCI_HOME/keys/token.pin"

f=$(pvci flight create "$TEST_DIR/build.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight signs through the token and passes" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TEST_DIR/run.out" | sed 's/^/# /'
art="$PVCI_HOME/artifacts/$f/build-x64-pvcifix"
tar=$(ls "$art"/pvcifix-*.tar)
log=$(cat "$PVCI_HOME"/logs/"$f"/build-x64-pvcifix/*sign*.log)
like "osslsigncode signed through the pkcs11 engine" "$log" "signer: run: osslsigncode sign .*-pkcs11module .* -readpass .*token.pin"
check "osslsigncode verify accepts the .sys against the CA" \
	osslsigncode verify -CAfile "$PVCI_HOME/keys/ca.pem" -in "$art/signed/pvcifix.sys"
check "the CMS signature over SHA256SUMS verifies" \
	openssl cms -verify -binary -inform DER -in "$art/signed/SHA256SUMS.p7s" \
	-content "$art/signed/SHA256SUMS" -CAfile "$PVCI_HOME/keys/ca.pem" -purpose any -out /dev/null
cat=$(ls "$art"/*.catalog.csv)
check "the catalog is signed with the CMS key" \
	openssl cms -verify -binary -inform DER -in "$cat.p7s" -content "$cat" \
	-CAfile "$PVCI_HOME/keys/ca.pem" -purpose any -out /dev/null
like "the catalog lists the .sys with its Authenticode digest" "$(cat "$cat")" \
	"^pvcifix.sys,[0-9]+,[0-9a-f]{64},[0-9a-f]{64}$"

mkdir "$TEST_DIR/tmp"
export TMPDIR="$TEST_DIR/tmp"
out=$(pvci verify --history "$tar" 2>&1); rc=$?
is "verify --history of the package passes" "$rc" 0
like "its catalog is the one signed" "$out" "catalog sha256 $(sha256sum "$cat" | cut -d' ' -f1)"
like "and names the flight that made it" "$out" "flight $f job build-x64-pvcifix \(build\): pass \(made this package\)"
is "the ISO has the same catalog" "$(pvci verify --history "${tar%.tar}.iso" | grep '^catalog')" \
	"$(grep '^catalog' <<<"$out")"
is "nothing was unpacked in TMPDIR" "$(ls -A "$TEST_DIR/tmp")" ""

# One byte changed: refused, and no flight made or tested those bytes.
cp "$tar" "$TEST_DIR/changed.tar"
off=$(grep -abo 'PVCI_VERSION=' "$TEST_DIR/changed.tar" | head -1 | cut -d: -f1)
printf 'Q' | dd of="$TEST_DIR/changed.tar" bs=1 seek="$off" conv=notrunc 2>/dev/null
out=$(pvci verify --history "$TEST_DIR/changed.tar" 2>&1); rc=$?
is "a package with one byte changed is refused" "$rc" 1
like "naming the file" "$out" "FAIL sha256 pvcifix.sys: does not match SHA256SUMS"
like "and it matches no flight" "$out" "no flight tested exactly these bytes \(and no flight made them\)"

# Hostile archives: members refused by name, nothing written anywhere.
h="$TEST_DIR/hostile"
mkdir -p "$h/in"
tar -xf "$tar" -C "$h/in"
ln -s /etc/passwd "$h/in/link.sys"
mkfifo "$h/in/fifo"
python3 - "$h/in" "$h/hostile.tar" <<'PY'
import sys, tarfile, io
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as t:
    for n in ["pvcifix.sys", "SHA256SUMS", "SHA256SUMS.p7s", "link.sys", "fifo"]:
        t.add(f"{src}/{n}", arcname=n)
    for name in ["/etc/evil", "../evil"]:
        data = b"evil"
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo("hard.sys"); i.type = tarfile.LNKTYPE; i.linkname = "pvcifix.sys"; t.addfile(i)
    i = tarfile.TarInfo("dev"); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; t.addfile(i)
PY
out=$(pvci verify "$h/hostile.tar" 2>&1); rc=$?
is "a hostile archive fails verification" "$rc" 1
like "an absolute member is refused" "$out" "FAIL member /etc/evil: an absolute path: refused"
like "a '..' member is refused" "$out" "FAIL member \.\./evil: a '\.\.' component"
like "links are refused" "$(grep -c 'a link: refused' <<<"$out")" "^2$"
like "devices and FIFOs are refused" "$(grep -c 'a device, FIFO or socket' <<<"$out")" "^2$"
check "nothing was written outside" test ! -e /etc/evil -a ! -e "$TEST_DIR/evil" -a -z "$(ls -A "$TEST_DIR/tmp")"

# The signer refuses an output that is not what its name says.
cat >"$TEST_DIR/fake.json" <<JSON
{ "name": "fake", "description": "a .sys that is not a PE image",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "jobs": [ { "name": "build-fake", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local",
                   "build_argv": "[\"sh\", \"-c\", \"echo MZ not a PE >{{out}}/pvcifix.sys && cp pvcifix.inf {{out}}/\"]" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/fake.json")
pvci flight run "$f" >/dev/null 2>&1
is "a fake .sys fails the sign step (the build is wrong)" "$(step_status "$f" build-fake sign)" fail
like "the signer says why" "$(cat "$PVCI_HOME"/logs/"$f"/build-fake/*sign*.log)" \
	"refusing to sign 'pvcifix.sys': its bytes are not those of a PE image"
check "and nothing was signed" test ! -e "$PVCI_HOME/artifacts/$f/build-fake/signed/pvcifix.sys"

# An instance made in file mode before (the keys in files) moves to the token.
export PVCI_HOME="$TEST_DIR/old"
pvci init >/dev/null
jq '.keys.mode = "file"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
pvci keys init >/dev/null
jq 'del(.keys.mode)' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
out=$(pvci keys init 2>&1); rc=$?
is "keys init moves an old file-mode instance to the token" "$rc" 0
like "saying which old key files to delete" "$out" "keys/codesign.key' is no longer used: delete it"
like "keys show then finds the key in the token" "$(pvci keys show)" "key: token 'pvci', key 'pvci-codesign' \(present\)"
