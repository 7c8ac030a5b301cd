/* fuzz_console_frame.c — libFuzzer harness: the console framer alone,
 * fed as a session reads (growing prefixes of the stream), checking the
 * offsets it returns stay inside what it was given. */
#include "fuzz_util.h"

static void
check(const struct console_frame *fr, size_t len)
{
	bool answer = fr->state == CF_OK || fr->state == CF_FAILED;

	if (fr->consumed > len ||
	    (answer && (fr->body_off + fr->body_len > len || fr->echo_off + fr->echo_len > len)) ||
	    (fr->state == CF_FAILED && fr->fail_off + fr->fail_len > len) ||
	    (fr->state == CF_PAGER && fr->pager_end > len))
		abort();	/* a span outside the input: the parsers would read past it */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct console_frame fr;
	size_t len, off = 0;

	/* Arrival in pieces: the answer as it grows, 1 byte, then 7 more... */
	for (len = 1; len <= size; len += 1 + len / 2) {
		memset(&fr, 0, sizeof fr);
		if (console_frame(buf, len, &fr) != CF_INCOMPLETE)
			check(&fr, len);
		(void)console_prompt_at_end(buf, len);
	}
	/* The whole stream, answer after answer. */
	while (off < size) {
		enum console_frame_state st;

		memset(&fr, 0, sizeof fr);
		st = console_frame(buf + off, size - off, &fr);
		if (st == CF_INCOMPLETE || fr.consumed == 0)
			break;
		check(&fr, size - off);
		off += fr.consumed;
	}
	return 0;
}
