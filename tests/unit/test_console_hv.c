/* test_console_hv.c — the HV controller parsers (console_hv.c) on the
 * fixtures in tests/fixtures/console/hv/, on answers built here, on
 * damaged answers, and on the real captures of ../shared when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/console_hv.h"
#include "util/err.h"

#include "console_hv_testutil.h"

struct fx {
	struct pt_sample	*s, *copy;
	struct pt_diag		 d;
	char			*buf;
	size_t			 len;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL || (f->s = malloc(sizeof *f->s)) == NULL ||
	    (f->copy = malloc(sizeof *f->copy)) == NULL)
		return -1;
	pt_sample_init(f->s, "hv");
	pt_diag_clear(&f->d);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	free(f->buf);
	free(f->s);
	free(f->copy);
	free(f);
	return 0;
}

/* Parse the answer to `cmd` in fixture `name` into f->s. */
static int
parse_file(struct fx *f, console_parse_fn fn, const char *name, const char *cmd, int arg)
{
	struct console_ctx ctx = { .module = arg };
	size_t off, blen;

	free(f->buf);
	f->buf = tu_fixture(name, &f->len);
	if (f->buf == NULL)
		fail_msg("%s: cannot read the fixture", name);
	if (!tu_body(f->buf, f->len, cmd, &off, &blen))
		fail_msg("%s: no body for '%s'", name, cmd);
	pt_diag_clear(&f->d);
	return fn(f->buf + off, blen, &ctx, f->s, &f->d);
}

static int
parse_text(struct fx *f, console_parse_fn fn, const char *text, size_t len, int arg)
{
	struct console_ctx ctx = { .module = arg };

	pt_diag_clear(&f->d);
	return fn(text, len, &ctx, f->s, &f->d);
}

static bool
has_alarm(const struct pt_sample *s, const char *name, int module, int cell, int level)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (strcmp(s->alarms[i].name, name) == 0 && s->alarms[i].module == module &&
		    s->alarms[i].cell == cell && s->alarms[i].level == level &&
		    s->alarms[i].source == PT_ALARM_BMS)
			return true;
	return false;
}

static bool
warned(const struct pt_diag *d, const char *text)
{
	int i;

	for (i = 0; i < d->n_warnings && i < PT_DIAG_MAX; i++)
		if (strstr(d->warnings[i], text) != NULL)
			return true;
	return false;
}

static const char *
cell_word(const struct pt_sample *s, const struct pt_cell *c, bool volt)
{
	return pt_sample_word_text(s, volt ? c->voltage_status : c->temperature_status);
}

#define EPS	1e-6

/* ---- pwr ------------------------------------------------------------------- */

static void
test_pwr_cmu_wh(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;

	assert_int_equal(parse_file(f, console_hv_parse_pwr, "hv/cmu75_pwr.txt", "pwr", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_float_equal(st->voltage, 239.120, EPS);		/* Bat Volt */
	assert_float_equal(st->current, -15.230, EPS);
	assert_float_equal(st->temperature, 28.0, EPS);
	assert_float_equal(st->temp_min, 19.0, EPS);
	assert_float_equal(st->temp_max, 22.0, EPS);
	assert_float_equal(st->cell_vmin, 2.985, EPS);
	assert_float_equal(st->cell_vmax, 3.215, EPS);
	assert_float_equal(st->soc, 41, EPS);
	assert_float_equal(st->remaining_ah, 30.340, EPS);
	assert_float_equal(st->remaining_wh, 7642, EPS);	/* WH as printed */
	assert_int_equal(st->error_code, 0x21);
	assert_string_equal(st->status, "Discharge");
	assert_true(PT_HAS(st, PTF_VOLTAGE | PTF_CURRENT | PTF_TEMPERATURE | PTF_SOC |
	    PTF_REMAINING_AH | PTF_REMAINING_WH | PTF_ERROR_CODE | PTF_CELL_VMIN |
	    PTF_CELL_VMAX | PTF_TEMP_MIN | PTF_TEMP_MAX));
	assert_false(PT_HAS(st, PTF_CYCLES));
	/* B.V.St Low: a stack-level cell alarm; nothing else is abnormal. */
	assert_int_equal(f->s->n_alarms, 1);
	assert_true(has_alarm(f->s, "cell_voltage_low", 0, -1, PT_LEVEL_ALARM));
	assert_int_equal(f->s->n_modules, 0);
}

static void
test_pwr_h2_mwh_no_at(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;

	assert_int_equal(parse_file(f, console_hv_parse_pwr, "hv/h2_pwr_mwh.txt", "pwr", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_float_equal(st->voltage, 401.326, EPS);
	assert_float_equal(st->current, 4.875, EPS);
	assert_float_equal(st->soc, 57, EPS);
	assert_float_equal(st->remaining_ah, 21.090, EPS);
	assert_float_equal(st->remaining_wh, 8731.242, EPS);	/* mWH -> Wh */
	assert_int_equal(st->error_code, 0);
	assert_true(PT_HAS(st, PTF_ERROR_CODE));
	assert_string_equal(st->status, "Charge");
	assert_int_equal(f->s->n_alarms, 0);
}

static void
test_pwr_xhb_labels_and_dashes(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;

	assert_int_equal(parse_file(f, console_hv_parse_pwr, "hv/xhb_pwr.txt", "pwr", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_float_equal(st->voltage, 236.450, EPS);		/* B+B-.Volt */
	/* Tempr is "-": the preamble's Bat.Avg.Tmpr stands in. */
	assert_float_equal(st->temperature, 18.5, EPS);
	assert_float_equal(st->current, 0.0, EPS);
	assert_true(PT_HAS(st, PTF_CURRENT));
	assert_false(PT_HAS(st, PTF_ERROR_CODE));		/* no Err Code column */
	assert_string_equal(st->status, "Idle");
	assert_float_equal(st->remaining_wh, 7211, EPS);
}

static const char pwr_head[] =
    "AverageTempr   : 20000\r\r\nDC Volt        : 200000\r\r\n\r\r\n"
    "Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh UTlow  UThigh UVlow  UVhigh Base.St  "
    "Volt.St  Curr.St  Temp.St  CoulombAH                CoulombWH              Time"
    "                 B.V.St   B.T.St   U.V.St   U.T.St   Err Code\r\r\n";

static int
pwr_with_row(struct fx *f, const char *row)
{
	static char text[2048];

	snprintf(text, sizeof text, "%s%s\r\n", pwr_head, row);
	return parse_text(f, console_hv_parse_pwr, text, strlen(text), 0);
}

static void
test_pwr_states_levels_dashes(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;

	assert_int_equal(pwr_with_row(f, "- -90500 - 17000 21000 3096 3163 26000 27000 46915 "
	    "47268 SysError Normal Protect Warning 7% 5180 mAH 13% 2290 uWH 2026-01-02 03:04:05 "
	    "Normal Normal High Normal 0xA0"), 0);
	/* No Bat Volt and Volt "-": unknown, never 0. */
	assert_false(PT_HAS(st, PTF_VOLTAGE));
	assert_float_equal(st->current, -90.5, EPS);
	/* Tempr "-" falls back to AverageTempr. */
	assert_float_equal(st->temperature, 20.0, EPS);
	assert_float_equal(st->remaining_wh, 0.00229, 1e-9);	/* uWH */
	assert_int_equal(st->error_code, 0xA0);
	assert_string_equal(st->status, "SysError");
	assert_true(has_alarm(f->s, "stack_state_syserror", 0, -1, PT_LEVEL_ALARM));
	assert_true(has_alarm(f->s, "stack_current_protect", 0, -1, PT_LEVEL_PROTECT));
	assert_true(has_alarm(f->s, "stack_temperature_warning", 0, -1, PT_LEVEL_WARNING));
	assert_true(has_alarm(f->s, "module_voltage_high", 0, -1, PT_LEVEL_ALARM));
	assert_int_equal(f->s->n_alarms, 4);
	/* The same answer again adds no duplicate alarm. */
	assert_int_equal(pwr_with_row(f, "- -90500 - 17000 21000 3096 3163 26000 27000 46915 "
	    "47268 SysError Normal Protect Warning 7% 5180 mAH 13% 2290 uWH 2026-01-02 03:04:05 "
	    "Normal Normal High Normal 0xA0"), 0);
	assert_int_equal(f->s->n_alarms, 4);
}

static void
test_pwr_unknown_energy_unit(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pwr_with_row(f, "235573 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 7% 5180 mAH 13% 2290 Joule 2026-01-02 "
	    "03:04:05 Normal Normal Normal Normal 0x0"), 0);
	assert_true(warned(&f->d, "Joule"));
	assert_false(PT_HAS(&f->s->stack, PTF_REMAINING_WH));
	assert_float_equal(f->s->stack.soc, 7, EPS);
}

static void
test_pwr_rejects(void **state)
{
	struct fx *f = *state;
	static const char no_row[] = "Volt Curr Tempr\r\r\n";
	static const char lv[] = "Power Volt Curr Tempr\r\r\n1 49000 0 20000\r\n";

	/* One value too many / too few, bad numbers, bad hex, bad percent. */
	assert_int_equal(pwr_with_row(f, "235573 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 7% 5180 mAH 13% 2290 WH 2026-01-02 "
	    "03:04:05 Normal Normal Normal Normal 0x0 extra"), PT_ERR_PARSE);
	assert_non_null(strstr(f->d.error, "row 1"));
	assert_int_equal(pwr_with_row(f, "235573 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 7% 5180 mAH 13% 2290 WH 2026-01-02 "
	    "03:04:05 Normal Normal Normal 0x0"), PT_ERR_TRUNCATED);
	assert_int_equal(pwr_with_row(f, "235x73 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 7% 5180 mAH 13% 2290 WH 2026-01-02 "
	    "03:04:05 Normal Normal Normal Normal 0x0"), PT_ERR_PARSE);
	assert_non_null(strstr(f->d.error, "Volt"));
	assert_int_equal(pwr_with_row(f, "235573 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 7% 5180 mAH 13% 2290 WH 2026-01-02 "
	    "03:04:05 Normal Normal Normal Normal 0xZZ"), PT_ERR_PARSE);
	assert_int_equal(pwr_with_row(f, "235573 -292 30000 17000 21000 3096 3163 26000 27000 "
	    "46915 47268 Dischg Normal Normal Normal 107% 5180 mAH 13% 2290 WH 2026-01-02 "
	    "03:04:05 Normal Normal Normal Normal 0x0"), PT_ERR_PARSE);
	/* Nothing of the rejected answers reached the sample. */
	assert_int_equal(f->s->stack.valid, 0);
	assert_int_equal(f->s->n_alarms, 0);
	assert_int_equal(parse_text(f, console_hv_parse_pwr, no_row, sizeof no_row - 1, 0),
	    PT_ERR_TRUNCATED);
	assert_int_equal(parse_text(f, console_hv_parse_pwr, lv, sizeof lv - 1, 0),
	    PT_ERR_PARSE);
	assert_int_equal(parse_text(f, console_hv_parse_pwr, "", 0, 0), PT_ERR_PARSE);
	assert_true(strlen(f->d.error) > 10);
	assert_null(strchr(f->d.error, '\n'));
}

/* ---- unit ------------------------------------------------------------------ */

static void
test_unit_cmu_avgtempr(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/cmu75_unit.txt", "unit", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_modules, 5);
	m = &f->s->modules[0];
	assert_int_equal(m->id, 1);
	assert_float_equal(m->voltage, 47.887, EPS);
	assert_float_equal(m->current, -15.230, EPS);
	assert_float_equal(m->temperature, 24.0, EPS);		/* Tempr, not AvgTempr */
	assert_float_equal(m->temp_min, 19.0, EPS);
	assert_float_equal(m->temp_max, 20.0, EPS);
	assert_float_equal(m->cell_vmin, 3.165, EPS);
	assert_float_equal(m->cell_vmax, 3.215, EPS);
	assert_float_equal(m->soc, 40, EPS);
	assert_float_equal(m->remaining_ah, 29.6, EPS);
	assert_float_equal(m->remaining_wh, 1520, EPS);
	assert_true(PT_HAS(m, PTF_ENERGY_SOC));
	assert_float_equal(m->energy_soc, 42, EPS);		/* CoulombWH %, not SOC */
	assert_string_equal(m->status, "Discharge");
	m = &f->s->modules[4];
	assert_int_equal(m->id, 5);
	assert_float_equal(m->voltage, 47.904, EPS);
	assert_float_equal(m->temperature, 26.0, EPS);
	assert_float_equal(m->cell_vmin, 3.166, EPS);
	assert_float_equal(m->remaining_ah, 31.08, EPS);
	assert_int_equal(f->s->n_alarms, 0);
	assert_false(PT_HAS(&f->s->stack, PTF_VOLTAGE));
}

static void
test_unit_h2_without_avgtempr(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/h2_unit.txt", "unit", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_modules, 4);
	m = &f->s->modules[3];
	assert_int_equal(m->id, 4);
	assert_float_equal(m->voltage, 100.261, EPS);
	assert_float_equal(m->current, 4.875, EPS);
	assert_float_equal(m->temperature, 26.0, EPS);
	assert_float_equal(m->soc, 59, EPS);
	assert_float_equal(m->remaining_wh, 2183.311, EPS);	/* mWH */
	assert_string_equal(m->status, "Charge");
}

static void
test_unit_unknown_column(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/xhb_unit_extra.txt", "unit",
	    0), 0);
	/* Reported, not dropped silently, and the columns after it still
	 * land in the right fields. */
	assert_int_equal(f->d.n_warnings, 1);
	assert_true(warned(&f->d, "Fan.PWM"));
	assert_int_equal(f->s->n_modules, 5);
	m = &f->s->modules[2];
	assert_int_equal(m->id, 3);
	assert_float_equal(m->voltage, 47.302, EPS);
	assert_float_equal(m->soc, 62, EPS);
	assert_float_equal(m->remaining_ah, 30.71, EPS);
	assert_float_equal(m->remaining_wh, 1442, EPS);
	assert_string_equal(m->status, "Idle");
}

static void
test_unit_rejects(void **state)
{
	struct fx *f = *state;
	static const char hdr[] = "Index  Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh "
	    "Base.St  Volt.St  Temp.St  CoulombAH  CoulombWH  Time\r\r\n";
	static const char row1[] = "1 100050 2058 21000 21000 21000 3334 3337 Charge Normal "
	    "Normal 63% 23195 mAH 66% 2337434 mWH 2023-10-05 14:30:44\r\r\n";
	char text[1024];

	snprintf(text, sizeof text, "%s%s%s", hdr, row1, row1);
	assert_int_equal(parse_text(f, console_hv_parse_unit, text, strlen(text), 0),
	    PT_ERR_PARSE);
	assert_non_null(strstr(f->d.error, "twice"));
	snprintf(text, sizeof text, "%s%s2 100050 2058 21000 21000 21000 3334 3337 Charge "
	    "Normal Normal 63%% 23195 mAH 66%%", hdr, row1);
	assert_int_equal(parse_text(f, console_hv_parse_unit, text, strlen(text), 0),
	    PT_ERR_TRUNCATED);
	snprintf(text, sizeof text, "%s", hdr);
	assert_int_equal(parse_text(f, console_hv_parse_unit, text, strlen(text), 0),
	    PT_ERR_TRUNCATED);
	snprintf(text, sizeof text, "%s0 100050 2058 21000 21000 21000 3334 3337 Charge "
	    "Normal Normal 63%% 23195 mAH 66%% 2337434 mWH 2023-10-05 14:30:44\r\n", hdr);
	assert_int_equal(parse_text(f, console_hv_parse_unit, text, strlen(text), 0),
	    PT_ERR_PARSE);
	assert_int_equal(f->s->n_modules, 0);
	/* An empty BMU slot in short form is skipped, the others kept. */
	snprintf(text, sizeof text, "%s%s2 - - - - - - - Absent - - - - -\r\n", hdr, row1);
	assert_int_equal(parse_text(f, console_hv_parse_unit, text, strlen(text), 0), 0);
	assert_int_equal(f->s->n_modules, 1);
}

/* ---- bat ------------------------------------------------------------------ */

static void
test_bat75_after_unit(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;
	struct pt_cell *c;
	int i;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/cmu75_unit.txt", "unit", 0),
	    0);
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/cmu75_bat.txt", "bat", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_modules, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(f->s->modules[i].n_cells, 15);
	/* Cells 0..14 are unit Index 1's (the BMU farthest from the CMU). */
	c = &f->s->modules[0].cells[0];
	assert_float_equal(c->voltage, 3.176, 1e-6);
	assert_float_equal(c->temperature, 19.0, 1e-6);
	assert_float_equal(c->soc, 41, 1e-6);
	assert_true(PT_HAS(c, PTF_BALANCING));
	assert_false(c->balancing);
	assert_string_equal(cell_word(f->s, c, true), "Normal");
	assert_string_equal(cell_word(f->s, c, false), "Normal");
	assert_true(f->s->modules[0].cells[4].balancing);
	assert_float_equal(f->s->modules[0].cells[14].voltage, 3.192, 1e-6);
	assert_float_equal(f->s->modules[1].cells[0].voltage, 3.214, 1e-6);
	/* Cell 37 = Index 3, cell 7: V.State Low -> its voltage status and
	 * an alarm on that module and cell. */
	m = &f->s->modules[2];
	c = &m->cells[7];
	assert_float_equal(c->voltage, 2.985, 1e-6);
	assert_float_equal(c->soc, 22, 1e-6);
	assert_string_equal(cell_word(f->s, c, true), "Low");
	assert_true(has_alarm(f->s, "cell_voltage_low", 3, 7, PT_LEVEL_ALARM));
	assert_int_equal(f->s->n_alarms, 1);
	/* Cell 52 = Index 4, cell 7: balancing. */
	assert_true(f->s->modules[3].cells[7].balancing);
	assert_float_equal(f->s->modules[4].cells[14].voltage, 3.206, 1e-6);
	assert_float_equal(f->s->modules[4].cells[14].temperature, 22.0, 1e-6);
	/* Preamble: C.Curr / D.Curr are the current limits. */
	assert_float_equal(f->s->stack.charge_limit, 25.0, EPS);
	assert_float_equal(f->s->stack.discharge_limit, 74.0, EPS);
	assert_string_equal(f->s->stack.status, "Discharge");
	/* The unit values survive. */
	assert_float_equal(f->s->modules[2].voltage, 47.713, EPS);
}

static void
test_bat120_after_unit(void **state)
{
	struct fx *f = *state;
	int i, bal = 0;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/h2_unit.txt", "unit", 0), 0);
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/h2_bat120.txt", "bat", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_modules, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->s->modules[i].n_cells, 30);
	assert_float_equal(f->s->modules[0].cells[0].voltage, 3.342, 1e-6);
	assert_float_equal(f->s->modules[0].cells[29].voltage, 3.336, 1e-6);
	assert_float_equal(f->s->modules[1].cells[0].voltage, 3.343, 1e-6);
	assert_float_equal(f->s->modules[3].cells[29].voltage, 3.336, 1e-6);
	assert_float_equal(f->s->modules[3].cells[29].temperature, 26.0, 1e-6);
	assert_float_equal(f->s->modules[0].cells[0].soc, 57, 1e-6);
	for (i = 0; i < 30; i++)
		bal += f->s->modules[0].cells[i].balancing;
	assert_true(bal > 0 && bal < 30);
	assert_float_equal(f->s->stack.discharge_limit, 18.5, EPS);
}

static void
test_bat_without_unit(void **state)
{
	struct fx *f = *state;
	static const char small[] = "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)  "
	    "WH(mWH)  Bal\r\r\n0 3300 -10 20000 Normal Normal 50% 100 50% 300 N\r\r\n"
	    "1 3301 -10 20000 Normal Normal 50% 100 50% 300 N\r\n";

	/* 75 cells, no `unit`: modules of 15, with a warning. */
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/cmu75_bat.txt", "bat", 0), 0);
	assert_int_equal(f->d.n_warnings, 1);
	assert_true(warned(&f->d, "unit"));
	assert_int_equal(f->s->n_modules, 5);
	assert_int_equal(f->s->modules[2].id, 3);
	assert_int_equal(f->s->modules[2].n_cells, 15);
	assert_float_equal(f->s->modules[2].cells[7].voltage, 2.985, 1e-6);
	/* 120 cells: modules of 30. */
	pt_sample_init(f->s, "hv");
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/h2_bat120.txt", "bat", 0), 0);
	assert_int_equal(f->s->n_modules, 4);
	assert_int_equal(f->s->modules[3].n_cells, 30);
	/* A short string fits one module: id 1, with a warning. */
	pt_sample_init(f->s, "hv");
	assert_int_equal(parse_text(f, console_hv_parse_bat, small, sizeof small - 1, 0), 0);
	assert_int_equal(f->d.n_warnings, 1);
	assert_int_equal(f->s->n_modules, 1);
	assert_int_equal(f->s->modules[0].id, 1);
	assert_int_equal(f->s->modules[0].n_cells, 2);
	assert_float_equal(f->s->modules[0].cells[1].voltage, 3.301, 1e-6);
}

static void
test_bat_units_in_rows(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 1; i <= 4; i++)
		assert_non_null(pt_sample_module(f->s, i));
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/b50_bat_rowunits.txt", "bat",
	    0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->s->modules[i].n_cells, 15);
	assert_float_equal(f->s->modules[0].cells[0].voltage, 3.301, 1e-6);
	assert_float_equal(f->s->modules[3].cells[14].voltage, 3.311, 1e-6);
	assert_float_equal(f->s->modules[3].cells[14].soc, 88, 1e-6);
	assert_false(f->s->modules[3].cells[14].balancing);
	assert_float_equal(f->s->stack.charge_limit, 50.0, EPS);
	assert_float_equal(f->s->stack.discharge_limit, 0.0, EPS);
	assert_string_equal(f->s->stack.status, "Idle");
}

/* State words of the same length that differ (the cell memo compares
 * them 8 bytes at a time): each cell gets its own word and alarm, also
 * when the word is the last thing in the answer. */
static void
test_bat_words_same_length(void **state)
{
	static const char text[] = "Bat  Volt Curr Tempr V.State T.State AH(mAH) WH(mWH) Bal\r\r\n"
	    "0 3300 -10 20000 Normal Normal 50% 100 50% 300 N\r\r\n"
	    "1 3301 -10 20000 Normax Normal 50% 100 50% 300 N\r\r\n"
	    "2 3302 -10 20000 Normal Normal 50% 100 50% 300 N\r\r\n"
	    "3 3303 -10 20000 Normal NormaX 50% 100 50% 300 N";
	struct fx *f = *state;
	struct pt_module *m;

	assert_non_null(pt_sample_module(f->s, 1));
	assert_int_equal(parse_text(f, console_hv_parse_bat, text, sizeof text - 1, 0), 0);
	m = &f->s->modules[0];
	assert_int_equal(m->n_cells, 4);
	assert_string_equal(cell_word(f->s, &m->cells[0], true), "Normal");
	assert_string_equal(cell_word(f->s, &m->cells[1], true), "Normax");
	assert_string_equal(cell_word(f->s, &m->cells[2], true), "Normal");
	assert_string_equal(cell_word(f->s, &m->cells[3], false), "NormaX");
	assert_true(has_alarm(f->s, "cell_voltage_normax", 1, 1, PT_LEVEL_ALARM));
	assert_true(has_alarm(f->s, "cell_temperature_normax", 1, 3, PT_LEVEL_ALARM));
	assert_int_equal(f->s->n_alarms, 2);
}

/* A state word the same as the row before's for its first bytes, then
 * something else (junk glued on, a tab, a longer word): the column's
 * last good word is a shortcut, never a verdict on other bytes.  A
 * rejected answer leaves the sample as it was. */
static void
test_bat_words_after_seen(void **state)
{
	static const char head[] = "Bat  Volt Curr Tempr V.State T.State AH(mAH) WH(mWH) Bal\r\r\n"
	    "0 3300 -10 20000 Normal Normal 50% 100 50% 300 N\r\r\n"
	    "1 3301 -10 20000 Overvoltage Normal 50% 100 50% 300 N\r\r\n";
	static const struct {
		const char	*row, *word;	/* word: cell 2's V.State; NULL: rejected */
	} cases[] = {
		{ "2 3302 -10 20000 Normal\x01 Normal 50% 100 50% 300 N", NULL },
		{ "2 3302 -10 20000 Normal\x01Normal 50% 100 50% 300 N", NULL },
		{ "2 3302 -10 20000 Normal\tNormal 50% 100 50% 300 N", "Normal" },
		{ "2 3302 -10 20000 NormalX Normal 50% 100 50% 300 N", "NormalX" },
		{ "2 3302 -10 20000 Normal Normal 50% 100 50% 300 N", "Normal" },
		{ "2 3302 -10 20000 Overvoltage Normal 50% 100 50% 300 N", "Overvoltage" },
		{ "2 3302 -10 20000 Overvoltage: Normal 50% 100 50% 300 N", NULL },
		{ "2 3302 -10 20000 Norma Normal 50% 100 50% 300 N", "Norma" },
	};
	struct fx *f = *state;
	char text[512];
	size_t k;

	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct pt_module *m;
		int n = snprintf(text, sizeof text, "%s%s", head, cases[k].row);

		pt_sample_init(f->s, "hv");
		assert_non_null(pt_sample_module(f->s, 1));
		memcpy(f->copy, f->s, sizeof *f->s);
		if (cases[k].word == NULL) {
			assert_int_not_equal(parse_text(f, console_hv_parse_bat, text, (size_t)n, 0), 0);
			assert_memory_equal(f->s, f->copy, sizeof *f->s);
			continue;
		}
		assert_int_equal(parse_text(f, console_hv_parse_bat, text, (size_t)n, 0), 0);
		m = &f->s->modules[0];
		assert_int_equal(m->n_cells, 3);
		assert_string_equal(cell_word(f->s, &m->cells[2], true), cases[k].word);
		assert_string_equal(cell_word(f->s, &m->cells[2], false), "Normal");
	}
}

static void
test_bat_split_mismatch(void **state)
{
	struct fx *f = *state;

	/* 4 BMUs from unit, 75 cells: the cells cannot be assigned. */
	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/h2_unit.txt", "unit", 0), 0);
	assert_int_equal(parse_file(f, console_hv_parse_bat, "hv/cmu75_bat.txt", "bat", 0),
	    PT_ERR_PARSE);
	assert_non_null(strstr(f->d.error, "75 cells"));
	assert_int_equal(f->s->modules[0].n_cells, 0);
	assert_false(PT_HAS(&f->s->stack, PTF_CHARGE_LIMIT));
}

/* A copy of fixture `name` with bytes [at, at+cut) replaced by `ins`. */
static char *
edit_fixture(const char *name, const char *after, size_t cut, const char *ins, size_t inslen,
    size_t *len)
{
	size_t n, at;
	char *src = tu_fixture(name, &n), *p, *out;

	assert_non_null(src);
	p = strstr(src, after);
	assert_non_null(p);
	at = (size_t)(p - src) + strlen(after);
	out = malloc(n + inslen + 1);
	assert_non_null(out);
	memcpy(out, src, at);
	memcpy(out + at, ins, inslen);
	memcpy(out + at + inslen, src + at + cut, n - at - cut);
	*len = n - cut + inslen;
	out[*len] = '\0';
	free(src);
	return out;
}

static int
parse_edited(struct fx *f, console_parse_fn fn, char *text, size_t len, const char *cmd)
{
	size_t off, blen;
	int rc;

	assert_true(tu_body(text, len, cmd, &off, &blen));
	rc = parse_text(f, fn, text + off, blen, 0);
	free(text);
	return rc;
}

static void
test_bat_truncated_and_malformed(void **state)
{
	static const struct {
		const char	*after;		/* edit just after this text */
		size_t		 cut;
		const char	*ins, *why;
	} bad[] = {
		{ "\n12   ", 4, "3x99", "row 12" },		/* voltage not a number */
		{ "\n12   ", 0, "7 ", "row 12" },		/* one value too many */
		{ "\r\r\n1", 1, "3", "index" },		/* cell 3 twice */
		{ "104192   ", 1, "Q", "Bal" },			/* Bal neither Y nor N */
		{ "Normal  Normal   ", 3, "4x%", "percentage" },
		{ "C.Curr : ", 5, "lots", "C.Curr" },		/* preamble limit */
	};
	struct fx *f = *state;
	size_t len, n, off, blen, i;
	char *t, *src;

	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/cmu75_unit.txt", "unit", 0),
	    0);
	memcpy(f->copy, f->s, sizeof *f->s);
	/* Cut in the middle of row 40: the answer is truncated. */
	src = tu_fixture("hv/cmu75_bat.txt", &n);
	assert_non_null(src);
	assert_true(tu_body(src, n, "bat", &off, &blen));
	t = strstr(src, "\n40   ");
	assert_non_null(t);
	assert_int_equal(parse_text(f, console_hv_parse_bat, src + off,
	    (size_t)(t - (src + off)) + 20, 0), PT_ERR_TRUNCATED);
	free(src);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = edit_fixture("hv/cmu75_bat.txt", bad[i].after, bad[i].cut, bad[i].ins,
		    strlen(bad[i].ins), &len);
		assert_int_equal(parse_edited(f, console_hv_parse_bat, t, len, "bat"),
		    PT_ERR_PARSE);
		if (strstr(f->d.error, bad[i].why) == NULL)
			fail_msg("edit %zu: '%s' does not say '%s'", i, f->d.error, bad[i].why);
	}
	/* Header only. */
	assert_int_equal(parse_text(f, console_hv_parse_bat, "Bat Volt Curr\r\r\n", 16, 0),
	    PT_ERR_TRUNCATED);
	/* None of the rejected answers left a trace. */
	assert_memory_equal(f->s, f->copy, sizeof *f->s);
}

/* ---- info, stat, sysinfo, soh, bmuinfo ------------------------------------- */

static void
test_info_cmu(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse_file(f, console_hv_parse_info, "hv/cmu75_info.txt", "info", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_string_equal(f->s->stack.model, "CMU_A");
	assert_string_equal(f->s->stack.firmware, "B52.40.0");
	assert_string_equal(f->s->stack.barcode, "HC1234567890AB17");
	/* By the BMU's own number, not by the order of the list (BMU 4 is
	 * listed first): BMU k is module k + 1. */
	assert_int_equal(f->s->n_modules, 5);
	assert_non_null(m = pt_sample_find_module(f->s, 1));
	assert_string_equal(m->barcode, "P23TESTMOD000100");
	assert_non_null(m = pt_sample_find_module(f->s, 5));
	assert_string_equal(m->barcode, "P23TESTMOD000104");
	assert_non_null(m = pt_sample_find_module(f->s, 3));
	assert_string_equal(m->barcode, "P23TESTMOD000102");
}

static void
test_info_h2_pairs_on_one_line(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	/* Modules from unit first: info fills the barcodes of the same ids. */
	assert_int_equal(parse_file(f, console_hv_parse_unit, "hv/h2_unit.txt", "unit", 0), 0);
	assert_int_equal(parse_file(f, console_hv_parse_info, "hv/h2_info.txt", "info", 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_string_equal(f->s->stack.model, "Force_H2");
	assert_string_equal(f->s->stack.firmware, "B52.28.0");
	/* No "Barcode" line: the controller's Module Barcode. */
	assert_string_equal(f->s->stack.barcode, "Y22TESTCTRL0003");
	assert_int_equal(f->s->n_modules, 4);
	assert_non_null(m = pt_sample_find_module(f->s, 1));
	assert_string_equal(m->barcode, "Y22TESTUNIT0001");
	assert_non_null(m = pt_sample_find_module(f->s, 4));
	assert_string_equal(m->barcode, "Y22TESTUNIT0004");
	assert_float_equal(m->voltage, 100.261, EPS);
}

static void
test_stat_sysinfo_bmuinfo(void **state)
{
	struct fx *f = *state;
	static const char stat[] = "Device address           0\r\r\nCharge Times    :    "
	    "33757\r\r\nCYCLE Times     :      311\r\r\nBat CoulWatt(mWH):   16576000\r\r\n"
	    "SOH Percent     :       97\r\r\nHis.Chg Cap(WH) :  3707194\r\n";
	static const char stat_bad[] = "CYCLE Times     :      3x1\r\n";
	static const char sysinfo[] = " Chg Sug Volt       : 266250     mV\r\r\n Chg Cut Volt  "
	    "     : 270000     mV\r\r\n Max Chg Curr       : 37000      mA\r\r\n Max Dsg Curr"
	    "       : -74000     mA\r\r\n Bal Chg Req        : NO        \r\r\n\r\r\n"
	    " Temp Low 3         : -10000    \r\n";
	static const char bmuinfo[] = "\rManufacturer        : Pylon\r\n\rDevice name         : "
	    "BMU\r\n\rPCBA Barcode        : A1\r\rPowerSupply Barcode : 100001   \r\r\r\n"
	    "\rSpecification       : 37AH\r\n\rCell Number         : 30\r\n";

	assert_int_equal(parse_text(f, console_hv_parse_stat, stat, sizeof stat - 1, 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->stack.cycles, 311);
	assert_float_equal(f->s->stack.soh, 97, EPS);
	assert_int_equal(parse_text(f, console_hv_parse_stat, stat_bad, sizeof stat_bad - 1, 0),
	    PT_ERR_PARSE);
	assert_int_equal(f->s->stack.cycles, 311);

	assert_int_equal(parse_text(f, console_hv_parse_sysinfo, sysinfo, sizeof sysinfo - 1,
	    0), 0);
	assert_float_equal(f->s->stack.charge_voltage, 266.25, EPS);
	assert_float_equal(f->s->stack.charge_limit, 37.0, EPS);
	assert_float_equal(f->s->stack.discharge_limit, 74.0, EPS);	/* >= 0 */

	assert_int_equal(parse_text(f, console_hv_parse_bmuinfo, bmuinfo, sizeof bmuinfo - 1,
	    2), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_non_null(pt_sample_find_module(f->s, 3));		/* bmuinfo 2 */
	assert_string_equal(pt_sample_find_module(f->s, 3)->model, "BMU");
	assert_float_equal(pt_sample_find_module(f->s, 3)->design_ah, 37, EPS);
}

static void
test_soh_cells(void **state)
{
	struct fx *f = *state;
	char text[8192];
	size_t o;
	int i;

	o = (size_t)snprintf(text, sizeof text, "Battery    Voltage    SOHCount   SOHStatus "
	    "\r\r\n");
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "%-10d %-10d %-10d %-10s\r\r\n",
		    i, 3300 + i, i * 3, i == 17 ? "Bad" : "Normal");
	for (i = 1; i <= 2; i++)
		assert_non_null(pt_sample_module(f->s, i));
	assert_int_equal(parse_text(f, console_hv_parse_soh, text, o, 0), 0);
	assert_int_equal(f->s->modules[1].n_cells, 15);
	assert_float_equal(f->s->modules[1].cells[2].voltage, 3.317, 1e-6);
	assert_true(has_alarm(f->s, "cell_soh_bad", 2, 2, PT_LEVEL_ALARM));
	assert_int_equal(f->s->n_alarms, 1);
	/* A row without its index order is rejected. */
	text[o - 40] = 'x';
	assert_int_equal(parse_text(f, console_hv_parse_soh, text, o, 0), PT_ERR_PARSE);
}

/* ---- damaged input: no crash, bounded, rejected ---------------------------- */

static const struct {
	const char	*file, *cmd;
	console_parse_fn fn;
} every[] = {
	{ "hv/cmu75_pwr.txt", "pwr", console_hv_parse_pwr },
	{ "hv/h2_unit.txt", "unit", console_hv_parse_unit },
	{ "hv/cmu75_bat.txt", "bat", console_hv_parse_bat },
	{ "hv/h2_bat120.txt", "bat", console_hv_parse_bat },
	{ "hv/cmu75_info.txt", "info", console_hv_parse_info },
	{ "hv/h2_info.txt", "info", console_hv_parse_info },
	{ "hv/xhb_pwr.txt", "pwr", console_hv_parse_pwr },
	{ "hv/b50_bat_rowunits.txt", "bat", console_hv_parse_bat },
};

static void
check_bounded(const struct pt_sample *s)
{
	int i;

	assert_true(s->n_modules >= 0 && s->n_modules <= PT_MAX_MODULES);
	assert_true(s->n_alarms >= 0 && s->n_alarms <= PT_MAX_ALARMS);
	assert_true(s->n_words >= 1 && s->n_words <= PT_MAX_WORDS);
	for (i = 0; i < s->n_modules; i++)
		assert_true(s->modules[i].n_cells >= 0 && s->modules[i].n_cells <= PT_MAX_CELLS);
}

static void
test_garbage_and_nul(void **state)
{
	struct fx *f = *state;
	size_t k, i, n, off, blen;
	unsigned seed = 12345;

	for (k = 0; k < sizeof every / sizeof every[0]; k++) {
		char *src = tu_fixture(every[k].file, &n);
		char *body;

		assert_non_null(src);
		assert_true(tu_body(src, n, every[k].cmd, &off, &blen));
		body = malloc(blen);
		assert_non_null(body);
		/* A NUL byte inside a value of the last row rejects the answer. */
		memcpy(body, src + off, blen);
		for (i = blen - 3; i > 0 && body[i] != '\n'; i--)
			;
		while (i < blen && body[i] != ' ')
			i++;
		while (i < blen && body[i] == ' ')
			i++;
		if (every[k].fn != console_hv_parse_info && i + 1 < blen) {
			body[i + 1] = '\0';
			pt_sample_init(f->s, "hv");
			if (parse_text(f, every[k].fn, body, blen, 0) == 0)
				fail_msg("%s: a NUL in '%.20s' was accepted", every[k].file,
				    body + i);
		}
		/* Random bytes: never a crash, always a bounded sample. */
		for (i = 0; i < 400; i++) {
			size_t j, flips = 1 + i % 8;

			memcpy(body, src + off, blen);
			for (j = 0; j < flips; j++) {
				seed = seed * 1103515245u + 12345u;
				body[(seed >> 8) % blen] = (char)(seed >> 20);
			}
			pt_sample_init(f->s, "hv");
			(void)parse_text(f, every[k].fn, body, blen, 0);
			check_bounded(f->s);
		}
		/* Binary garbage of the same size. */
		for (i = 0; i < blen; i++) {
			seed = seed * 1103515245u + 12345u;
			body[i] = (char)(seed >> 16);
		}
		pt_sample_init(f->s, "hv");
		if (parse_text(f, every[k].fn, body, blen, 0) == 0)
			fail_msg("%s: binary garbage was accepted", every[k].file);
		check_bounded(f->s);
		free(body);
		free(src);
	}
}

static void
test_huge_line(void **state)
{
	struct fx *f = *state;
	size_t n = 1u << 20, i, k;
	char *big = malloc(n);
	static const console_parse_fn fns[] = {
		console_hv_parse_pwr, console_hv_parse_unit, console_hv_parse_bat,
		console_hv_parse_info, console_hv_parse_stat, console_hv_parse_soh,
		console_hv_parse_sysinfo, console_hv_parse_bmuinfo,
	};
	static const char *const heads[] = {
		"", "Volt Curr Tempr\r\n", "Index Volt Curr\r\n", "Bat Volt Curr\r\n",
		"Battery Voltage SOHCount SOHStatus\r\n",
	};

	assert_non_null(big);
	for (k = 0; k < sizeof heads / sizeof heads[0]; k++) {
		size_t h = strlen(heads[k]);

		memcpy(big, heads[k], h);
		/* One 1 MiB line of short tokens: far more than CT_MAX_TOKENS. */
		for (i = h; i < n; i++)
			big[i] = (i % 2) ? ' ' : (char)('0' + i % 10);
		for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
			pt_sample_init(f->s, "hv");
			assert_int_not_equal(parse_text(f, fns[i], big, n, 0), 0);
			check_bounded(f->s);
			assert_true(strlen(f->d.error) < PT_DIAG_LEN);
		}
		/* And one 1 MiB token. */
		memset(big + h, '7', n - h);
		for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
			pt_sample_init(f->s, "hv");
			(void)parse_text(f, fns[i], big, n, 0);
			check_bounded(f->s);
		}
	}
	free(big);
}

/* 40 three-token columns announce 120 row values, more than a row may
 * hold: rejected, nothing read past the token array. */
static void
test_wide_header(void **state)
{
	struct fx *f = *state;
	char text[4096];
	size_t o = 0;
	int i;

	o += (size_t)snprintf(text + o, sizeof text - o, "Volt Curr");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, " CoulombAH");
	o += (size_t)snprintf(text + o, sizeof text - o, "\r\r\n1 2");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, " 5%% 100 mAH");
	o += (size_t)snprintf(text + o, sizeof text - o, "\r\n");
	assert_int_equal(parse_text(f, console_hv_parse_pwr, text, o, 0), PT_ERR_PARSE);
	assert_int_equal(f->s->stack.valid, 0);
}

static void
test_cmd_table(void **state)
{
	const struct console_cmd *c;
	int n = 0;
	bool bmuinfo = false;

	(void)state;
	for (c = console_hv_cmds; c->name != NULL; c++, n++) {
		assert_true(c->read_only);
		/* log, time: records only (console_records.c). */
		if (strcmp(c->name, "log") != 0 && strcmp(c->name, "time") != 0)
			assert_non_null(c->parse);
		assert_true(c->dialects & CD_HV);
		if (strcmp(c->name, "bmuinfo") == 0)
			bmuinfo = c->module_arg;
		else
			assert_false(c->module_arg);
	}
	assert_int_equal(n, 10);
	assert_true(bmuinfo);
}

/* ---- the real captures of ../shared (skipped without them) ----------------- */

static int
capture(struct fx *f, console_parse_fn fn, const char *name, const char *cmd, int arg)
{
	struct console_ctx ctx = { .module = arg };
	size_t off, blen;

	free(f->buf);
	if ((f->buf = tu_capture(name, &f->len)) == NULL)
		skip();
	if (!tu_body(f->buf, f->len, cmd, &off, &blen))
		fail_msg("%s: no body", name);
	pt_diag_clear(&f->d);
	return fn(f->buf + off, blen, &ctx, f->s, &f->d);
}

static void
test_captures_cmu(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;
	struct pt_module *m;

	assert_int_equal(capture(f, console_hv_parse_pwr, "SC-CMUA-B52.34_pwr_1.txt", "pwr", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_float_equal(st->voltage, 235.916, EPS);
	assert_float_equal(st->current, -0.292, EPS);
	assert_float_equal(st->temperature, 30.0, EPS);
	assert_float_equal(st->cell_vmin, 3.096, EPS);
	assert_float_equal(st->cell_vmax, 3.163, EPS);
	assert_float_equal(st->temp_min, 17.0, EPS);
	assert_float_equal(st->temp_max, 21.0, EPS);
	assert_float_equal(st->soc, 7, EPS);
	assert_float_equal(st->remaining_ah, 5.18, EPS);
	assert_float_equal(st->remaining_wh, 2290, EPS);
	assert_int_equal(st->error_code, 0);
	assert_string_equal(st->status, "Discharge");
	assert_int_equal(capture(f, console_hv_parse_unit, "SC-CMUA-B52.34_unit_1.txt", "unit",
	    0), 0);
	assert_int_equal(f->s->n_modules, 5);
	m = &f->s->modules[0];
	assert_float_equal(m->voltage, 47.270, EPS);
	assert_float_equal(m->current, -0.294, EPS);
	assert_float_equal(m->temperature, 27.0, EPS);
	assert_float_equal(m->cell_vmin, 3.133, EPS);
	assert_float_equal(m->cell_vmax, 3.162, EPS);
	assert_float_equal(m->soc, 11, EPS);
	assert_float_equal(m->remaining_ah, 8.14, EPS);
	assert_float_equal(m->remaining_wh, 532, EPS);
	assert_float_equal(f->s->modules[4].voltage, 47.192, EPS);
	assert_int_equal(capture(f, console_hv_parse_bat, "SC-CMUA-B52.34_bat_1.txt", "bat", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->modules[0].n_cells, 15);
	assert_float_equal(f->s->modules[0].cells[0].voltage, 3.160, 1e-6);
	assert_float_equal(f->s->modules[0].cells[0].temperature, 21.0, 1e-6);
	assert_float_equal(f->s->modules[0].cells[0].soc, 17, 1e-6);
	assert_float_equal(f->s->modules[4].cells[14].voltage, 3.130, 1e-6);
	assert_float_equal(st->charge_limit, 37.0, EPS);
	assert_float_equal(st->discharge_limit, 0.0, EPS);
	assert_int_equal(capture(f, console_hv_parse_info, "SC-CMUA-B52.34_info_1.txt", "info",
	    0), 0);
	assert_string_equal(st->model, "CMU_A");
	assert_string_equal(st->firmware, "B52.34.0");
	assert_string_equal(st->barcode, "H225xxxxxxxxxx54");
	assert_string_equal(pt_sample_find_module(f->s, 5)->barcode, "P22xxxxxxxxxxx77");
	assert_string_equal(pt_sample_find_module(f->s, 1)->barcode, "P22xxxxxxxxxxx83");
	assert_int_equal(capture(f, console_hv_parse_stat, "SC-CMUA-B52.34_stat_1.txt", "stat",
	    0), 0);
	assert_int_equal(st->cycles, 203);
	assert_float_equal(st->soh, 99, EPS);
	assert_int_equal(capture(f, console_hv_parse_sysinfo, "SC-CMUA-B52.34_sysinfo_1.txt",
	    "sysinfo", 0), 0);
	assert_float_equal(st->charge_voltage, 266.25, EPS);
	assert_int_equal(capture(f, console_hv_parse_soh, "SC-CMUA-B52.34_soh_1.txt", "soh", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_alarms, 0);
	assert_int_equal(f->s->n_modules, 5);
}

static void
test_captures_force_h2(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;
	struct pt_module *m;

	assert_int_equal(capture(f, console_hv_parse_pwr, "ForceH2-B52.26_pwr_1.txt", "pwr", 0),
	    0);
	assert_float_equal(st->voltage, 400.916, EPS);
	assert_float_equal(st->current, 0.521, EPS);
	assert_float_equal(st->soc, 78, EPS);
	assert_float_equal(st->remaining_ah, 28.903, EPS);
	assert_float_equal(st->remaining_wh, 11903.117, EPS);
	assert_string_equal(st->status, "Charge");
	assert_int_equal(capture(f, console_hv_parse_unit, "ForceH2-B52.26_unit_1.txt", "unit",
	    0), 0);
	assert_int_equal(f->s->n_modules, 4);
	m = &f->s->modules[2];
	assert_float_equal(m->voltage, 100.051, EPS);
	assert_float_equal(m->temperature, 21.466, EPS);
	assert_float_equal(m->remaining_wh, 2369.322, EPS);
	assert_int_equal(capture(f, console_hv_parse_bat, "ForceH2-B52.26_bat_1.txt", "bat", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->modules[3].n_cells, 30);
	assert_float_equal(f->s->modules[0].cells[0].voltage, 3.336, 1e-6);
	assert_float_equal(f->s->modules[3].cells[29].voltage, 3.335, 1e-6);
	assert_float_equal(f->s->modules[3].cells[29].temperature, 23.0, 1e-6);
	assert_float_equal(st->discharge_limit, 18.5, EPS);
	assert_int_equal(capture(f, console_hv_parse_info, "ForceH2-B52.26_info_1.txt", "info",
	    0), 0);
	assert_string_equal(st->model, "Force_H2");
	assert_string_equal(st->barcode, "Yxxxxxxxxxxxxxx3");
	assert_string_equal(f->s->modules[3].barcode, "Pxxxxxxxxxxxxxx5");
	assert_int_equal(capture(f, console_hv_parse_stat, "ForceH2-B52.26_stat_1.txt", "stat",
	    0), 0);
	assert_int_equal(st->cycles, 142);
	assert_float_equal(st->soh, 100, EPS);
	assert_int_equal(capture(f, console_hv_parse_sysinfo, "ForceH2-B52.26_sysinfo_1.txt",
	    "sysinfo", 0), 0);
	assert_float_equal(st->charge_voltage, 426.0, EPS);
	assert_float_equal(st->charge_limit, 18.5, EPS);
	assert_int_equal(capture(f, console_hv_parse_soh, "ForceH2-B52.26_soh_1.txt", "soh", 0),
	    0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(capture(f, console_hv_parse_bmuinfo, "ForceH2-B52.26_bmuinfo-1_1.txt",
	    "bmuinfo 1", 1), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_string_equal(f->s->modules[1].model, "BMU");
	assert_float_equal(f->s->modules[1].design_ah, 37, EPS);
	assert_int_equal(f->s->n_modules, 4);
	assert_int_equal(f->s->n_alarms, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pwr_cmu_wh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_h2_mwh_no_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_xhb_labels_and_dashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_states_levels_dashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_unknown_energy_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_cmu_avgtempr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_h2_without_avgtempr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_unknown_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat75_after_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat120_after_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_without_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_units_in_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_words_same_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_words_after_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_split_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_truncated_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_cmu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_h2_pairs_on_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_sysinfo_bmuinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soh_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_header, setup, teardown),
		cmocka_unit_test(test_cmd_table),
		cmocka_unit_test_setup_teardown(test_captures_cmu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_captures_force_h2, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
