/* test_tui_layout.c — the TUI's sizing rules: which cell grid format fits
 * which terminal, chart ticks, and how the sample age is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/sample.h"
#include "tui/layout.h"

/* The grid gets the screen minus tab line, status line, title and
 * column numbers: 80 x 24 leaves 80 x 20. */
static struct grid_need
need(int cols, int rows, int modules, int cells)
{
	struct grid_need n;

	memset(&n, 0, sizeof n);
	n.cols = cols;
	n.rows = rows;
	n.modules = modules;
	n.max_cells = cells;
	n.dev_w = 3;		/* "+12" */
	n.temp1_w = 4;		/* "23.5" */
	n.mode = GRID_AUTO;
	return n;
}

static int
row_width(const struct grid_layout *l)
{
	return l->label_w + l->per_line * l->cell_w + l->spread_w;
}

/* 16 x 16 LV in 80 x 24: only millivolts from the mean fit one line per
 * module; all 16 modules then fit. */
static void
test_lv16_80x24(void **state)
{
	struct grid_need n = need(80, 20, 16, 16);
	struct grid_layout l;

	(void)state;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_DEVIATION);
	assert_int_equal(l.per_line, 16);
	assert_int_equal(l.lines_per_module, 1);
	assert_int_equal(l.total_lines, 16);
	assert_true(l.fits);
	assert_true(row_width(&l) <= 80);
}

/* Forced absolute: two lines per module, does not fit; on a tie in lines
 * the clearest format (volts). */
static void
test_lv16_80x24_absolute(void **state)
{
	struct grid_need n = need(80, 20, 16, 16);
	struct grid_layout l;

	(void)state;
	n.mode = GRID_ABSOLUTE;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_VOLTS);
	assert_int_equal(l.lines_per_module, 2);
	assert_int_equal(l.per_line, 8);
	assert_false(l.fits);
	assert_true(row_width(&l) <= 80);
}

/* 16 x 16 in 250 x 70 and in 200 x 60: volts, one line each. */
static void
test_lv16_wide(void **state)
{
	struct grid_need n = need(250, 66, 16, 16);
	struct grid_layout l;

	(void)state;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_VOLTS);
	assert_int_equal(l.gap, 1);
	assert_int_equal(l.lines_per_module, 1);
	assert_true(l.fits);
	n = need(200, 56, 16, 16);
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_VOLTS);
	assert_int_equal(l.lines_per_module, 1);
}

/* 5 x 15 HV in 80 columns: absolute values wrap evenly (8 + 7) and all
 * five modules still fit. */
static void
test_hv5x15_80x24(void **state)
{
	struct grid_need n = need(80, 20, 5, 15);
	struct grid_layout l;

	(void)state;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_VOLTS);
	assert_int_equal(l.lines_per_module, 2);
	assert_int_equal(l.per_line, 8);
	assert_true(l.fits);
	assert_true(row_width(&l) <= 80);
}

/* Force H2: 5 BMUs x 24 cells = 120 cells, 80 x 24. */
static void
test_force_h2_80x24(void **state)
{
	struct grid_need n = need(80, 20, 5, 24);
	struct grid_layout l;

	(void)state;
	assert_true(layout_grid(&n, &l));
	assert_true(l.fits);
	assert_true(l.total_lines <= 20);
	assert_int_equal(l.format, GF_VOLTS);
	assert_true(l.per_line * l.lines_per_module >= 24);
	assert_true(row_width(&l) <= 80);
}

/* Too small for everything: the fewest lines, so the view scrolls. */
static void
test_small_scrolls(void **state)
{
	struct grid_need n = need(40, 8, 16, 16);
	struct grid_layout l;

	(void)state;
	assert_true(layout_grid(&n, &l));
	assert_false(l.fits);
	assert_true(row_width(&l) <= 40);
	assert_true(l.per_line * l.lines_per_module >= 16);
	n = need(12, 8, 16, 16);
	assert_false(layout_grid(&n, &l));
}

static void
test_temperatures(void **state)
{
	struct grid_need n = need(80, 20, 16, 16);
	struct grid_layout l;

	(void)state;
	n.temps = true;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_TEMP0);
	assert_int_equal(l.lines_per_module, 1);
	assert_true(row_width(&l) <= 80);
	n = need(120, 20, 16, 16);
	n.temps = true;
	assert_true(layout_grid(&n, &l));
	assert_int_equal(l.format, GF_TEMP1);
}

static void
test_ticks(void **state)
{
	int d = -1;

	(void)state;
	assert_true(layout_tick_step(52.30, 52.40, 4, &d) == 0.02 ||
	    layout_tick_step(52.30, 52.40, 4, &d) == 0.05);
	assert_int_equal(d, 2);
	assert_true(layout_tick_step(0, 100, 5, &d) == 20);
	assert_int_equal(d, 0);
	assert_true(layout_tick_step(-5000, 5000, 4, &d) == 5000);
	/* A flat line still gets a step. */
	assert_true(layout_tick_step(3.3, 3.3, 4, &d) > 0);
	assert_int_equal(layout_time_step(1), 1000);
	assert_int_equal(layout_time_step(25000), 30000);
	assert_int_equal(layout_time_step(61000), 120000);
	assert_int_equal(layout_time_step(5000000), 7200000);
}

static void
test_age(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(layout_age(buf, sizeof buf, 0), 1000);
	assert_string_equal(buf, "0s");
	assert_int_equal(layout_age(buf, sizeof buf, 4300), 700);
	assert_string_equal(buf, "4s");
	assert_int_equal(layout_age(buf, sizeof buf, -50), 1000);
	assert_string_equal(buf, "0s");
	layout_age(buf, sizeof buf, 119999);
	assert_string_equal(buf, "119s");
	/* After two minutes only whole minutes: one wake-up a minute. */
	assert_int_equal(layout_age(buf, sizeof buf, 125000), 55000);
	assert_string_equal(buf, "2m");
	layout_age(buf, sizeof buf, 3723000);
	assert_string_equal(buf, "1h02m");
	layout_age(buf, sizeof buf, 3 * 86400000LL + 4 * 3600000LL);
	assert_string_equal(buf, "3d04h");
}

/* A message that fits is wrapped at word boundaries, nothing lost. */
static void
test_wrap_fits(void **state)
{
	static char out[4][LAYOUT_LINE_MAX];
	int n;

	(void)state;
	n = layout_wrap("lost /dev/ttyUSB0: no complete answer to 'pwr' within 3 s", 20, 30, 4, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "lost /dev/ttyUSB0:");
	assert_string_equal(out[1], "no complete answer to 'pwr'");
	assert_string_equal(out[2], "within 3 s");
}

/* Too long for 80 x 1: the start, "...", and the hint whole. */
static void
test_wrap_keeps_hint(void **state)
{
	static char out[4][LAYOUT_LINE_MAX];
	char msg[512];
	int n;

	(void)state;
	snprintf(msg, sizeof msg, "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KZP2L-if00-port0"
	    "-and-some-more-path: no such device (is the adapter plugged in? try pylontop "
	    "--list-ports); retrying in 4 s");
	n = layout_wrap(msg, 76, 76, 1, out);
	assert_int_equal(n, 1);
	assert_true(strlen(out[0]) <= 76);
	assert_non_null(strstr(out[0], "(is the adapter plugged in? try pylontop --list-ports); "
	    "retrying in 4 s"));
	assert_non_null(strstr(out[0], "..."));
	/* Two lines keep more of the start, still the hint whole. */
	n = layout_wrap(msg, 50, 76, 2, out);
	assert_int_equal(n, 2);
	assert_int_equal(strncmp(out[0], "/dev/serial", 11), 0);
	assert_non_null(strstr(out[1], "--list-ports); retrying in 4 s"));
}

static void
test_hint_rule(void **state)
{
	(void)state;
	assert_int_equal(layout_hint("x: permission denied (add yourself to group dialout)"), 21);
	assert_int_equal(layout_hint("lost x: timeout; retrying in 2 s"), 17);
	assert_int_equal(layout_hint("identifying the device on /dev/ttyUSB0"), -1);
	/* An unclosed parenthesis is no hint. */
	assert_int_equal(layout_hint("cut (is the adapter plugged"), -1);
}

/* The weak cell: farthest from its own module's mean, and the extremes. */
static void
test_weakest(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	struct weakest w;
	int k, c;

	(void)state;
	assert_non_null(s);
	pt_sample_init(s, "lv");
	s->n_modules = 3;
	for (k = 0; k < 3; k++) {
		s->modules[k].id = k + 1;
		s->modules[k].n_cells = 16;
		for (c = 0; c < 16; c++) {
			s->modules[k].cells[c].voltage = 3.300 - 0.010 * k + 0.001 * (c % 2);
			s->modules[k].cells[c].valid = PTF_VOLTAGE;
		}
	}
	/* Module 1 cell 5 drifts 25 mV high; module 3 is lowest overall
	 * (a lower module, not a weak cell). */
	s->modules[0].cells[4].voltage += 0.025;
	assert_true(layout_weakest(s, &w));
	assert_int_equal(w.weak_mod, 0);
	assert_int_equal(w.weak_cell, 4);
	assert_true(w.weak_dev > 0.020);
	assert_int_equal(w.hi_mod, 0);
	assert_int_equal(w.hi_cell, 4);
	assert_int_equal(w.lo_mod, 2);
	assert_int_equal(w.spread_mod, 0);
	/* An unknown cell is not a weak one. */
	s->modules[1].cells[7].voltage = 0.5;
	s->modules[1].cells[7].valid = 0;
	assert_true(layout_weakest(s, &w));
	assert_int_equal(w.weak_mod, 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lv16_80x24),
		cmocka_unit_test(test_lv16_80x24_absolute),
		cmocka_unit_test(test_lv16_wide),
		cmocka_unit_test(test_hv5x15_80x24),
		cmocka_unit_test(test_force_h2_80x24),
		cmocka_unit_test(test_small_scrolls),
		cmocka_unit_test(test_temperatures),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_wrap_fits),
		cmocka_unit_test(test_wrap_keeps_hint),
		cmocka_unit_test(test_hint_rule),
		cmocka_unit_test(test_weakest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
