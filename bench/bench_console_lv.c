/* bench_console_lv.c — cost of framing and parsing LV answers.
 *
 * Prints ns per answer and MB/s for a 16-module pwr table and a 16-cell
 * bat table, framing included.  Figures only: nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/console_frame.h"
#include "proto/console_lv.h"
#include "util/diag.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A layout B pwr answer with 16 present modules, as the wire has it. */
static size_t
make_pwr(char *buf, size_t size)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, size - o, "pwr\n\r@\r\r\n"
	    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  "
	    "Curr.St  Temp.St  Coulomb  Time                 B.V.St   B.T.St   MosTempr M.T.St  ");
	for (i = 1; i <= 16 && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "\r\r\n%-6d%-7d%-7d%-7d%-7d%-7d%-7d%-7d"
		    "Dischg   Normal   Normal   Normal   %-9s2026-11-23 16:00:%02d  Normal   "
		    "Normal  %-9dNormal  ", i, 49700 + i, -3000 - i, 29300, 26000, 26600,
		    3315, 3318, "96%", i, 27100 + i);
	o += (size_t)snprintf(buf + o, size - o, "\r\n\rCommand completed successfully\r\n"
	    "\r$$\r\n\rpylon>");
	return o;
}

/* A new-layout bat answer with 16 cells. */
static size_t
make_bat(char *buf, size_t size)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, size - o, "bat 1\n\r@\r\r\n"
	    "Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State  "
	    "Temp. State  SOC          Coulomb      BAL         ");
	for (i = 0; i < 16 && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "\r\r\n%-9d%-9d%-9d%-9dCharge       "
		    "Normal       Normal       Normal       %-12s%d mAH      %c", i, 3320 + i % 7,
		    5024, 30000, "42%", 19994, i % 5 ? 'N' : 'Y');
	o += (size_t)snprintf(buf + o, size - o, "\r\n\rCommand completed successfully\r\n"
	    "\r$$\r\n\rpylon>");
	return o;
}

static void
run(const char *what, const char *buf, size_t len, console_parse_fn fn, int module)
{
	static struct pt_sample s;
	struct console_ctx ctx = { .module = module };
	struct console_frame fr;
	struct pt_diag d;
	double t0, dt;
	long n = 0, fails = 0;

	pt_sample_init(&s, "lv");
	t0 = now_s();
	do {
		int k;

		for (k = 0; k < 1000; k++, n++) {
			if (console_frame(buf, len, &fr) != CF_OK ||
			    fn(buf + fr.body_off, fr.body_len, &ctx, &s, &d) != 0)
				fails++;
		}
		dt = now_s() - t0;
	} while (dt < 0.5);
	printf("parse lv %s: %.0f ns/answer, %.1f MB/s (%zu bytes)%s\n", what, dt / (double)n * 1e9,
	    (double)len * (double)n / dt / 1e6, len, fails ? " (PARSE FAILED)" : "");
}

int
main(void)
{
	static char pwr[8192], bat[8192];
	size_t np = make_pwr(pwr, sizeof pwr), nb = make_bat(bat, sizeof bat);

	run("pwr", pwr, np, console_lv_parse_pwr_any, 0);
	run("bat", bat, nb, console_lv_parse_bat, 1);
	return 0;
}
