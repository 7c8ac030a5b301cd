/* test_console_hv.c — HV controller and SC0500 debug-mode parsers, on
 * answers written here in the devices' wire format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/console_frame.h"
#include "proto/console_hv.h"
#include "proto/console_sc0500.h"
#include "util/err.h"

static struct pt_sample *s;
static struct pt_diag d;
static char buf[1 << 16];

static int
setup(void **state)
{
	(void)state;
	s = calloc(1, sizeof *s);
	pt_sample_init(s, "hv");
	pt_diag_clear(&d);
	return s == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	free(s);
	return 0;
}

/* Frame an answer, then parse its body. */
static int
parse(console_parse_fn fn, const char *text, size_t len, int module)
{
	struct console_frame fr;
	struct console_ctx ctx = { .module = module };

	assert_int_equal(console_frame(text, len, &fr), CF_OK);
	return fn(text + fr.body_off, fr.body_len, &ctx, s, &d);
}

static const char pwr_wh[] =
    "pwr\n\r@\r\r\nAverageTempr   : 20466       \r\r\nDC Volt        : 235008      \r\r\n"
    "Bat Volt       : 235916      \r\r\n\r\r\n"
    "Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh UTlow  UThigh UVlow  UVhigh Base.St  "
    "Volt.St  Curr.St  Temp.St  CoulombAH                CoulombWH              Time"
    "                 B.V.St   B.T.St   U.V.St   U.T.St   Err Code\r\r\n"
    "235573 -292   30000  17000  21000  3096   3163   26000  27000  46915  47268  Dischg   "
    "Normal   Low      Normal     7%           5180 mAH  13%            2290 WH "
    "2026-11-12 09:22:15  Normal   Normal   Normal   Normal   0x21\r\n"
    "\rCommand completed successfully\r\n\r$$\r\n\rpylon>";

static void
test_pwr_wh(void **state)
{
	(void)state;
	assert_int_equal(parse(console_hv_parse_pwr, pwr_wh, sizeof pwr_wh - 1, 0), 0);
	assert_float_equal(s->stack.voltage, 235.916, 1e-9);	/* Bat Volt */
	assert_float_equal(s->stack.current, -0.292, 1e-9);
	assert_float_equal(s->stack.temperature, 30.0, 1e-9);
	assert_float_equal(s->stack.cell_vmin, 3.096, 1e-9);
	assert_float_equal(s->stack.temp_max, 21.0, 1e-9);
	assert_float_equal(s->stack.soc, 7, 1e-9);
	assert_float_equal(s->stack.remaining_ah, 5.18, 1e-9);
	assert_float_equal(s->stack.remaining_wh, 2290, 1e-9);
	assert_int_equal(s->stack.error_code, 0x21);
	assert_string_equal(s->stack.status, "Discharge");
	assert_int_equal(s->n_alarms, 1);		/* Curr.St Low */
	assert_non_null(strstr(s->alarms[0].name, "current_low"));
}

static void
test_pwr_mwh_and_unknown_column(void **state)
{
	static const char a[] =
	    "pwr\n\r@\r\r\nVolt   Curr   Tempr  Extra  Base.St  CoulombAH                CoulombWH"
	    "              Time                 Err Code\r\r\n"
	    "401758 521    33000  7      Charge   78%          28903 mAH  84%        11903117 mWH "
	    "2023-10-05 16:14:35  0x0\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>";

	(void)state;
	assert_int_equal(parse(console_hv_parse_pwr, a, sizeof a - 1, 0), 0);
	assert_float_equal(s->stack.remaining_wh, 11903.117, 1e-6);	/* mWH read as mWh */
	assert_float_equal(s->stack.voltage, 401.758, 1e-9);
	assert_int_equal(d.n_warnings, 1);				/* "Extra" reported */
	assert_non_null(strstr(d.warnings[0], "Extra"));
	assert_float_equal(s->stack.temperature, 33.0, 1e-9);	/* not shifted by Extra */
}

static size_t
unit_answer(char *b, size_t size, int n, bool avg)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(b, size, "unit\n\r@\r\r\nAverageTempr: 20466       \r\r\n"
	    "Index  Volt   Curr   Tempr  %sBTlow  BThigh BVlow  BVhigh Base.St  Volt.St  Temp.St  "
	    "CoulombAH                CoulombWH               Time               ",
	    avg ? "AvgTempr " : "");
	for (i = 1; i <= n; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%-6d %-6d -294   27000  %s17000  21000  "
		    "%-6d 3162    Dischg   Normal   Normal    11%%           8140 mAH  15%%             "
		    "532 WH 2023-11-12 09:22:47 ", i, 47000 + i, avg ? "19666    " : "", 3100 + i);
	o += (size_t)snprintf(b + o, size - o, "\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>");
	return o;
}

static size_t
bat_answer(char *b, size_t size, int cells, bool unit_in_rows)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(b, size, "bat\n\r@\r\r\nTime: 2023-11-12 09:21:49 \r\r\n"
	    "A.Tempr: 20480  \r\r\nBalVolt: 3360\r\r\n"
	    "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)       WH(mWH)            Bal");
	for (i = 0; i < cells; i++)
		o += (size_t)snprintf(b + o, size - o, unit_in_rows ?
		    "\r\r\n%-4d %-4d -303    21000   Normal  Normal   17%%    12580 mAH  %s" :
		    "\r\r\n%-4d %-4d -303    21000   Normal  Normal   17%%    12580  17%%        40256   %s",
		    i, 3000 + i, i == 5 ? "Y" : "N");
	o += (size_t)snprintf(b + o, size - o, "\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>");
	return o;
}

static void
test_unit_then_bat_120_cells(void **state)
{
	size_t n;

	(void)state;
	n = unit_answer(buf, sizeof buf, 4, false);
	assert_int_equal(parse(console_hv_parse_unit, buf, n, 0), 0);
	assert_int_equal(s->n_modules, 4);
	assert_float_equal(s->modules[3].voltage, 47.004, 1e-9);
	assert_float_equal(s->modules[0].cell_vmin, 3.101, 1e-9);
	n = bat_answer(buf, sizeof buf, 120, false);
	assert_int_equal(parse(console_hv_parse_bat, buf, n, 0), 0);
	assert_int_equal(d.n_warnings, 0);
	assert_int_equal(s->modules[0].n_cells, 30);	/* 120 over the 4 BMUs unit named */
	assert_int_equal(s->modules[3].n_cells, 30);
	assert_float_equal(s->modules[1].cells[0].voltage, 3.030, 1e-6);
	assert_true(s->modules[0].cells[5].balancing);
	assert_false(s->modules[0].cells[4].balancing);
	assert_float_equal(s->modules[2].cells[7].temperature, 21.0, 1e-6);
}

static void
test_bat_75_alone_and_mah_in_rows(void **state)
{
	size_t n;

	(void)state;
	n = unit_answer(buf, sizeof buf, 5, true);	/* AvgTempr present */
	assert_int_equal(parse(console_hv_parse_unit, buf, n, 0), 0);
	assert_float_equal(s->modules[0].temperature, 27.0, 1e-9);
	pt_sample_init(s, "hv");
	n = bat_answer(buf, sizeof buf, 75, true);	/* CMU B50: mAH in every row */
	assert_int_equal(parse(console_hv_parse_bat, buf, n, 0), 0);
	assert_int_equal(s->n_modules, 5);		/* guessed: 5 x 15, with a warning */
	assert_int_equal(d.n_warnings, 1);
	assert_int_equal(s->modules[4].n_cells, 15);
}

static void
test_bad_input(void **state)
{
	size_t n = bat_answer(buf, sizeof buf, 75, false);
	struct console_frame fr;
	char *big = malloc(1 << 20);

	(void)state;
	/* Truncated: no "$$", so the framer never calls it an answer. */
	assert_int_equal(console_frame(buf, n / 2, &fr), CF_INCOMPLETE);
	/* A malformed row rejects the whole answer. */
	memcpy(strstr(buf, "\r\r\n10  ") + 3, "xx", 2);
	assert_int_equal(parse(console_hv_parse_bat, buf, n, 0), PT_ERR_PARSE);
	assert_true(d.error[0] != '\0');
	/* Garbage, NULs and a 1 MiB line: an error, no crash. */
	memset(big, 'A', 1 << 20);
	big[100] = '\0';
	big[(1 << 20) - 1] = '\n';
	pt_diag_clear(&d);
	assert_int_not_equal(console_hv_parse_bat(big, 1 << 20, NULL, s, &d), 0);
	assert_int_not_equal(console_hv_parse_pwr(big, 1 << 20, NULL, s, &d), 0);
	assert_int_not_equal(console_sc0500_parse_getpwr(big, 1 << 20, NULL, s, &d), 0);
	free(big);
}

static size_t
getpwr_answer(char *b, size_t size, int cells, const char *echo)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(b, size, "%s\n\r@\r\r\n236000#   -292#  30000# 11613# Dischg# "
	    "Normal# Normal# Normal# ", echo);
	for (i = 0; i < cells; i++)
		o += (size_t)snprintf(b + o, size - o, "\r\r\n%4d#  %5d# Normal# Normal# ", 3100 + i,
		    21000 + i * 10);
	o += (size_t)snprintf(b + o, size - o, "\r\r\n5# \r\r\n1004# \r\n\rCommand completed "
	    "successfully\r\n\r$$\r\n\rpylon_debug>");
	return o;
}

static void
test_getpwr_sc0500(void **state)
{
	size_t n = getpwr_answer(buf, sizeof buf, 75, "getpwr");

	(void)state;
	assert_int_equal(parse(console_sc0500_parse_getpwr, buf, n, 0), 0);
	assert_float_equal(s->stack.voltage, 236.0, 1e-9);
	assert_float_equal(s->stack.current, -0.292, 1e-9);
	assert_int_equal(s->stack.cycles, 1004);
	assert_int_equal(s->stack.error_code, 5);
	assert_int_equal(s->n_modules, 5);
	assert_float_equal(s->modules[1].cells[0].voltage, 3.115, 1e-6);
	assert_float_equal(s->modules[4].cells[14].temperature, 21.74, 1e-4);
}

static void
test_getpwr_lv_module(void **state)
{
	size_t n = getpwr_answer(buf, sizeof buf, 15, "getpwr 3");

	(void)state;
	assert_int_equal(parse(console_sc0500_parse_getpwr, buf, n, 3), 0);
	assert_int_equal(s->n_modules, 1);
	assert_int_equal(s->modules[0].id, 3);
	assert_int_equal(s->modules[0].n_cells, 15);
	assert_int_equal(s->modules[0].cycles, 1004);
	assert_false(PT_HAS(&s->stack, PTF_VOLTAGE));
}

static void
test_getpwr_wrong_counts(void **state)
{
	static const char a[] = "getpwr\n\r@\r\r\n236000# -292# 30000# Dischg# \r\r\n3100# 21000# "
	    "Normal# Normal# \r\r\n0# \r\r\n1# \r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>";

	(void)state;
	assert_int_equal(parse(console_sc0500_parse_getpwr, a, sizeof a - 1, 0), PT_ERR_PARSE);
}

static void
test_tbar_and_info(void **state)
{
	static const char pass[] = "Test result:pass";
	static const char info[] =
	    "info\n\r@\r\nDevice name         : CMU_A\r\n\rMain Soft version   : B52.34.0\r\n"
	    "\rBarcode             : H225XYZ0000054\r\n\r\r\n\rBMU 1 Barcode   \r\n"
	    "\rModule:   : P22ABC0000077                \r\n\rBMU 0 Barcode   \r\n"
	    "\rModule:   : P22ABC0000083                \r\n"
	    "\rCommand completed successfully\r\n\r$$\r\n\rpylon>";

	(void)state;
	assert_int_equal(console_sc0500_check_tbar(pass, sizeof pass - 1, &d), 0);
	assert_int_not_equal(console_sc0500_check_tbar("Test result:fail", 16, &d), 0);
	assert_int_equal(parse(console_hv_parse_info, info, sizeof info - 1, 0), 0);
	assert_string_equal(s->stack.barcode, "H225XYZ0000054");
	assert_string_equal(s->stack.model, "CMU_A");
	assert_string_equal(pt_sample_find_module(s, 1)->barcode, "P22ABC0000083");	/* BMU 0 */
	assert_string_equal(pt_sample_find_module(s, 2)->barcode, "P22ABC0000077");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pwr_wh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwr_mwh_and_unknown_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_then_bat_120_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bat_75_alone_and_mah_in_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getpwr_sc0500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getpwr_lv_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getpwr_wrong_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tbar_and_info, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
