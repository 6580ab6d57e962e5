/*
 * Where a build runs. One interface, backends chosen by name (runvar
 * "executor", else the manifest's, else config build.executor):
 *   local   this machine (build-local.c): the fixture and any tree whose
 *           toolchain is here, always inside a bubblewrap sandbox (tree
 *           code is hostile: see build-local.c);
 *   guest   a Windows build VM from config build.host_image, driven
 *           through the guest agent (build-guest.c): the upstream drivers'
 *           build.ps1 under the EWDK.
 * Each operation returns a step status and logs why it is not a pass, so
 * that a missing toolchain or host reads as broken and a compile error as
 * fail.
 */
#ifndef PVCI_BUILD_EXECUTOR_H
#define PVCI_BUILD_EXECUTOR_H

#include "step.h"

/* One build, everything expanded; all lent by the build step. */
struct build_job {
	const char *driver;
	const char *src_dir;		/* the checked-out source (with subdir) */
	const char *out_dir;		/* where the build leaves its outputs */
	const char *const *argv;	/* the build command */
	const char *const *env;		/* extra NAME=VALUE, NULL-terminated */
	const char *const *tools;	/* programs the host must have */
	int timeout;			/* seconds; 0: what is left of the step */
	const char *out_root;		/* the folder the build may write besides
					   src_dir (out_dir is inside it); NULL:
					   out_dir */
	int network;			/* 1: the sandbox keeps the host's network */
};

struct build_executor {
	const char *name;
	/* Host reachable and toolchain present. */
	enum step_status (*prepare)(struct step_ctx *ctx, const struct build_job *job);
	/* Runs the build command. */
	enum step_status (*run)(struct step_ctx *ctx, const struct build_job *job);
	/*
	 * Brings out_dir/file to local_path; 1 (not an error) if it is not
	 * there; 2 (logged) if the build left something else than a plain
	 * file there (a symlink, a device): the tree's fault, a fail.
	 */
	int (*fetch)(struct step_ctx *ctx, const struct build_job *job, const char *file,
		     const char *local_path);
	/* Releases the host (may be NULL). */
	void (*release)(struct step_ctx *ctx, const struct build_job *job);
};

extern const struct build_executor build_executor_local;
extern const struct build_executor build_executor_guest;

/* The backend called name, or NULL. */
const struct build_executor *build_executor_lookup(const char *name);

/*
 * Turns a build command's exit status (as step_run returns it) into a step
 * status, logging why: 0 pass; 126/127 (command or compiler not found)
 * broken; a full disk (ENOSPC in the log, or no space left in dir) broken;
 * anything else fail.
 */
enum step_status build_status_of(struct step_ctx *ctx, int rc, const char *what,
				 const char *dir);

#endif
