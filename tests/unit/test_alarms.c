/* test_alarms.c — thresholds with hysteresis, latches, the event log,
 * config keys and texts. */
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

#include "core/alarms.h"
#include "util/err.h"

#define T0	1795449600000LL

/* One LV module (id 3) of 8 cells at 3.300 V, 25 degC, stack SOC 50. */
static void
base(struct pt_sample *s)
{
	struct pt_module *m;
	int k;

	pt_sample_init(s, "lv");
	s->time_ms = T0;
	PT_SET(&s->stack, soc, PTF_SOC, 50);
	PT_SET(&s->stack, error_code, PTF_ERROR_CODE, 0);
	m = pt_sample_module(s, 3);
	PT_SET(m, temp_max, PTF_TEMP_MAX, 25);
	PT_SET(m, temp_min, PTF_TEMP_MIN, 25);
	PT_SET(m, error_code, PTF_ERROR_CODE, 0);
	for (k = 0; k < 8; k++)
		PT_SET(pt_module_cell(m, k), voltage, PTF_VOLTAGE, 3.300f);
}

static struct pt_sample *
sample(void)
{
	struct pt_sample *s = malloc(sizeof *s);

	assert_non_null(s);
	base(s);
	return s;
}

static const struct pt_alarm *
find(const struct pt_sample *s, const char *name, int module, int cell)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (strcmp(s->alarms[i].name, name) == 0 && s->alarms[i].module == module &&
		    s->alarms[i].cell == cell)
			return &s->alarms[i];
	return NULL;
}

/* Evaluate a sample whose cell 6 of module 3 is at `v`; true when the
 * cell's alarm `name` is in the sample afterwards. */
static bool
cell_at(struct alarm_engine *e, struct pt_sample *s, float v, const char *name, int *raised,
    int64_t t)
{
	base(s);
	s->modules[0].cells[6].voltage = v;
	*raised = alarm_engine_eval(e, s, t);
	return find(s, name, 3, 6) != NULL;
}

/* An engine whose spread limit stays out of the way of tests that move
 * one cell far from the others. */
static struct alarm_engine *
engine_one_cell(void)
{
	struct alarm_config c;

	alarm_config_defaults(&c);
	c.cell_spread_high = 2;
	return alarm_engine_new(&c);
}

static void
test_defaults(void **state)
{
	struct alarm_config c;

	(void)state;
	alarm_config_defaults(&c);
	assert_float_equal(c.cell_v_high, 3.60, 1e-9);
	assert_float_equal(c.cell_v_low, 2.90, 1e-9);
	assert_float_equal(c.cell_v_hyst, 0.05, 1e-9);
	assert_float_equal(c.cell_spread_high, 0.10, 1e-9);
	assert_float_equal(c.cell_spread_hyst, 0.02, 1e-9);
	assert_float_equal(c.temp_high, 45, 0);
	assert_float_equal(c.temp_low, 2, 0);
	assert_float_equal(c.temp_hyst, 3, 0);
	assert_float_equal(c.soc_low, 10, 0);
	assert_float_equal(c.soc_hyst, 5, 0);
	assert_float_equal(c.stale_after_s, 0, 0);
	assert_false(c.bell);
}

static void
test_cell_high_hysteresis_boundaries(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	int r;

	(void)state;
	e = engine_one_cell();
	assert_false(cell_at(e, s, 3.599f, "cell_voltage_high", &r, T0));
	assert_int_equal(r, 0);
	assert_true(cell_at(e, s, 3.600f, "cell_voltage_high", &r, T0 + 1000));
	assert_int_equal(r, 1);
	assert_float_equal(find(s, "cell_voltage_high", 3, 6)->value, 3.6, 1e-6);
	assert_int_equal(find(s, "cell_voltage_high", 3, 6)->source, PT_ALARM_THRESHOLD);
	/* Holding is not raising again; since stays at the first raise. */
	assert_true(cell_at(e, s, 3.650f, "cell_voltage_high", &r, T0 + 2000));
	assert_int_equal(r, 0);
	assert_int_equal(find(s, "cell_voltage_high", 3, 6)->since_ms, T0 + 1000);
	/* Held down to 3.60 - 0.05 = 3.55, cleared below it. */
	assert_true(cell_at(e, s, 3.560f, "cell_voltage_high", &r, T0 + 3000));
	assert_true(cell_at(e, s, 3.550f, "cell_voltage_high", &r, T0 + 4000));
	assert_false(cell_at(e, s, 3.549f, "cell_voltage_high", &r, T0 + 5000));
	/* Cleared: 3.59 does not raise it again, 3.60 does. */
	assert_false(cell_at(e, s, 3.590f, "cell_voltage_high", &r, T0 + 6000));
	assert_true(cell_at(e, s, 3.600f, "cell_voltage_high", &r, T0 + 7000));
	assert_int_equal(r, 1);
	assert_int_equal(find(s, "cell_voltage_high", 3, 6)->since_ms, T0 + 7000);
	alarm_engine_free(e);
	free(s);
}

static void
test_cell_low_hysteresis_boundaries(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	int r;

	(void)state;
	e = engine_one_cell();
	assert_false(cell_at(e, s, 2.901f, "cell_voltage_low", &r, T0));
	assert_true(cell_at(e, s, 2.900f, "cell_voltage_low", &r, T0 + 1000));
	assert_int_equal(r, 1);
	assert_true(cell_at(e, s, 2.950f, "cell_voltage_low", &r, T0 + 2000));
	assert_false(cell_at(e, s, 2.951f, "cell_voltage_low", &r, T0 + 3000));
	/* The other cells never raised anything. */
	assert_null(find(s, "cell_voltage_low", 3, 5));
	alarm_engine_free(e);
	free(s);
}

static bool
spread_at(struct alarm_engine *e, struct pt_sample *s, float high, int64_t t)
{
	base(s);
	s->modules[0].cells[2].voltage = high;
	alarm_engine_eval(e, s, t);
	return find(s, "cell_spread_high", 3, -1) != NULL;
}

static void
test_spread_temperature_soc(void **state)
{
	struct alarm_config c;
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct pt_module *m;
	static const struct { double t; bool high, low; } temps[] = {
		{ 44.9, false, false }, { 45.0, true, false }, { 42.0, true, false },
		{ 41.9, false, false }, { 2.1, false, false }, { 2.0, false, true },
		{ 5.0, false, true }, { 5.1, false, false },
	};
	static const struct { double soc; bool low; } socs[] = {
		{ 10.1, false }, { 10, true }, { 8, true }, { 15, true }, { 15.1, false },
	};
	size_t i;

	(void)state;
	alarm_config_defaults(&c);
	e = alarm_engine_new(&c);
	/* Spread: 0.10 V raises, held to 0.08 V, cleared below. */
	assert_false(spread_at(e, s, 3.399f, T0));
	assert_true(spread_at(e, s, 3.400f, T0 + 1));
	assert_true(spread_at(e, s, 3.380f, T0 + 2));
	assert_false(spread_at(e, s, 3.379f, T0 + 3));
	for (i = 0; i < sizeof temps / sizeof temps[0]; i++) {
		base(s);
		s->modules[0].temp_max = s->modules[0].temp_min = temps[i].t;
		alarm_engine_eval(e, s, T0 + 10 + (int64_t)i);
		assert_int_equal(find(s, "temperature_high", 3, -1) != NULL, temps[i].high);
		assert_int_equal(find(s, "temperature_low", 3, -1) != NULL, temps[i].low);
	}
	/* Without temp_max/temp_min, the cell temperatures count. */
	base(s);
	m = &s->modules[0];
	m->valid &= ~(uint32_t)(PTF_TEMP_MAX | PTF_TEMP_MIN);
	PT_SET(&m->cells[1], temperature, PTF_TEMPERATURE, 46.0f);
	PT_SET(&m->cells[2], temperature, PTF_TEMPERATURE, 1.5f);
	alarm_engine_eval(e, s, T0 + 100);
	assert_non_null(find(s, "temperature_high", 3, -1));
	assert_float_equal(find(s, "temperature_high", 3, -1)->value, 46.0, 1e-6);
	assert_non_null(find(s, "temperature_low", 3, -1));
	for (i = 0; i < sizeof socs / sizeof socs[0]; i++) {
		base(s);
		s->stack.soc = socs[i].soc;
		alarm_engine_eval(e, s, T0 + 200 + (int64_t)i);
		assert_int_equal(find(s, "soc_low", 0, -1) != NULL, socs[i].low);
	}
	alarm_engine_free(e);
	free(s);
}

static void
test_invalid_fields_never_raise(void **state)
{
	struct alarm_config c;
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_state st[4];
	struct pt_module *m;
	int k;

	(void)state;
	alarm_config_defaults(&c);
	e = alarm_engine_new(&c);
	m = &s->modules[0];
	for (k = 0; k < 8; k++) {
		m->cells[k].voltage = k % 2 ? 9.0f : 0.0f;	/* absurd, and unknown */
		m->cells[k].temperature = 99;
		m->cells[k].valid = 0;
	}
	m->temp_max = 99;
	m->temp_min = -40;
	m->error_code = 7;
	m->valid = 0;
	s->stack.soc = 0;
	s->stack.temperature = 99;
	s->stack.error_code = 3;
	s->stack.valid = 0;
	assert_int_equal(alarm_engine_eval(e, s, T0), 0);
	assert_int_equal(s->n_alarms, 0);
	assert_int_equal(alarm_engine_active(e, st, 4), 0);
	assert_int_equal(alarm_engine_events(e, NULL, 0), 0);
	alarm_engine_free(e);
	free(s);
}

/* A raised alarm whose value becomes unknown (cells read round-robin, a
 * module that did not answer) is neither cleared nor raised again. */
static void
test_unknown_keeps_state(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_event ev[8];
	int r;

	(void)state;
	e = engine_one_cell();
	assert_true(cell_at(e, s, 3.7f, "cell_voltage_high", &r, T0));
	base(s);
	s->modules[0].cells[6].valid = 0;
	assert_int_equal(alarm_engine_eval(e, s, T0 + 1000), 0);
	assert_non_null(find(s, "cell_voltage_high", 3, 6));
	assert_float_equal(find(s, "cell_voltage_high", 3, 6)->value, 3.7, 1e-6);
	/* The module is missing altogether. */
	pt_sample_init(s, "lv");
	PT_SET(&s->stack, soc, PTF_SOC, 50);
	assert_int_equal(alarm_engine_eval(e, s, T0 + 2000), 0);
	assert_non_null(find(s, "cell_voltage_high", 3, 6));
	assert_int_equal(alarm_engine_events(e, ev, 8), 1);	/* the one raise */
	alarm_engine_free(e);
	free(s);
}

static void
test_latch_and_ack(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_state st[8];
	int r;

	(void)state;
	e = engine_one_cell();
	/* Raised, then cleared: still listed, not active, until ack. */
	cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0);
	cell_at(e, s, 3.30f, "cell_voltage_high", &r, T0 + 1000);
	assert_int_equal(alarm_engine_active(e, st, 8), 1);
	assert_false(st[0].active);
	assert_false(st[0].acknowledged);
	assert_int_equal(st[0].cleared_ms, T0 + 1000);
	assert_int_equal(st[0].alarm.since_ms, T0);
	assert_string_equal(st[0].alarm.name, "cell_voltage_high");
	assert_int_equal(alarm_engine_unacked(e), 1);
	alarm_engine_ack(e);
	assert_int_equal(alarm_engine_active(e, st, 8), 0);
	assert_int_equal(alarm_engine_unacked(e), 0);
	/* Active and acknowledged: stays listed while the condition holds. */
	cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0 + 2000);
	alarm_engine_ack(e);
	cell_at(e, s, 3.66f, "cell_voltage_high", &r, T0 + 3000);
	assert_int_equal(r, 0);
	assert_int_equal(alarm_engine_active(e, st, 8), 1);
	assert_true(st[0].active);
	assert_true(st[0].acknowledged);
	assert_int_equal(st[0].cleared_ms, 0);
	assert_int_equal(alarm_engine_unacked(e), 0);
	/* Acknowledged and then cleared: nothing left to show. */
	cell_at(e, s, 3.30f, "cell_voltage_high", &r, T0 + 4000);
	assert_int_equal(alarm_engine_active(e, st, 8), 0);
	/* Raised again: needs a new acknowledgement. */
	cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0 + 5000);
	assert_int_equal(r, 1);
	assert_int_equal(alarm_engine_active(e, st, 8), 1);
	assert_false(st[0].acknowledged);
	assert_int_equal(alarm_engine_unacked(e), 1);
	/* Acked while active, then a clear and a new raise before anyone
	 * looked: un-acknowledged again. */
	alarm_engine_ack(e);
	cell_at(e, s, 3.30f, "cell_voltage_high", &r, T0 + 6000);
	cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0 + 7000);
	assert_int_equal(alarm_engine_active(e, st, 8), 1);
	assert_false(st[0].acknowledged);
	assert_int_equal(st[0].alarm.since_ms, T0 + 7000);
	alarm_engine_free(e);
	free(s);
}

static void
test_active_order_and_max(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_state st[8];

	(void)state;
	e = engine_one_cell();
	base(s);
	s->stack.soc = 5;				/* warning */
	s->modules[0].cells[1].voltage = 3.7f;		/* alarm */
	alarm_engine_eval(e, s, T0);
	base(s);
	s->stack.soc = 5;
	s->modules[0].temp_max = 50;			/* alarm, later */
	alarm_engine_eval(e, s, T0 + 1000);		/* the cell cleared */
	assert_int_equal(alarm_engine_active(e, st, 8), 3);
	assert_string_equal(st[0].alarm.name, "temperature_high");	/* active alarm */
	assert_string_equal(st[1].alarm.name, "soc_low");		/* active warning */
	assert_string_equal(st[2].alarm.name, "cell_voltage_high");	/* cleared */
	assert_int_equal(alarm_engine_active(e, st, 1), 1);
	assert_string_equal(st[0].alarm.name, "temperature_high");
	alarm_engine_free(e);
	free(s);
}

static void
test_event_log_order_and_bound(void **state)
{
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_event *ev = calloc(1000, sizeof *ev);
	size_t n, i;
	int k, r;

	(void)state;
	e = engine_one_cell();
	cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0);
	cell_at(e, s, 3.30f, "cell_voltage_high", &r, T0 + 1);
	n = alarm_engine_events(e, ev, 10);
	assert_int_equal(n, 2);
	assert_false(ev[0].raised);		/* newest first */
	assert_int_equal(ev[0].time_ms, T0 + 1);
	assert_float_equal(ev[0].alarm.value, 3.30, 1e-6);	/* the value that cleared it */
	assert_true(ev[1].raised);
	assert_float_equal(ev[1].alarm.value, 3.65, 1e-6);
	assert_int_equal(ev[1].alarm.module, 3);
	assert_int_equal(ev[1].alarm.cell, 6);
	/* 600 more transitions: the log keeps the newest 512. */
	for (k = 0; k < 300; k++) {
		cell_at(e, s, 3.65f, "cell_voltage_high", &r, T0 + 10 + 2 * k);
		cell_at(e, s, 3.30f, "cell_voltage_high", &r, T0 + 11 + 2 * k);
	}
	n = alarm_engine_events(e, ev, 1000);
	assert_int_equal(n, 512);
	assert_int_equal(ev[0].time_ms, T0 + 11 + 2 * 299);
	for (i = 1; i < n; i++) {
		assert_int_equal(ev[i].time_ms, ev[i - 1].time_ms - 1);
		assert_int_equal(ev[i].raised, !ev[i - 1].raised);
	}
	assert_int_equal(alarm_engine_events(e, ev, 3), 3);
	free(ev);
	alarm_engine_free(e);
	free(s);
}

static void
test_bms_alarms_and_error_codes(void **state)
{
	struct alarm_config c;
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_state st[8];
	char text[128];

	(void)state;
	alarm_config_defaults(&c);
	e = alarm_engine_new(&c);
	pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_PROTECT, 3, 1, "cell_overvoltage", NAN);
	s->modules[0].error_code = 0x21;
	assert_int_equal(alarm_engine_eval(e, s, T0), 2);
	assert_int_equal(s->alarms[0].since_ms, T0);
	assert_non_null(find(s, "error_code", 3, -1));
	assert_int_equal(find(s, "error_code", 3, -1)->source, PT_ALARM_BMS);
	alarm_describe(find(s, "error_code", 3, -1), text, sizeof text);
	assert_string_equal(text, "Module 3 error code 33");
	alarm_describe(&s->alarms[0], text, sizeof text);
	assert_string_equal(text, "Module 3 cell 2 overvoltage");
	/* Next sample: still there, since unchanged. */
	base(s);
	s->time_ms = T0 + 2000;
	pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_PROTECT, 3, 1, "cell_overvoltage", NAN);
	s->modules[0].error_code = 0x21;
	assert_int_equal(alarm_engine_eval(e, s, T0 + 2000), 0);
	assert_int_equal(s->alarms[0].since_ms, T0);
	/* The parser no longer reports it and the code is 0: both clear. */
	base(s);
	assert_int_equal(alarm_engine_eval(e, s, T0 + 4000), 0);
	assert_int_equal(s->n_alarms, 0);
	assert_int_equal(alarm_engine_active(e, st, 8), 2);
	assert_false(st[0].active || st[1].active);
	/* A stack error code. */
	base(s);
	s->stack.error_code = 5;
	assert_int_equal(alarm_engine_eval(e, s, T0 + 6000), 1);
	alarm_describe(find(s, "error_code", 0, -1), text, sizeof text);
	assert_string_equal(text, "Stack error code 5");
	alarm_engine_free(e);
	free(s);
}

static void
test_stale_and_link(void **state)
{
	struct alarm_config c;
	struct alarm_engine *e;
	struct pt_sample *s = sample();
	struct alarm_state st[4];
	char text[128];

	(void)state;
	alarm_config_defaults(&c);
	e = alarm_engine_new(&c);
	alarm_engine_stale(e, true, 7.0, T0);
	alarm_engine_stale(e, true, 9.0, T0 + 2000);
	assert_int_equal(alarm_engine_active(e, st, 4), 1);
	assert_true(st[0].active);
	assert_int_equal(st[0].alarm.source, PT_ALARM_LINK);
	assert_string_equal(st[0].alarm.name, "stale_data");
	assert_int_equal(st[0].alarm.since_ms, T0);
	alarm_describe(&st[0].alarm, text, sizeof text);
	assert_string_equal(text, "Link: no fresh data for 9 s");
	/* A sample does not clear the link alarm; alarm_engine_stale does. */
	alarm_engine_eval(e, s, T0 + 3000);
	assert_int_equal(alarm_engine_active(e, st, 4), 1);
	assert_true(st[0].active);
	alarm_engine_stale(e, false, 0, T0 + 4000);
	assert_int_equal(alarm_engine_active(e, st, 4), 1);
	assert_false(st[0].active);
	assert_int_equal(st[0].cleared_ms, T0 + 4000);
	alarm_engine_free(e);
	free(s);
}

static void
test_sample_alarm_table_bound(void **state)
{
	struct alarm_config c;
	struct alarm_engine *e;
	struct pt_sample *s = malloc(sizeof *s);
	struct pt_module *m;
	int i, k;

	(void)state;
	alarm_config_defaults(&c);
	e = alarm_engine_new(&c);
	pt_sample_init(s, "lv");
	pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_ALARM, 1, -1, "module_overvoltage", NAN);
	for (i = 0; i < 16; i++) {
		m = pt_sample_module(s, i + 1);
		for (k = 0; k < 16; k++)
			PT_SET(pt_module_cell(m, k), voltage, PTF_VOLTAGE, 3.7f);
	}
	/* 1 BMS alarm + 256 cells high: the sample holds 48, the engine all. */
	assert_int_equal(alarm_engine_eval(e, s, T0), 257);
	assert_int_equal(s->n_alarms, PT_MAX_ALARMS);
	assert_string_equal(s->alarms[0].name, "module_overvoltage");
	assert_int_equal(alarm_engine_unacked(e), 257);
	alarm_engine_free(e);
	free(s);
}

static void
test_describe(void **state)
{
	struct pt_alarm a;
	char text[128], small[12];

	(void)state;
	memset(&a, 0, sizeof a);
	a.source = PT_ALARM_THRESHOLD;
	a.module = 3;
	a.cell = 6;
	snprintf(a.name, sizeof a.name, "cell_voltage_high");
	a.value = 3.652;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Module 3 cell 7 voltage high: 3.652 V");
	snprintf(a.name, sizeof a.name, "cell_voltage_low");
	a.value = 2.85;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Module 3 cell 7 voltage low: 2.850 V");
	a.cell = -1;
	snprintf(a.name, sizeof a.name, "cell_spread_high");
	a.value = 0.112;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Module 3 cell spread high: 112 mV");
	snprintf(a.name, sizeof a.name, "temperature_high");
	a.value = 47;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Module 3 temperature high: 47.0 C");
	a.module = 0;
	snprintf(a.name, sizeof a.name, "soc_low");
	a.value = 8;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Stack SOC low: 8 %");
	a.source = PT_ALARM_BMS;
	a.module = 2;
	snprintf(a.name, sizeof a.name, "discharge_overcurrent");
	a.value = NAN;
	alarm_describe(&a, text, sizeof text);
	assert_string_equal(text, "Module 2 discharge overcurrent");
	alarm_describe(&a, small, sizeof small);
	assert_string_equal(small, "Module 2 di");
	assert_string_equal(alarm_level_name(PT_LEVEL_WARNING), "warning");
	assert_string_equal(alarm_level_name(PT_LEVEL_PROTECT), "protect");
	assert_string_equal(alarm_level_name(PT_LEVEL_INFO), "info");
	assert_string_equal(alarm_level_name(PT_LEVEL_ALARM), "alarm");
}

static void
test_config_keys(void **state)
{
	static const struct { const char *key, *value; double want; size_t off; } good[] = {
#define G(k, v, w, f) { k, v, w, offsetof(struct alarm_config, f) }
		G("ALARM_CELL_V_HIGH", "3.65", 3.65, cell_v_high),
		G("ALARM_CELL_V_LOW", "2.5", 2.5, cell_v_low),
		G("ALARM_CELL_V_HYST", "0.03", 0.03, cell_v_hyst),
		G("ALARM_CELL_SPREAD", "0.080", 0.08, cell_spread_high),
		G("ALARM_CELL_SPREAD_HYST", "0.01", 0.01, cell_spread_hyst),
		G("ALARM_TEMP_HIGH", "50", 50, temp_high),
		G("ALARM_TEMP_LOW", "-5", -5, temp_low),
		G("ALARM_TEMP_HYST", "2.5", 2.5, temp_hyst),
		G("ALARM_SOC_LOW", "15", 15, soc_low),
		G("ALARM_SOC_HYST", "3", 3, soc_hyst),
		G("ALARM_STALE_S", "30", 30, stale_after_s),
		G("ALARM_STALE_S", "0", 0, stale_after_s),
#undef G
	};
	static const struct { const char *value; bool want; } bells[] = {
		{ "true", true }, { "false", false }, { "yes", true }, { "no", false },
		{ "1", true }, { "0", false }, { "YES", true }, { "False", false },
	};
	struct alarm_config c;
	char msg[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		alarm_config_defaults(&c);
		assert_int_equal(alarm_config_set(&c, good[i].key, good[i].value, msg, sizeof msg), 1);
		assert_float_equal(*(double *)(void *)((char *)&c + good[i].off), good[i].want, 1e-12);
	}
	for (i = 0; i < sizeof bells / sizeof bells[0]; i++) {
		c.bell = !bells[i].want;
		assert_int_equal(alarm_config_set(&c, "ALARM_BELL", bells[i].value, msg, sizeof msg), 1);
		assert_int_equal(c.bell, bells[i].want);
	}
	/* Not an alarm key. */
	assert_int_equal(alarm_config_set(&c, "SERIAL_PORT", "/dev/ttyUSB0", msg, sizeof msg), 0);
	assert_int_equal(alarm_config_set(&c, "ALARM_CELL_V_HIGHER", "3.6", msg, sizeof msg), 0);
}

static void
test_config_bad_values(void **state)
{
	static const struct { const char *key, *value, *msg; } bad[] = {
		{ "ALARM_CELL_V_HIGH", "3,6",
		  "ALARM_CELL_V_HIGH: '3,6' is not a number (use a dot: 3.60)" },
		{ "ALARM_CELL_V_HIGH", "",
		  "ALARM_CELL_V_HIGH: the value is empty (give a number from 1 to 5)" },
		{ "ALARM_CELL_V_HIGH", "abc",
		  "ALARM_CELL_V_HIGH: 'abc' is not a number (digits with an optional dot, e.g. 3.60)" },
		{ "ALARM_CELL_V_HIGH", "3.6V", NULL },
		{ "ALARM_CELL_V_HIGH", " 3.6", NULL },
		{ "ALARM_CELL_V_HIGH", "3.6 ", NULL },
		{ "ALARM_CELL_V_HIGH", "3.6.1", NULL },
		{ "ALARM_CELL_V_HIGH", "+3.6", NULL },
		{ "ALARM_CELL_V_HIGH", "3e0", NULL },
		{ "ALARM_CELL_V_HIGH", "0x4", NULL },
		{ "ALARM_CELL_V_HIGH", "inf", NULL },
		{ "ALARM_CELL_V_HIGH", "nan", NULL },
		{ "ALARM_CELL_V_HIGH", "-", NULL },
		{ "ALARM_CELL_V_HIGH", ".", NULL },
		{ "ALARM_CELL_V_HIGH", "9",
		  "ALARM_CELL_V_HIGH: 9 is out of range (1 to 5)" },
		{ "ALARM_CELL_V_LOW", "0.5", NULL },
		{ "ALARM_CELL_V_HYST", "-0.01", NULL },
		{ "ALARM_CELL_V_HYST", "2", NULL },
		{ "ALARM_CELL_SPREAD", "0", NULL },
		{ "ALARM_CELL_SPREAD", "0,1", NULL },
		{ "ALARM_CELL_SPREAD_HYST", "x", NULL },
		{ "ALARM_TEMP_HIGH", "200", NULL },
		{ "ALARM_TEMP_LOW", "-41", NULL },
		{ "ALARM_TEMP_HYST", "31", NULL },
		{ "ALARM_SOC_LOW", "101", NULL },
		{ "ALARM_SOC_LOW", "10%", NULL },
		{ "ALARM_SOC_HYST", "51", NULL },
		{ "ALARM_STALE_S", "-1", NULL },
		{ "ALARM_STALE_S", "10s", NULL },
		{ "ALARM_STALE_S", "100000", NULL },
		{ "ALARM_BELL", "maybe",
		  "ALARM_BELL: 'maybe' is not a yes/no value (use true or false)" },
		{ "ALARM_BELL", "", NULL },
		{ "ALARM_BELL", "2", NULL },
	};
	struct alarm_config c, before;
	char msg[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		alarm_config_defaults(&c);
		before = c;
		msg[0] = '\0';
		assert_int_equal(alarm_config_set(&c, bad[i].key, bad[i].value, msg, sizeof msg),
		    PT_ERR_CONFIG);
		/* One line that names the key; nothing changed. */
		assert_int_equal(strncmp(msg, bad[i].key, strlen(bad[i].key)), 0);
		assert_null(strchr(msg, '\n'));
		if (bad[i].msg != NULL)
			assert_string_equal(msg, bad[i].msg);
		assert_memory_equal(&c, &before, sizeof c);
	}
}

/* Issue 9.11: a low limit above the default high one is fine while the
 * high one is still to come; only the final values are checked. */
static void
test_config_cross_keys(void **state)
{
	struct alarm_config c;
	char msg[200];

	(void)state;
	alarm_config_defaults(&c);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), 0);
	/* Low first, above the default high (3.60): taken, checked later. */
	assert_int_equal(alarm_config_set(&c, "ALARM_CELL_V_LOW", "3.65", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_set(&c, "ALARM_CELL_V_HIGH", "3.70", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_set(&c, "ALARM_TEMP_LOW", "50", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_set(&c, "ALARM_TEMP_HIGH", "60", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), 0);
	assert_float_equal(c.cell_v_low, 3.65, 1e-12);
	assert_float_equal(c.cell_v_high, 3.70, 1e-12);

	/* The final values out of order: one line naming both keys. */
	alarm_config_defaults(&c);
	assert_int_equal(alarm_config_set(&c, "ALARM_CELL_V_HIGH", "2.5", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), PT_ERR_CONFIG);
	assert_string_equal(msg, "ALARM_CELL_V_LOW (2.900 V) is not below ALARM_CELL_V_HIGH "
	    "(2.500 V): lower the first or raise the second");
	alarm_config_defaults(&c);
	assert_int_equal(alarm_config_set(&c, "ALARM_CELL_V_LOW", "3.60", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), PT_ERR_CONFIG);
	alarm_config_defaults(&c);
	assert_int_equal(alarm_config_set(&c, "ALARM_TEMP_HIGH", "1", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), PT_ERR_CONFIG);
	assert_string_equal(msg, "ALARM_TEMP_LOW (2 C) is not below ALARM_TEMP_HIGH (1 C): "
	    "lower the first or raise the second");
	alarm_config_defaults(&c);
	assert_int_equal(alarm_config_set(&c, "ALARM_TEMP_LOW", "45", msg, sizeof msg), 1);
	assert_int_equal(alarm_config_check(&c, msg, sizeof msg), PT_ERR_CONFIG);
}

/* Evaluation on one thread, the UI's reads and acks on another. */
struct smoke {
	struct alarm_engine	*e;
	volatile int		 done;
};

static void *
evaluator(void *arg)
{
	struct smoke *sm = arg;
	struct pt_sample *s = malloc(sizeof *s);
	int k;

	for (k = 0; k < 2000 && s != NULL; k++) {
		base(s);
		s->modules[0].cells[k % 8].voltage = k % 3 ? 3.7f : 3.3f;
		alarm_engine_eval(sm->e, s, T0 + k);
		if (k % 100 == 0)
			alarm_engine_stale(sm->e, k % 200 == 0, 10, T0 + k);
	}
	free(s);
	__atomic_store_n(&sm->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
test_thread_smoke(void **state)
{
	struct alarm_config c;
	struct smoke sm;
	struct alarm_state st[64];
	struct alarm_event ev[64];
	pthread_t th;
	int rounds = 0;

	(void)state;
	alarm_config_defaults(&c);
	sm.e = alarm_engine_new(&c);
	sm.done = 0;
	assert_int_equal(pthread_create(&th, NULL, evaluator, &sm), 0);
	while (!__atomic_load_n(&sm.done, __ATOMIC_SEQ_CST) || rounds < 10) {
		assert_true(alarm_engine_active(sm.e, st, 64) <= 64);
		alarm_engine_events(sm.e, ev, 64);
		alarm_engine_unacked(sm.e);
		if (rounds++ % 5 == 0)
			alarm_engine_ack(sm.e);
	}
	pthread_join(th, NULL);
	alarm_engine_free(sm.e);
}

/* The colour bands are the alarm limits, applied as pylontop(1) says. */
static void
test_bands(void **state)
{
	struct alarm_config c;

	(void)state;
	alarm_config_defaults(&c);
	assert_int_equal(alarm_band_cell_voltage(&c, 3.300, 3.300), BAND_NORMAL);
	assert_int_equal(alarm_band_cell_voltage(&c, 3.281, 3.300), BAND_NORMAL);
	assert_int_equal(alarm_band_cell_voltage(&c, 3.280, 3.300), BAND_WARN);	/* 1/5 */
	assert_int_equal(alarm_band_cell_voltage(&c, 3.250, 3.300), BAND_ALARM);	/* 1/2 */
	assert_int_equal(alarm_band_cell_voltage(&c, 3.600, 3.600), BAND_LIMIT);
	assert_int_equal(alarm_band_cell_voltage(&c, 2.900, NAN), BAND_LIMIT);
	assert_int_equal(alarm_band_temperature(&c, 25), BAND_NORMAL);
	assert_int_equal(alarm_band_temperature(&c, 40), BAND_WARN);
	assert_int_equal(alarm_band_temperature(&c, 45), BAND_LIMIT);
	assert_int_equal(alarm_band_temperature(&c, 5), BAND_COLD);
	assert_int_equal(alarm_band_temperature(&c, 2), BAND_LIMIT);
	assert_int_equal(alarm_band_spread(&c, 0.049), BAND_NORMAL);
	assert_int_equal(alarm_band_spread(&c, 0.050), BAND_WARN);
	assert_int_equal(alarm_band_spread(&c, 0.100), BAND_ALARM);
	assert_int_equal(alarm_band_soc(&c, 50), BAND_NORMAL);
	assert_int_equal(alarm_band_soc(&c, 19), BAND_WARN);
	assert_int_equal(alarm_band_soc(&c, 10), BAND_ALARM);
	/* They follow the configuration: one rule, no copy in the views. */
	c.cell_spread_high = 0.050;
	assert_int_equal(alarm_band_cell_voltage(&c, 3.290, 3.300), BAND_WARN);
	assert_int_equal(alarm_band_cell_voltage(&c, 3.275, 3.300), BAND_ALARM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_cell_high_hysteresis_boundaries),
		cmocka_unit_test(test_cell_low_hysteresis_boundaries),
		cmocka_unit_test(test_spread_temperature_soc),
		cmocka_unit_test(test_invalid_fields_never_raise),
		cmocka_unit_test(test_unknown_keeps_state),
		cmocka_unit_test(test_latch_and_ack),
		cmocka_unit_test(test_active_order_and_max),
		cmocka_unit_test(test_event_log_order_and_bound),
		cmocka_unit_test(test_bms_alarms_and_error_codes),
		cmocka_unit_test(test_stale_and_link),
		cmocka_unit_test(test_sample_alarm_table_bound),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_bad_values),
		cmocka_unit_test(test_config_cross_keys),
		cmocka_unit_test(test_thread_smoke),
		cmocka_unit_test(test_bands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
