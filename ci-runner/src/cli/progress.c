#include <stdio.h>

#include "cmd.h"
#include "progress.h"

static void
print_event(const struct run_event *ev, void *opaque)
{
	(void)opaque;
	switch (ev->type) {
	case RUN_FLIGHT_STARTED:
	case RUN_FLIGHT_FINISHED:
	case RUN_JOB_STARTED:
		return;
	case RUN_STEP_STARTED:
		cmd_progress("[%7.1fs] %ld %s %02d %s: running\n", ev->elapsed, ev->flight, ev->job,
		       ev->stepno, ev->testid);
		break;
	case RUN_STEP_FINISHED:
		cmd_progress("[%7.1fs] %ld %s %02d %s: %s (%.1f s)\n", ev->elapsed, ev->flight, ev->job,
		       ev->stepno, ev->testid, status_name(ev->status), ev->seconds);
		if (ev->note && ev->status != STATUS_PASS)
			cmd_progress("           %s\n", ev->note);
		break;
	case RUN_JOB_FINISHED:
		if (ev->status == STATUS_BLOCKED && ev->note)
			cmd_progress("[%7.1fs] %ld %s: blocked (%s)\n", ev->elapsed, ev->flight, ev->job,
			       ev->note);
		else
			cmd_progress("[%7.1fs] %ld %s: %s\n", ev->elapsed, ev->flight, ev->job,
			       status_name(ev->status));
		break;
	case RUN_JOB_CLEANUP:
		cmd_progress("[%7.1fs] %ld %s: running the cleanup steps it was left without\n",
		       ev->elapsed, ev->flight, ev->job);
		break;
	case RUN_JOB_UNRUNNABLE:
		if (ev->need)
			fprintf(stderr, "pvci: job '%s' waits on job '%s' (%s), which this run "
				"may not start\n", ev->job, ev->need, status_name(ev->need_status));
		else
			fprintf(stderr, "pvci: job '%s' could not run\n", ev->job);
		break;
	case RUN_WAITING:
		cmd_progress("jobs this run needs are running in another process\n");
		break;
	case RUN_INTERRUPTED:
		cmd_progress("%s\n", ev->note);
		break;
	case RUN_JOB_LOST:
		fprintf(stderr, "pvci: flight %ld job '%s': %s\n", ev->flight, ev->job, ev->note);
		break;
	case RUN_JOB_ELSEWHERE:
		fprintf(stderr, "pvci: flight %ld job '%s' is running in another process (pid %ld "
			"on host '%s'); this run did not run it\n", ev->flight, ev->job,
			ev->owner_pid, ev->owner_host ? ev->owner_host : "");
		break;
	case RUN_STOPPED:
		fprintf(stderr, "pvci: %s\n", ev->note);
		break;
	}
	fflush(stdout);
}

const struct run_listener progress_listener = { .fn = print_event };
