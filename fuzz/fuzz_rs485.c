/* fuzz_rs485.c — libFuzzer harness: the RS485 "~" protocol: the stream
 * framer, the frame decoder, the dialect guess and every reply decoder
 * of every dialect, and the --decode text path.  The first byte picks
 * the command the reply answers (as the session knows it); the rest is
 * the line as received. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample.h"
#include "proto/rs485.h"
#include "util/diag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every reply pylontop reads (rs485_commands[]), and one it does not. */
static const uint8_t cid2s[] = {
	0x42, 0x44, 0x47, 0x4F, 0x51, 0x60, 0x61, 0x62, 0x63, 0x90, 0x92, 0x93,
	0x96, 0xA6, 0xC1, 0xC2, 0x00,
};

static void
decode_one(const struct rs485_frame *f, int cmd)
{
	static struct pt_sample s;
	struct rs485_params p;
	struct pt_diag d;
	size_t i;
	int dl, count;

	pt_diag_clear(&d);
	(void)rs485_guess(f, &d);
	for (dl = RS_AUTO; dl < RS_N_DIALECTS; dl++)
		for (i = 0; i < sizeof cid2s; i++) {
			pt_sample_init(&s, "rs485");
			pt_diag_clear(&d);
			(void)rs485_parse_reply(f, (enum rs485_dialect)dl, cid2s[i], cmd, &s, &d);
		}
	pt_diag_clear(&d);
	(void)rs485_parse_pack_count(f, &count, &d);
	pt_diag_clear(&d);
	(void)rs485_parse_params(f, &p, &d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dialects[] = { "auto", "pylontech", "pace", "seplos" };
	static struct pt_sample s;
	static struct rs485_frame f;
	const char *buf = (const char *)data;
	struct pt_diag d;
	size_t off = 0, start, flen;
	int cmd;

	if (size == 0)
		return 0;
	/* 0..15: that pack; 16: all packs; 17: not known. */
	cmd = data[0] % 18;
	cmd = cmd == 16 ? RS485_ALL_PACKS : cmd == 17 ? RS485_CMD_UNKNOWN : cmd;
	buf++, size--;
	while (off < size && rs485_find_frame(buf + off, size - off, &start, &flen)) {
		if (start + flen > size - off)
			abort();	/* a frame outside the buffer */
		pt_diag_clear(&d);
		if (rs485_decode_reply(buf + off + start, flen, &f, &d) == 0)
			decode_one(&f, cmd);
		off += start + flen;
	}
	/* Also the whole input as one frame (no CR), as rs485_decode allows. */
	pt_diag_clear(&d);
	if (rs485_decode(buf, size, &f, &d) == 0)
		decode_one(&f, cmd);
	pt_sample_init(&s, NULL);
	pt_diag_clear(&d);
	(void)rs485_decode_text(buf, size, dialects[data[0] % 4], &s, &d);
	return 0;
}
