#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "api-flights.h"
#include "config.h"
#include "flight-create.h"
#include "instance.h"
#include "log.h"
#include "trigger.h"
#include "util.h"

#define API_BODY_MAX (1 << 20)
#define API_MAX_TREES 64
#define API_MAX_RUNVARS 1024
#define ERRORS_MAX 4096

const char *
api_token_name(const struct config *cfg, const struct service_request *req,
	       struct service_answer *a)
{
	const char *auth = service_header(req, "Authorization"), *token, *name;

	if (!auth || strncasecmp(auth, "Bearer ", 7)) {
		service_answer_set(a, 401, "error", "no bearer token (Authorization: Bearer "
				   "TOKEN)", NULL);
		return NULL;
	}
	for (token = auth + 7; *token == ' '; token++)
		;
	name = *token ? config_token_name(cfg, token) : NULL;
	if (!name)
		service_answer_set(a, 401, "error", "the bearer token is not one of this "
				   "service's tokens", NULL);
	return name;
}

/* The request, parsed into the options of flight_create (strings owned here). */
struct api_request {
	char *recipe;
	char *branch;
	char *jobs;
	struct flight_tree_opt trees[API_MAX_TREES];
	int ntrees;
	struct flight_runvar_opt runvars[API_MAX_RUNVARS];
	int nrunvars;
	/* What the options point into. */
	char **strings;
	int nstrings;
};

static char *
keep(struct api_request *r, char *s)
{
	r->strings = xrealloc(r->strings, sizeof(*r->strings) * (size_t)(r->nstrings + 1));
	r->strings[r->nstrings++] = s;
	return s;
}

static void
api_request_release(struct api_request *r)
{
	int i;

	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
}

static int
bad(struct service_answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct service_answer *a, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	service_answer_set(a, 400, "error", why, NULL);
	free(why);
	return 400;
}

/* A URL the API may name: a network one, or a configured tree's. */
static int
url_allowed(const struct config *cfg, const char *url)
{
	static const char *const schemes[] = { "https://", "http://", "git://", "ssh://", NULL };
	const struct config_tree *trees;
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	int i, n = config_trees(cfg, &trees);

	for (i = 0; schemes[i]; i++)
		if (!strncmp(url, schemes[i], strlen(schemes[i])))
			return 1;
	/* scp-like user@host:path, not a local path holding a colon. */
	if (colon && url[0] != '/' && (!slash || colon < slash) && strchr(url, '@'))
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(trees[i].url, url))
			return 1;
	return 0;
}

static int
parse_trees(const struct config *cfg, json_t *trees, struct api_request *r,
	    struct service_answer *a)
{
	const char *name;
	json_t *v;

	if (!json_is_object(trees))
		return bad(a, "field 'trees' must be an object: tree name to \"URL#REV\"");
	if (json_object_size(trees) > API_MAX_TREES)
		return bad(a, "field 'trees' has more than %d trees", API_MAX_TREES);
	json_object_foreach(trees, name, v) {
		struct flight_tree_opt *t = &r->trees[r->ntrees];
		const char *s = json_string_value(v), *hash;

		if (!name_is_valid(name))
			return bad(a, "field 'trees': tree name '%s' is not made of [A-Za-z0-9._-]",
				   name);
		if (!s || !*s || strpbrk(s, "\n\r\t "))
			return bad(a, "field 'trees.%s' must be a string \"URL#REV\", \"#REV\" or "
				   "\"URL\"", name);
		hash = strrchr(s, '#');
		t->name = keep(r, xstrdup(name));
		t->url = keep(r, hash ? xasprintf("%.*s", (int)(hash - s), s) : xstrdup(s));
		t->rev = hash ? keep(r, xstrdup(hash + 1)) : NULL;
		if (hash && (!hash[1] || hash[1] == '-'))
			return bad(a, "field 'trees.%s': the revision after '#' is empty or starts "
				   "with '-'", name);
		if (*t->url && !url_allowed(cfg, t->url))
			return bad(a, "field 'trees.%s': '%s' is neither a network URL nor a "
				   "configured tree's URL", name, t->url);
		if (secrets_present(t->url))
			return bad(a, "field 'trees.%s': the URL must hold no credentials", name);
		r->ntrees++;
	}
	return 0;
}

static int
parse_runvars(json_t *runvars, struct api_request *r, struct service_answer *a)
{
	const char *key;
	json_t *v;

	if (!json_is_object(runvars))
		return bad(a, "field 'runvars' must be an object: \"[JOB:]NAME\" to a string");
	if (json_object_size(runvars) > API_MAX_RUNVARS)
		return bad(a, "field 'runvars' has more than %d runvars", API_MAX_RUNVARS);
	json_object_foreach(runvars, key, v) {
		struct flight_runvar_opt *rv = &r->runvars[r->nrunvars];
		const char *colon = strchr(key, ':');

		if (!json_is_string(v))
			return bad(a, "field 'runvars.%s' must be a string", key);
		rv->job_glob = colon ? keep(r, xasprintf("%.*s", (int)(colon - key), key)) : NULL;
		rv->name = keep(r, xstrdup(colon ? colon + 1 : key));
		rv->value = keep(r, xstrdup(json_string_value(v)));
		if (!name_is_valid(rv->name))
			return bad(a, "field 'runvars': runvar name '%s' is not made of "
				   "[A-Za-z0-9._-]", rv->name);
		r->nrunvars++;
	}
	return 0;
}

/* The body into r: 0, or 400 with a filled. */
static int
parse_request(const struct config *cfg, const struct service_request *req,
	      struct api_request *r, struct service_answer *a)
{
	json_error_t jerr;
	const char *k;
	json_t *root, *v;
	int rc = 0;

	if (req->body_len > API_BODY_MAX)
		return bad(a, "the body is larger than %d bytes", API_BODY_MAX);
	root = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!root)
		return bad(a, "the body is not JSON: line %d column %d: %s", jerr.line,
			   jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return bad(a, "the body must be a JSON object (recipe, trees, runvars, jobs, "
			   "branch)");
	}
	json_object_foreach(root, k, v) {
		if (!strcmp(k, "recipe") || !strcmp(k, "jobs") || !strcmp(k, "branch")) {
			const char *s = json_string_value(v);

			if (!s || !*s) {
				rc = bad(a, "field '%s' must be a non-empty string", k);
				break;
			}
			if (strcmp(k, "jobs") && !name_is_valid(s)) {
				rc = bad(a, "field '%s': '%s' is not a name ([A-Za-z0-9._-])", k, s);
				break;
			}
			*(!strcmp(k, "recipe") ? &r->recipe : !strcmp(k, "jobs") ? &r->jobs
										 : &r->branch) =
				keep(r, xstrdup(s));
		} else if (!strcmp(k, "trees")) {
			if ((rc = parse_trees(cfg, v, r, a)))
				break;
		} else if (!strcmp(k, "runvars")) {
			if ((rc = parse_runvars(v, r, a)))
				break;
		} else {
			rc = bad(a, "unknown field '%s' (recipe, trees, runvars, jobs, branch)", k);
			break;
		}
	}
	json_decref(root);
	if (!rc && !r->recipe)
		rc = bad(a, "field 'recipe' is required (a recipe name)");
	/* A name only: "x.json" would be taken as a path of the instance. */
	if (!rc && strlen(r->recipe) > 5 && !strcmp(r->recipe + strlen(r->recipe) - 5, ".json"))
		rc = bad(a, "field 'recipe': '%s' is a file name; give the recipe's name",
			 r->recipe);
	return rc;
}

/*
 * flight_create()'s error messages, for the answer: they go to stderr as
 * ever and, through the log's mirror descriptor, to a memory file read
 * back here. Already redacted by the log.
 */
static int
capture_start(void)
{
	int fd = memfd_create("pvci-api-errors", MFD_CLOEXEC);

	if (fd >= 0)
		log_set_mirror_fd(fd);
	return fd;
}

static char *
capture_end(int fd)
{
	struct strbuf sb;
	char buf[512], *line, *next;
	ssize_t n;

	log_set_mirror_fd(-1);
	if (fd < 0)
		return xstrdup("");
	strbuf_init(&sb);
	if (lseek(fd, 0, SEEK_SET) == 0)
		while (sb.len < ERRORS_MAX && (n = read(fd, buf, sizeof(buf))) > 0)
			strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	/* "pvci: error: x\n" lines become "x; y". */
	{
		struct strbuf out;

		strbuf_init(&out);
		for (line = sb.buf; *line; line = next) {
			next = line + strcspn(line, "\n");
			if (*next)
				*next++ = '\0';
			if (!strncmp(line, "pvci: ", 6))
				line += 6;
			if (!strncmp(line, "error: ", 7))
				line += 7;
			if (*line)
				strbuf_addf(&out, "%s%s", out.len ? "; " : "", line);
		}
		strbuf_release(&sb);
		return strbuf_detach(&out);
	}
}

int
api_flights_post(struct instance *inst, const struct config *cfg,
		 const struct service_request *req, struct service_answer *a)
{
	struct api_request r;
	const char *who;
	char *path = NULL, *why, *url;
	long flight;
	int fd, status;

	memset(a, 0, sizeof(*a));
	memset(&r, 0, sizeof(r));
	who = api_token_name(cfg, req, a);
	if (!who) {
		log_warnx("api flights: refused (401): %s", a->body);
		return a->status;
	}
	status = parse_request(cfg, req, &r, a);
	if (status)
		goto out;
	fd = capture_start();
	path = trigger_recipe_path(inst, cfg, r.recipe);
	if (!path) {
		/* The message names a file of this host: it stays in the log. */
		free(capture_end(fd));
		status = bad(a, "field 'recipe': no recipe '%s'", r.recipe);
		goto out;
	}
	{
		struct flight_create_opts o = {
			.recipe = path, .branch = r.branch, .blessing = "adhoc", .jobs_glob = r.jobs,
			.trees = r.trees, .ntrees = r.ntrees,
			.runvars = r.runvars, .nrunvars = r.nrunvars,
			.requester = who, .trigger = "one-off",
		};

		flight = flight_create(inst, &o);
	}
	why = capture_end(fd);
	if (flight < 0) {
		status = bad(a, "the flight was refused: %s", why);
		free(why);
		goto out;
	}
	free(why);
	a->flight = flight;
	url = service_flight_url(cfg, flight);
	status = service_answer_set(a, 201, "url", url, NULL);
	free(url);
	log_warnx("trigger one-off %s: created flight %ld (asked by token '%s')", r.recipe,
		  flight, who);
out:
	if (status != 201)
		log_warnx("api flights: refused (%d) for token '%s': %s", status, who, a->body);
	free(path);
	api_request_release(&r);
	return status;
}
