/*
 * The toolstack interface against libvirt's in-process test driver
 * (test:///default: no daemon, no console), and the dispatcher's own
 * checks: bad arguments, unknown backends, operations a backend lacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "toolstack.h"
#include "xl-list.h"
#include "util.h"

static const char domain_xml[] =
	"<domain type='test'><name>pvci-1-unit</name><memory unit='MiB'>64</memory>"
	"<os><type arch='x86_64'>hvm</type></os>"
	"<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/>"
	"<readonly/></disk></devices></domain>";

static struct toolstack *
open_test(void)
{
	struct toolstack_opts o = { .backend = "libvirt", .uri = "test:///default",
				    .domain_type = "qemu" };
	struct toolstack *ts = toolstack_open(&o);

	assert_non_null(ts);
	return ts;
}

static void
test_lifecycle(void **state)
{
	struct toolstack *ts = open_test();
	struct ts_domain *dom = NULL, *again = NULL;
	char path[] = "/tmp/pvci-unit-save.XXXXXX", **names = NULL;
	enum ts_state st;
	enum ts_event ev;
	int fd, n, i;

	(void)state;
	assert_string_equal(toolstack_name(ts), "libvirt");
	assert_string_equal(toolstack_template_file(ts), "domain.xml.in");
	assert_int_equal(toolstack_alive(ts), 1);

	assert_int_equal(toolstack_lookup(ts, "pvci-1-unit", &dom), 0);
	assert_null(dom);
	assert_int_equal(toolstack_define(ts, "pvci-1-unit", domain_xml, &dom), 0);
	assert_string_equal(ts_domain_name(dom), "pvci-1-unit");
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_OFF);

	n = toolstack_list(ts, "pvci-1-", &names);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "pvci-1-unit");
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);

	assert_int_equal(toolstack_start(dom), 0);
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_RUNNING);
	/*
	 * The start event arrives while we wait: up to a minute, which a slow
	 * (sanitizer) build on a loaded machine needs; it is over at the event.
	 */
	ev = TS_EVENT_NONE;
	for (i = 0; i < 600 && ev != TS_EVENT_STARTED; i++)
		if (toolstack_next_event(dom, &ev) == 0)
			toolstack_wait(ts, 100);
	assert_int_equal(ev, TS_EVENT_STARTED);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(toolstack_save(dom, path), 0);
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_OFF);
	assert_int_equal(toolstack_restore(dom, path), 0);
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_RUNNING);
	unlink(path);

	/* A second handle by name sees the same domain. */
	assert_int_equal(toolstack_lookup(ts, "pvci-1-unit", &again), 1);
	assert_int_equal(toolstack_state(again, &st), 0);
	assert_int_equal(st, TS_STATE_RUNNING);
	ts_domain_free(again);

	/* The test driver has no console: an error naming the domain, not a crash. */
	{
		struct ts_console *con = NULL;

		assert_int_equal(toolstack_console_open(dom, "serial1", &con), -1);
		assert_null(con);
	}

	assert_int_equal(toolstack_destroy(dom), 0);
	assert_int_equal(toolstack_destroy(dom), 0);	/* already off: fine */
	assert_int_equal(toolstack_undefine(dom), 0);
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_UNDEFINED);
	ts_domain_free(dom);
	toolstack_close(ts);
}

static void
test_bad_arguments(void **state)
{
	struct toolstack_opts o = { .backend = "nonesuch", .uri = "test:///default" };
	struct toolstack *ts;
	struct ts_domain *dom = NULL;

	(void)state;
	assert_null(toolstack_open(&o));
	o.backend = "libvirt";
	o.domain_type = "vmware";
	assert_null(toolstack_open(&o));
	o.domain_type = "kvm";
	o.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";
	assert_null(toolstack_open(&o));	/* unreachable: an error, not a hang */

	ts = open_test();
	assert_int_equal(toolstack_define(ts, "bad name", domain_xml, &dom), -1);
	assert_int_equal(toolstack_define(ts, "pvci-1-x", "", &dom), -1);
	/* The XML names another domain than asked: refused, nothing left. */
	assert_int_equal(toolstack_define(ts, "pvci-1-other", domain_xml, &dom), -1);
	assert_int_equal(toolstack_lookup(ts, "pvci-1-unit", &dom), 0);
	assert_int_equal(toolstack_define(ts, "pvci-1-unit", domain_xml, &dom), 0);
	assert_int_equal(toolstack_save(dom, "relative/path"), -1);
	assert_int_equal(toolstack_media_change(dom, "hdc", "relative.iso"), -1);
	assert_int_equal(toolstack_media_change(dom, "../x", "/x.iso"), -1);
	assert_int_equal(toolstack_undefine(dom), 0);
	ts_domain_free(dom);
	toolstack_close(ts);
}

/*
 * Writes a stand-in "xl" (a shell script, not Xen's xl) into dir and puts
 * dir first in PATH. Returns the old PATH (caller restores and frees).
 */
static char *
stand_in_xl(const char *dir, const char *script)
{
	char *path = xasprintf("%s/xl", dir), *old = xstrdup(getenv("PATH"));
	char *newpath = xasprintf("%s:%s", dir, old);

	assert_int_equal(write_file_atomic(path, script, strlen(script), 0755), 0);
	assert_int_equal(chmod(path, 0755), 0);
	setenv("PATH", newpath, 1);
	free(newpath);
	free(path);
	return old;
}

/* The xl backend writes xl.cfg files and says what it cannot do. */
static void
test_xl(void **state)
{
	char dir[] = "/tmp/pvci-unit-xl.XXXXXX", *cfg, *text, *old;
	struct toolstack_opts o = { .backend = "xl", .domain_type = "xen" };
	struct toolstack *ts;
	struct ts_domain *dom = NULL;
	struct ts_console *con = NULL;
	char **names = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	old = stand_in_xl(dir, "#!/bin/sh\n"
			  "# stand-in for xl: only dom0 runs\n"
			  "[ \"$1 $2\" = 'list -l' ] && echo '[{\"domid\": 0, \"config\": "
			  "{\"c_info\": {\"name\": \"Domain-0\"}}}]'\nexit 0\n");
	o.state_dir = dir;
	ts = toolstack_open(&o);
	assert_non_null(ts);
	assert_string_equal(toolstack_template_file(ts), "xl.cfg.in");
	assert_int_equal(toolstack_define(ts, "pvci-2-xl", "name = \"pvci-2-xl\"\n", &dom), 0);
	cfg = xasprintf("%s/pvci-2-xl.cfg", dir);
	text = read_file(cfg, 4096, NULL);
	assert_string_equal(text, "name = \"pvci-2-xl\"\n");
	free(text);
	assert_int_equal(toolstack_list(ts, "pvci-2", &names), 1);
	assert_string_equal(names[0], "pvci-2-xl");
	free(names[0]);
	free(names);
	assert_int_equal(toolstack_console_open(dom, "serial1", &con), -1);	/* unsupported */
	assert_int_equal(toolstack_undefine(dom), 0);
	assert_int_equal(file_exists(cfg), 0);
	free(cfg);
	ts_domain_free(dom);
	toolstack_close(ts);
	setenv("PATH", old, 1);
	free(old);
	cfg = xasprintf("%s/xl", dir);
	unlink(cfg);
	free(cfg);
	rmdir(dir);
}

/*
 * An xl that cannot work is broken, never a guest state. The stand-in
 * does what the real xl was seen to do on a host without a hypervisor:
 * it prints "cannot init xl context" and exits 1, for every subcommand.
 */
static void
test_xl_failing(void **state)
{
	char dir[] = "/tmp/pvci-unit-xl.XXXXXX", *old, *path;
	struct toolstack_opts o = { .backend = "xl", .domain_type = "xen" };
	struct toolstack *ts;
	struct ts_domain *dom = NULL, *other = NULL;
	enum ts_state st = TS_STATE_RUNNING;

	(void)state;
	assert_non_null(mkdtemp(dir));
	old = stand_in_xl(dir, "#!/bin/sh\n"
			  "# stand-in for xl on a host without Xen (recorded behaviour)\n"
			  "echo 'cannot init xl context' >&2\nexit 1\n");
	o.state_dir = dir;
	ts = toolstack_open(&o);
	assert_non_null(ts);
	assert_int_equal(toolstack_alive(ts), 0);
	assert_int_equal(toolstack_define(ts, "pvci-3-xl", "name = \"pvci-3-xl\"\n", &dom), 0);
	/* Before: "off" (xl list failed, the cfg exists), and destroy said done. */
	assert_int_equal(toolstack_state(dom, &st), -1);
	assert_int_equal(toolstack_destroy(dom), -1);
	assert_int_equal(toolstack_shutdown(dom), -1);
	/* A domain without a cfg: xl cannot say whether it runs. */
	assert_int_equal(toolstack_lookup(ts, "pvci-3-other", &other), -1);
	assert_null(other);
	assert_int_equal(toolstack_undefine(dom), 0);
	ts_domain_free(dom);
	toolstack_close(ts);
	setenv("PATH", old, 1);
	free(old);
	path = xasprintf("%s/xl", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

/* A working xl (a stand-in printing a listing in xl's format): states read. */
static void
test_xl_states(void **state)
{
	char dir[] = "/tmp/pvci-unit-xl.XXXXXX", *old, *path;
	struct toolstack_opts o = { .backend = "xl", .domain_type = "xen" };
	struct toolstack *ts;
	struct ts_domain *run = NULL, *crash = NULL, *off = NULL, *none = NULL;
	enum ts_state st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	old = stand_in_xl(dir, "#!/bin/sh\n"
			  "# stand-in for xl: 'xl list' in its format, other commands succeed\n"
			  "[ \"$1\" = list ] || exit 0\n"
			  "if [ \"$2\" = -l ]; then for n in Domain-0 pvci-4-run-long pvci-4-run pvci-4-crash; do\n"
			  "  printf '%s{\"config\": {\"c_info\": {\"name\": \"%s\"}}}' \"${sep:-[}\" $n; sep=,\n"
			  "done; echo ']'; exit 0; fi\n"
			  "echo 'Name                ID   Mem VCPUs\tState\tTime(s)'\n"
			  "echo 'Domain-0             0  1024     2     r-----      10.0'\n"
			  "echo 'pvci-4-run-long      7   512     1     --p---       0.1'\n"
			  "echo 'pvci-4-run           5   512     1     -b----       1.5'\n"
			  "echo 'pvci-4-crash         6   512     1     ----c-       0.3'\n");
	o.state_dir = dir;
	ts = toolstack_open(&o);
	assert_non_null(ts);
	assert_int_equal(toolstack_alive(ts), 1);
	assert_int_equal(toolstack_lookup(ts, "pvci-4-run", &run), 1);
	assert_int_equal(toolstack_state(run, &st), 0);
	assert_int_equal(st, TS_STATE_RUNNING);
	assert_int_equal(toolstack_lookup(ts, "pvci-4-crash", &crash), 1);
	assert_int_equal(toolstack_state(crash, &st), 0);
	assert_int_equal(st, TS_STATE_CRASHED);
	assert_int_equal(toolstack_define(ts, "pvci-4-off", "name = \"pvci-4-off\"\n", &off), 0);
	assert_int_equal(toolstack_state(off, &st), 0);
	assert_int_equal(st, TS_STATE_OFF);
	assert_int_equal(toolstack_destroy(off), 0);	/* not running: nothing to do */
	assert_int_equal(toolstack_undefine(off), 0);
	assert_int_equal(toolstack_lookup(ts, "pvci-4-ru", &none), 0);
	ts_domain_free(run);
	ts_domain_free(crash);
	ts_domain_free(off);
	toolstack_close(ts);
	setenv("PATH", old, 1);
	free(old);
	path = xasprintf("%s/xl", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

/*
 * xl in a dom0 over SSH: a stand-in ssh (not OpenSSH) records its argv and
 * answers as dom0 would, or fails as ssh does: 255 for a dead link, 127
 * from the remote shell when xl is missing. Both fail the operation and
 * make the toolstack not alive (broken), never a guest state.
 */
static void
test_xl_ssh(void **state)
{
	char dir[] = "/tmp/pvci-unit-xl.XXXXXX", *old, *path, *args, *mode;
	struct toolstack_opts o = { .backend = "xl", .domain_type = "xen",
				    .uri = "ssh://root@127.0.0.1:2222",
				    .ssh_key = "/k/id", .ssh_known_hosts = "/k/known hosts" };
	struct toolstack *ts;
	struct ts_domain *dom = NULL;
	enum ts_state st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* The stand-in is named xl by stand_in_xl; link ssh to it. */
	old = stand_in_xl(dir, "#!/bin/sh\n"
			  "# stand-in for ssh: argv to $0.args, behaviour from $0.mode\n"
			  "printf '%s\\n' \"$@\" >\"$0.args\"\n"
			  "case $(cat \"$0.mode\") in\n"
			  "dead) exit 255 ;;\nnoxl) echo 'sh: xl: not found' >&2; exit 127 ;;\nesac\n"
			  "for last; do :; done\n"
			  "case $last in\n"
			  "\"'xl' 'list' '-l'\") echo '[{\"config\": {\"c_info\": {\"name\": \"pvci-5-x\"}}}]' ;;\n"
			  "\"'xl' 'list'\") printf 'Name ID\\npvci-5-x 3 128 1 -b---- 1.0\\n' ;;\n"
			  "esac\nexit 0\n");
	path = xasprintf("%s/xl", dir);
	args = xasprintf("%s/ssh", dir);
	assert_int_equal(symlink(path, args), 0);
	free(args);
	mode = xasprintf("%s/ssh.mode", dir);
	assert_int_equal(write_file_atomic(mode, "ok\n", 3, 0644), 0);
	o.state_dir = dir;
	assert_null(toolstack_open(&(struct toolstack_opts){ .backend = "xl", .state_dir = dir,
							    .uri = "ssh://root@h:99999",
							    .ssh_key = "k", .ssh_known_hosts = "h" }));
	assert_null(toolstack_open(&(struct toolstack_opts){ .backend = "xl", .state_dir = dir,
							    .uri = "ssh://root@h:22" }));
	ts = toolstack_open(&o);
	assert_non_null(ts);
	assert_int_equal(toolstack_alive(ts), 1);
	args = xasprintf("%s/ssh.args", dir);
	{
		char *text = read_file(args, 4096, NULL);

		assert_non_null(strstr(text, "BatchMode=yes\n"));
		assert_non_null(strstr(text, "StrictHostKeyChecking=yes\n"));
		assert_non_null(strstr(text, "UserKnownHostsFile=/k/known hosts\n"));
		assert_non_null(strstr(text, "-i\n/k/id\n"));
		assert_non_null(strstr(text, "-p\n2222\n"));
		assert_non_null(strstr(text, "ControlMaster=no\n"));
		assert_non_null(strstr(text, "\nroot@127.0.0.1\n--\n'xl' 'info'\n"));
		free(text);
	}
	assert_int_equal(toolstack_lookup(ts, "pvci-5-x", &dom), 1);
	assert_int_equal(toolstack_state(dom, &st), 0);
	assert_int_equal(st, TS_STATE_RUNNING);
	assert_int_equal(write_file_atomic(mode, "dead\n", 5, 0644), 0);
	assert_int_equal(toolstack_state(dom, &st), -1);
	assert_int_equal(toolstack_alive(ts), 0);
	assert_int_equal(write_file_atomic(mode, "noxl\n", 5, 0644), 0);
	assert_int_equal(toolstack_destroy(dom), -1);
	assert_int_equal(toolstack_alive(ts), 0);
	ts_domain_free(dom);
	toolstack_close(ts);
	setenv("PATH", old, 1);
	free(old);
	unlink(args);
	unlink(mode);
	unlink(path);
	free(args);
	free(mode);
	free(path);
	path = xasprintf("%s/ssh", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

/* "xl list" output parsed without xl: names match whole, flags give states. */
static void
test_xl_list_parse(void **state)
{
	const char *out = "Name                ID   Mem VCPUs\tState\tTime(s)\n"
			  "Domain-0             0  1024     2     r-----      10.0\n"
			  "pvci-1-job-long      3   512     1     -b----       1.0\n"
			  "pvci-1-job           4   512     1     --p---       1.0\n"
			  "pvci-2-job           5   512     1     ----c-       1.0\n"
			  "odd\n";
	char *line = NULL;

	(void)state;
	assert_int_equal(xl_list_find(out, "pvci-1-job", &line), 1);
	assert_string_equal(line, "pvci-1-job           4   512     1     --p---       1.0");
	assert_int_equal(xl_list_state(line), TS_STATE_PAUSED);
	free(line);
	assert_int_equal(xl_list_find(out, "pvci-1-job-long", &line), 1);
	assert_int_equal(xl_list_state(line), TS_STATE_RUNNING);
	free(line);
	assert_int_equal(xl_list_find(out, "pvci-2-job", NULL), 1);
	assert_int_equal(xl_list_find(out, "pvci-3", &line), 0);
	assert_null(line);
	assert_int_equal(xl_list_find(out, "Name", NULL), 0);	/* the header is no domain */
	assert_int_equal(xl_list_find(out, "odd", NULL), 0);	/* a name alone is no line */
	assert_int_equal(xl_list_state("pvci-2-job 5 512 1 ----c- 1.0"), TS_STATE_CRASHED);
	assert_int_equal(xl_list_state("pvci-2-job 5 512 1 -s---- 1.0"), TS_STATE_SHUTTING_DOWN);
	assert_int_equal(xl_list_state("pvci-2-job"), TS_STATE_OTHER);
	assert_int_equal(xl_list_state(""), TS_STATE_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_xl),
		cmocka_unit_test(test_xl_failing),
		cmocka_unit_test(test_xl_states),
		cmocka_unit_test(test_xl_ssh),
		cmocka_unit_test(test_xl_list_parse),
	};

	log_init("test-toolstack", 0);
	return cmocka_run_group_tests_name("toolstack", tests, NULL, NULL);
}
