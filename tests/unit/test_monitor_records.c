/* test_monitor_records.c — the monitor reads the BMS records at start and
 * on request (issue 13), never every poll, and on a slow line interleaved
 * with polling: samples keep coming while the round is read.
 *
 * The monitor runs on pylontop-sim --pty with every answer delayed
 * (--fault slow:MS); the records it keeps (monitor_records) are compared
 * with the simulator's truth (its counters are deterministic: module i
 * has CYCLE Times 300 + 7 (i - 1), SOH 100 - i). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/monitor.h"
#include "model/records.h"
#include "util/clock.h"

#include "test_sim.h"

#define MODULES		2

/* Wait until the monitor holds a round newer than `after`. */
static uint64_t
wait_round(struct monitor *m, struct pt_records *r, uint64_t after, int64_t ms,
    uint64_t *samples_then)
{
	int64_t deadline = clock_mono_ms() + ms;
	struct link_stats ls;
	uint64_t seq = 0;

	while (clock_mono_ms() < deadline) {
		seq = monitor_records(m, r);
		if (seq > after) {
			monitor_link_stats(m, &ls);
			*samples_then = ls.samples;
			return seq;
		}
		usleep(100000);
	}
	return seq;
}

static void
test_records_start_request(void **state)
{
	struct pt_config c;
	struct monitor *m;
	struct pt_records *r = malloc(sizeof *r);
	struct link_stats ls;
	char err[256];
	uint64_t seq, seq2, samples = 0, before;
	int i;

	(void)state;
	assert_non_null(r);
	if (test_sim_start("monrec", (const char *[]){ "--protocol", "lv", "--modules", "2",
	    "--fault", "slow:150", "--fault-every", "1", "--bms-clock-offset", "-600",
	    "--log-entries", "9", NULL }) != 0) {
		test_sim_stop();
		free(r);
		skip();
	}
	config_defaults(&c);
	snprintf(c.device, sizeof c.device, "%s", test_sim_link);
	snprintf(c.protocol, sizeof c.protocol, "lv");
	c.interval_s = 1;
	c.csv_enabled = false;
	c.csv_path[0] = '\0';
	m = monitor_new(&c, NULL, 0, err, sizeof err);	/* no sinks */
	assert_non_null(m);
	assert_int_equal(monitor_start(m), 0);

	/* At start, without being asked. */
	seq = wait_round(m, r, 0, 40000, &samples);
	assert_true(seq > 0);
	/* The slow line spread the round over cycles: samples kept coming
	 * (the identity and records rounds take several polls). */
	assert_true(samples >= 3);
	assert_true(r->complete);
	assert_int_equal(r->failed, 0);
	assert_int_equal(r->n, MODULES);
	for (i = 1; i <= MODULES; i++) {
		const struct pt_rec_unit *u = pt_records_find(r, i);

		assert_non_null(u);
		assert_int_equal(u->stat.cycles, 300 + 7 * (i - 1));
		assert_int_equal(u->stat.soh_pct, 100 - i);
		assert_int_equal(u->soh.n, 15);
	}
	assert_int_equal(pt_records_find(r, 1)->log.n, 9);
	assert_true(pt_records_find(r, 1)->clock.has_offset);
	assert_true(pt_records_find(r, 1)->clock.offset_s > -603 &&
	    pt_records_find(r, 1)->clock.offset_s < -597);

	/* Not every poll: a few more samples, the same round. */
	monitor_link_stats(m, &ls);
	before = ls.samples;
	for (i = 0; i < 80 && ls.samples < before + 3; i++) {
		usleep(100000);
		monitor_link_stats(m, &ls);
	}
	assert_true(ls.samples >= before + 3);
	assert_int_equal(monitor_records(m, r), seq);

	/* On request: a new round. */
	monitor_request_records(m);
	seq2 = wait_round(m, r, seq, 40000, &samples);
	assert_true(seq2 > seq);
	assert_int_equal(r->n, MODULES);

	monitor_stop(m);
	monitor_free(m);
	test_sim_stop();
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_start_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
