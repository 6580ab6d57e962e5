/*
 * The push gate: per branch, the tested revision of each tree advances when
 * a real flight ends with nothing blocking the push (judged by report.c,
 * the same findings pvci report prints), and is pushed with git to the
 * tree's push_url and tested_ref (runvars recorded at flight creation from
 * the recipe). A blocked gate never advances; adhoc, play and bisect
 * flights never move it. Every change and every refusal is an event of
 * gate_events: who (the Unix user), when and why.
 *
 * Messages for people go to out as "gate: ..." lines; errors are reported
 * once where they happen.
 */
#ifndef PVCI_GATE_H
#define PVCI_GATE_H

#include <stdio.h>

#include "allow.h"

struct db;
struct instance;

/* What gate_run did (or -1: an error, reported; nothing recorded as tested). */
enum gate_outcome {
	GATE_ADVANCED = 0,	/* advanced, or already at the flight's revisions */
	GATE_HELD = 1,		/* not advanced: blocked, blocking findings, not real, ... */
};

/*
 * Judges flight and, when nothing blocks, pushes and records its revisions
 * as its branch's tested ones. allow may be NULL. A push that fails
 * records nothing as tested (a push-failed event says why) and returns -1.
 */
int gate_run(struct instance *inst, long flight, const struct allow_list *allow, FILE *out);

/*
 * After pvci flight run: gate_run for a real flight whose jobs are all
 * final, printing to stdout; nothing for any other flight. 0, or -1 when
 * the gate could not do its work.
 */
int gate_after_flight(struct instance *inst, long flight);

/*
 * 1 when flight advanced (and pushed) its branch's gate, 0 when not, -1
 * (reported): for the email's " - PUSHED".
 */
int gate_pushed(struct db *db, long flight);

/* pvci gate show: whether blocked, the tested revisions, the history. 0 or -1. */
int gate_show(struct instance *inst, const char *branch, FILE *out);

/*
 * pvci gate force: makes rev the tested revision of tree (NULL: the
 * branch's only tree) and pushes it (forced) to the tree's latest push
 * target on the branch, if any. Allowed while blocked. 0 or -1.
 */
int gate_force(struct instance *inst, const char *branch, const char *tree, const char *rev,
	       const char *reason, FILE *out);

/* pvci gate block / unblock. 0, or -1 (reported; already so included). */
int gate_block(struct instance *inst, const char *branch, int block, const char *reason,
	       FILE *out);

#endif
