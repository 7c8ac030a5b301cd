/* bench_console_lv.c — cost of parsing LV console answers (pwr, bat), on
 * real captures (../shared/protocols/captures) or, without them, on the
 * project's fixtures; every figure names its file.  The sample is reset
 * before every call, outside the timed part; each figure is the median of
 * BENCH_ROUNDS calls with min and max.  Figures only: nothing asserted. */
#include "bench_util.h"
#include "proto/console_lv.h"
#include "util/diag.h"

static double t[BENCH_ROUNDS];

static void
run(const char *what, const char *capture, const char *fixture, const char *cmd,
    console_parse_fn fn, int module)
{
	static struct pt_sample s, base;
	struct console_ctx ctx = { .module = module };
	struct bench_input in;
	struct bench_stat st;
	struct pt_diag d;
	long fails = 0;
	int i;

	if (bench_load(&in, capture, fixture, cmd) != 0)
		return;		/* said why */
	pt_sample_init(&base, "lv");
	for (i = 0; i < BENCH_ROUNDS; i++) {
		double t0;

		memcpy(&s, &base, sizeof s);
		pt_diag_clear(&d);
		t0 = bench_now_ns();
		if (fn(in.buf + in.body_off, in.body_len, &ctx, &s, &d) != 0)
			fails++;
		t[i] = bench_now_ns() - t0;
	}
	st = bench_stat(t, BENCH_ROUNDS);
	printf("parse lv %s: median %.2f us (min %.2f, max %.2f; %d calls), %zu bytes, %s%s\n",
	    what, st.med / 1e3, st.min / 1e3, st.max / 1e3, BENCH_ROUNDS, in.body_len,
	    bench_file(&in), fails ? " [PARSE FAILED]" : "");
	free(in.buf);
}

int
main(void)
{
	run("pwr (US2000C, stack of 6)", "US2000C-stack6_pwr_1.txt", "lv_pwr_layout_c_16.txt",
	    "pwr", console_lv_parse_pwr_any, 0);
	run("pwr (16 modules)", NULL, "lv_pwr_layout_c_16.txt", "pwr", console_lv_parse_pwr_any, 0);
	run("bat 1 (US2000C, 15 cells)", "US2000C-stack6_bat-1_1.txt", NULL, "bat 1",
	    console_lv_parse_bat, 1);
	run("bat 2 (16 cells)", NULL, "lv_bat_split_temp_16.txt", "bat 2", console_lv_parse_bat, 2);
	return 0;
}
