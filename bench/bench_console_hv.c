/* bench_console_hv.c — cost of parsing HV controller and SC0500 debug
 * answers, on real captures (../shared/protocols/captures) or, without
 * them, on the project's fixtures; every figure names its file.
 *
 * "parse" is the body only; "frame+parse" adds console_frame over the
 * whole answer (echo to prompt).  The sample is reset to what identify and
 * unit leave in it before every call, outside the timed part.  Each figure
 * is the median of BENCH_ROUNDS calls, with min and max.  Figures only:
 * nothing is asserted (a parse failure is printed).
 *
 * On the shared 2-vCPU development VM a whole run now and then comes out
 * about 1.9x slower (9 us instead of 4.8 us for the SC CMU bat, often its
 * min too): the same binary, with address randomisation on or off, in
 * interleaved runs, so it is the machine (a busy neighbour on the same
 * core), not the parser's data or code layout.  Compare the usual figure,
 * or the min over a few runs. */
#include <stdbool.h>

#include "bench_util.h"
#include "proto/console_hv.h"
#include "proto/console_sc0500.h"
#include "util/diag.h"

static double t[BENCH_ROUNDS];

static void
run(const char *what, const struct bench_input *in, console_parse_fn fn,
    const struct pt_sample *base, struct pt_sample *s, bool frame)
{
	struct console_ctx ctx = { .module = 0 };
	struct console_frame fr;
	struct bench_stat st;
	struct pt_diag d;
	long fails = 0;
	int i;

	for (i = 0; i < BENCH_ROUNDS; i++) {
		double t0;
		int rc;

		memcpy(s, base, sizeof *s);
		pt_diag_clear(&d);
		t0 = bench_now_ns();
		if (frame) {
			rc = console_frame(in->buf + in->ans_off, in->ans_len, &fr) == CF_OK ?
			    fn(in->buf + in->ans_off + fr.body_off, fr.body_len, &ctx, s, &d) : -1;
		} else
			rc = fn(in->buf + in->body_off, in->body_len, &ctx, s, &d);
		t[i] = bench_now_ns() - t0;
		if (rc != 0)
			fails++;
	}
	st = bench_stat(t, BENCH_ROUNDS);
	printf("%s %s: median %.2f us (min %.2f, max %.2f; %d calls), %zu bytes, %s%s\n",
	    frame ? "frame+parse" : "parse", what, st.med / 1e3, st.min / 1e3, st.max / 1e3,
	    BENCH_ROUNDS, frame ? in->ans_len : in->body_len, bench_file(in),
	    fails ? " [PARSE FAILED]" : "");
}

/* The sample as the session has it before a poll: the BMUs from unit. */
static int
base_from_unit(struct pt_sample *base, const char *protocol, const char *capture,
    const char *fixture)
{
	struct bench_input unit;
	struct console_ctx ctx = { .module = 0 };

	pt_sample_init(base, protocol);
	if (bench_load(&unit, capture, fixture, "unit") != 0)
		return -1;
	(void)console_hv_parse_unit(unit.buf + unit.body_off, unit.body_len, &ctx, base, NULL);
	free(unit.buf);
	return 0;
}

int
main(void)
{
	struct pt_sample *s = malloc(sizeof *s), *base = malloc(sizeof *base);
	struct bench_input in;

	if (s == NULL || base == NULL)
		return 1;
	/* SC-series CMU, 5 BMUs x 15 cells: the reference answer. */
	if (base_from_unit(base, "hv", "SC-CMUA-B52.34_unit_1.txt", "hv/cmu75_unit.txt") == 0 &&
	    bench_load(&in, "SC-CMUA-B52.34_bat_1.txt", "hv/cmu75_bat.txt", "bat") == 0) {
		run("hv bat (SC CMU, 75 cells)", &in, console_hv_parse_bat, base, s, false);
		run("hv bat (SC CMU, 75 cells)", &in, console_hv_parse_bat, base, s, true);
		free(in.buf);
	}
	if (bench_load(&in, "SC-CMUA-B52.34_pwr_1.txt", "hv/cmu75_pwr.txt", "pwr") == 0) {
		run("hv pwr (SC CMU)", &in, console_hv_parse_pwr, base, s, false);
		free(in.buf);
	}
	if (bench_load(&in, "SC-CMUA-B52.34_unit_1.txt", "hv/cmu75_unit.txt", "unit") == 0) {
		pt_sample_init(base, "hv");
		run("hv unit (SC CMU)", &in, console_hv_parse_unit, base, s, false);
		free(in.buf);
	}
	/* Force H2: 120 cells in the fixture (4 x 30). */
	if (base_from_unit(base, "hv", "ForceH2-B52.26_unit_1.txt", "hv/h2_unit.txt") == 0 &&
	    bench_load(&in, "ForceH2-B52.26_bat_1.txt", "hv/h2_bat120.txt", "bat") == 0) {
		run("hv bat (Force H2)", &in, console_hv_parse_bat, base, s, false);
		free(in.buf);
	}
	pt_sample_init(base, "sc0500");
	if (bench_load(&in, NULL, "sc0500/sc75_getpwr.txt", "getpwr") == 0) {
		run("sc0500 getpwr (75 cells)", &in, console_sc0500_parse_getpwr, base, s, false);
		free(in.buf);
	}
	free(base);
	free(s);
	return 0;
}
