/*
 * pvci publish: a flight's pages (the same rendering as pvci serve),
 * logs and artifacts written as static files into a staging folder, then
 * uploaded with libcurl to file://, sftp:// (key authentication) or
 * https:// (WebDAV PUT, MKCOL for folders). A manifest on the target
 * (.pvci-manifest: path -> SHA-256) lets the next publish skip what is
 * already there; the index and badge go last, the manifest after them,
 * so a reader never sees a page pointing at a missing file and an
 * interrupted publish sends what is missing the next time (a long one
 * sends the manifest every 200 files or 30 s too).
 */
#ifndef PVCI_PUBLISH_H
#define PVCI_PUBLISH_H

struct db;

struct publish_opts {
	const char *home;		/* the instance: logs/, artifacts/ */
	const char *url;		/* target; may hold no password (redacted anyway) */
	const char *staging;		/* folder the static files are written into */
	const char *credentials_file;	/* JSON, 0600: user, password, key; NULL: none */
	const char *ca_file;		/* https: the CA to trust; NULL: the system's */
	const char *known_hosts;	/* sftp: the server's host key; NULL: ~/.ssh's */
	int tries;			/* per file, at least 1 */
};

struct publish_stats {
	int uploaded, unchanged;
};

/* 0 or -1 (reported: which file, which answer). Never writes the database. */
int publish_flight(struct db *db, long flight, const struct publish_opts *o,
		   struct publish_stats *st);


struct instance;

/*
 * publish_flight with the instance's config (publish.*): url and staging
 * override publish.url and HOME/publish/FLIGHT when not NULL. Prints
 * "publish: flight N: U uploaded, K unchanged to URL". 0 or -1.
 */
int publish_instance(struct instance *inst, long flight, const char *url, const char *staging);

#endif
