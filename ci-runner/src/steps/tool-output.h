/*
 * The JSON the guest's stress tools print (fio --output-format=json, iperf3
 * --json), parsed without I/O: whatever a guest prints comes through here,
 * so it is fuzzed (tests/fuzz/fuzz-tool-output.c).
 */
#ifndef PVCI_TOOL_OUTPUT_H
#define PVCI_TOOL_OUTPUT_H

struct fio_dir {
	double bw_mibs, iops, clat_p50_us, clat_p99_us;
};

/* storage-stress runs two fio jobs: a verified random write, then reads. */
struct fio_result {
	struct fio_dir write, read;
};

/*
 * Parses fio's output out (NUL-terminated; warnings may come before the JSON,
 * which starts at the first line that starts with "{"). Returns 0 with *res
 * filled, -1 when there is no JSON or bad JSON, -2 when the JSON does not
 * report two jobs without error; *why (caller frees) says which.
 */
int fio_output_parse(const char *out, struct fio_result *res, char **why);

struct iperf3_result {
	double gbits, retransmits;
	char *error;		/* iperf3's own "error", when it gave one (caller frees) */
};

/*
 * Parses iperf3's output out (NUL-terminated; the JSON starts at the first
 * "{"). Returns 0 with *res filled, -1 when there is no JSON or bad JSON,
 * -2 when it has no end.sum_received; *why (caller frees) says which. On -2
 * res->error may still be set.
 */
int iperf3_output_parse(const char *out, struct iperf3_result *res, char **why);
void iperf3_result_release(struct iperf3_result *res);

#endif
