/*
 * libFuzzer harness for webhook bodies (POST /api/hooks/push): any bytes,
 * correctly signed (so they reach the JSON parser), as GitHub and as
 * GitLab events, through parsing and the mapping to configured branches.
 *
 *   make fuzz   (builds build/fuzz/fuzz-webhook and runs it FUZZ_SECONDS)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "log.h"
#include "request.h"
#include "util.h"
#include "webhook.h"

#define SECRET "fuzz-secret"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config *cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/pvci-fuzz-webhook.XXXXXX";
	char *path;
	FILE *f;

	(void)argc;
	(void)argv;
	log_init("fuzz", -1);
	if (!mkdtemp(dir))
		abort();
	path = path_join(dir, "config.json");
	f = fopen(path, "w");
	fputs("{\"service\": {\"secrets_file\": \"s.json\"}, \"trees\": {\"xenbus\": "
	      "{\"url\": \"https://github.com/xen/xenbus.git\", \"branches\": "
	      "{\"master\": {\"push\": \"push\"}}}}}", f);
	fclose(f);
	cfg = config_load(path);
	free(path);
	path = path_join(dir, "s.json");
	f = fopen(path, "w");
	fputs("{\"github_secret\": \"" SECRET "\", \"gitlab_token\": \"" SECRET "\"}", f);
	fclose(f);
	chmod(path, 0600);
	free(path);
	if (!cfg || config_load_secrets(cfg, dir) < 0)
		abort();
	remove_tree(dir);
	return 0;
}

static void
one(const struct service_request *req)
{
	const struct config_branch *b;
	struct service_answer a = { 0, NULL, 0 };
	struct webhook_push p;

	if (webhook_parse(cfg, req, &p, &a) == 0 && p.is_push) {
		service_answer_release(&a);
		webhook_match(cfg, &p, &b, &a);
	}
	service_answer_release(&a);
	webhook_push_release(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char sig[7 + 2 * 32 + 1] = "sha256=";
	unsigned int len = 0, i;
	struct service_header gh[2] = { { "X-GitHub-Event", "push" }, { "X-Hub-Signature-256", sig } };
	struct service_header gl[2] = { { "X-Gitlab-Event", "Push Hook" }, { "X-Gitlab-Token", SECRET } };
	struct service_request req = { gh, 2, (const char *)data, size };

	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), data, size, md, &len);
	for (i = 0; i < len && i < 32; i++)
		snprintf(sig + 7 + 2 * i, 3, "%02x", md[i]);
	one(&req);
	req.headers = gl;
	one(&req);
	return 0;
}
