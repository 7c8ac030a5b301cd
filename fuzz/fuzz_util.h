/* fuzz_util.h — what the console harnesses share: walk a capture the way
 * the session and --decode do (frame after frame), and run parsers on
 * each framed body, each on a fresh sample and all on one sample (later
 * answers merge into what earlier ones left, as in a poll cycle). */
#ifndef PT_FUZZ_UTIL_H
#define PT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample.h"
#include "proto/console_cmd.h"
#include "proto/console_frame.h"
#include "util/diag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef void (*fuzz_body_fn)(const char *body, size_t len, int module);

/* The answers of a poll cycle go into one sample, as in the session. */
static inline void
fuzz_parsers(const console_parse_fn *parsers, size_t n, const char *protocol,
    const char *body, size_t len, int module)
{
	static struct pt_sample fresh, merged;
	struct console_ctx ctx = { .module = module };
	struct pt_diag d;
	size_t i;

	pt_sample_init(&merged, protocol);
	for (i = 0; i < n; i++) {
		pt_sample_init(&fresh, protocol);
		pt_diag_clear(&d);
		(void)parsers[i](body, len, &ctx, &fresh, &d);
		pt_diag_clear(&d);
		(void)parsers[i](body, len, &ctx, &merged, &d);
	}
}

/* The first byte picks the module argument ("bat N"); the rest is what
 * the device sent.  Every complete answer is parsed; when none frames,
 * the bytes are parsed as one body (parsers must not trust the framer). */
static inline void
fuzz_console_answers(const char *data, size_t size, fuzz_body_fn fn)
{
	struct console_frame fr;
	size_t off = 0;
	int module, frames = 0;

	if (size == 0)
		return;
	module = (unsigned char)data[0] % 18;
	data++, size--;
	(void)console_prompt_at_end(data, size);
	while (off < size) {
		enum console_frame_state st = console_frame(data + off, size - off, &fr);

		if (st == CF_INCOMPLETE || fr.consumed == 0 || fr.consumed > size - off)
			break;
		if (st == CF_OK && fr.body_off + fr.body_len <= size - off) {
			fn(data + off + fr.body_off, fr.body_len, module);
			frames++;
		}
		off += fr.consumed;
	}
	if (frames == 0)
		fn(data, size, module);
}

#endif
