#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "gate.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "report.h"
#include "util.h"

/* A git fetch or push gets this long before it is stopped. */
#define GATE_GIT_TIMEOUT 600
/* Of git's output, the tail kept to say why it failed. */
#define GATE_GIT_WHY_MAX 1024

/* The Unix user running pvci, for the events; caller frees. */
static char *
gate_who(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw && pw->pw_name ? xstrdup(pw->pw_name) : xasprintf("uid %ld", (long)getuid());
}

static void
format_time(long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, 32, "%ld", t);
}

/* Prints a line with any credentials taken out. */
static void
say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(FILE *out, const char *fmt, ...)
{
	va_list ap;
	char *text, *shown;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	shown = redact_secrets(text);
	fputs(shown, out);
	free(shown);
	free(text);
	fflush(out);
}

static int
add_event(struct db *db, const char *branch, const char *action, const char *tree,
	  const char *rev, long flight, const char *reason)
{
	struct db_gate_event e = { .branch = (char *)branch, .at = now_seconds(),
				   .action = (char *)action, .tree = (char *)tree,
				   .revision = (char *)rev, .flight = flight,
				   .reason = (char *)reason };
	int rc;

	e.who = gate_who();
	rc = db_gate_event_add(db, &e);
	free(e.who);
	return rc;
}

/*
 * The line of git's output that says best why it failed: a rejected ref,
 * else the first "fatal:" or "error:", else the last line; caller frees.
 */
static char *
git_why(int fd)
{
	static const char *const marks[] = { "[rejected]", "[remote rejected]", "fatal:",
					     "error:", NULL };
	char buf[GATE_GIT_WHY_MAX + 1], *line, *end, *best = NULL;
	struct stat st;
	off_t from;
	ssize_t n;
	int m;

	if (fstat(fd, &st) < 0)
		return xstrdup("git said nothing");
	from = st.st_size > GATE_GIT_WHY_MAX ? st.st_size - GATE_GIT_WHY_MAX : 0;
	n = pread(fd, buf, GATE_GIT_WHY_MAX, from);
	if (n <= 0)
		return xstrdup("git said nothing");
	buf[n] = '\0';
	for (m = 0; marks[m] && !best; m++) {
		line = strstr(buf, marks[m]);
		if (!line)
			continue;
		while (line > buf && line[-1] != '\n')
			line--;
		line += strspn(line, " \t");
		best = xasprintf("%.*s", (int)strcspn(line, "\n"), line);
	}
	if (best)
		return best;
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	return xstrdup(*line ? line : "git said nothing");
}

/*
 * Runs git; 0, or -1 with *why (caller frees) saying what went wrong. Git
 * never prompts: credentials come from its credential helper or nowhere.
 */
static int
git(const char *const argv[], char **why)
{
	static const char *const env[] = { "GIT_TERMINAL_PROMPT=0", NULL };
	struct proc_opts po = { .env = env, .timeout = GATE_GIT_TIMEOUT };
	FILE *log = tmpfile();
	int rc;

	*why = NULL;
	if (!log) {
		*why = xasprintf("cannot make a temporary file: %s", strerror(errno));
		return -1;
	}
	po.out_fd = fileno(log);
	rc = proc_run(argv, &po);
	if (rc == 0) {
		fclose(log);
		return 0;
	}
	if (rc == PROC_TIMEOUT)
		*why = xasprintf("git took more than %d s", GATE_GIT_TIMEOUT);
	else if (rc < 0)
		*why = xstrdup("cannot run git");
	else
		*why = git_why(po.out_fd);
	fclose(log);
	return -1;
}

static int
is_commit_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 40 && !s[n];
}

/*
 * Makes rev (a commit id, or with force a ref of url) present in the
 * instance's scratch repository of the tree, and pushes it to target's
 * ref. *sha: the commit pushed (caller frees). -1 with *why on failure.
 */
static int
push_tree(struct instance *inst, const char *tree, const struct db_push_target *target,
	  const char *ref, const char *rev, int force, char **sha, char **why)
{
	char *dir = xasprintf("%s/gate/%s.git", inst->home, tree);
	char *head = path_join(dir, "HEAD"), *spec = NULL, *obj = xasprintf("%s^{commit}", rev);
	const char *init[] = { "git", "init", "--bare", "--quiet", dir, NULL };
	const char *have[] = { "git", "-C", dir, "rev-parse", "--verify", "--quiet", obj, NULL };
	const char *fetch[] = { "git", "-C", dir, "fetch", "--quiet", "--", target->url, rev, NULL };
	const char *resolve[] = { "git", "-C", dir, "rev-parse", "--verify", "--quiet",
				  "FETCH_HEAD^{commit}", NULL };
	struct proc_opts po = { .out_fd = -1, .capture = sha, .capture_max = 128,
				.timeout = GATE_GIT_TIMEOUT };
	int rc = -1;

	*sha = NULL;
	if (!file_exists(head) && git(init, why) < 0)
		goto out;
	/* A commit id already fetched is not fetched again; a ref always is. */
	if (!is_commit_id(rev) || proc_run(have, &po) != 0) {
		free(*sha);
		*sha = NULL;
		if (!target->url) {
			*why = xasprintf("the flight records no URL of tree '%s' to fetch "
					 "'%s' from", tree, rev);
			goto out;
		}
		if (git(fetch, why) < 0)
			goto out;
		if (proc_run(resolve, &po) != 0) {
			*why = xasprintf("'%s' of '%s' is not a commit", rev, target->url);
			goto out;
		}
	}
	(*sha)[strcspn(*sha, "\n")] = '\0';
	spec = xasprintf("%s%s:%s", force ? "+" : "", *sha, ref);
	{
		const char *push[] = { "git", "-C", dir, "push", "--quiet", "--",
				       target->push_url, spec, NULL };

		rc = git(push, why);
	}
out:
	if (rc < 0) {
		free(*sha);
		*sha = NULL;
	}
	free(spec);
	free(obj);
	free(head);
	free(dir);
	return rc;
}

/* The tested ref of a target: its own, or refs/heads/tested/BRANCH; caller frees. */
static char *
target_ref(const struct db_push_target *t, const char *branch)
{
	return t->tested_ref ? xstrdup(t->tested_ref)
			     : xasprintf("refs/heads/tested/%s", branch);
}

static int
mkdir_gate(struct instance *inst)
{
	char *dir = path_join(inst->home, "gate");
	int rc = mkdir_p(dir, 0755);

	free(dir);
	return rc;
}

/* Refuses (GATE_HELD) with a hold event saying why. */
static int
hold(struct db *db, FILE *out, const char *branch, long flight, const char *why)
{
	say(out, "gate: branch '%s' not advanced: %s\n", branch, why);
	if (add_event(db, branch, "hold", NULL, NULL, flight, why) < 0)
		return -1;
	return GATE_HELD;
}

/* The first job of flight that is not final, as "job 'x' is running"; NULL none. */
static char *
unfinished_job(struct db *db, long flight, int *err)
{
	struct db_job *jobs;
	char *what = NULL;
	int i, n;

	*err = 0;
	jobs = db_flight_jobs(db, flight, &n);
	if (!jobs) {
		*err = 1;
		return NULL;
	}
	for (i = 0; i < n && !what; i++)
		if (!status_is_final(jobs[i].status))
			what = xasprintf("job '%s' is %s", jobs[i].job, status_name(jobs[i].status));
	db_jobs_free(jobs, n);
	return what;
}

/* "retry flight M of flight is unfinished (...)" while its retry runs; NULL none. */
static char *
unfinished_retry(struct db *db, long flight, int *err)
{
	long retry = db_flight_retry(db, flight);
	char *why, *what;

	*err = retry < 0;
	if (retry <= 0)
		return NULL;
	why = unfinished_job(db, retry, err);
	if (!why)
		return NULL;
	what = xasprintf("its retry flight %ld is unfinished (%s)", retry, why);
	free(why);
	return what;
}

static int
same_revisions(const struct db_revision *a, int na, const struct db_revision *b, int nb)
{
	int i, j, found;

	for (i = 0; i < na; i++) {
		found = 0;
		for (j = 0; j < nb; j++)
			if (!strcmp(a[i].tree, b[j].tree) && !strcmp(a[i].revision, b[j].revision))
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

static int
advance(struct instance *inst, const struct db_flight_info *fi, FILE *out)
{
	struct db *db = inst->db;
	struct db_revision *revs = NULL, *tested = NULL;
	struct db_push_target *targets = NULL;
	char **shas = NULL, **reasons = NULL;
	struct db_gate_event ev;
	int i, nrevs = 0, ntested = 0, rc = -1, blocked;
	long last;
	struct strbuf sb;

	strbuf_init(&sb);
	if (db_flight_revisions(db, fi->flight, &revs, &nrevs) < 0 ||
	    db_tested_revisions(db, fi->branch, &tested, &ntested) < 0)
		goto out;
	if (!nrevs) {
		rc = hold(db, out, fi->branch, fi->flight, "the flight records no revision of "
			  "any tree");
		goto out;
	}
	for (i = 1; i < nrevs; i++)
		if (!strcmp(revs[i].tree, revs[i - 1].tree)) {
			char *why = xasprintf("tree '%s' has two revisions in flight %ld (%s, %s)",
					      revs[i].tree, fi->flight, revs[i - 1].revision,
					      revs[i].revision);

			rc = hold(db, out, fi->branch, fi->flight, why);
			free(why);
			goto out;
		}
	if (same_revisions(revs, nrevs, tested, ntested)) {
		say(out, "gate: branch '%s' already at the revisions of flight %ld\n", fi->branch,
		    fi->flight);
		rc = GATE_ADVANCED;
		goto out;
	}
	targets = xcalloc((size_t)nrevs, sizeof(*targets));
	shas = xcalloc((size_t)nrevs, sizeof(*shas));
	reasons = xcalloc((size_t)nrevs, sizeof(*reasons));
	/* Push every tree first: the records change only when all pushes went. */
	for (i = 0; i < nrevs; i++) {
		char *ref, *why = NULL;
		int found = db_push_target(db, fi->branch, fi->flight, revs[i].tree, &targets[i]);

		if (found < 0)
			goto out;
		if (!found) {
			reasons[i] = xstrdup("nothing blocks; recorded, not pushed (no push_url)");
			continue;
		}
		if (mkdir_gate(inst) < 0)
			goto out;
		ref = target_ref(&targets[i], fi->branch);
		if (push_tree(inst, revs[i].tree, &targets[i], ref, revs[i].revision, 0,
			      &shas[i], &why) < 0) {
			char *msg = xasprintf("cannot push tree '%s' revision %s to '%s' %s: %s",
					      revs[i].tree, revs[i].revision, targets[i].push_url,
					      ref, why);
			char *shown = redact_secrets(msg);

			errorx("gate: branch '%s' not advanced: %s", fi->branch, msg);
			add_event(db, fi->branch, "push-failed", revs[i].tree, revs[i].revision,
				  fi->flight, shown);
			free(shown);
			free(msg);
			free(why);
			free(ref);
			goto out;
		}
		reasons[i] = xasprintf("nothing blocks; pushed to '%s' %s",
				       targets[i].push_url, ref);
		free(ref);
	}
	if (db_begin(db) < 0)
		goto out;
	/* Another gate may have moved or blocked the branch while git ran. */
	last = db_gate_last_advance(db, fi->branch);
	blocked = last < 0 ? -1 : db_gate_blocked(db, fi->branch, &ev);
	if (blocked > 0)
		db_gate_event_release(&ev);
	if (last < 0 || blocked < 0 || last > fi->flight || blocked) {
		db_rollback(db);
		if (last >= 0 && blocked >= 0) {
			say(out, "gate: branch '%s' not advanced: %s while it pushed\n", fi->branch,
			    blocked ? "it was blocked" : "a later flight advanced it");
			rc = GATE_HELD;
		}
		goto out;
	}
	for (i = 0; i < nrevs; i++)
		if (db_tested_revision_set(db, fi->branch, revs[i].tree, revs[i].revision,
					   now_seconds()) < 0 ||
		    add_event(db, fi->branch, "advance", revs[i].tree, revs[i].revision, fi->flight,
			      reasons[i]) < 0) {
			db_rollback(db);
			goto out;
		}
	if (db_commit(db) < 0)
		goto out;
	for (i = 0; i < nrevs; i++)
		strbuf_addf(&sb, "%s%s %s", i ? ", " : "", revs[i].tree, revs[i].revision);
	say(out, "gate: %s advanced to %s (flight %ld)\n", fi->branch, sb.buf, fi->flight);
	for (i = 0; i < nrevs; i++)
		say(out, "gate:  %s: %s\n", revs[i].tree, strchr(reasons[i], ';') + 2);
	rc = GATE_ADVANCED;
out:
	for (i = 0; targets && i < nrevs; i++) {
		db_push_target_release(&targets[i]);
		free(shas[i]);
		free(reasons[i]);
	}
	free(targets);
	free(shas);
	free(reasons);
	db_revisions_free(revs, nrevs);
	db_revisions_free(tested, ntested);
	strbuf_release(&sb);
	return rc;
}

/* 1 when some tree of the flight has a push target, 0 when none, -1. */
static int
has_push_target(struct db *db, const struct db_flight_info *fi)
{
	struct db_revision *revs;
	struct db_push_target t;
	int i, n, found = 0;

	if (db_flight_revisions(db, fi->flight, &revs, &n) < 0)
		return -1;
	for (i = 0; i < n && !found; i++) {
		found = db_push_target(db, fi->branch, fi->flight, revs[i].tree, &t);
		if (found > 0)
			db_push_target_release(&t);
	}
	db_revisions_free(revs, n);
	return found;
}

int
gate_run(struct instance *inst, long flight, const struct allow_list *allow, FILE *out)
{
	struct report_opts ro = { .format = REPORT_TEXT, .allow = allow };
	struct db *db = inst->db;
	struct db_flight_info fi;
	struct db_gate_event blocked;
	char *why;
	long last;
	int rc = -1, err, b;

	if (db_flight_info(db, flight, &fi) < 0)
		return -1;
	if (strcmp(fi.blessing, "real")) {
		say(out, "gate: flight %ld is %s, not real: the gate of branch '%s' does not "
		    "move\n", flight, fi.blessing, fi.branch);
		rc = GATE_HELD;
		goto out;
	}
	why = unfinished_job(db, flight, &err);
	if (err)
		goto out;
	if (why) {
		char *msg = xasprintf("flight %ld is unfinished (%s)", flight, why);

		say(out, "gate: branch '%s' not advanced: %s\n", fi.branch, msg);
		free(msg);
		free(why);
		rc = GATE_HELD;
		goto out;
	}
	/* Its regressed jobs run again: the retry's results are part of the verdict. */
	why = unfinished_retry(db, flight, &err);
	if (err)
		goto out;
	if (why) {
		say(out, "gate: branch '%s' not advanced: %s\n", fi.branch, why);
		free(why);
		rc = GATE_HELD;
		goto out;
	}
	/* A branch none of whose trees is pushed anywhere has no gate. */
	b = has_push_target(db, &fi);
	if (b < 0)
		goto out;
	if (!b) {
		say(out, "gate: flight %ld records no push target (no tree has a push_url): "
		    "the gate of branch '%s' does not move\n", flight, fi.branch);
		rc = GATE_HELD;
		goto out;
	}
	b = db_gate_blocked(db, fi.branch, &blocked);
	if (b < 0)
		goto out;
	if (b) {
		char when[32];

		format_time(blocked.at, when);
		why = xasprintf("the gate is blocked (by %s on %s: %s)", blocked.who, when,
				blocked.reason);
		rc = hold(db, out, fi.branch, flight, why);
		free(why);
		db_gate_event_release(&blocked);
		goto out;
	}
	last = db_gate_last_advance(db, fi.branch);
	if (last < 0)
		goto out;
	if (last > flight) {
		say(out, "gate: branch '%s' not advanced: the later flight %ld advanced it "
		    "already\n", fi.branch, last);
		rc = GATE_HELD;
		goto out;
	}
	/* The same judgement as pvci report's, without printing it. */
	ro.today = now_seconds() / 86400;
	b = report_flight(db, flight, &ro, NULL);
	if (b < 0)
		goto out;
	if (b) {
		why = xasprintf("flight %ld has blocking findings (pvci report %ld)", flight, flight);
		rc = hold(db, out, fi.branch, flight, why);
		free(why);
		goto out;
	}
	rc = advance(inst, &fi, out);
out:
	db_flight_info_release(&fi);
	return rc;
}

int
gate_after_flight(struct instance *inst, long flight)
{
	struct db_flight_info fi;
	int real, err;
	char *why;

	/* The flight's summary first, then what the gate says of it. */
	fflush(stdout);
	if (db_flight_info(inst->db, flight, &fi) < 0)
		return -1;
	real = !strcmp(fi.blessing, "real");
	db_flight_info_release(&fi);
	if (!real)
		return 0;
	/* A run of some jobs only (--jobs) leaves the judgement for later. */
	why = unfinished_job(inst->db, flight, &err);
	if (err)
		return -1;
	if (why) {
		free(why);
		return 0;
	}
	return gate_run(inst, flight, NULL, stdout) < 0 ? -1 : 0;
}

int
gate_pushed(struct db *db, long flight)
{
	return db_gate_flight_advanced(db, flight);
}

int
gate_show(struct instance *inst, const char *branch, FILE *out)
{
	struct db_gate_event blocked, *ev = NULL;
	struct db_revision *tested = NULL;
	int b, i, nev = 0, ntested = 0, rc = -1;
	char when[32];

	b = db_gate_blocked(inst->db, branch, &blocked);
	if (b < 0)
		return -1;
	if (db_tested_revisions(inst->db, branch, &tested, &ntested) < 0 ||
	    db_gate_events(inst->db, branch, &ev, &nev) < 0)
		goto out;
	if (b) {
		format_time(blocked.at, when);
		say(out, "branch %s: blocked by %s on %s: %s\n", branch, blocked.who, when,
		    blocked.reason);
	} else {
		say(out, "branch %s: open\n", branch);
	}
	say(out, "\nTested revisions:\n");
	if (!ntested)
		say(out, " (none recorded)\n");
	for (i = 0; i < ntested; i++)
		say(out, " %-20s %s\n", tested[i].tree, tested[i].revision);
	say(out, "\nHistory:\n");
	if (!nev)
		say(out, " (nothing yet)\n");
	for (i = 0; i < nev; i++) {
		struct strbuf sb;

		strbuf_init(&sb);
		if (ev[i].tree)
			strbuf_addf(&sb, " %s", ev[i].tree);
		if (ev[i].revision)
			strbuf_addf(&sb, " %s", ev[i].revision);
		if (ev[i].flight)
			strbuf_addf(&sb, " flight %ld", ev[i].flight);
		format_time(ev[i].at, when);
		say(out, " %s %s %s%s: %s\n", when, ev[i].who, ev[i].action, sb.buf, ev[i].reason);
		strbuf_release(&sb);
	}
	rc = 0;
out:
	if (b)
		db_gate_event_release(&blocked);
	db_revisions_free(tested, ntested);
	db_gate_events_free(ev, nev);
	return rc;
}

/* The tree a force means: the one named, else the branch's only tree. */
static char *
force_tree(struct db *db, const char *branch, const char *tree)
{
	struct db_revision *tested;
	char *name = NULL;
	int n;

	if (tree)
		return xstrdup(tree);
	if (db_tested_revisions(db, branch, &tested, &n) < 0)
		return NULL;
	if (n == 1)
		name = xstrdup(tested[0].tree);
	else if (!n)
		errorx("gate force: branch '%s' has no tested revisions yet: name the tree "
		       "with --tree", branch);
	else
		errorx("gate force: branch '%s' has %d trees: name one with --tree", branch, n);
	db_revisions_free(tested, n);
	return name;
}

/* 1 when branch has a tested revision of tree, 0 when not (*err on error). */
static int
has_tested(struct db *db, const char *branch, const char *tree, int *err)
{
	struct db_revision *tested;
	int i, n, found = 0;

	*err = db_tested_revisions(db, branch, &tested, &n) < 0;
	for (i = 0; !*err && i < n; i++)
		found |= !strcmp(tested[i].tree, tree);
	if (!*err)
		db_revisions_free(tested, n);
	return found;
}


int
gate_force(struct instance *inst, const char *branch, const char *tree, const char *rev,
	   const char *reason, FILE *out)
{
	struct db *db = inst->db;
	struct db_push_target target;
	char *name = force_tree(db, branch, tree), *sha = NULL, *ref = NULL, *why = NULL;
	char *msg = NULL;
	int found, err, rc = -1;

	if (!name)
		return -1;
	found = db_push_target(db, branch, 0, name, &target);
	if (found < 0)
		goto out;
	if (found) {
		ref = target_ref(&target, branch);
		if (mkdir_gate(inst) < 0)
			goto out;
		if (push_tree(inst, name, &target, ref, rev, 1, &sha, &why) < 0) {
			msg = xasprintf("cannot push tree '%s' revision %s to '%s' %s: %s", name,
					rev, target.push_url, ref, why);
			char *shown = redact_secrets(msg);

			errorx("gate force: branch '%s' unchanged: %s", branch, msg);
			add_event(db, branch, "push-failed", name, rev, 0, shown);
			free(shown);
			goto out;
		}
	} else if (!has_tested(db, branch, name, &err) || err) {
		if (!err)
			errorx("gate force: branch '%s' has no tree '%s' (no tested revision, "
			       "no flight with a push target for it)", branch, name);
		goto out;
	} else if (!is_commit_id(rev)) {
		errorx("gate force: no flight of branch '%s' records a push target for tree "
		       "'%s', so '%s' cannot be resolved: give a full commit id", branch, name,
		       rev);
		goto out;
	} else {
		sha = xstrdup(rev);
	}
	if (db_begin(db) < 0)
		goto out;
	if (db_tested_revision_set(db, branch, name, sha, now_seconds()) < 0 ||
	    add_event(db, branch, "force", name, sha, 0, reason) < 0) {
		db_rollback(db);
		goto out;
	}
	if (db_commit(db) < 0)
		goto out;
	if (found)
		say(out, "gate: %s forced to %s %s, pushed to '%s' %s\n", branch, name, sha,
		    target.push_url, ref);
	else
		say(out, "gate: %s forced to %s %s (no push target recorded: not pushed)\n",
		    branch, name, sha);
	rc = 0;
out:
	if (found > 0)
		db_push_target_release(&target);
	free(msg);
	free(why);
	free(ref);
	free(sha);
	free(name);
	return rc;
}

int
gate_block(struct instance *inst, const char *branch, int block, const char *reason,
	   FILE *out)
{
	struct db_gate_event last;
	int b = db_gate_blocked(inst->db, branch, &last);

	if (b < 0)
		return -1;
	if (b)
		db_gate_event_release(&last);
	if (b == block)
		return errorx("gate %s: branch '%s' is %s already", block ? "block" : "unblock",
			      branch, block ? "blocked" : "not blocked");
	if (add_event(inst->db, branch, block ? "block" : "unblock", NULL, NULL, 0, reason) < 0)
		return -1;
	say(out, "gate: branch %s %s: %s\n", branch, block ? "blocked" : "unblocked", reason);
	return 0;
}
