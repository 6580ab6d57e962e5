#!/bin/bash
# Build and sign stage, end to end on the fixture driver from a local git
# repository: a pinned revision is the one built and recorded, the .sys is
# a signed PE that verifies, the package and ISO pass "pvci verify", a
# tampered .sys fails it by name, and two builds of one revision with one
# build number give the same unsigned bytes.
. "$(dirname "$0")/lib.sh"
plan 21
init_instance
pvci keys init >/dev/null

repo="$TEST_DIR/fixture.git"
git init -q -b master "$repo"
cp "$PVCI_SRCDIR"/winpv-drivers/fixture/{Makefile,pvcifix.c,pvcifix.inf} "$repo/"
gitc() { git -C "$repo" -c user.name=pvci -c user.email=pvci@example.org "$@"; }
gitc add . && GIT_COMMITTER_DATE='2024-03-05T10:00:00Z' gitc commit -qm "fixture v1"
pinned=$(git -C "$repo" rev-parse HEAD)
echo "/* a later change */" >>"$repo/pvcifix.c"
gitc commit -qam "later change"
head=$(git -C "$repo" rev-parse HEAD)

cat >"$TEST_DIR/build.json" <<JSON
{ "name": "build", "description": "build the fixture twice from one revision",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "runvars": { "version": "9.1.0" },
  "jobs": [
    { "name": "build-x64-pvcifix-{copy}", "matrix": { "copy": ["a", "b"] },
      "trees": ["pvcifix"], "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] } ] }
JSON

f=$(pvci flight create "$TEST_DIR/build.json" --tree "pvcifix=$repo#$pinned")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight passes" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$TEST_DIR/run.out" | tail -n 30
json=$(pvci job show "$f" build-x64-pvcifix-a --json)
is "the pinned revision is the one built" "$(jq -r .runvars.built_revision_pvcifix <<<"$json")" "$pinned"
check "the branch head was not built" test "$pinned" != "$head"
is "built_version is MAJOR.MINOR.MICRO.FLIGHT" "$(jq -r .runvars.built_version <<<"$json")" "9.1.0.$f"

art="$PVCI_HOME/artifacts/$f/build-x64-pvcifix-a"
sys="$art/signed/pvcifix.sys"
check "osslsigncode verifies the built .sys against the CA" \
	osslsigncode verify -CAfile "$PVCI_HOME/keys/ca.pem" -in "$sys"
like "the .sys is a native PE32+" "$(file -b "$art/build/pvcifix.sys")" "PE32\+ executable \(native\) x86-64"
check "the .sys carries its version and revision" \
	grep -aq "PVCI_VERSION=9.1.0.$f PVCI_REVISION=$pinned" "$sys"
check "the INF DriverVer is dated from the commit" \
	grep -q "^DriverVer=03/05/2024,9.1.0.$f" "$art/signed/pvcifix.inf"
is "artifact kinds recorded" \
	"$(jq -r '[.artifacts[].kind] | unique | join(",")' <<<"$json")" \
	"build-info,ca,catalog,catalog-sig,inf,iso,package,sums,sums-sig,sys"

tar="$art/pvcifix-9.1.0.$f.tar"
iso="$art/pvcifix-9.1.0.$f.iso"
check "pvci verify passes on the package" pvci verify "$tar"
check "pvci verify passes on the ISO" pvci verify "$iso"
check "pvci verify passes on the package directory" pvci verify "$art/signed"
is "every package member has owner 0 and mtime = commit time" \
	"$(tar -tvf "$tar" --utc | awk '{print $2, $4, $5}' | sort -u)" \
	"0/0 2024-03-05 10:00"
is "the package holds the signed files, INF, CA and signed manifest" \
	"$(tar -tf "$tar" | tr '\n' ' ')" "ca.pem pvcifix.inf pvcifix.sys SHA256SUMS SHA256SUMS.p7s "
x="$TEST_DIR/iso"
xorriso -osirrox on -indev "$iso" -extract / "$x" >/dev/null 2>&1
check "sha256sum -c works at the ISO root" sh -c "cd '$x' && sha256sum --quiet -c SHA256SUMS"
check "openssl accepts the CMS signature over SHA256SUMS" \
	openssl cms -verify -binary -inform DER -in "$art/signed/SHA256SUMS.p7s" \
	-content "$art/signed/SHA256SUMS" -CAfile "$PVCI_HOME/keys/ca.pem" -purpose any -out /dev/null

check "two builds of one revision and build number give identical unsigned binaries" \
	cmp "$art/build/pvcifix.sys" "$PVCI_HOME/artifacts/$f/build-x64-pvcifix-b/build/pvcifix.sys"

t="$TEST_DIR/tampered"
mkdir "$t" && tar -xf "$tar" -C "$t"
printf 'X' | dd of="$t/pvcifix.sys" bs=1 seek=700 conv=notrunc 2>/dev/null
out=$(pvci verify "$t" 2>&1); rc=$?
is "pvci verify fails on a tampered .sys" "$rc" 1
like "and names it" "$out" "FAIL sha256 pvcifix.sys"
tar -cf "$TEST_DIR/tampered.tar" -C "$t" .
out=$(pvci verify "$TEST_DIR/tampered.tar" 2>&1); rc=$?
is "a tampered package fails too" "$rc" 1
echo junk >"$t/extra.txt"
out=$(pvci verify "$t" 2>&1)
like "an unlisted file is named" "$out" "FAIL sha256 extra.txt: not listed"
