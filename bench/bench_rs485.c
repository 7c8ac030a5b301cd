/* bench_rs485.c — cost of one RS485 reply: framing in a byte stream,
 * every frame check, and the dialect decoder into the sample.  Figures
 * only, nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "proto/rs485.h"

/* PACE 16-cell analog and alarm replies (tests/fixtures/rs485/pace_pack.txt),
 * and the US2000 analog reply of docs/rs485.md §6.2. */
static const char pace42[] = "~25014600F07A0002100D160D170D180D190D160E420D180D190D160D170D18"
    "0D190D160D170D180D19060B770B7C0B810B860BD60B5EFB2ED2A31F4003271001412904E34B\r";
static const char pace44[] = "~25014600004C000210000000000002000000000000000000000600000000020000"
    "000001000C000420010140EF2A\r";
static const char us2000[] = "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B"
    "0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545\r";

static double t[20001];

static void
bench(const char *name, const char *frame, enum rs485_dialect dl, uint8_t cid2)
{
	struct pt_sample *s = malloc(sizeof *s);
	struct rs485_frame *f = malloc(sizeof *f);
	char stream[512];
	size_t len, slen, start, flen;
	struct pt_diag d;
	struct bench_stat st;
	int i, n = (int)(sizeof t / sizeof t[0]), ok = 0;

	if (s == NULL || f == NULL)
		exit(1);
	len = strlen(frame);
	/* A little noise before it, as on a shared bus. */
	slen = (size_t)snprintf(stream, sizeof stream, "\x01\xff~20%s", frame);
	for (i = 0; i < n; i++) {
		double t0;

		pt_sample_init(s, "rs485");	/* reset, outside the timed part */
		pt_diag_clear(&d);
		t0 = bench_now_ns();
		if (rs485_find_frame(stream, slen, &start, &flen) &&
		    rs485_decode_reply(stream + start, flen, f, &d) == 0 &&
		    rs485_parse_reply(f, dl, cid2, RS485_CMD_UNKNOWN, s, &d) == 0)
			ok++;
		t[i] = bench_now_ns() - t0;
	}
	st = bench_stat(t, (size_t)n);
	printf("parse rs485 %s: median %.0f ns (min %.0f, max %.0f; %d calls), %zu bytes%s\n",
	    name, st.med, st.min, st.max, n, len, ok == n ? "" : "  FAILED");
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
