/* bench_parse.c — cost of framing and parsing HV, SC0500 and RS485
 * answers (the LV ones are in bench_console_lv).  Answers are built here
 * in the wire format; figures only, nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "proto/console_frame.h"
#include "proto/console_hv.h"
#include "proto/console_sc0500.h"
#include "proto/rs485.h"

static double t[BENCH_ROUNDS];

static size_t
hv_bat(char *b, size_t size, int cells)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(b, size, "bat\n\r@\r\r\nTime: 2026-11-23 16:00:00 \r\r\n"
	    "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)       WH(mWH)            Bal");
	for (i = 0; i < cells && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%-4d %-4d -303    21000   Normal  "
		    "Normal   17%%    12580  17%%        40256   N", i, 3150 + i % 20);
	o += (size_t)snprintf(b + o, size - o, "\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>");
	return o;
}

static size_t
getpwr(char *b, size_t size, int cells)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(b, size, "getpwr\n\r@\r\r\n236000#   -292#  30000# 11613# Dischg# "
	    "Normal# Normal# Normal# ");
	for (i = 0; i < cells && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%4d#  21000# Normal# Normal# ", 3150 + i % 20);
	o += (size_t)snprintf(b + o, size - o, "\r\r\n0# \r\r\n1004# \r\n\rCommand completed "
	    "successfully\r\n\r$$\r\n\rpylon_debug>");
	return o;
}

static void
console(const char *name, const char *buf, size_t len, console_parse_fn parse)
{
	struct pt_sample *s = malloc(sizeof *s);
	struct console_frame fr;
	struct console_ctx ctx = { 0 };
	struct pt_diag d;
	struct bench_stat st;
	int i, n = BENCH_ROUNDS, ok = 0;

	for (i = 0; i < n; i++) {
		double t0;

		pt_sample_init(s, "hv");	/* reset, outside the timed part */
		pt_diag_clear(&d);
		t0 = bench_now_ns();
		if (console_frame(buf, len, &fr) == CF_OK &&
		    parse(buf + fr.body_off, fr.body_len, &ctx, s, &d) == 0)
			ok++;
		t[i] = bench_now_ns() - t0;
	}
	st = bench_stat(t, (size_t)n);
	printf("frame+parse %s: median %.2f us (min %.2f, max %.2f; %d calls), %zu bytes "
	    "(built here)%s\n", name, st.med / 1e3, st.min / 1e3, st.max / 1e3, n, len,
	    ok == n ? "" : "  (PARSE FAILED)");
	free(s);
}

static void
rs485(const char *name, const char *frame, enum rs485_dialect dl)
{
	struct pt_sample *s = malloc(sizeof *s);
	struct rs485_frame *f = malloc(sizeof *f);
	struct pt_diag d;
	struct bench_stat st;
	int i, n = BENCH_ROUNDS, ok = 0;
	size_t len = strlen(frame);

	for (i = 0; i < n; i++) {
		double t0;

		pt_sample_init(s, "rs485");	/* reset, outside the timed part */
		pt_diag_clear(&d);
		t0 = bench_now_ns();
		if (rs485_decode(frame, len, f, &d) == 0 && rs485_parse_analog(f, dl, s, &d) == 0)
			ok++;
		t[i] = bench_now_ns() - t0;
	}
	st = bench_stat(t, (size_t)n);
	printf("parse %s: median %.0f ns (min %.0f, max %.0f; %d calls), %zu bytes%s\n", name,
	    st.med, st.min, st.max, n, len, ok == n ? "" : "  (DECODE FAILED)");
	free(s);
	free(f);
}

int
main(void)
{
	static char buf[65536];
	size_t n;

	n = hv_bat(buf, sizeof buf, 120);
	console("hv bat (120 cells)", buf, n, console_hv_parse_bat);
	n = getpwr(buf, sizeof buf, 75);
	console("sc0500 getpwr (75 cells)", buf, n, console_sc0500_parse_getpwr);
	rs485("rs485 pylontech 0x42 (15 cells)", "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C99"
	    "0C9B0C9C0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545",
	    RS_PYLONTECH);
	return 0;
}
