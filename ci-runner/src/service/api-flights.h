/*
 * POST /api/flights: a one-off flight asked for over HTTP, as "pvci flight
 * create --blessing adhoc" does it from a shell. The caller shows a bearer
 * token of the secrets file ("Authorization: Bearer TOKEN"); the token's
 * name is recorded as the flight's requester, and the trigger "one-off".
 * The flight is always adhoc: it never becomes a baseline and never moves
 * the push gate.
 *
 * Body (JSON object; only these keys):
 *   "recipe":  required, a recipe name (NAME.json in service.recipes_dir,
 *              else pvci's flights/); never a path
 *   "trees":   { "TREE": "URL#REV" | "#REV" | "URL" }: as --tree; URL is a
 *              network URL (https://, http://, git://, ssh://, user@host:path)
 *              or the URL of a configured tree, never another local path
 *   "runvars": { "[JOB_GLOB:]NAME": "VALUE" }: as --runvar
 *   "jobs":    a glob of the jobs to keep, as --jobs
 *   "branch":  the flight's branch (default: the recipe's)
 *
 * Answers (JSON): 201 {"flight": N, "url": URL}; 401 without a token or
 * with one that is not in the secrets file (the body is then not read);
 * 400 with "error" naming the field for anything malformed or refused by
 * flight creation (its messages, as "pvci flight create" prints them).
 */
#ifndef PVCI_API_FLIGHTS_H
#define PVCI_API_FLIGHTS_H

#include "request.h"

struct config;
struct instance;

/* Handles the request: a filled (caller releases); returns a->status. */
int api_flights_post(struct instance *inst, const struct config *cfg,
		     const struct service_request *req, struct service_answer *a);

/*
 * The name of the token "Authorization: Bearer TOKEN" of req shows, or
 * NULL (a filled with 401 and why).
 */
const char *api_token_name(const struct config *cfg, const struct service_request *req,
			   struct service_answer *a);

#endif
