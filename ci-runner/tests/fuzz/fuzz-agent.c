/*
 * libFuzzer harness for the agent protocol: whatever a guest writes on its
 * serial port goes through the line splitter, the frame parser and reply
 * collection, the way agent.c uses them.
 *
 *   make fuzz   (builds build/fuzz/fuzz-agent and runs it FUZZ_SECONDS)
 *
 * The first byte picks the id the reply waits for, so frames of that id
 * (and of others) both get exercised.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", -1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent_lines lines;
	struct agent_reply reply;
	struct agent_frame f;
	size_t off = 1;

	if (size < 1)
		return 0;
	agent_lines_init(&lines);
	agent_reply_init(&reply, 1 + data[0] % 8);
	while (off < size) {
		const char *line;

		off += agent_lines_feed(&lines, (const char *)data + off, size - off, &line);
		if (line == NULL)
			continue;
		if (strlen(line) > AGENT_LINE_MAX)
			abort();
		if (agent_parse_frame(line, strlen(line), &f) < 0)
			continue;
		if (f.type == AGENT_FRAME_OUT && f.len > AGENT_PIECE_MAX)
			abort();
		if (f.type == AGENT_FRAME_READY &&
		    (strlen(f.boot_id) == 0 || strlen(f.boot_id) > AGENT_BOOT_ID_MAX))
			abort();
		agent_reply_feed(&reply, &f);
		if (reply.len > AGENT_OUTPUT_MAX)
			abort();
	}
	/* Whatever went in, an encoded request must parse back on the guest's terms. */
	{
		char *req = agent_encode_request(1 + data[0], "RUN", data, size > 12000 ? 12000 : size);

		if (req == NULL && size > 0 && size <= 12000)
			abort();
		if (req && strlen(req) > AGENT_REQUEST_MAX)
			abort();
		/* ... and the guest's parser (the Windows agent's) reads it back. */
		if (req) {
			static struct agent_request r;

			if (agent_parse_request(req, strlen(req) - 1, 0, &r) != AGENT_REQ_OK ||
			    r.len != (size > 12000 ? 12000 : size) || memcmp(r.payload, data, r.len))
				abort();
		}
		free(req);
	}
	/* The guest side on the same bytes: bounded lines, ids only from a frame. */
	{
		static struct agent_req_lines rl;
		static struct agent_request r;

		agent_req_lines_init(&rl);
		off = 0;
		while (off < size) {
			const char *line;
			int too_long;

			off += agent_req_lines_feed(&rl, (const char *)data + off, size - off, &line,
						    &too_long);
			if (line == NULL)
				continue;
			if (strlen(line) > AGENT_REQUEST_MAX)
				abort();
			switch (agent_parse_request(line, strlen(line), too_long, &r)) {
			case AGENT_REQ_OK:
				if (r.len > AGENT_REQUEST_MAX || strlen(r.op) > AGENT_OP_MAX)
					abort();
				/* fall through */
			case AGENT_REQ_BAD:
			case AGENT_REQ_TOO_LONG:
				if (r.id < 1 || r.id > AGENT_ID_MAX)
					abort();
				break;
			case AGENT_REQ_IGNORE:
				break;
			}
		}
	}
	agent_reply_release(&reply);
	return 0;
}
