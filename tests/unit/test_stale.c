/* test_stale.c — the stale-data limit follows the measured cycle time,
 * never falls below the configured floor, and ignores one stall. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/stale.h"

#define T0	1700000000000LL

static void
feed(struct stale_rule *r, int64_t start, int64_t step, int n)
{
	int i;

	for (i = 0; i < n; i++)
		stale_rule_sample(r, start + i * step);
}

/* Before any cycle is measured: 3 intervals, or ALARM_STALE_S. */
static void
test_floor_without_cycles(void **state)
{
	struct stale_rule r;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(stale_rule_cycle_ms(&r), 0);
	assert_int_equal(stale_rule_limit_ms(&r, 2.0, 0), 6000);
	assert_int_equal(stale_rule_limit_ms(&r, 2.0, 10), 10000);
	stale_rule_sample(&r, T0);		/* one sample is no cycle */
	assert_int_equal(stale_rule_limit_ms(&r, 1.0, 0), 3000);
}

/* 9600 baud, 8 x 16 cells: a sample every 7 s with a 1 s interval.  A
 * rule of 3 intervals (3 s) would call every cycle stale; the measured
 * rule waits 21 s. */
static void
test_slow_line_measured(void **state)
{
	struct stale_rule r;
	int64_t limit;

	(void)state;
	memset(&r, 0, sizeof r);
	feed(&r, T0, 7000, 6);
	assert_int_equal(stale_rule_cycle_ms(&r), 7000);
	limit = stale_rule_limit_ms(&r, 1.0, 0);
	assert_int_equal(limit, 21000);
	/* A healthy cycle's age (just before the next sample) is not stale. */
	assert_true(7000 < limit);
}

/* A fast line never goes below the floor. */
static void
test_fast_line_floor(void **state)
{
	struct stale_rule r;

	(void)state;
	memset(&r, 0, sizeof r);
	feed(&r, T0, 500, 8);
	assert_int_equal(stale_rule_limit_ms(&r, 2.0, 0), 6000);
}

/* One 40 s stall among 1 s cycles does not stretch the limit (median). */
static void
test_one_stall_ignored(void **state)
{
	struct stale_rule r;

	(void)state;
	memset(&r, 0, sizeof r);
	feed(&r, T0, 1000, 5);
	stale_rule_sample(&r, T0 + 4000 + 40000);
	stale_rule_sample(&r, T0 + 45000);
	stale_rule_sample(&r, T0 + 46000);
	assert_int_equal(stale_rule_cycle_ms(&r), 1000);
	assert_int_equal(stale_rule_limit_ms(&r, 1.0, 0), 3000);
}

/* An outage between reconnects is not a cycle. */
static void
test_break_skips_outage(void **state)
{
	struct stale_rule r;

	(void)state;
	memset(&r, 0, sizeof r);
	feed(&r, T0, 1000, 3);
	stale_rule_break(&r);
	stale_rule_sample(&r, T0 + 600000);
	stale_rule_sample(&r, T0 + 601000);
	assert_int_equal(stale_rule_cycle_ms(&r), 1000);
}

/* The window forgets: a line that became slow is measured as slow. */
static void
test_window_follows_change(void **state)
{
	struct stale_rule r;

	(void)state;
	memset(&r, 0, sizeof r);
	feed(&r, T0, 1000, 9);
	feed(&r, T0 + 9000, 5000, STALE_WINDOW + 1);
	assert_int_equal(stale_rule_cycle_ms(&r), 5000);
	assert_int_equal(stale_rule_limit_ms(&r, 1.0, 0), 15000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor_without_cycles),
		cmocka_unit_test(test_slow_line_measured),
		cmocka_unit_test(test_fast_line_floor),
		cmocka_unit_test(test_one_stall_ignored),
		cmocka_unit_test(test_break_skips_outage),
		cmocka_unit_test(test_window_follows_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
