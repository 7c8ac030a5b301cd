/* test_health.c — the cell health engine on synthetic samples: resistance
 * from load steps (exact), the steps it must reject, deviation bins and
 * the capacity / offset findings, drift, balancing share, evidence
 * notes, the state file and the config keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/health.h"

#define T0	1795449600000LL		/* a UTC midnight */
#define DAY_MS	86400000LL
#define NCELL	4
#define OCV	3.300

/* The synthetic stack: one module of NCELL cells, V = OCV + I x R + off. */
struct synth {
	double	r[NCELL];	/* ohm */
	double	off[NCELL];	/* V */
	double	soc, temp;
	int	balancing_cell;	/* -1 none */
	char	barcode[PT_TEXT_LEN];
};

static void
synth_init(struct synth *y)
{
	int c;

	memset(y, 0, sizeof *y);
	for (c = 0; c < NCELL; c++)
		y->r[c] = 0.001;
	y->soc = 50;
	y->temp = 25;
	y->balancing_cell = -1;
	strcpy(y->barcode, "PPTBH0240001");
}

static void
make(struct pt_sample *s, const struct synth *y, int64_t t, int64_t cells_ms, double amps)
{
	struct pt_module *m;
	int c;

	pt_sample_init(s, "lv");
	s->time_ms = t;
	m = pt_sample_module(s, 1);
	strcpy(m->barcode, y->barcode);
	PT_SET(m, current, PTF_CURRENT, amps);
	PT_SET(m, soc, PTF_SOC, y->soc);
	PT_SET(m, temperature, PTF_TEMPERATURE, y->temp);
	m->cells_ms = cells_ms;
	for (c = 0; c < NCELL; c++) {
		struct pt_cell *pc = pt_module_cell(m, c);
		PT_SET(pc, voltage, PTF_VOLTAGE, (float)(OCV + amps * y->r[c] + y->off[c]));
		PT_SET(pc, balancing, PTF_BALANCING, c == y->balancing_cell);
	}
}

static void
feed(struct health *h, const struct synth *y, int64_t t, double amps)
{
	static struct pt_sample s;

	make(&s, y, t, t, amps);
	health_feed(h, &s);
}

/* n samples 1 s apart, current alternating 0 / -20 A: n - 1 steps. */
static int64_t
feed_steps(struct health *h, const struct synth *y, int64_t t, int n)
{
	int i;

	for (i = 0; i < n; i++, t += 1000)
		feed(h, y, t, i % 2 ? -20 : 0);
	return t;
}

static struct health *
engine(void)
{
	struct health_config c;

	health_config_defaults(&c);
	return health_new(&c);
}

static void
test_ir_from_steps(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;

	(void)state;
	synth_init(&y);
	y.r[2] = 0.002;
	feed_steps(h, &y, T0, 12);
	health_report(h, r);
	assert_int_equal(r->n_modules, 1);
	assert_int_equal(r->m[0].cells[0].ir_steps_total, 11);
	assert_float_equal(r->m[0].cells[0].ir_mohm, 1.000, 0.001);
	assert_float_equal(r->m[0].cells[2].ir_mohm, 2.000, 0.001);
	assert_float_equal(r->m[0].cells[0].ir_spread_mohm, 0.0, 0.001);
	assert_float_equal(r->m[0].ir_median_mohm, 1.000, 0.001);
	assert_float_equal(r->m[0].cells[2].ir_ratio, 2.0, 0.002);
	assert_int_equal(r->n_notes, 0);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].cause, HC_RESISTANCE);
	assert_int_equal(r->findings[0].module, 1);
	assert_int_equal(r->findings[0].cell, 2);
	/* 11 steps of 10 needed: evidence 11 / 21, ratio beyond 1.5: full. */
	assert_float_equal(r->findings[0].confidence, 11.0 / 21.0, 0.001);
	assert_non_null(strstr(r->findings[0].text, "module 1 cell 3: internal resistance "
	    "2.00 mOhm vs module median 1.00 mOhm (x2.0, 11 load steps)"));
	free(r);
	health_free(h);
}

/* A report fills what its counts cover, whatever the buffer held, and
 * writes nothing past them: a report is sized for 16 modules, and
 * clearing all of it made 255 KiB resident for any stack (issue 12). */
static void
test_report_writes_used_part(void **state)
{
	struct health *h = engine();
	struct health_report *r = malloc(sizeof *r), *clean = calloc(1, sizeof *clean);
	const unsigned char *p;
	struct synth y;
	size_t i;

	(void)state;
	synth_init(&y);
	y.r[2] = 0.002;
	feed_steps(h, &y, T0, 12);
	health_report(h, clean);
	memset(r, 0xa5, sizeof *r);
	health_report(h, r);
	assert_int_equal(r->n_modules, 1);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->n_notes, 0);
	assert_memory_equal(&r->m[0], &clean->m[0], sizeof r->m[0]);
	assert_int_equal(r->findings[0].module, clean->findings[0].module);
	assert_int_equal(r->findings[0].cell, clean->findings[0].cell);
	assert_int_equal(r->findings[0].cause, clean->findings[0].cause);
	assert_float_equal(r->findings[0].confidence, clean->findings[0].confidence, 1e-12);
	assert_float_equal(r->findings[0].score, clean->findings[0].score, 1e-12);
	assert_string_equal(r->findings[0].text, clean->findings[0].text);
	p = (const unsigned char *)&r->m[1];
	for (i = 0; i < sizeof r->m - sizeof r->m[0]; i++)
		if (p[i] != 0xa5)
			fail_msg("byte %zu of the modules past n_modules was written", i);
	free(clean);
	free(r);
	health_free(h);
}

static void
test_not_enough_steps(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;

	(void)state;
	synth_init(&y);
	y.r[2] = 0.003;
	feed_steps(h, &y, T0, 4);
	health_report(h, r);
	assert_int_equal(r->m[0].cells[2].ir_steps, 3);
	assert_true(isnan(r->m[0].cells[2].ir_mohm));
	assert_true(isnan(r->m[0].ir_median_mohm));
	assert_int_equal(r->n_findings, 0);
	assert_int_equal(r->n_notes, 1);
	assert_non_null(strstr(r->notes[0], "module 1: not enough load steps yet: 3 of 10"));
	free(r);
	health_free(h);
}

/* Steps across a gap, a temperature jump, outside 20-80 % SOC, a
 * balancing change (that cell only) and a repeated (cached) reading do
 * not count. */
static void
test_rejected_steps(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	static struct pt_sample s;
	struct synth y;
	int64_t t = T0;

	(void)state;
	synth_init(&y);
	feed(h, &y, t, 0);
	feed(h, &y, t += 20000, -20);		/* 20 s gap > HEALTH_MAX_GAP_S 10 */
	y.temp = 27;
	feed(h, &y, t += 1000, 0);		/* 2 degC in one step */
	y.soc = 10;
	feed(h, &y, t += 1000, -20);		/* below 20 % */
	y.soc = 50;
	y.balancing_cell = 1;
	feed(h, &y, t += 1000, 0);		/* counts, but not for cell 2 */
	make(&s, &y, t + 1000, t, -20);		/* cached cells: not a new reading */
	health_feed(h, &s);
	health_report(h, r);
	assert_int_equal(r->m[0].cells[0].ir_steps_total, 1);
	assert_int_equal(r->m[0].cells[1].ir_steps_total, 0);
	assert_int_equal(r->m[0].rejected, 3);	/* gap, temperature, SOC */
	free(r);
	health_free(h);
}

/* A link drop of 3 s (within HEALTH_MAX_GAP_S, but 3 typical intervals of
 * 1 s) is a gap: no step across it; the estimates are kept. */
static void
test_link_drop(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;
	int64_t t;

	(void)state;
	synth_init(&y);
	t = feed_steps(h, &y, T0, 12);		/* 11 steps, the last reading at -20 A */
	feed(h, &y, t + 2000, 0);		/* 3 s after it */
	health_report(h, r);
	assert_int_equal(r->m[0].cells[0].ir_steps_total, 11);
	assert_int_equal(r->m[0].rejected, 1);
	assert_float_equal(r->m[0].cells[0].ir_mohm, 1.000, 0.001);
	feed(h, &y, t + 3000, -20);		/* back to 1 s: counts again */
	health_report(h, r);
	assert_int_equal(r->m[0].cells[0].ir_steps_total, 12);
	free(r);
	health_free(h);
}

/* A cell 30 mV low only below 20 % SOC is low capacity; one 30 mV low at
 * rest mid-SOC is an offset.  Deviation from the mean of 4: 22.5 mV. */
static void
test_capacity_and_offset(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;
	int64_t t = T0;
	int i;

	(void)state;
	synth_init(&y);
	for (i = 0; i < 25; i++)
		feed(h, &y, t += 1000, -5);	/* mid-SOC, light discharge */
	y.soc = 15;
	y.off[0] = -0.030;
	for (i = 0; i < 25; i++)
		feed(h, &y, t += 1000, -5);	/* the knee, same current */
	health_report(h, r);
	assert_int_equal(r->m[0].cells[0].dev_n[HBAND_LOW][HB_LIGHT_DIS], 25);
	assert_float_equal(r->m[0].cells[0].dev_mv[HBAND_LOW][HB_LIGHT_DIS], -22.5, 0.01);
	assert_float_equal(r->m[0].cells[1].dev_mv[HBAND_LOW][HB_LIGHT_DIS], 7.5, 0.01);
	assert_float_equal(r->m[0].cells[0].dev_mv[HBAND_MID][HB_LIGHT_DIS], 0, 0.01);
	assert_true(isnan(r->m[0].cells[0].dev_mv[HBAND_MID][HB_REST]));
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].cause, HC_CAPACITY_LOW);
	assert_int_equal(r->findings[0].cell, 0);
	assert_non_null(strstr(r->findings[0].text, "module 1 cell 1: low capacity: 22 mV lower "
	    "below 20 % SOC"));
	health_reset(h);
	y.soc = 50;
	for (i = 0; i < 25; i++)
		feed(h, &y, t += 1000, 0);
	health_report(h, r);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].cause, HC_OFFSET);
	assert_non_null(strstr(r->findings[0].text, "module 1 cell 1: -22 mV from the mean at "
	    "rest, 20-80 % SOC (25 readings)"));
	free(r);
	health_free(h);
}

/* A cell 4 mV lower each day at rest: -3 mV/day from the mean of 4. */
static void
test_drift(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;
	int d, i;

	(void)state;
	synth_init(&y);
	for (d = 0; d < 2; d++) {
		y.off[3] = -0.004 * d;
		for (i = 0; i < 3; i++)
			feed(h, &y, T0 + d * DAY_MS + i * 1000, 0);
	}
	health_report(h, r);
	assert_true(isnan(r->m[0].cells[3].drift_mv_day));	/* 1 day: too short */
	assert_float_equal(r->m[0].cells[3].drift_span_days, 1, 0);
	for (d = 2; d < 5; d++) {
		y.off[3] = -0.004 * d;
		for (i = 0; i < 3; i++)
			feed(h, &y, T0 + d * DAY_MS + i * 1000, 0);
	}
	health_report(h, r);
	assert_float_equal(r->m[0].cells[3].drift_mv_day, -3.0, 0.01);
	assert_float_equal(r->m[0].cells[3].drift_span_days, 4, 0);
	assert_int_equal(r->findings[0].cause, HC_DRIFT);
	assert_int_equal(r->findings[0].cell, 3);
	free(r);
	health_free(h);
}

/* Balancing half the time (by time, not samples). */
static void
test_balancing_share(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;
	int64_t t = T0;
	int i;

	(void)state;
	synth_init(&y);
	for (i = 0; i < 7200; i++, t += 1000) {
		y.balancing_cell = (i / 60) % 2 ? 1 : -1;
		feed(h, &y, t, 0);
	}
	health_report(h, r);
	assert_float_equal(r->m[0].cells[1].bal_hour, 0.5, 0.01);
	assert_float_equal(r->m[0].cells[1].bal_day, 0.5, 0.01);
	assert_float_equal(r->m[0].cells[0].bal_hour, 0.0, 0.0001);
	free(r);
	health_free(h);
}

/* The state file keeps the estimates; a foreign file is refused. */
static void
test_state_file(void **state)
{
	struct health *h = engine(), *g = engine();
	struct health_report *r = calloc(1, sizeof *r), *q = calloc(1, sizeof *q);
	char path[] = "/tmp/pt-health-XXXXXX", err[700];
	struct synth y;
	FILE *f;
	int fd;

	(void)state;
	synth_init(&y);
	y.r[1] = 0.0025;
	feed_steps(h, &y, T0, 15);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(health_save(h, path, err, sizeof err), 0);
	assert_int_equal(health_load(g, path, err, sizeof err), 0);
	health_report(h, r);
	health_report(g, q);
	assert_float_equal(q->m[0].cells[1].ir_mohm, 2.5, 0.001);
	assert_int_equal(q->n_findings, r->n_findings);
	assert_string_equal(q->findings[0].text, r->findings[0].text);
	/* After a restart, the first reading is no step with the last one. */
	feed(g, &y, T0 + 15000, -20);
	health_report(g, q);
	assert_int_equal(q->m[0].cells[1].ir_steps_total, 14);
	f = fopen(path, "w");
	fputs("not a state\n", f);
	fclose(f);
	assert_int_equal(health_load(g, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not a health state of this pylontop"));
	unlink(path);
	free(r);
	free(q);
	health_free(h);
	health_free(g);
}

/* Another module at the same address starts afresh. */
static void
test_new_barcode_resets(void **state)
{
	struct health *h = engine();
	struct health_report *r = calloc(1, sizeof *r);
	struct synth y;
	int64_t t;

	(void)state;
	synth_init(&y);
	t = feed_steps(h, &y, T0, 12);
	strcpy(y.barcode, "PPTBH0240099");
	feed_steps(h, &y, t, 3);
	health_report(h, r);
	assert_int_equal(r->m[0].cells[0].ir_steps_total, 2);
	free(r);
	health_free(h);
}

static void
test_config_keys(void **state)
{
	struct health_config c;
	char msg[200];

	(void)state;
	health_config_defaults(&c);
	assert_int_equal(health_config_set(&c, "HEALTH_MIN_STEPS", "20", msg, sizeof msg), 1);
	assert_int_equal(c.min_steps, 20);
	assert_int_equal(health_config_set(&c, "HEALTH_IR_RATIO", "1.8", msg, sizeof msg), 1);
	assert_float_equal(c.ir_ratio, 1.8, 0);
	assert_int_equal(health_config_set(&c, "HEALTH_MIN_STEPS", "2.5", msg, sizeof msg), -1);
	assert_string_equal(msg, "HEALTH_MIN_STEPS: '2.5' is not a whole number from 1 to 32");
	assert_int_equal(health_config_set(&c, "HEALTH_STEP_MIN_A", "x", msg, sizeof msg), -1);
	assert_int_equal(health_config_set(&c, "ALARM_BELL", "1", msg, sizeof msg), 0);
	assert_int_equal(health_config_check(&c, msg, sizeof msg), 0);
	assert_int_equal(health_config_set(&c, "HEALTH_LIGHT_A", "40", msg, sizeof msg), 1);
	assert_int_not_equal(health_config_check(&c, msg, sizeof msg), 0);
	assert_non_null(strstr(msg, "HEALTH_REST_A (1) < HEALTH_LIGHT_A (40) < HEALTH_HEAVY_A (30)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ir_from_steps),
		cmocka_unit_test(test_report_writes_used_part),
		cmocka_unit_test(test_not_enough_steps),
		cmocka_unit_test(test_rejected_steps),
		cmocka_unit_test(test_link_drop),
		cmocka_unit_test(test_capacity_and_offset),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_balancing_share),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_new_barcode_resets),
		cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
