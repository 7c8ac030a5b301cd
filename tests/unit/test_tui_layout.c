/* test_tui_layout.c — the TUI's sizing rules: which cell grid format fits
 * which terminal, chart ticks, and how the sample age is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
