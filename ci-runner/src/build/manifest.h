/*
 * The driver manifest, winpv-drivers/drivers.json (documented in
 * winpv-drivers/README.md): for each driver its upstream repository and
 * branch, the build command and where it runs, and the files a build
 * produces. Loaded and validated whole; strings are owned by the manifest.
 */
#ifndef PVCI_MANIFEST_H
#define PVCI_MANIFEST_H

struct manifest_output {
	char *file;		/* a plain file name */
	char *kind;		/* sys, inf, cat, exe, dll, pdb */
	int optional;
};

struct manifest_driver {
	char *name;
	char *url;
	char *branch;
	char *subdir;		/* may be NULL */
	char *executor;		/* may be NULL: the config's build.executor */
	char **build;		/* argv with {placeholders}, NULL-terminated */
	char **tools;		/* programs the build host must have, NULL-terminated */
	char *outdir;		/* with {placeholders} */
	char **stamp_inf;	/* INF files (relative to the source) to stamp */
	struct manifest_output *outputs;
	int noutputs;
};

struct manifest {
	char *path;
	char *version;		/* MAJOR.MINOR.MICRO */
	struct manifest_driver *drivers;
	int ndrivers;
};

/* The manifest shipped with pvci: DATADIR/winpv-drivers/drivers.json. */
char *manifest_default_path(void);

struct manifest *manifest_load(const char *path);
void manifest_free(struct manifest *m);
const struct manifest_driver *manifest_driver(const struct manifest *m, const char *name);

#endif
