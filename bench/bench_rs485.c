/* bench_rs485.c — cost of one RS485 reply: framing in a byte stream,
 * every frame check, and the dialect decoder into the sample.  Figures
 * only, nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/rs485.h"

/* PACE 16-cell analog and alarm replies (tests/fixtures/rs485/pace_pack.txt),
 * and the US2000 analog reply of rs485-binary.md §6.2. */
static const char pace42[] = "~25014600F07A0002100D160D170D180D190D160E420D180D190D160D170D18"
    "0D190D160D170D180D19060B770B7C0B810B860BD60B5EFB2ED2A31F4003271001412904E34B\r";
static const char pace44[] = "~25014600004C000210000000000002000000000000000000000600000000020000"
    "000001000C000420010140EF2A\r";
static const char us2000[] = "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B"
    "0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545\r";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench(const char *name, const char *frame, enum rs485_dialect dl, uint8_t cid2)
{
	struct pt_sample *s = malloc(sizeof *s);
	struct rs485_frame *f = malloc(sizeof *f);
	char stream[512];
	size_t len, slen, start, flen;
	struct pt_diag d;
	double t0, dt;
	int i, n = 200000, ok = 0;

	if (s == NULL || f == NULL)
		exit(1);
	len = strlen(frame);
	/* A little noise before it, as on a shared bus. */
	slen = (size_t)snprintf(stream, sizeof stream, "\x01\xff~20%s", frame);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		pt_sample_init(s, "rs485");
		pt_diag_clear(&d);
		if (rs485_find_frame(stream, slen, &start, &flen) &&
		    rs485_decode_reply(stream + start, flen, f, &d) == 0 &&
		    rs485_parse_reply(f, dl, cid2, RS485_CMD_UNKNOWN, s, &d) == 0)
			ok++;
	}
	dt = now_s() - t0;
	printf("parse rs485 %s: %.0f ns/answer, %.1f MB/s (%zu bytes)%s\n", name,
	    dt / n * 1e9, (double)len * n / dt / 1e6, len, ok == n ? "" : "  FAILED");
	free(s);
	free(f);
}

int
main(void)
{
	bench("0x42", pace42, RS_PACE, 0x42);
	bench("0x44", pace44, RS_PACE, 0x44);
	bench("0x42 pylontech 15 cells", us2000, RS_PYLONTECH, 0x42);
	bench("0x42 auto", us2000, RS_AUTO, 0x42);
	return 0;
}
