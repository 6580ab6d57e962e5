/*
 * The layout of an instance folder, known here and nowhere else:
 *
 *   config.json, results.db
 *   logs/FLIGHT/JOB/NN.TESTID.log     one log per step
 *   artifacts/FLIGHT/JOB/             what the job's steps recorded
 *   work/FLIGHT/JOB/                  the job's scratch folder
 *   <images.dir>/                     golden images (default images/)
 *   <images.overlays>/FLIGHT/JOB.qcow2   the job's guest overlay
 *   keys/                             test CA and signing keys (mode 0700)
 *   cache/                            fetched repositories
 *
 * Every function returns a new string the caller frees. With home NULL the
 * path is relative to the instance (as the database records it); else it
 * is home/PATH.
 */
#ifndef PVCI_LAYOUT_H
#define PVCI_LAYOUT_H

struct config;

/* The folders "pvci init" makes, NULL-terminated; keys is the private one. */
extern const char *const layout_dirs[];
#define LAYOUT_KEYS_DIR "keys"

char *layout_config(const char *home);
char *layout_db(const char *home);

char *layout_logs(const char *home);
char *layout_flight_logs(const char *home, long flight);
char *layout_job_logs(const char *home, long flight, const char *job);
char *layout_step_log(const char *home, long flight, const char *job, int stepno,
		      const char *testid);

char *layout_flight_artifacts(const char *home, long flight);
char *layout_job_artifacts(const char *home, long flight, const char *job);

char *layout_job_work(const char *home, long flight, const char *job);

/* <images.overlays>/FLIGHT/JOB.qcow2, the setting resolved against home (not NULL). */
char *layout_overlay(const char *home, const struct config *cfg, long flight,
		     const char *job);

#endif
