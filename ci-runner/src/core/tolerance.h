/*
 * How far a measurement may move from its baseline before pvci report
 * calls it a performance regression. A recipe sets it per job and metric
 * as runvar tolerance_METRIC (read by the report, not by a step):
 *
 *   "-20%"  the value may fall at most 20 % below the baseline (MiB/s)
 *   "+50%"  the value may rise at most 50 % above it (seconds)
 *
 * The baseline is the median of the metric over the job's last
 * TOLERANCE_HISTORY passing real flights of the branch.
 */
#ifndef PVCI_TOLERANCE_H
#define PVCI_TOLERANCE_H

#define TOLERANCE_PREFIX "tolerance_"
#define TOLERANCE_HISTORY 5

struct tolerance {
	int sign;		/* -1: lower is worse, +1: higher is worse */
	double fraction;	/* 0.2 for 20 % */
};

/* Parses "-N%" or "+N%" (N a number up to 1000, decimals allowed); -1 (not reported). */
int tolerance_parse(const char *s, struct tolerance *t);

#endif
