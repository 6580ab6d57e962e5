#!/bin/bash
# pvci serve: the index, flight, job, history, host, trends, regressions,
# diff and badge pages from the database, every database string escaped;
# the database is only read; SIGTERM stops the server cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 24
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
f1=$(real_flight "$TEST_DIR/r.json" 1)
fail c
f2=$(real_flight "$TEST_DIR/r.json" 2)
pvci report "$f2" >/dev/null
# What a hostile requester could put in the database: it must stay text.
sqlite3 "$PVCI_HOME/results.db" "UPDATE jobs SET host = 'host1' WHERE flight IN ($f1, $f2) AND job = 'test';
	INSERT INTO runvars (flight, job, name, value, synth) VALUES ($f2, 'test', 'requester', '<script>alert(1)</script>', 0)"
pass c
f3=$(pvci flight create "$TEST_DIR/r.json" --branch trunk 2>/dev/null)
start_serve || exit 1

like "it prints the URL it listens on" "$URL" '^http://127\.0\.0\.1:[0-9]+/$'
index=$(get "")
like "the index lists the branch with its badge" "$index" 'badge/trunk\.svg'
like "and the flights with their verdict" "$index" "flight/$f2\.html\">$f2</a>.*regressions - FAIL"
page=$(get "flight/$f2.html")
like "flight page: the failed step's cell is coloured and links to its log" "$page" \
	"class=\"s-fail\" style=\"background:#f28b82\"><a class=\"step\" [^>]*href=\"\.\./logs/$f2/test/02\.c\.log\""
like "the regression is on top, naming its source flight" \
	"$(sed -n '/id="findings"/,/<\/table>/p' <<<"$page")" "REGR\. vs\. $f1.*flight/$f1\.html"
before_grid=$(awk '/id="grid"/{exit} {print}' <<<"$page")
like "the regressions come before the grid" "$before_grid" 'id="findings"'
like "revisions tested and baseline" "$page" "$(rev 2).*$(rev 1)"
like "a finished flight does not reload itself" "$(grep -c 'http-equiv="refresh"' <<<"$page")" '^0$'
job=$(get "flight/$f2/test.html")
like "job page: steps with log links" "$job" "href=\"\.\./\.\./logs/$f2/test/02\.c\.log\""
like "the requester is shown" "$page" '<th>requester</th><td>&lt;script&gt;'
like "a runvar is escaped, never markup" "$job" '&lt;script&gt;alert\(1\)&lt;/script&gt;'
is "no raw script anywhere" "$(grep -c '<script>' <<<"$job")" 0
like "previous flight of the same job" "$job" "href=\"\.\./\.\./flight/$f1/test\.html\">previous flight"
hist=$(get "history/trunk/test.html")
like "history of the job on the branch" "$hist" "flight/$f2/test\.html.*fail.*>c<"
like "the failing step's cell is marked where it changed" "$hist" 'class="changed"[^<]*>c<'
like "history of a host" "$(get host/host1.html)" "flight/$f2/test\.html"
like "regressions page: open, failing since" "$(get regressions.html)" 'id="open".*failing since|failing since'
like "the flight diff as a page" "$(get "diff/$f1/$f2.html")" 'c</td><td class="s-pass"[^>]*>pass</td><td class="s-fail"'
like "the badge is SVG with the verdict" "$(get badge/trunk.svg)" '^<svg .*regressions - FAIL'
is "an unknown flight is 404" "$(code flight/99.html)" 404
# A page seen once is kept, until the database changes under it.
pvci gate block trunk --reason "<b>frozen</b> for the release" >/dev/null
sum_before=$(cat "$PVCI_HOME"/results.db "$PVCI_HOME"/results.db-wal 2>/dev/null | sha256sum)
like "a change in the database shows at once (the gate now blocked)" "$(get index.html)" \
	'Push gate: <b class="block">blocked</b> by [^:]*: &lt;b&gt;frozen&lt;/b&gt; for the release'
like "a flight not finished reloads itself" "$(get "flight/$f3.html")" 'http-equiv="refresh"'
kill -TERM "$SERVE_PID"
for i in $(seq 100); do process_gone "$SERVE_PID" && break; sleep 0.1; done
wait "$SERVE_PID"; rc=$?
is "SIGTERM stops it with status 0" "$rc" 0
is "the database was only read" "$(cat "$PVCI_HOME"/results.db "$PVCI_HOME"/results.db-wal 2>/dev/null | sha256sum)" "$sum_before"
