/* test_console_lv.c — LV console parsers (docs/console.md §3): pwr layouts A,
 * B, C and Pytes, pwr N, the four bat layouts, stat, info, soh, pwrsys,
 * malformed and truncated answers, and the real LV captures when
 * ../shared is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/console_frame.h"
#include "proto/console_lv.h"
#include "util/diag.h"
#include "util/err.h"

#ifndef PT_TOP_SRCDIR
#define PT_TOP_SRCDIR "."
#endif

#define EPS	1e-6

struct fx {
	struct pt_sample	s;
	struct pt_diag		d;
	struct console_ctx	ctx;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	pt_sample_init(&f->s, "lv");
	pt_diag_clear(&f->d);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Parse a body (no envelope) with parser `fn`. */
static int
parse(struct fx *f, console_parse_fn fn, const char *body, int module)
{
	f->ctx.module = module;
	return fn(body, strlen(body), &f->ctx, &f->s, &f->d);
}

/* Frame a whole answer, then parse its body. */
static int
parse_answer(struct fx *f, console_parse_fn fn, const char *buf, size_t len, int module)
{
	struct console_frame fr;

	assert_int_equal(console_frame(buf, len, &fr), CF_OK);
	f->ctx.module = module;
	return fn(buf + fr.body_off, fr.body_len, &f->ctx, &f->s, &f->d);
}

static struct pt_module *
mod(struct fx *f, int id)
{
	struct pt_module *m = pt_sample_find_module(&f->s, id);

	assert_non_null(m);
	return m;
}

static const struct pt_alarm *
find_alarm(const struct pt_sample *s, int module, int cell, const char *name)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (s->alarms[i].module == module && s->alarms[i].cell == cell &&
		    strcmp(s->alarms[i].name, name) == 0)
			return &s->alarms[i];
	return NULL;
}

static void
assert_one_line_error(const struct pt_diag *d)
{
	assert_true(d->error[0] != '\0');
	assert_null(strchr(d->error, '\n'));
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 16);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
fixture(const char *name, size_t *len)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	char *buf;

	snprintf(path, sizeof path, "%s/tests/fixtures/console/%s",
	    top != NULL && top[0] != '\0' ? top : PT_TOP_SRCDIR, name);
	buf = slurp(path, len);
	if (buf == NULL)
		fail_msg("%s: cannot read the fixture", path);
	return buf;
}

/* ---- pwr ---------------------------------------------------------------- */

/* Layout A (US2KBPL B66.6, Pytes 4850P): no MOSFET columns; Absent rows. */
static const char pwr_a[] =
    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  "
    "Temp.St  Coulomb  Time                 B.V.St   B.T.St  \r\r\n"
    "1     48314  0      26000  25000  25000  3214   3225   Idle     Normal   Normal   "
    "Normal   77%      2023-11-01 16:49:17  Normal   Normal  \r\r\n"
    "2     48322  -540   26500  25000  25400  3213   3227   Dischg   Normal   Normal   "
    "Normal   74%      2023-11-01 16:49:17  Normal   Normal  \r\r\n"
    "3     -      -      -      -      -      -      -      Absent   -        -        "
    "-        -        -                    -        -       \r\n";

static void
test_pwr_layout_a(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_pwr, pwr_a, 0), 0);
	assert_int_equal(f->s.n_modules, 2);
	m = mod(f, 1);
	assert_true(PT_HAS(m, PTF_VOLTAGE));
	assert_float_equal(m->voltage, 48.314, EPS);
	assert_float_equal(m->current, 0.0, EPS);
	assert_true(PT_HAS(m, PTF_CURRENT));
	assert_float_equal(m->temperature, 26.0, EPS);
	assert_float_equal(m->temp_min, 25.0, EPS);
	assert_float_equal(m->cell_vmin, 3.214, EPS);
	assert_float_equal(m->cell_vmax, 3.225, EPS);
	assert_float_equal(m->soc, 77, EPS);
	assert_string_equal(m->status, "Idle");
	assert_false(PT_HAS(m, PTF_MOS_TEMPERATURE));
	m = mod(f, 2);
	assert_float_equal(m->current, -0.540, EPS);
	assert_string_equal(m->status, "Discharge");
	assert_null(pt_sample_find_module(&f->s, 3));
	assert_int_equal(f->s.n_alarms, 0);
	assert_int_equal(f->d.n_warnings, 0);
}

/* Layout B (US2000C, US3000C, US5000 B69.16): MosTempr '-' on old modules. */
static void
test_pwr_layout_b(void **state)
{
	static const char b[] =
	    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  "
	    "Temp.St  Coulomb  Time                 B.V.St   B.T.St   MosTempr M.T.St\n"
	    "1     49726  -3037  29300  26000  26600  3315   3316   Dischg   Normal   Normal   "
	    "Normal   96%      2026-07-17 01:20:56  Normal   Normal  27100    Normal\n"
	    "2     49767  -2348  29000  26000  27000  3316   3319   Dischg   Normal   Normal   "
	    "Normal   96%      2026-07-17 01:20:55  Normal   Normal   -        -\n"
	    "3     -      -      -      -      -      -      -      Absent   -        -        "
	    "-        -        -                    -        -\n";
	struct fx *f = *state;

	assert_int_equal(parse(f, console_lv_parse_pwr, b, 0), 0);
	assert_int_equal(f->s.n_modules, 2);
	assert_float_equal(mod(f, 1)->mos_temperature, 27.1, EPS);
	assert_true(PT_HAS(mod(f, 1), PTF_MOS_TEMPERATURE));
	assert_false(PT_HAS(mod(f, 2), PTF_MOS_TEMPERATURE));
	assert_float_equal(mod(f, 2)->current, -2.348, EPS);
	assert_int_equal(f->s.n_alarms, 0);
}

/* Layout C with SysAlarm.St, 16 modules, states that are not normal. */
static void
test_pwr_layout_c_16(void **state)
{
	struct fx *f = *state;
	const struct pt_alarm *a;
	struct pt_module *m;
	size_t len;
	char *buf = fixture("lv_pwr_layout_c_16.txt", &len);
	int i;

	assert_int_equal(parse_answer(f, console_lv_parse_pwr_any, buf, len, 0), 0);
	free(buf);
	assert_int_equal(f->s.n_modules, 16);
	assert_int_equal(f->d.n_warnings, 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(f->s.modules[i].id, i + 1);
	m = mod(f, 1);
	assert_float_equal(m->voltage, 49.807, EPS);
	assert_float_equal(m->current, -1.113, EPS);
	assert_float_equal(m->temperature, 24.1, EPS);
	assert_float_equal(m->temp_min, 22.05, EPS);	/* Tlow, not Tlow.Id */
	assert_float_equal(m->temp_max, 23.15, EPS);
	assert_float_equal(m->cell_vmin, 3.301, EPS);
	assert_float_equal(m->cell_vmax, 3.306, EPS);
	assert_float_equal(m->soc, 41, EPS);
	assert_float_equal(m->mos_temperature, 25.01, EPS);
	assert_string_equal(m->status, "Discharge");
	m = mod(f, 3);				/* every third module charges */
	assert_float_equal(m->current, 2.503, EPS);
	assert_string_equal(m->status, "Charge");
	assert_false(PT_HAS(mod(f, 9), PTF_MOS_TEMPERATURE));
	assert_float_equal(mod(f, 16)->soc, 56, EPS);
	assert_string_equal(mod(f, 16)->status, "SysError");
	/* the stack is left to pt_sample_derive() */
	assert_int_equal(f->s.stack.valid, 0);

	a = find_alarm(&f->s, 7, -1, "module_voltage_low");
	assert_non_null(a);
	assert_int_equal(a->source, PT_ALARM_BMS);
	assert_int_equal(a->level, PT_LEVEL_ALARM);
	assert_non_null(find_alarm(&f->s, 7, -1, "cell_temperature_high"));
	assert_non_null(find_alarm(&f->s, 16, -1, "system_error"));
	assert_int_equal(f->s.n_alarms, 3);
}

/* Pytes 48100V-D: Barcode and DevType columns. */
static void
test_pwr_pytes(void **state)
{
	static const char p[] =
	    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  "
	    "Temp.St  Coulomb  Time                 B.V.St   B.T.St   Barcode              "
	    "DevType             \r\r\n"
	    "1     53070  -5962  26000  24000  25000  3313   3319   Dischg   Normal   Normal   "
	    "Normal   80%      2024-02-13 23:34:48  Normal   Normal   EBOX0000000001x3     "
	    "E-BOX-48100V-D      \n\r\n"
	    "2     -      -      -      -      -      -      -      Absent   -        -        "
	    "-        -        -                    -        -        -                    -\r\n";
	struct fx *f = *state;

	assert_int_equal(parse(f, console_lv_parse_pwr, p, 0), 0);
	assert_int_equal(f->s.n_modules, 1);
	assert_string_equal(mod(f, 1)->barcode, "EBOX0000000001x3");
	assert_string_equal(mod(f, 1)->model, "E-BOX-48100V-D");
	assert_float_equal(mod(f, 1)->current, -5.962, EPS);
}

/* A column pylontop does not know: a warning, and its value goes nowhere. */
static void
test_pwr_unknown_column(void **state)
{
	static const char p[] =
	    "Power Volt   Curr   Heater Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  "
	    "Curr.St  Temp.St  Coulomb  Time                 B.V.St   B.T.St\n"
	    "1     48314  -700   77777  26000  25000  25500  3214   3225   Dischg   Normal   "
	    "Normal   Normal   77%      2023-11-01 16:49:17  Normal   Normal\n";
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_pwr, p, 0), 0);
	assert_int_equal(f->d.n_warnings, 1);
	assert_non_null(strstr(f->d.warnings[0], "Heater"));
	m = mod(f, 1);
	assert_float_equal(m->current, -0.7, EPS);
	assert_float_equal(m->temperature, 26.0, EPS);	/* not 77.777 */
	assert_float_equal(m->temp_min, 25.0, EPS);
	assert_float_equal(m->temp_max, 25.5, EPS);
	assert_float_equal(m->cell_vmin, 3.214, EPS);
}

static void
test_pwr_no_header(void **state)
{
	static const char rows[] =
	    "1     49726  -3037  29300  26000  26600  3315   3316   Dischg   Normal   Normal   "
	    "Normal   96%      2026-07-17 01:20:56  Normal   Normal  27100    Normal\n";
	static const char short_rows[] =
	    "1     49726  -3037  29300  26000  26600  3315   3316   Dischg   Normal\n";
	struct fx *f = *state;

	assert_int_equal(parse(f, console_lv_parse_pwr, rows, 0), 0);
	assert_int_equal(f->d.n_warnings, 1);
	assert_float_equal(mod(f, 1)->mos_temperature, 27.1, EPS);
	pt_diag_clear(&f->d);
	assert_int_equal(parse(f, console_lv_parse_pwr, short_rows, 0), PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_pwr, "", 0), PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_pwr, "Unknown text\n", 0), PT_ERR_PARSE);
}

static void
test_pwr_malformed(void **state)
{
	static const char *const bad[] = {
		/* a letter in Volt */
		"Power Volt Curr Tempr Base.St Coulomb\n1 4972x -3037 29300 Dischg 96%\n",
		/* a row short of one value (cut by a bridge) */
		"Power Volt Curr Tempr Base.St Coulomb\n1 49726 -3037 29300 Dischg\n",
		/* one value too many */
		"Power Volt Curr Tempr Base.St Coulomb\n1 49726 -3037 29300 Dischg 96% 5\n",
		/* Coulomb not a percentage */
		"Power Volt Curr Tempr Base.St Coulomb\n1 49726 -3037 29300 Dischg 96\n",
		/* a row without an address */
		"Power Volt Curr Tempr Base.St Coulomb\nx 49726 -3037 29300 Dischg 96%\n",
		/* noise after the rows */
		"Power Volt Curr Tempr Base.St Coulomb\n1 49726 -3037 29300 Dischg 96%\n"
		"<INTERRUPT>\n",
		/* a Tlow that is not a number */
		"Power Volt Tlow Coulomb\n1 49726 2x000 96%\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fx *f = *state;

		pt_sample_init(&f->s, "lv");
		pt_diag_clear(&f->d);
		assert_int_equal(parse(f, console_lv_parse_pwr, bad[i], 0), PT_ERR_PARSE);
		assert_one_line_error(&f->d);
	}
}

static void
test_pwr_truncated(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, console_lv_parse_pwr,
	    "Power Volt   Curr   Tempr  Coulomb\r\r\n", 0), PT_ERR_TRUNCATED);
	assert_one_line_error(&f->d);
	assert_int_equal(parse(f, console_lv_parse_pwr,
	    "Power Volt   Curr   Tempr  Coulomb\r\r\n1     49726  -30", 0), PT_ERR_PARSE);
}

/* Merging twice must not duplicate alarms. */
static void
test_pwr_alarms_once(void **state)
{
	static const char p[] =
	    "Power Volt  Curr Tempr Base.St Volt.St Temp.St M.T.St SysAlarm.St Coulomb\n"
	    "2     44000 0    20000 Idle    Low     Normal  High   OverVoltProt 3%\n";
	static const char n[] =
	    "Power  2\n Voltage : 44000 mV\n Volt Status : Low\n Soh. Status : SOHWarn\n";
	struct fx *f = *state;
	const struct pt_alarm *a;

	assert_int_equal(parse(f, console_lv_parse_pwr, p, 0), 0);
	assert_int_equal(parse(f, console_lv_parse_pwr, p, 0), 0);
	assert_int_equal(parse(f, console_lv_parse_pwr_module, n, 2), 0);
	assert_non_null(find_alarm(&f->s, 2, -1, "module_voltage_low"));
	assert_non_null(find_alarm(&f->s, 2, -1, "mos_temperature_high"));
	a = find_alarm(&f->s, 2, -1, "system_alarm_overvoltprot");
	assert_non_null(a);
	assert_int_equal(a->level, PT_LEVEL_PROTECT);
	a = find_alarm(&f->s, 2, -1, "soh_sohwarn");
	assert_non_null(a);
	assert_int_equal(a->level, PT_LEVEL_WARNING);
	assert_int_equal(f->s.n_alarms, 4);
}

/* ---- pwr N --------------------------------------------------------------- */

static const char pwr_n[] =
    " ----------------------------\r\r\n"
    " Power  3\r\r\n\r\r\n"
    " Voltage         : 49905       mV\r\r\n"
    " Current         : -5024       mA\r\r\n"
    " Temperature     : 33000       mC\r\r\n"
    " Coulomb         : 35          %\r\r\n"
    " Total Coulomb   : 50000       mAH\r\r\n"
    " Max Voltage     : 54000       mV\r\r\n"
    " Charge Times    : 0           \r\r\n"
    " Basic Status    : Dischg  \r\r\n"
    " Discharge Sec.  : 3320    s\r\r\n"
    " Volt Status     : Normal  \r\r\n"
    " Current Status  : Normal  \r\r\n"
    " Tmpr. Status    : High    \r\r\n"
    " Coul. Status    : Full    \r\r\n"
    " Soh. Status     : Normal  \r\r\n"
    " Heater Status   : OFF     \r\n"
    "\r Protect ENA     : BOV BHV BLV BUV POV PHV PLV PUV COC SC LCOUL \r\r\n"
    " Bat Events      : 0x0        \r\r\n"
    " Power Events    : 0x0        \r\r\n"
    " System Fault    : 0x2000     COULFULL\r\r\n"
    " ----------------------------\r\n";

static void
test_pwr_module(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	/* the address printed wins over the command's N */
	assert_int_equal(parse(f, console_lv_parse_pwr_any, pwr_n, 5), 0);
	assert_int_equal(f->s.n_modules, 1);
	m = mod(f, 3);
	assert_float_equal(m->voltage, 49.905, EPS);
	assert_float_equal(m->current, -5.024, EPS);
	assert_float_equal(m->temperature, 33.0, EPS);
	assert_float_equal(m->soc, 35, EPS);
	assert_float_equal(m->full_ah, 50.0, EPS);
	assert_string_equal(m->status, "Discharge");
	assert_true(PT_HAS(m, PTF_ERROR_CODE));
	assert_int_equal(m->error_code, 0x2000);
	assert_non_null(find_alarm(&f->s, 3, -1, "module_temperature_high"));
	assert_int_equal(f->s.n_alarms, 1);	/* Full, OFF and Normal are fine */
}

static void
test_pwr_module_bad(void **state)
{
	struct fx *f = *state;

	/* an HV pwr preamble is not a module detail */
	assert_int_equal(parse(f, console_lv_parse_pwr_module,
	    "AverageTempr : 30000\nDC Volt : 235916\nBat Volt : 235900\n", 0), PT_ERR_PARSE);
	assert_one_line_error(&f->d);
	assert_int_equal(parse(f, console_lv_parse_pwr_module,
	    "Power 1\n Voltage : 49x05 mV\n", 0), PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_pwr_module,
	    "Power 1\n Voltage : 49905 mA\n", 0), PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_pwr_module,
	    "Power 1\n Voltage : 49905 mV\n System Fault : zz\n", 0), PT_ERR_PARSE);
}

/* ---- bat ----------------------------------------------------------------- */

/* old: US2KBPL B66.6, US3000A B65.6 — no SOC column, no BAL */
static const char bat_old[] =
    "Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State  Temp. State  "
    "Coulomb\n"
    "0        3258     -32      26000    Dischg       Normal       Normal       Normal        "
    "39%      29329 mAH\n"
    "1        3259     -60      26000    Dischg       High         Normal       Normal        "
    "39%      29329 mAH\n"
    "2        3255     -60      25000    Dischg       Normal       Normal       Low           "
    "38%      29100 mAH\n";

/* new: US2000C B67.5+, US3000C, US5000 */
static const char bat_new[] =
    "Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State  Temp. State  "
    "SOC          Coulomb      BAL         \r\r\n"
    "0        3327     5024     30000    Charge       Normal       Normal       Normal       "
    "42%         19994 mAH      N\r\r\n"
    "1        3327     5024     30000    Charge       Normal       Normal       Normal       "
    "42%         19994 mAH      Y\r\r\n"
    "2        3327     5024     30000    Charge       Normal       Normal       Normal       "
    "35%         16510 mAH      N\r\n";

/* Pytes 48100V-D: no Curr column */
static const char bat_pytes[] =
    "Battery  Volt     Tempr    Base State   Volt. State  Curr. State  Temp. State  Coulomb     "
    "\r\r\n"
    "0        3304     19000    Dischg       Normal       Normal       Normal        34%      "
    "34682 mAH\r\r\n"
    "15       3304     19000    Dischg       Normal       Normal       Normal        33%      "
    "33760 mAH\r\n";

static void
test_bat_old(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_bat, bat_old, 2), 0);
	m = mod(f, 2);
	assert_int_equal(m->n_cells, 3);
	assert_float_equal(m->cells[0].voltage, 3.258, 1e-5);
	assert_float_equal(m->cells[0].temperature, 26.0, 1e-5);
	assert_float_equal(m->cells[2].soc, 38, 1e-5);
	assert_false(PT_HAS(&m->cells[0], PTF_BALANCING));
	assert_string_equal(pt_sample_word_text(&f->s, m->cells[1].voltage_status), "High");
	assert_string_equal(pt_sample_word_text(&f->s, m->cells[0].voltage_status), "Normal");
	assert_string_equal(pt_sample_word_text(&f->s, m->cells[2].temperature_status), "Low");
	assert_float_equal(m->current, -0.032, EPS);	/* the first row's */
	assert_float_equal(m->remaining_ah, 29.1, EPS);
	assert_string_equal(m->status, "Discharge");
}

static void
test_bat_new(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	/* no argument: the master answers about itself, module 1 */
	assert_int_equal(parse(f, console_lv_parse_bat, bat_new, 0), 0);
	m = mod(f, 1);
	assert_int_equal(m->n_cells, 3);
	assert_true(PT_HAS(&m->cells[1], PTF_BALANCING));
	assert_true(m->cells[1].balancing);
	assert_false(m->cells[0].balancing);
	assert_float_equal(m->cells[0].soc, 42, 1e-5);
	assert_float_equal(m->cells[2].soc, 35, 1e-5);
	assert_float_equal(m->remaining_ah, 16.51, EPS);
	assert_float_equal(m->current, 5.024, EPS);
}

static void
test_bat_pytes(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_bat, bat_pytes, 1), 0);
	m = mod(f, 1);
	assert_int_equal(m->n_cells, 16);		/* 0-based index from the row */
	assert_true(PT_HAS(&m->cells[15], PTF_VOLTAGE));
	assert_false(PT_HAS(&m->cells[7], PTF_VOLTAGE));
	assert_float_equal(m->cells[15].temperature, 19.0, 1e-5);
	assert_false(PT_HAS(m, PTF_CURRENT));		/* no Curr column */
}

static void
test_bat_split_temp_16(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;
	size_t len;
	char *buf = fixture("lv_bat_split_temp_16.txt", &len);
	int i, bal = 0;

	assert_int_equal(parse_answer(f, console_lv_parse_bat, buf, len, 2), 0);
	free(buf);
	assert_int_equal(f->d.n_warnings, 0);
	m = mod(f, 2);
	assert_int_equal(m->n_cells, 16);
	for (i = 0; i < 16; i++) {
		assert_true(PT_HAS(&m->cells[i], PTF_VOLTAGE | PTF_TEMPERATURE | PTF_SOC));
		bal += m->cells[i].balancing;
	}
	assert_int_equal(bal, 2);
	assert_true(m->cells[3].balancing && m->cells[11].balancing);
	assert_float_equal(m->cells[1].voltage, 3.317, 1e-5);
	assert_float_equal(m->cells[15].temperature, 22.5, 1e-5);
	assert_float_equal(m->cells[5].soc, 58, 1e-5);
	assert_string_equal(pt_sample_word_text(&f->s, m->cells[14].temperature_status), "Low");
	assert_string_equal(pt_sample_word_text(&f->s, m->cells[13].temperature_status), "Normal");
	assert_float_equal(m->remaining_ah, 58.12, EPS);
	assert_float_equal(m->current, -4.21, EPS);
}

static void
test_bat_malformed(void **state)
{
	static const char hdr[] = "Battery  Volt     Curr     Tempr    Base State   Volt. State  "
	    "Curr. State  Temp. State  SOC          Coulomb      BAL\n";
	static const char *const rows[] = {
		"0 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mAH\n",	/* no BAL */
		"0 3327 5024 30000 Charge Normal Normal 42% 19994 mAH N\n",	/* a state short */
		"0 33x7 5024 30000 Charge Normal Normal Normal 42% 19994 mAH N\n",
		"0 3327 5024 30000 Charge Normal Normal Normal 42 19994 mAH N\n",
		"0 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mWH N\n",
		"0 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mAH X\n",
		"32 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mAH N\n",
		"-1 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mAH N\n",
		"0 3327 5024 30000 Charge Normal Normal Normal 420% 19994 mAH N\n",
	};
	char body[512];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct fx *f = *state;

		pt_sample_init(&f->s, "lv");
		pt_diag_clear(&f->d);
		snprintf(body, sizeof body, "%s%s", hdr, rows[i]);
		assert_int_equal(parse(f, console_lv_parse_bat, body, 1), PT_ERR_PARSE);
		assert_one_line_error(&f->d);
	}
}

static void
test_bat_truncated(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, console_lv_parse_bat, "Battery  Volt     Curr     Tempr    "
	    "Base State   Volt. State  Curr. State  Temp. State  Coulomb\n", 1), PT_ERR_TRUNCATED);
	assert_int_equal(parse(f, console_lv_parse_bat, "0 3258 -32 26000 Dischg\n", 1),
	    PT_ERR_PARSE);
}

/* A rejected answer leaves the sample as it was: no module created, no
 * value, status or alarm of the rows before the bad one (pwr and bat
 * check the whole answer before they store anything). */
static void
test_rejected_untouched(void **state)
{
	static const char pwr_bad[] =
	    "Power Volt  Curr Tempr Base.St Volt.St Coulomb\n"
	    "1     49726 -303 29300 Dischg  Low     96%\n"
	    "2     4972x -303 29300 Dischg  Normal  96%\n";
	static const char bat_bad[] =
	    "Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State  "
	    "Temp. State  SOC          Coulomb      BAL\n"
	    "0 3327 5024 30000 Charge Normal Normal Normal 42% 19994 mAH N\n"
	    "1 3328 5024 30000 Charge High   Normal Normal 42% 19994 mAH Y\n"
	    "2 33x9 5024 30000 Charge Normal Normal Normal 42% 19994 mAH N\n";
	struct fx *f = *state;
	struct pt_sample *before = malloc(sizeof *before);

	assert_non_null(before);
	/* Module 3 known from an earlier answer; nothing else. */
	assert_non_null(pt_sample_module(&f->s, 3));
	memcpy(before, &f->s, sizeof *before);
	assert_int_equal(parse(f, console_lv_parse_pwr, pwr_bad, 0), PT_ERR_PARSE);
	assert_memory_equal(&f->s, before, sizeof *before);
	assert_int_equal(parse(f, console_lv_parse_bat, bat_bad, 2), PT_ERR_PARSE);
	assert_memory_equal(&f->s, before, sizeof *before);
	free(before);
}

/* Cost linear in the answer: 2 MiB of lines ended by LF alone (no CR)
 * take milliseconds.  The line reader used to look for the next CR over
 * the whole rest of the answer on every line: 1 Mi lines x 1 MiB on
 * average, about 10 s.  The bound (1 s) is 20 times what the linear
 * reader needs on a loaded machine, under sanitizers. */
static void
test_lf_only_linear(void **state)
{
	const size_t n = 2u * 1024u * 1024u;
	struct fx *f = *state;
	struct timespec t0, t1;
	char *buf = malloc(n + 1);
	double s;
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < n; i += 2) {
		buf[i] = 'x';
		buf[i + 1] = '\n';
	}
	buf[n] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(parse(f, console_lv_parse_pwr, buf, 0), PT_ERR_PARSE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (s > 1.0)
		fail_msg("2 MiB of LF-only lines took %.2f s: not linear", s);
	free(buf);
}

/* ---- stat, info, soh, pwrsys ----------------------------------------------- */

static void
test_stat(void **state)
{
	static const char st[] =
	    "Device address           3\n"
	    "Data Items      :      109\n"
	    "Charge Times    :    26076\n"
	    "Bat HV Times    :       25\n"
	    "CYCLE Times     :      666\n"
	    "SOH             :       93\n"
	    "Pwr Percent     :       94\n";
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_stat, st, 0), 0);
	m = mod(f, 3);
	assert_true(PT_HAS(m, PTF_CYCLES));
	assert_int_equal(m->cycles, 666);
	assert_float_equal(m->soh, 93, EPS);
	assert_int_equal(f->d.n_warnings, 0);
	/* an HV controller's stat: parsed, but flagged for --decode */
	assert_int_equal(parse(f, console_lv_parse_stat,
	    "Device address           0\nCYCLE Times     :      12\n", 0), 0);
	assert_int_equal(f->d.n_warnings, 1);
	assert_int_equal(mod(f, 1)->cycles, 12);
	assert_int_equal(parse(f, console_lv_parse_stat, "CYCLE Times : many\n", 0),
	    PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_stat, "no colon here\n", 0), PT_ERR_PARSE);
}

static void
test_info(void **state)
{
	static const char in[] =
	    "\rDevice address      : 2\r\n"
	    "\rManufacturer        : Pylon\r\n"
	    "\rDevice name         : US3000C\r\n"
	    "\rBoard version       : \r\n"
	    "\rMain Soft version   : B69.25.0\r\n"
	    "\rSoft  version       : V2.8\r\n"
	    "\rBoot  version       : V2.0\r\n"
	    "\rBarcode             : PPTBH0123456789A\r\n"
	    "\r\r\n"
	    "\rSpecification       : 48V/74AH\r\n"
	    "\rCell Number         : 15\r\n"
	    "\rMax Dischg Curr     : -100000mA\r\n"
	    "\rMax Charge Curr     : 102000mA\r\n"
	    "\rConsole Port rate   : 115200\r\n";
	static const char old[] =
	    "Device address      : 1\nDevice name         : US2KBPL\n"
	    "Soft  version       : V1.7\nBarcode             : \x01\x7f" "ABC\n";
	struct fx *f = *state;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_info, in, 0), 0);
	m = mod(f, 2);
	assert_string_equal(m->model, "US3000C");
	assert_string_equal(m->barcode, "PPTBH0123456789A");
	assert_string_equal(m->firmware, "B69.25.0");
	assert_float_equal(m->design_ah, 74, EPS);
	assert_int_equal(m->n_cells, 15);
	assert_false(PT_HAS(&m->cells[14], PTF_VOLTAGE));
	assert_float_equal(m->discharge_limit, 100.0, EPS);
	assert_float_equal(m->charge_limit, 102.0, EPS);
	assert_int_equal(parse(f, console_lv_parse_info, old, 0), 0);
	m = mod(f, 1);
	assert_string_equal(m->firmware, "V1.7");	/* "Soft  version", two spaces */
	assert_null(strchr(m->barcode, '\x01'));	/* sanitised */
	assert_int_equal(parse(f, console_lv_parse_info, "Manufacturer : Pylon\n", 0),
	    PT_ERR_PARSE);
}

static void
test_soh(void **state)
{
	static const char soh[] =
	    "\n\nPower   4\n\n"
	    "Battery    Voltage    SOHCount   SOHStatus \n\n"
	    "0          3331       0          Normal    \n\n"
	    "1          3330       12         Warning   \n\n"
	    "2          3330       0          Normal    \n";
	static const char pytes[] =
	    "Battery    Voltage    SOHCount   SOHStatus \r\r\n"
	    "0          3304       00000000\r\r\n"
	    "1          3305       00000000\r\n";
	struct fx *f = *state;
	const struct pt_alarm *a;
	struct pt_module *m;

	assert_int_equal(parse(f, console_lv_parse_soh, soh, 0), 0);
	m = mod(f, 4);
	assert_int_equal(m->n_cells, 3);
	assert_float_equal(m->cells[1].voltage, 3.330, 1e-5);
	a = find_alarm(&f->s, 4, 1, "cell_soh_warning");
	assert_non_null(a);
	assert_int_equal(a->level, PT_LEVEL_WARNING);
	assert_int_equal(f->s.n_alarms, 1);
	assert_int_equal(parse(f, console_lv_parse_soh, pytes, 1), 0);
	assert_int_equal(mod(f, 1)->n_cells, 2);
	assert_int_equal(parse(f, console_lv_parse_soh,
	    "Battery Voltage SOHCount SOHStatus\n0 33x1 0 Normal\n", 1), PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_soh,
	    "Battery Voltage SOHCount SOHStatus\n", 1), PT_ERR_TRUNCATED);
}

static void
test_pwrsys(void **state)
{
	static const char ps[] =
	    " Power System Information\n"
	    " ---------------------------------\n"
	    " System is discharging\n"
	    " Total Num                : 5\n"
	    " Present Num              : 5\n"
	    " Sleep Num                : 0\n"
	    " System Volt              : 49777    mV\n"
	    " System Curr              : -11164   mA\n"
	    " System RC                : 217324   mAH\n"
	    " System FCC               : 233850   mAH\n"
	    " System SOC               : 93       %\n"
	    " System SOH               : 94       %\n"
	    " Highest voltage          : 3322     mV\n"
	    " Average voltage          : 3318     mV\n"
	    " Lowest voltage           : 3314     mV\n"
	    " Highest temperature      : 27000    mC\n"
	    " Average temperature      : 25700    mC\n"
	    " Lowest temperature       : 23400    mC\n"
	    " Recommend chg voltage    : 53250    mV\n"
	    " Recommend chg current    : 10000    mA\n"
	    " system Recommend chg voltage: 53250    mV\n"
	    " system Recommend chg current: 50000    mA\n"
	    " system Recommend dsg current: -125000  mA\n";
	struct fx *f = *state;
	struct pt_stack *st = &f->s.stack;

	assert_int_equal(parse(f, console_lv_parse_pwrsys, ps, 0), 0);
	assert_string_equal(st->status, "Discharge");
	assert_int_equal(st->module_count, 5);
	assert_true(PT_HAS(st, PTF_MODULE_COUNT));
	assert_float_equal(st->voltage, 49.777, EPS);
	assert_float_equal(st->current, -11.164, EPS);
	assert_float_equal(st->remaining_ah, 217.324, EPS);
	assert_float_equal(st->full_ah, 233.85, EPS);
	assert_float_equal(st->soc, 93, EPS);
	assert_float_equal(st->soh, 94, EPS);
	assert_float_equal(st->cell_vmax, 3.322, EPS);
	assert_float_equal(st->cell_vmin, 3.314, EPS);
	assert_float_equal(st->temp_max, 27.0, EPS);
	assert_float_equal(st->temp_min, 23.4, EPS);
	assert_float_equal(st->charge_voltage, 53.25, EPS);
	assert_float_equal(st->charge_limit, 50.0, EPS);	/* the stack's, not 10 */
	assert_float_equal(st->discharge_limit, 125.0, EPS);
	assert_int_equal(f->s.n_modules, 0);

	pt_sample_init(&f->s, "lv");
	assert_int_equal(parse(f, console_lv_parse_pwrsys, "System is charging\n", 0), 0);
	assert_string_equal(st->status, "Charge");
	assert_int_equal(st->valid, 0);
	assert_int_equal(parse(f, console_lv_parse_pwrsys, " System is idle\n", 0), 0);
	assert_string_equal(st->status, "Idle");
	assert_int_equal(parse(f, console_lv_parse_pwrsys, "System Volt : 4x mV\n", 0),
	    PT_ERR_PARSE);
	assert_int_equal(parse(f, console_lv_parse_pwrsys, "nothing\n", 0), PT_ERR_PARSE);
}

/* ---- the command table ------------------------------------------------------- */

static void
test_cmd_table(void **state)
{
	static const char *const never[] = {
		"config", "ctrl", "prot", "shut", "tshut", "trst", "twdg", "updata", "statc",
		"datac", "logc", "tbar", "login", "socw", "totalcoul", "eepw",
	};
	/* log and time: records (console_records.c), no sample parser; time
	 * takes no argument (with one it sets the clock). */
	static const char *const want[] = { "pwr", "bat", "stat", "info", "soh", "pwrsys",
		"log", "time" };
	const struct console_cmd *c;
	size_t i, n = 0;

	(void)state;
	for (c = console_lv_cmds; c->name != NULL; c++, n++) {
		assert_true(c->read_only);
		if (strcmp(c->name, "log") != 0 && strcmp(c->name, "time") != 0)
			assert_non_null(c->parse);
		assert_non_null(c->summary);
		assert_true(c->dialects & CD_LV);
		for (i = 0; i < sizeof never / sizeof never[0]; i++)
			assert_string_not_equal(c->name, never[i]);
	}
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		c = console_cmd_find(CD_LV, want[i]);
		assert_non_null(c);
		assert_int_equal(c->module_arg, strcmp(want[i], "pwrsys") != 0 &&
		    strcmp(want[i], "log") != 0 && strcmp(want[i], "time") != 0);
	}
}

/* ---- hostile input ------------------------------------------------------------- */

static const console_parse_fn all_parsers[] = {
	console_lv_parse_pwr, console_lv_parse_pwr_any, console_lv_parse_pwr_module,
	console_lv_parse_bat, console_lv_parse_stat, console_lv_parse_info,
	console_lv_parse_soh, console_lv_parse_pwrsys,
};

static void
test_garbage(void **state)
{
	static char buf[2048];
	uint32_t x = 777;
	int round;
	size_t k;

	for (round = 0; round < 2000; round++) {
		size_t len = (x >> 3) % sizeof buf, i;

		for (i = 0; i < len; i++) {
			x = x * 1664525u + 1013904223u;
			/* mostly digits, blanks, line ends and header words' letters */
			buf[i] = "0123456789 \r\n-%:AbsentPowerVolt.StBattery mAHY\0\xff"[(x >> 24) % 48];
		}
		for (k = 0; k < sizeof all_parsers / sizeof all_parsers[0]; k++) {
			struct fx *f = *state;
			int rc;

			pt_sample_init(&f->s, "lv");
			pt_diag_clear(&f->d);
			f->ctx.module = (int)(x % 20);
			rc = all_parsers[k](buf, len, &f->ctx, &f->s, &f->d);
			assert_true(rc == 0 || rc == PT_ERR_PARSE || rc == PT_ERR_TRUNCATED);
			assert_true(f->s.n_modules <= PT_MAX_MODULES);
			if (rc != 0)
				assert_one_line_error(&f->d);
		}
		x = x * 1664525u + 1013904223u;
	}
}

/* A 1 MiB line (and NULs) through every parser: rejected, no crash. */
static void
test_huge_line(void **state)
{
	const size_t n = 1u << 20;
	char *buf = malloc(n);
	size_t k;

	assert_non_null(buf);
	memset(buf, '7', n);
	memcpy(buf, "Power Volt Curr\n", 16);
	buf[n / 2] = '\0';
	for (k = 0; k < sizeof all_parsers / sizeof all_parsers[0]; k++) {
		struct fx *f = *state;

		pt_sample_init(&f->s, "lv");
		pt_diag_clear(&f->d);
		assert_int_not_equal(all_parsers[k](buf, n, &f->ctx, &f->s, &f->d), 0);
	}
	memset(buf, ' ', n);
	memcpy(buf, "Battery Volt Curr Tempr Base State Volt. State Curr. State Temp. State "
	    "Coulomb\n", 80);
	assert_int_not_equal(console_lv_parse_bat(buf, n, &((struct fx *)*state)->ctx,
	    &((struct fx *)*state)->s, &((struct fx *)*state)->d), 0);
	free(buf);
}

/* ---- real captures ---------------------------------------------------------- */

/* "US2000C-B67.5_pwr-1_1.txt" -> "pwr", 1 */
static bool
capture_command(const char *name, char *cmd, size_t size, int *arg)
{
	const char *p = strchr(name, '_'), *q;
	size_t n;

	if (p == NULL || (q = strchr(p + 1, '_')) == NULL)
		return false;
	p++;
	n = (size_t)(q - p);
	if (n >= size)
		return false;
	memcpy(cmd, p, n);
	cmd[n] = '\0';
	*arg = 0;
	if ((q = strchr(cmd, '-')) != NULL) {
		*arg = atoi(q + 1);
		cmd[q - cmd] = '\0';
	}
	return true;
}

static void
test_captures(void **state)
{
	static const char *const lv_models[] = { "US2000C", "US3000A", "US5000", "Pytes" };
	const char *dir = getenv("SHARED_DIR");
	char path[1024], line[512];
	FILE *idx;
	int parsed = 0;

	if (dir == NULL || dir[0] == '\0')
		skip();
	snprintf(path, sizeof path, "%s/protocols/captures/INDEX.md", dir);
	if ((idx = fopen(path, "r")) == NULL)
		skip();
	while (fgets(line, sizeof line, idx) != NULL) {
		struct fx *f = *state;
		struct console_frame fr;
		const struct console_cmd *c;
		char name[256], cmd[32], *p, *q, *buf;
		size_t len, k;
		int arg, rc;
		bool lv = false;

		if (strncmp(line, "| `", 3) != 0 || strstr(line, "| complete |") == NULL)
			continue;
		p = line + 3;
		if ((q = strchr(p, '`')) == NULL || (size_t)(q - p) >= sizeof name)
			continue;
		memcpy(name, p, (size_t)(q - p));
		name[q - p] = '\0';
		for (k = 0; k < sizeof lv_models / sizeof lv_models[0]; k++)
			lv |= strncmp(name, lv_models[k], strlen(lv_models[k])) == 0;
		if (!lv || !capture_command(name, cmd, sizeof cmd, &arg) ||
		    (c = console_cmd_find(CD_LV, cmd)) == NULL || c->parse == NULL)
			continue;
		snprintf(path, sizeof path, "%s/protocols/captures/%s", dir, name);
		if ((buf = slurp(path, &len)) == NULL)
			fail_msg("%s: cannot read", path);
		if (console_prompt_at_end(buf, len) == CP_NONE) {
			memcpy(buf + len, "\rpylon>", 7);
			len += 7;
		}
		if (console_frame(buf, len, &fr) == CF_FAILED) {
			free(buf);		/* e.g. Pytes "stat 1": refused */
			continue;
		}
		pt_sample_init(&f->s, "lv");
		pt_diag_clear(&f->d);
		f->ctx.module = arg;
		rc = c->parse(buf + fr.body_off, fr.body_len, &f->ctx, &f->s, &f->d);
		if (rc != 0)
			fail_msg("%s: %s", name, f->d.error);
		if (f->d.n_warnings != 0)
			fail_msg("%s: warning %s", name, f->d.warnings[0]);
		if (f->s.n_modules < 1 && strcmp(cmd, "pwrsys") != 0)
			fail_msg("%s: no module", name);
		if (arg > 0 && pt_sample_find_module(&f->s, arg) == NULL)
			fail_msg("%s: module %d missing", name, arg);
		/* a few values read off the captures by hand */
		if (strcmp(name, "US2000C-B67.5_pwr_1.txt") == 0) {
			assert_int_equal(f->s.n_modules, 5);
			assert_float_equal(mod(f, 1)->voltage, 49.726, EPS);
			assert_float_equal(mod(f, 1)->current, -3.037, EPS);
			assert_false(PT_HAS(mod(f, 3), PTF_MOS_TEMPERATURE));
		} else if (strcmp(name, "US2000C-B67.5_stat_1.txt") == 0) {
			assert_int_equal(mod(f, 1)->cycles, 666);
			assert_float_equal(mod(f, 1)->soh, 93, EPS);
		} else if (strcmp(name, "US5000stack-B69.16_bat-3_1.txt") == 0) {
			assert_int_equal(mod(f, 3)->n_cells, 15);
			assert_float_equal(mod(f, 3)->remaining_ah, 16.51, EPS);
		} else if (strcmp(name, "US2000C-B67.5_pwrsys_1.txt") == 0) {
			assert_int_equal(f->s.stack.module_count, 5);
			assert_float_equal(f->s.stack.voltage, 49.777, EPS);
		}
		free(buf);
		parsed++;
	}
	fclose(idx);
	assert_true(parsed >= 35);
}

/* The pager fixture: the iterator drops the pager, the framer keeps the
 * record that continues after the erase run. */
static void
test_help_pager_fixture(void **state)
{
	struct console_frame fr;
	struct ct_lines it;
	struct ct_span l;
	size_t len;
	char *buf = fixture("lv_help_pager.txt", &len);
	int n = 0, pwr = 0;

	(void)state;
	assert_int_equal(console_frame(buf, len, &fr), CF_OK);
	ct_lines_init(&it, buf + fr.body_off, fr.body_len);
	while (ct_next_line(&it, &l)) {
		assert_false(ct_contains(l, "Press [Enter]"));
		pwr += ct_starts(l, "pwr      Power data show");
		n++;
	}
	assert_int_equal(pwr, 1);
	assert_int_equal(n, 14);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_pwr_layout_a),
		T(test_pwr_layout_b),
		T(test_pwr_layout_c_16),
		T(test_pwr_pytes),
		T(test_pwr_unknown_column),
		T(test_pwr_no_header),
		T(test_pwr_malformed),
		T(test_pwr_truncated),
		T(test_pwr_alarms_once),
		T(test_pwr_module),
		T(test_pwr_module_bad),
		T(test_bat_old),
		T(test_bat_new),
		T(test_bat_pytes),
		T(test_bat_split_temp_16),
		T(test_bat_malformed),
		T(test_bat_truncated),
		T(test_rejected_untouched),
		T(test_lf_only_linear),
		T(test_stat),
		T(test_info),
		T(test_soh),
		T(test_pwrsys),
		T(test_cmd_table),
		T(test_garbage),
		T(test_huge_line),
		T(test_captures),
		T(test_help_pager_fixture),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
