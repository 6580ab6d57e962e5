#!/bin/bash
# Command lines: option errors name the command form and print its usage
# only; -v after the command; help --help; --version; --home ''; keys show
# without keys; image build's relative paths.
. "$(dirname "$0")/lib.sh"
plan 24
init_instance

cat >"$TEST_DIR/one.json" <<'JSON'
{ "name": "one", "jobs": [ { "name": "a", "runvars": { "cmd_x": ["true"] },
  "steps": [ { "step": "run", "as": "x" } ] } ] }
JSON
pvci flight create "$TEST_DIR/one.json" >/dev/null

out=$(pvci flight run -x 1 2>&1); rc=$?
is "an unknown option is a usage error" "$rc" 64
like "it names the command form and the option" "$out" "^pvci flight run: unknown option '-x'$"
is "the option is named once" "$(grep -c -- "-x" <<<"$out")" 1
like "the form's usage follows" "$out" "^usage: pvci flight run FLIGHT \[--jobs GLOB\]$"
is "and no other form's usage" "$(grep -c 'flight create\|flight show\|flight list' <<<"$out")" 0
out=$(pvci flight list --bogus 2>&1)
like "a long option is named as typed" "$out" "^pvci flight list: unknown option '--bogus'$"
out=$(pvci flight run 1 --jobs 2>&1)
like "a missing value says so" "$out" "^pvci flight run: option '--jobs' needs a value$"
out=$(pvci flight show 1 --json=yes 2>&1)
like "a value for a flag says so" "$out" "^pvci flight show: option '--json' takes no value$"
out=$(pvci keys init --nope 2>&1)
like "keys init names its form" "$out" "^pvci keys init: unknown option '--nope'"

out=$(pvci flight run -v 1 2>&1); rc=$?
is "-v after the command is taken" "$rc" 0
like "and the run happens" "$out" "1 a: pass"
out=$(pvci flight list --verbose 2>&1); rc=$?
is "--verbose after the command is taken" "$rc" 0

out=$(pvci help --help 2>&1); rc=$?
is "help --help succeeds" "$rc" 0
like "help --help describes help" "$out" "^usage: pvci \[--home DIR\] help "

out=$(pvci help -v job 2>&1); rc=$?
like "help takes -v too" "$rc $out" "^0 usage: pvci \[--home DIR\] job show"

out=$(pvci --version); rc=$?
is "--version succeeds" "$rc" 0
if git -C "$PVCI_SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
	like "--version comes from git describe" "$out" "^pvci $(git -C "$PVCI_SRCDIR" describe --always)"
else
	like "--version prints a version" "$out" "^pvci [^ ]+$"
fi

out=$(pvci --home '' flight list 2>&1); rc=$?
is "--home '' is a usage error" "$rc" 64
like "it says why" "$out" "option '--home' needs a directory"
pvci flight list --home= >/dev/null 2>&1; rc=$?
is "an empty --home= after the command is refused too" "$rc" 64

err=$(pvci keys show 2>&1 >"$TEST_DIR/keys.out"); rc=$?
is "keys show without keys exits 3" "$rc" 3
like "the message is on standard error" "$err" "ca certificate '.*/keys/ca.pem' is missing \(run 'pvci keys init'\)"
is "and not on standard output" "$(grep -c 'ca.pem\|codesign.pem' "$TEST_DIR/keys.out")" 0

# image build --from: a relative folder is taken from where pvci runs.
mkdir -p "$TEST_DIR/here/img"
qemu-img create -q -f qcow2 "$TEST_DIR/here/img/disk.qcow2" 1M 2>/dev/null ||
	printf 'not really qcow2' >"$TEST_DIR/here/img/disk.qcow2"
out=$(cd "$TEST_DIR/here" && pvci image build testimg --from img 2>&1)
like "image build --from takes a relative folder from the current one" "$out" \
	"registered image 'testimg' .*: $TEST_DIR/here/img/disk.qcow2"
