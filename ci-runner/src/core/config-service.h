/*
 * The service's structured settings, part of config.json beside the flat
 * sections of config.c: the trees the service watches and, per tree, the
 * branches with the recipe of each trigger (push, nightly) and the nightly
 * schedule. The secrets (API tokens, webhook secrets) live in a separate
 * file of mode 0600 named by service.secrets_file, loaded on demand by
 * config_load_secrets() and never logged.
 *
 *   "trees": {
 *     "xenbus": {
 *       "url": "https://xenbits.xen.org/git-http/pvdrivers/win/xenbus.git",
 *       "branches": {
 *         "master": { "push": "push", "nightly": "nightly", "flight_branch": "xenbus",
 *                     "schedule": { "time": "02:30", "days": ["mon", "fri"],
 *                                   "utc_offset": "+01:00" } }
 *       }
 *     }
 *   }
 *
 * Only config.c uses this header; everyone else uses the accessors of
 * config.h.
 */
#ifndef PVCI_CONFIG_SERVICE_H
#define PVCI_CONFIG_SERVICE_H

#include <jansson.h>

struct config_service;

/* 1 when name is a top-level section this module reads ("trees"). */
int config_service_section(const char *name);
/* Reads section name's value v into *svc (made when NULL); path names the file. */
int config_service_load(struct config_service **svc, const char *name, json_t *v,
			const char *path);
void config_service_free(struct config_service *svc);
/* Where config.c keeps it (the accessors of config.h live in config-service.c). */
struct config;
struct config_service **config_service_slot(const struct config *cfg);

#endif
