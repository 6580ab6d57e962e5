#!/bin/bash
# The flight email: a real flight's report reaches an SMTP server on
# loopback (python3-aiosmtpd) after "pvci flight run" and by "pvci report
# --mail", with the subject, the X-Pvci-* headers and the report as body; a
# credentials file others may read is refused and nothing is sent; with
# AUTH, the password appears nowhere in the instance or the output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 39
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build
. "$(dirname "$0")/smtp-lib.sh"

start_smtp "$TEST_DIR/smtp"
set_config smtp_url "\"smtp://127.0.0.1:$port\""
set_config from '"pvci@ci.example.org"'
set_config to '"all@example.org, trunk=trunk@example.org, other=no@example.org"'

# A clean real flight: mailed when the run ends.
f1=$(real_flight "$r" 1)
m="$TEST_DIR/smtp/msg-1.eml"
check "a real flight is mailed when its run ends" test -s "$m"
is "subject of a clean flight" "$(header "$m" Subject)" "[trunk test] $f1: all pass"
is "the branch's recipients, and only them" "$(header "$m" X-Test-Rcpt)" \
	"all@example.org,trunk@example.org"
is "no X-Pvci-Failures when all passed" "$(header "$m" X-Pvci-Failures)" ""
is "X-Pvci-Versions-This" "$(header "$m" X-Pvci-Versions-This)" "drivers=$(rev 1)"
like "From" "$(header "$m" From)" "^pvci@ci.example.org$"
like "Date is RFC 5322" "$(header "$m" Date)" "^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$"
like "Message-ID" "$(header "$m" Message-ID)" "^<pvci\.$f1\.[0-9]+\.[0-9]+@ci\.example\.org>$"

# A regression.
fail b
f2=$(real_flight "$r" 2)
m="$TEST_DIR/smtp/msg-2.eml"
is "subject of a regression" "$(header "$m" Subject)" "[trunk test] $f2: regressions - FAIL"
is "X-Pvci-Failures names branch, job, step, status and why" "$(header "$m" X-Pvci-Failures)" \
	"trunk:test:b:fail:REGR. vs. $f1"
is "X-Pvci-Versions-That is the baseline's" "$(header "$m" X-Pvci-Versions-That)" "drivers=$(rev 1)"
b=$(body "$m")
is "the body is the text report" "$(printf '%s\n' "$b" | head -n 1)" "flight $f2 trunk real"
like "body: the blocking section" "$b" "^ test +1 b +fail +REGR. vs. $f1$"
like "body: revisions tested" "$b" "^Revisions tested:$"
like "body: last test of basis" "$b" "^Last test of basis $f1 0 days ago$"
like "body: failing since" "$b" "^ test +b +failing since $f2 \(0 days, 1 flight\), last pass $f1$"
like "body: testing same since" "$b" "^Testing same since $f2 0 days 1 attempt$"
like "body: the table of all jobs" "$(printf '%s\n' "$b" | sed -n '/^Jobs:$/,$p' | tr -s ' ' | tr '\n' '|')" \
	"^Jobs:\| build pass\| test fail\|$"

# By hand: the same flight again.
out=$(pvci report "$f2" --mail 2>&1); rc=$?
is "report --mail: exit 0 once sent" "$rc" 0
check "report --mail sent a second message" test -s "$TEST_DIR/smtp/msg-3.eml"

# An adhoc flight is not mailed.
pass b
f3=$(real_flight "$r" 3 --blessing adhoc)
check "an adhoc flight is not mailed" test ! -e "$TEST_DIR/smtp/msg-4.eml"

# The authors of the commits under test, from a local repository.
repo="$TEST_DIR/repo"
git init -q -b master "$repo"
git -C "$repo" -c user.name=Old -c user.email=old@example.org commit -q --allow-empty -m one
c1=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" -c user.name="Ann Author" -c user.email=ann@example.org commit -q --allow-empty -m two
git -C "$repo" -c user.name="Bob Writer" -c user.email=bob@example.org commit -q --allow-empty -m three
c2=$(git -C "$repo" rev-parse HEAD)
sed "s|\"/nowhere\"|\"$repo\"|" "$r" >"$TEST_DIR/r2.json"
pass b
fa=$(pvci flight create "$TEST_DIR/r2.json" --branch local --blessing real --tree "drivers=#$c1")
pvci flight run "$fa" >/dev/null 2>&1
fail b
fb=$(pvci flight create "$TEST_DIR/r2.json" --branch local --blessing real --tree "drivers=#$c2")
pvci flight run "$fb" >/dev/null 2>&1
m="$TEST_DIR/smtp/msg-5.eml"
is "the second local flight is mailed" "$(header "$m" Subject)" "[local test] $fb: regressions - FAIL"
is "the authors of the commits under test, not the baseline's" \
	"$(body "$m" | sed -n '/^People who touched revisions under test:$/,/^$/p' | tr -s ' ' | tr '\n' '|')" \
	"People who touched revisions under test:| drivers Bob Writer <bob@example.org>| drivers Ann Author <ann@example.org>||"
is "the text report has them too" "$(pvci report "$fb" | grep -c '^ drivers  *[AB][a-z]* [A-Z]')" 2
fc=$(pvci flight create "$TEST_DIR/r2.json" --branch local --blessing real --tree "drivers=#$c2")
pvci flight run "$fc" >/dev/null 2>&1
like "testing same since counts the attempts at the same revisions" \
	"$(body "$TEST_DIR/smtp/msg-6.eml")" "^Testing same since $fb 0 days 2 attempts$"

# STARTTLS required but the server does not offer it: refused, never plain.
set_config starttls true
out=$(pvci report "$f2" --mail 2>&1); rc=$?
is "starttls required, not offered: exit 3" "$rc" 3
like "and says so" "$out" "^pvci: error: mail: sending through 'smtp://127.0.0.1:$port' failed: .*(STARTTLS|SSL)"
check "and nothing is sent" test ! -e "$TEST_DIR/smtp/msg-7.eml"
set_config starttls false

# AUTH, and a credentials file others may read.
start_smtp "$TEST_DIR/auth" mailer s3cr3t-pa55w0rd
set_config smtp_url "\"smtp://127.0.0.1:$port\""
set_config credentials_file '"mail-credentials"'
printf 'mailer\ns3cr3t-pa55w0rd\n' >"$PVCI_HOME/mail-credentials"
chmod 644 "$PVCI_HOME/mail-credentials"
out=$(pvci report "$f2" --mail 2>&1); rc=$?
like "a credentials file others may read is refused, saying why" "$out" \
	"mail credentials file '.*mail-credentials' is refused: its group or others may access it \(mode 0644\); make it 0600"
is "and nothing is sent" "$(ls "$TEST_DIR/auth" | grep -c eml)" 0
printf 'mailer\nwrong-pa55w0rd\n' >"$PVCI_HOME/mail-credentials"
chmod 600 "$PVCI_HOME/mail-credentials"
out=$(pvci report "$f2" --mail 2>&1); rc=$?
is "a wrong password: exit 3" "$rc" 3
like "the server's refusal is reported" "$out" "^pvci: error: mail: sending through .* failed: "
is "without the password" "$(printf '%s\n' "$out" | grep -c wrong-pa55w0rd)" 0
printf 'mailer\ns3cr3t-pa55w0rd\n' >"$PVCI_HOME/mail-credentials"
f4=$(real_flight "$r" 4 2>"$TEST_DIR/run.err")
check "with AUTH, the flight email arrives" test -s "$TEST_DIR/auth/msg-1.eml"
out=$(pvci report "$f4" --mail 2>&1)$(cat "$TEST_DIR/run.err")
hits=$(grep -rl --exclude=mail-credentials s3cr3t-pa55w0rd "$PVCI_HOME"; printf '%s\n' "$out" | grep -c s3cr3t-pa55w0rd)
is "the password is in no file of the instance, no log, no output" "$hits" 0

# STARTTLS, then AUTH, against a server whose certificate mail.ca_file vouches for.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_DIR/tls.key" -out "$TEST_DIR/tls.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
SMTP_TLS_CERT="$TEST_DIR/tls.pem" SMTP_TLS_KEY="$TEST_DIR/tls.key" \
	start_smtp "$TEST_DIR/tls" mailer s3cr3t-pa55w0rd
set_config smtp_url "\"smtp://127.0.0.1:$port\""
set_config starttls true
out=$(pvci report "$f4" --mail 2>&1); rc=$?
like "a certificate nobody vouches for is refused" "$rc: $out" "^3: pvci: error: mail: sending through .* failed: .*certificate"
set_config ca_file "\"$TEST_DIR/tls.pem\""
out=$(pvci report "$f4" --mail 2>&1); rc=$?
is "with STARTTLS and AUTH: sent" "$rc" 0
like "and received" "$(header "$TEST_DIR/tls/msg-1.eml" Subject)" "^\[trunk test\] $f4: "

set_config smtp_url null
out=$(pvci report "$f2" --mail 2>&1); rc=$?
is "report --mail without a server: exit 3, saying why" "$rc: $out" \
	"3: pvci: error: mail for flight $f2: setting 'mail.smtp_url' is not set"
