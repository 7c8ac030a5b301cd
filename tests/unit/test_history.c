/* test_history.c — the bounded multi-resolution history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/history.h"

/* 2026-11-23T16:00:00Z: a whole hour, so buckets start at T0. */
#define T0	1795449600000LL
#define SEC	1000LL
#define MIN	60000LL
#define HOUR	3600000LL

static struct pt_sample *
new_sample(void)
{
	struct pt_sample *s = malloc(sizeof *s);

	assert_non_null(s);
	return s;
}

/* A stack of `nm` modules x `nc` cells; every value derived from `x`. */
static void
fill(struct pt_sample *s, int64_t t, uint32_t seq, int nm, int nc, double x)
{
	struct pt_module *m;
	struct pt_cell *c;
	int i, k;

	pt_sample_init(s, "lv");
	s->time_ms = t;
	s->seq = seq;
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 50 + x);
	PT_SET(&s->stack, current, PTF_CURRENT, -10 + x);
	PT_SET(&s->stack, power, PTF_POWER, 500 + x);
	PT_SET(&s->stack, soc, PTF_SOC, 40 + x);
	PT_SET(&s->stack, temp_max, PTF_TEMP_MAX, 25 + x);
	for (i = 0; i < nm; i++) {
		m = pt_sample_module(s, i + 1);
		snprintf(m->barcode, sizeof m->barcode, "PPTBH%02d%07u", i, seq);
		PT_SET(m, voltage, PTF_VOLTAGE, 49 + x + i);
		PT_SET(m, current, PTF_CURRENT, -5 + x);
		PT_SET(m, soc, PTF_SOC, 60 + x);
		PT_SET(m, temp_max, PTF_TEMP_MAX, 20 + x);
		for (k = 0; k < nc; k++) {
			c = pt_module_cell(m, k);
			PT_SET(c, voltage, PTF_VOLTAGE, (float)(3.3 + 0.001 * k + x / 100));
			PT_SET(c, temperature, PTF_TEMPERATURE, (float)(20 + k));
		}
	}
}

static void
test_ring_keeps_newest_in_order(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample(), *out = calloc(HIST_RECENT + 10, sizeof *out);
	struct hist_point *p = calloc(HIST_SECONDS_LEN, sizeof *p);
	size_t n, i;
	uint32_t k;

	(void)state;
	assert_non_null(h);
	assert_non_null(out);
	assert_non_null(p);
	assert_false(history_latest(h, s));
	assert_int_equal(history_recent(h, out, 10), 0);
	for (k = 0; k < HIST_RING + 100; k++) {
		fill(s, T0 + k * SEC, k, 16, 16, 0);
		s->modules[3].cells[5].voltage = (float)(3 + k * 1e-4);
		history_push(h, s);
	}
	/* Whole samples: the HIST_RECENT newest, oldest first. */
	n = history_recent(h, out, HIST_RECENT + 10);
	assert_int_equal(n, HIST_RECENT);
	for (i = 0; i < n; i++) {
		uint32_t seq = HIST_RING + 100 - HIST_RECENT + (uint32_t)i;

		assert_int_equal(out[i].seq, seq);
		assert_int_equal(out[i].time_ms, T0 + (int64_t)seq * SEC);
		assert_int_equal(out[i].n_modules, 16);
		assert_int_equal(out[i].modules[15].n_cells, 16);
		assert_true(out[i].modules[3].cells[5].voltage == (float)(3 + seq * 1e-4));
	}
	/* Cell voltages: the HIST_RING newest samples, one a second here
	 * (0.1 mV steps); the one before them is gone. */
	n = history_series(h, HIST_SECONDS, HM_CELL_VOLTAGE, 3, 5,
	    T0 + (HIST_RING + 99) * SEC, p, HIST_SECONDS_LEN);
	assert_int_equal(n, HIST_SECONDS_LEN);
	for (i = 0; i < HIST_RING; i++) {
		const struct hist_point *q = &p[HIST_SECONDS_LEN - HIST_RING + i];

		assert_true(q->valid);
		assert_float_equal(q->avg, 3 + (100 + i) * 1e-4, 6e-5);
	}
	assert_false(p[HIST_SECONDS_LEN - HIST_RING - 1].valid);
	/* The newest, whole: every module and cell, strings and words. */
	assert_true(history_latest(h, s));
	assert_int_equal(s->seq, HIST_RING + 99);
	assert_string_equal(s->protocol, "lv");
	assert_string_equal(s->modules[7].barcode, "PPTBH070000699");
	assert_true(s->modules[15].cells[15].voltage == (float)(3.3 + 0.015));
	assert_true(PT_HAS(&s->modules[15].cells[15], PTF_TEMPERATURE));
	assert_true(s->stack.voltage == 50.0);
	/* A few newest, oldest first. */
	n = history_recent(h, out, 3);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].seq, HIST_RING + 97);
	assert_int_equal(out[2].seq, HIST_RING + 99);
	free(p);
	free(out);
	free(s);
	history_free(h);
}

static void
test_stack_buckets_exact(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point p[4];
	static const double v[] = { 3, 1, 2, 6 };	/* min 1, avg 3, max 6 */
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		fill(s, T0 + 10 * SEC + (int64_t)i * 200, (uint32_t)i, 1, 2, v[i]);
		history_push(h, s);
	}
	assert_int_equal(history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0,
	    T0 + 10 * SEC + 999, p, 1), 1);
	assert_true(p[0].valid);
	assert_int_equal(p[0].t_ms, T0 + 10 * SEC);
	assert_float_equal(p[0].min, 51, 0);
	assert_float_equal(p[0].avg, 53, 0);
	assert_float_equal(p[0].max, 56, 0);
	/* The same values in the minute and the hour. */
	assert_int_equal(history_series(h, HIST_MINUTES, HM_STACK_POWER, 0, 0, T0 + 30 * SEC,
	    p, 1), 1);
	assert_true(p[0].valid);
	assert_int_equal(p[0].t_ms, T0);
	assert_float_equal(p[0].min, 501, 0);
	assert_float_equal(p[0].avg, 503, 0);
	assert_float_equal(p[0].max, 506, 0);
	assert_int_equal(history_series(h, HIST_HOURS, HM_STACK_SOC, 0, 0, T0, p, 1), 1);
	assert_float_equal(p[0].min, 41, 0);
	assert_float_equal(p[0].avg, 43, 0);
	assert_float_equal(p[0].max, 46, 0);
	assert_int_equal(history_series(h, HIST_HOURS, HM_STACK_CURRENT, 0, 0, T0, p, 1), 1);
	assert_float_equal(p[0].min, -9, 0);
	assert_float_equal(p[0].avg, -7, 0);
	assert_float_equal(p[0].max, -4, 0);
	assert_int_equal(history_series(h, HIST_HOURS, HM_STACK_TEMP_MAX, 0, 0, T0, p, 1), 1);
	assert_float_equal(p[0].avg, 28, 0);
	free(s);
	history_free(h);
}

/* Module and cell series are 16-bit fixed point: exact to their step
 * (2 mV module voltage, 0.1 mV cells, 0.1 mV spread). */
static void
test_module_and_cell_buckets(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point p[2];
	int i;

	(void)state;
	/* 60 samples in one minute; x = 0, 0.5, ... module voltage (module 2)
	 * = 51 + x; cell 4 of module 2 = 3.304 + x/100; spread = 15 mV. */
	for (i = 0; i < 60; i++) {
		fill(s, T0 + 5 * MIN + i * SEC, (uint32_t)i, 3, 16, i * 0.5);
		history_push(h, s);
	}
	assert_int_equal(history_series(h, HIST_MINUTES, HM_MODULE_VOLTAGE, 2, 0,
	    T0 + 5 * MIN, p, 1), 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].min, 51.0, 1e-4);
	assert_float_equal(p[0].avg, 51.0 + 29.5 * 0.5, 1e-3);
	assert_float_equal(p[0].max, 51.0 + 29.5, 1e-4);
	assert_int_equal(history_series(h, HIST_HOURS, HM_MODULE_CURRENT, 2, 0, T0, p, 1), 1);
	assert_float_equal(p[0].min, -5.0, 1e-4);
	assert_float_equal(p[0].avg, -5.0 + 14.75, 1e-3);
	assert_float_equal(p[0].max, -5.0 + 29.5, 1e-4);
	assert_int_equal(history_series(h, HIST_SECONDS, HM_MODULE_SOC, 1, 0,
	    T0 + 5 * MIN + 7 * SEC, p, 1), 1);
	assert_float_equal(p[0].avg, 63.5, 1e-4);
	assert_int_equal(history_series(h, HIST_SECONDS, HM_MODULE_TEMP_MAX, 0, 0,
	    T0 + 5 * MIN + 8 * SEC, p, 1), 1);
	assert_float_equal(p[0].max, 24.0, 1e-4);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_MODULE_CELL_SPREAD, 0, 0,
	    T0 + 5 * MIN, p, 1), 1);
	assert_float_equal(p[0].min, 15.0, 0.06);
	assert_float_equal(p[0].max, 15.0, 0.06);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_STACK_CELL_SPREAD, 0, 0,
	    T0 + 5 * MIN, p, 1), 1);
	assert_float_equal(p[0].avg, 15.0, 0.01);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 2, 4,
	    T0 + 5 * MIN, p, 1), 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].min, 3.304, 6e-5);
	assert_float_equal(p[0].avg, 3.304 + 0.1475, 6e-5);
	assert_float_equal(p[0].max, 3.304 + 0.295, 6e-5);
	assert_int_equal(history_series(h, HIST_HOURS, HM_CELL_VOLTAGE, 2, 4, T0, p, 1), 1);
	assert_float_equal(p[0].avg, 3.304 + 0.1475, 6e-5);
	/* Cell seconds come from the ring of whole samples. */
	assert_int_equal(history_series(h, HIST_SECONDS, HM_CELL_VOLTAGE, 2, 4,
	    T0 + 5 * MIN + 10 * SEC, p, 2), 2);
	assert_true(p[0].valid && p[1].valid);
	assert_int_equal(p[1].t_ms, T0 + 5 * MIN + 10 * SEC);
	assert_float_equal(p[1].avg, 3.304 + 0.05, 1e-6);
	assert_float_equal(p[0].avg, 3.304 + 0.045, 1e-6);
	free(s);
	history_free(h);
}

static void
test_gaps_where_no_samples(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point p[10];
	int i;

	(void)state;
	fill(s, T0 + 100 * SEC, 1, 2, 4, 1);
	history_push(h, s);
	fill(s, T0 + 105 * SEC + 500, 2, 2, 4, 2);
	history_push(h, s);
	assert_int_equal(history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0,
	    T0 + 107 * SEC, p, 10), 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(p[i].t_ms, T0 + (98 + i) * SEC);
		assert_int_equal(p[i].valid, i == 2 || i == 7);
	}
	assert_float_equal(p[2].avg, 51, 0);
	assert_float_equal(p[7].avg, 52, 0);
	/* The same holds for a module series and a cell's seconds. */
	assert_int_equal(history_series(h, HIST_SECONDS, HM_MODULE_VOLTAGE, 1, 0,
	    T0 + 107 * SEC, p, 10), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i].valid, i == 2 || i == 7);
	assert_int_equal(history_series(h, HIST_SECONDS, HM_CELL_VOLTAGE, 1, 3,
	    T0 + 107 * SEC, p, 10), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i].valid, i == 2 || i == 7);
	/* Minutes before the first sample are gaps, not zeros. */
	assert_int_equal(history_series(h, HIST_MINUTES, HM_STACK_VOLTAGE, 0, 0,
	    T0 + 107 * SEC, p, 4), 4);
	assert_false(p[0].valid || p[1].valid || p[2].valid);
	assert_true(p[3].valid);
	assert_int_equal(p[3].t_ms, T0 + MIN);
	/* A module that was never seen has only gaps; so does a cell. */
	assert_int_equal(history_series(h, HIST_MINUTES, HM_MODULE_SOC, 9, 0,
	    T0 + 107 * SEC, p, 4), 4);
	for (i = 0; i < 4; i++)
		assert_false(p[i].valid);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 0, 20,
	    T0 + 107 * SEC, p, 4), 4);
	for (i = 0; i < 4; i++)
		assert_false(p[i].valid);
	free(s);
	history_free(h);
}

/* A slot of the seconds ring reached again an hour later holds the old
 * lap's bucket: that is a gap, not data. */
static void
test_stale_lap_not_data(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point *p = calloc(3600, sizeof *p);
	size_t n;

	(void)state;
	fill(s, T0 + 10 * SEC, 1, 1, 2, 1);
	history_push(h, s);
	fill(s, T0 + 20 * SEC, 2, 1, 2, 2);
	history_push(h, s);
	/* One lap later (3600 s): the slot of T0+10s still holds it. */
	n = history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0, T0 + 3610 * SEC, p, 3600);
	assert_int_equal(n, 3600);
	assert_int_equal(p[3599].t_ms, T0 + 3610 * SEC);
	assert_false(p[3599].valid);
	assert_true(p[3599 - 3590].valid);	/* T0 + 20 s is inside the window */
	n = history_series(h, HIST_SECONDS, HM_MODULE_VOLTAGE, 0, 0, T0 + 3610 * SEC, p, 3600);
	assert_false(p[3599].valid);
	/* A sample one lap later takes the slot; the old value is gone. */
	fill(s, T0 + 3620 * SEC, 3, 1, 2, 7);
	history_push(h, s);
	n = history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0, T0 + 3620 * SEC, p, 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].min, 57, 0);
	assert_float_equal(p[0].max, 57, 0);
	/* Minutes: a day later, the same slot is stale. */
	n = history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 0, 1, T0 + 1440 * MIN, p, 1);
	assert_int_equal(n, 1);
	assert_false(p[0].valid);
	n = history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 0, 1, T0, p, 1);
	assert_true(p[0].valid);
	/* Hours: 720 h later. */
	n = history_series(h, HIST_HOURS, HM_STACK_SOC, 0, 0, T0 + 720 * HOUR, p, 1);
	assert_false(p[0].valid);
	free(p);
	free(s);
	history_free(h);
}

static void
test_invalid_fields_not_counted(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point p[1];

	(void)state;
	fill(s, T0, 1, 2, 4, 0);
	history_push(h, s);
	/* Same second: the voltage bit is clear, the value absurd. */
	fill(s, T0 + 500, 2, 2, 4, 0);
	s->stack.voltage = 9999;
	s->stack.valid &= ~(uint32_t)PTF_VOLTAGE;
	s->modules[1].voltage = 0;
	s->modules[1].valid &= ~(uint32_t)PTF_VOLTAGE;
	s->modules[0].cells[2].voltage = 0;
	s->modules[0].cells[2].valid = 0;
	history_push(h, s);
	history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0, T0, p, 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].max, 50, 0);
	history_series(h, HIST_SECONDS, HM_MODULE_VOLTAGE, 1, 0, T0, p, 1);
	assert_float_equal(p[0].min, 50, 1e-4);
	history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 0, 2, T0, p, 1);
	assert_float_equal(p[0].min, 3.302, 6e-5);
	/* A field never valid gives gaps. */
	fill(s, T0 + 2 * SEC, 3, 1, 1, 0);
	s->stack.valid &= ~(uint32_t)PTF_POWER;
	history_push(h, s);
	history_series(h, HIST_SECONDS, HM_STACK_POWER, 0, 0, T0 + 2 * SEC, p, 1);
	assert_false(p[0].valid);
	/* Fewer than two cells: no spread. */
	history_series(h, HIST_SECONDS, HM_MODULE_CELL_SPREAD, 0, 0, T0 + 2 * SEC, p, 1);
	assert_false(p[0].valid);
	free(s);
	history_free(h);
}

static void
test_arguments_and_names(void **state)
{
	struct history *h = history_new();
	struct hist_point *p = calloc(5000, sizeof *p);

	(void)state;
	assert_int_equal(history_series(h, HIST_NRES, HM_STACK_VOLTAGE, 0, 0, T0, p, 5), 0);
	assert_int_equal(history_series(h, HIST_SECONDS, HM_NMETRICS, 0, 0, T0, p, 5), 0);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_MODULE_VOLTAGE, -1, 0, T0, p, 5), 0);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_MODULE_VOLTAGE, PT_MAX_MODULES, 0,
	    T0, p, 5), 0);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 0, PT_MAX_CELLS, T0,
	    p, 5), 0);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_STACK_VOLTAGE, 0, 0, T0, p, 0), 0);
	/* At most the length of the resolution. */
	assert_int_equal(history_series(h, HIST_SECONDS, HM_STACK_VOLTAGE, 0, 0, T0, p, 5000),
	    3600);
	assert_int_equal(history_series(h, HIST_MINUTES, HM_STACK_VOLTAGE, 0, 0, T0, p, 5000),
	    1440);
	assert_int_equal(history_series(h, HIST_HOURS, HM_CELL_VOLTAGE, 3, 3, T0, p, 5000), 720);
	assert_int_equal(history_res_ms(HIST_SECONDS), 1000);
	assert_int_equal(history_res_ms(HIST_MINUTES), 60000);
	assert_int_equal(history_res_ms(HIST_HOURS), 3600000);
	assert_int_equal(history_res_len(HIST_SECONDS), 3600);
	assert_int_equal(history_res_len(HIST_MINUTES), 1440);
	assert_int_equal(history_res_len(HIST_HOURS), 720);
	assert_string_equal(history_metric_name(HM_STACK_VOLTAGE), "Stack voltage");
	assert_string_equal(history_metric_unit(HM_STACK_VOLTAGE), "V");
	assert_string_equal(history_metric_unit(HM_STACK_POWER), "W");
	assert_string_equal(history_metric_unit(HM_MODULE_CELL_SPREAD), "mV");
	assert_string_equal(history_metric_name(HM_CELL_VOLTAGE), "Cell voltage");
	assert_string_equal(history_metric_name(HM_NMETRICS), "?");
	free(p);
	history_free(h);
}

/* Memory is sized by the stack: the formula of history.h, checked for
 * HV 5 x 15, then a bigger LV 16 x 16 found later (re-sized, the first
 * stack's buckets kept), and it never grows with time after that. */
static void
test_memory_sized_by_stack(void **state)
{
	struct history *h = history_new();
	struct pt_sample *s = new_sample();
	struct hist_point p[1];
	size_t base = history_memory(h), hv, lv;
	int64_t t;
	uint32_t seq = 0;

	(void)state;
	/* The formula's figures, as history.h states them. */
	assert_int_equal(HIST_BYTES_PER_MODULE, 172980);
	assert_int_equal(HIST_BYTES_PER_CELL, 14184);
	assert_int_equal(base, history_bytes_for(0, 0));
	assert_true(base < 1024 * 1024);
	/* HV 5 x 15 (a sample every 2 s for a day). */
	for (t = T0; t < T0 + 24 * HOUR; t += 2 * SEC, seq++) {
		fill(s, t, seq, 5, 15, 1);
		history_push(h, s);
	}
	hv = history_memory(h);
	print_message("history_memory: empty %zu, HV 5x15 %zu bytes (%.2f MiB)\n", base, hv,
	    (double)hv / (1024.0 * 1024.0));
	assert_int_equal(hv, history_bytes_for(5, 75));
	assert_int_equal(hv - base, 5 * HIST_BYTES_PER_MODULE + 75 * HIST_BYTES_PER_CELL);
	assert_true(hv < 3u * 1024 * 1024);
	/* A bigger stack: re-sized once; what the smaller one left is kept. */
	fill(s, t, seq++, 16, 16, 2);
	history_push(h, s);
	lv = history_memory(h);
	print_message("history_memory: LV 16x16 %zu bytes (%.2f MiB)\n", lv,
	    (double)lv / (1024.0 * 1024.0));
	assert_int_equal(lv, history_bytes_for(16, 256));
	assert_true(lv < 7u * 1024 * 1024);
	history_series(h, HIST_MINUTES, HM_MODULE_VOLTAGE, 4, 0, T0 + 23 * HOUR, p, 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].avg, 49 + 1 + 4, 2e-3);
	history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 4, 14, T0 + 23 * HOUR, p, 1);
	assert_true(p[0].valid);
	history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 15, 15, T0 + 23 * HOUR, p, 1);
	assert_false(p[0].valid);	/* a cell not there then */
	/* 30 days: one sample a minute, then a dense last hour: no growth. */
	for (; t < T0 + 720 * HOUR; t += MIN, seq++) {
		fill(s, t, seq, 16, 16, (double)(seq % 10));
		history_push(h, s);
	}
	for (; t < T0 + 721 * HOUR; t += SEC) {
		fill(s, t, seq++, 16, 16, 1);
		history_push(h, s);
	}
	assert_int_equal(history_memory(h), lv);
	history_series(h, HIST_MINUTES, HM_CELL_VOLTAGE, 15, 15, t - SEC, p, 1);
	assert_true(p[0].valid);
	assert_float_equal(p[0].avg, 3.325, 6e-5);
	free(s);
	history_free(h);
}

/* One pusher, one reader; ASan/TSan builds make this meaningful. */
struct smoke {
	struct history	*h;
	volatile int	 done;
};

static void *
pusher(void *arg)
{
	struct smoke *sm = arg;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t k;

	for (k = 1; k <= 3000 && s != NULL; k++) {
		fill(s, T0 + k * 250, k, 16, 16, k % 7);
		history_push(sm->h, s);
	}
	free(s);
	__atomic_store_n(&sm->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
test_thread_smoke(void **state)
{
	struct smoke sm = { history_new(), 0 };
	struct pt_sample *s = new_sample(), *recent = calloc(8, sizeof *recent);
	struct hist_point *p = calloc(600, sizeof *p);
	pthread_t th;
	uint32_t last = 0;
	size_t n, i;
	int reads = 0;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, pusher, &sm), 0);
	while (!__atomic_load_n(&sm.done, __ATOMIC_SEQ_CST) || reads < 10) {
		if (history_latest(sm.h, s)) {
			assert_true(s->seq >= last);
			assert_int_equal(s->n_modules, 16);
			assert_int_equal(s->modules[15].n_cells, 16);
			last = s->seq;
		}
		n = history_recent(sm.h, recent, 8);
		for (i = 1; i < n; i++)
			assert_int_equal(recent[i].seq, recent[i - 1].seq + 1);
		history_series(sm.h, HIST_SECONDS, HM_CELL_VOLTAGE, 3, 3, T0 + 750 * SEC, p, 600);
		history_series(sm.h, HIST_MINUTES, HM_MODULE_VOLTAGE, 3, 0, T0 + 750 * SEC, p, 600);
		reads++;
	}
	pthread_join(th, NULL);
	assert_true(history_latest(sm.h, s));
	assert_int_equal(s->seq, 3000);
	free(p);
	free(recent);
	free(s);
	history_free(sm.h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_keeps_newest_in_order),
		cmocka_unit_test(test_stack_buckets_exact),
		cmocka_unit_test(test_module_and_cell_buckets),
		cmocka_unit_test(test_gaps_where_no_samples),
		cmocka_unit_test(test_stale_lap_not_data),
		cmocka_unit_test(test_invalid_fields_not_counted),
		cmocka_unit_test(test_arguments_and_names),
		cmocka_unit_test(test_memory_sized_by_stack),
		cmocka_unit_test(test_thread_smoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
