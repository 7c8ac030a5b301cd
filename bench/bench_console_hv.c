/* bench_console_hv.c — cost of parsing HV controller and SC0500 debug
 * answers (the bodies only; framing has its own bench).
 *
 * Prints ns per answer and MB/s for an HV pwr, a 4-BMU unit, a 120-cell
 * bat (Force H2 size) and a 75-cell getpwr (SC0500 size).  Figures only:
 * nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/console_hv.h"
#include "proto/console_sc0500.h"
#include "util/diag.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
make_pwr(char *b, size_t size)
{
	return (size_t)snprintf(b, size, "%s",
	    "AverageTempr   : 22483       \r\r\nDC Volt        : 400437      \r\r\n"
	    "Bat Volt       : 400916      \r\r\n\r\r\n"
	    "Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh UTlow  UThigh UVlow  UVhigh "
	    "Base.St  Volt.St  Curr.St  Temp.St  CoulombAH                CoulombWH        "
	    "      Time                 B.V.St   B.T.St   U.V.St   U.T.St   Err Code\r\r\n"
	    "401758 521    33000  22000  24000  3346   3349   22000  23466  100428 100451 "
	    "Charge   Normal   Normal   Normal    78%          28903 mAH  84%        11903117 "
	    "mWH 2026-11-23 16:14:35  Normal   Normal   Normal   Normal   0x0\r\n");
}

static size_t
make_unit(char *b, size_t size)
{
	size_t o;
	int i;

	o = (size_t)snprintf(b, size, "AverageTempr: 21750       \r\r\n"
	    "Index  Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh Base.St  Volt.St  Temp.St  "
	    "CoulombAH                CoulombWH               Time               ");
	for (i = 1; i <= 4 && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%-6d %-6d 2058   21000  21000  "
		    "21000  3334   3337    Charge   Normal   Normal    63%%          23195 mAH  "
		    "66%%         2337434 mWH 2026-11-23 14:30:44 ", i, 100000 + i);
	o += (size_t)snprintf(b + o, size - o, "\r\n");
	return o;
}

static size_t
make_bat(char *b, size_t size, int cells)
{
	size_t o;
	int i;

	o = (size_t)snprintf(b, size, "Time: 2026-11-23 14:31:12 \r\r\nA.Tempr: 21750  \r\r\n"
	    "C.Curr : 18500   mA\r\r\nD.Curr : -18500  mA\r\r\nB.State: Charge \r\r\n"
	    "BalVolt: 3360\r\r\n"
	    "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)       WH(mWH)            Bal");
	for (i = 0; i < cells && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%-4d %-4d 1999    21000   Normal  "
		    "Normal   64%%    23583  66%%        77675   %c", i, 3330 + i % 7,
		    i % 9 ? 'N' : 'Y');
	o += (size_t)snprintf(b + o, size - o, "\r\n");
	return o;
}

static size_t
make_getpwr(char *b, size_t size, int cells)
{
	size_t o;
	int i;

	o = (size_t)snprintf(b, size, "236000#   -292#  30000# 11613# Dischg# Normal# Normal# "
	    "Normal# \r\r\n");
	for (i = 0; i < cells && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, " %4d#  %5d# Normal# Normal# \r\r\n",
		    3150 + i % 20, 21000 + 100 * (i % 5));
	o += (size_t)snprintf(b + o, size - o, "    0# \r\r\n 1004# \r\n");
	return o;
}

static void
run(const char *what, const char *buf, size_t len, console_parse_fn fn, struct pt_sample *s)
{
	struct console_ctx ctx = { .module = 0 };
	struct pt_diag d;
	double t0, dt;
	long n = 0, fails = 0;

	t0 = now_s();
	do {
		int k;

		for (k = 0; k < 1000; k++, n++) {
			pt_diag_clear(&d);
			if (fn(buf, len, &ctx, s, &d) != 0)
				fails++;
		}
		dt = now_s() - t0;
	} while (dt < 0.5);
	printf("parse %s: %.0f ns/answer, %.1f MB/s (%zu bytes)%s\n", what, dt / (double)n * 1e9,
	    (double)len * (double)n / dt / 1e6, len, fails ? " [PARSE FAILED]" : "");
}

int
main(void)
{
	static char buf[32768];
	struct pt_sample *s = malloc(sizeof *s);
	struct console_ctx ctx = { .module = 0 };
	size_t n;

	if (s == NULL)
		return 1;
	pt_sample_init(s, "hv");
	n = make_pwr(buf, sizeof buf);
	run("hv pwr", buf, n, console_hv_parse_pwr, s);
	n = make_unit(buf, sizeof buf);
	run("hv unit", buf, n, console_hv_parse_unit, s);
	/* The 4 BMUs of unit are in the sample: bat splits its 120 cells. */
	pt_sample_init(s, "hv");
	(void)console_hv_parse_unit(buf, n, &ctx, s, NULL);
	n = make_bat(buf, sizeof buf, 120);
	run("hv bat", buf, n, console_hv_parse_bat, s);
	pt_sample_init(s, "sc0500");
	n = make_getpwr(buf, sizeof buf, 75);
	run("sc0500 getpwr", buf, n, console_sc0500_parse_getpwr, s);
	free(s);
	return 0;
}
