/* test_console_sc0500.c — debug-mode getpwr, login and tbar checks
 * (console_sc0500.c), on tests/fixtures/console/sc0500/, on answers built
 * here, and on the real LV captures of ../shared when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/console_hv.h"
#include "proto/console_sc0500.h"
#include "util/err.h"

#include "console_hv_testutil.h"

#define EPS	1e-6

struct fx {
	struct pt_sample	*s, *copy;
	struct pt_diag		 d;
	char			*buf;
	size_t			 len, off, blen;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL || (f->s = malloc(sizeof *f->s)) == NULL ||
	    (f->copy = malloc(sizeof *f->copy)) == NULL)
		return -1;
	pt_sample_init(f->s, "sc0500");
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

/* Load a fixture (or capture, when `shared`) and find its body. */
static void
load(struct fx *f, const char *name, const char *cmd, bool shared)
{
	free(f->buf);
	f->buf = shared ? tu_capture(name, &f->len) : tu_fixture(name, &f->len);
	if (f->buf == NULL) {
		if (shared)
			skip();
		fail_msg("%s: cannot read the fixture", name);
	}
	if (!tu_body(f->buf, f->len, cmd, &f->off, &f->blen))
		fail_msg("%s: no body for '%s'", name, cmd);
}

static int
getpwr(struct fx *f, const char *text, size_t len, int arg)
{
	struct console_ctx ctx = { .module = arg };

	pt_diag_clear(&f->d);
	return console_sc0500_parse_getpwr(text, len, &ctx, f->s, &f->d);
}

static bool
has_alarm(const struct pt_sample *s, const char *name, int module, int cell)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (strcmp(s->alarms[i].name, name) == 0 && s->alarms[i].module == module &&
		    s->alarms[i].cell == cell && s->alarms[i].source == PT_ALARM_BMS)
			return true;
	return false;
}

/* A getpwr body: `cells` cell records, and the head/trailer given. */
static size_t
build(char *b, size_t size, const char *head, int cells, const char *tail)
{
	size_t o;
	int i;

	o = (size_t)snprintf(b, size, "%s\r\r\n", head);
	for (i = 0; i < cells && o < size; i++)
		o += (size_t)snprintf(b + o, size - o, "%5d#  %5d# Normal# Normal# \r\r\n",
		    3300 + i, 20000 + 100 * i);
	if (o < size)
		o += (size_t)snprintf(b + o, size - o, "%s", tail);
	return o;
}

#define HEAD8	"52914#   3120#  24000# 47650# Charge# Normal# Normal# Normal# "
#define TAIL	"    0# \r\r\n  512# \r\n"

/* ---- getpwr ------------------------------------------------------------------ */

static void
test_sc0500_75_cells(void **state)
{
	struct fx *f = *state;
	struct pt_stack *st = &f->s->stack;
	struct pt_module *m;
	int i;

	load(f, "sc0500/sc75_getpwr.txt", "getpwr", false);
	assert_int_equal(getpwr(f, f->buf + f->off, f->blen, 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	/* The string record is the stack's. */
	assert_float_equal(st->voltage, 237.985, EPS);
	assert_float_equal(st->current, -9.870, EPS);
	assert_float_equal(st->temperature, 23.0, EPS);
	assert_float_equal(st->remaining_ah, 11.613, EPS);	/* unit unverified */
	assert_string_equal(st->status, "Discharge");
	assert_int_equal(st->error_code, 0);
	assert_int_equal(st->cycles, 1004);
	assert_true(PT_HAS(st, PTF_ERROR_CODE | PTF_CYCLES | PTF_VOLTAGE | PTF_CURRENT));
	/* 75 cells = 5 modules of 15, in order. */
	assert_int_equal(f->s->n_modules, 5);
	for (i = 0; i < 5; i++) {
		m = &f->s->modules[i];
		assert_int_equal(m->id, i + 1);
		assert_int_equal(m->n_cells, 15);
		assert_int_equal(m->valid, 0);		/* the record is not a module's */
		assert_float_equal(m->cells[0].temperature, 21.0 + i, 1e-6);
	}
	assert_float_equal(f->s->modules[0].cells[0].voltage, 3.170, 1e-6);
	assert_float_equal(f->s->modules[0].cells[1].voltage, 3.181, 1e-6);
	/* Cell 22 = module 2, cell 7: High. */
	m = &f->s->modules[1];
	assert_string_equal(pt_sample_word_text(f->s, m->cells[7].voltage_status), "High");
	assert_string_equal(pt_sample_word_text(f->s, m->cells[7].temperature_status), "Normal");
	assert_true(has_alarm(f->s, "cell_voltage_high", 2, 7));
	assert_int_equal(f->s->n_alarms, 1);
}

static void
test_lv_getpwr_n(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	load(f, "sc0500/lv15_getpwr.txt", "getpwr 1", false);
	assert_int_equal(getpwr(f, f->buf + f->off, f->blen, 1), 0);
	assert_int_equal(f->s->n_modules, 1);
	m = &f->s->modules[0];
	assert_int_equal(m->id, 1);
	assert_float_equal(m->voltage, 52.914, EPS);
	assert_float_equal(m->current, 3.120, EPS);
	assert_float_equal(m->temperature, 24.0, EPS);
	assert_float_equal(m->remaining_ah, 47.650, EPS);	/* mAh */
	assert_string_equal(m->status, "Charge");
	assert_int_equal(m->cycles, 512);
	assert_int_equal(m->error_code, 0);
	assert_int_equal(m->n_cells, 15);
	assert_float_equal(m->cells[14].voltage, 3.529, 1e-6);
	assert_float_equal(m->cells[14].temperature, 24.0, 1e-6);
	assert_false(PT_HAS(&f->s->stack, PTF_VOLTAGE));
	/* The same answer as `getpwr 3` goes to module 3. */
	assert_int_equal(getpwr(f, f->buf + f->off, f->blen, 3), 0);
	assert_int_equal(f->s->n_modules, 2);
	assert_int_equal(f->s->modules[1].id, 3);
	assert_int_equal(f->s->modules[1].cycles, 512);
	assert_int_equal(f->s->modules[1].n_cells, 15);
}

static void
test_module_states_and_sizes(void **state)
{
	struct fx *f = *state;
	static char b[16384];
	size_t n;

	/* A module record with abnormal states: module alarms. */
	n = build(b, sizeof b, "49000#  -90000#  52000# 1000# Dischg# Low# Protect# High# ", 15,
	    TAIL);
	assert_int_equal(getpwr(f, b, n, 2), 0);
	assert_string_equal(f->s->modules[0].status, "Discharge");
	assert_true(has_alarm(f->s, "module_voltage_low", 2, -1));
	assert_true(has_alarm(f->s, "module_current_protect", 2, -1));
	assert_true(has_alarm(f->s, "module_temperature_high", 2, -1));
	assert_int_equal(f->s->n_alarms, 3);
	assert_float_equal(f->s->modules[0].current, -90.0, EPS);
	/* 20 cells without N: more than an LV module, fits one module. */
	pt_sample_init(f->s, "sc0500");
	n = build(b, sizeof b, HEAD8, 20, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), 0);
	assert_int_equal(f->s->n_modules, 1);
	assert_int_equal(f->s->modules[0].n_cells, 20);
	assert_float_equal(f->s->stack.voltage, 52.914, EPS);
	/* 120 cells: 8 modules of 15 (the SC0500 rule). */
	pt_sample_init(f->s, "sc0500");
	n = build(b, sizeof b, HEAD8, 120, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), 0);
	assert_int_equal(f->s->n_modules, 8);
	/* Cells per module known from an earlier answer: 16 records do not
	 * fit a 15-cell module. */
	pt_sample_init(f->s, "sc0500");
	n = build(b, sizeof b, HEAD8, 15, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), 0);
	n = build(b, sizeof b, HEAD8, 16, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), PT_ERR_PARSE);
	assert_non_null(strstr(f->d.error, "15 cells"));
	/* ... and 45 string cells are a multiple of 15. */
	n = build(b, sizeof b, HEAD8, 45, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), 0);
	assert_int_equal(f->s->n_modules, 3);
	n = build(b, sizeof b, HEAD8, 46, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), PT_ERR_PARSE);
	/* 76 cells, nothing known: neither 15s nor one module. */
	pt_sample_init(f->s, "sc0500");
	n = build(b, sizeof b, HEAD8, 76, TAIL);
	assert_int_equal(getpwr(f, b, n, 0), PT_ERR_PARSE);
	assert_int_equal(f->s->n_modules, 0);
}

static void
test_counts_and_truncation(void **state)
{
	static const struct {
		const char	*text;
		int		 rc;
	} cases[] = {
		/* 7 values in the first record */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# \r\r\n3551#  21000# Normal# "
		  "Normal# \r\r\n0# \r\r\n666# \r\n", PT_ERR_PARSE },
		/* a cell record with 3 values */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# \r\r\n0# \r\r\n666# \r\n", PT_ERR_PARSE },
		/* no cells */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n0# \r\r\n666# "
		  "\r\n", PT_ERR_PARSE },
		/* a record after the cycle count */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n0# \r\r\n666# \r\r\n1# \r\n", PT_ERR_PARSE },
		/* 2-value trailer */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n0# 1# \r\r\n666# \r\n", PT_ERR_PARSE },
		/* not numbers */
		{ "53x76#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n0# \r\r\n666# \r\n", PT_ERR_PARSE },
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n0# \r\r\n-6# \r\n", PT_ERR_PARSE },
		/* an empty value and a state word with a blank inside */
		{ "53276#  # 25000# 49400# Idle# Normal# Normal# Normal# \r\r\n", PT_ERR_PARSE },
		{ "53276#  0#  25000# 49400# Id le# Normal# Normal# Normal# \r\r\n", PT_ERR_PARSE },
		/* ends before the cycle count / the error code */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n0# \r\n", PT_ERR_TRUNCATED },
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\n", PT_ERR_TRUNCATED },
		/* ends inside a cell record */
		{ "53276#  0#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  21000# "
		  "Normal# Normal# \r\r\n3551#  21", PT_ERR_TRUNCATED },
		/* no '#' at all */
		{ "Unknown command 'getpwr' - try 'help'\r\n", PT_ERR_PARSE },
		{ "", PT_ERR_PARSE },
		/* hex error code and '-' values are fine */
		{ "53276#  -#  25000# 49400# Idle# Normal# Normal# Normal# \r\r\n3551#  -# "
		  "Normal# -# \r\r\n0x2000# \r\r\n666# \r\n", 0 },
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		pt_sample_init(f->s, "sc0500");
		memcpy(f->copy, f->s, sizeof *f->s);
		rc = getpwr(f, cases[i].text, strlen(cases[i].text), 0);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, f->d.error);
		if (rc != 0) {
			assert_true(f->d.error[0] != '\0');
			assert_memory_equal(f->s, f->copy, sizeof *f->s);
		}
	}
	/* The last case: the '-' values stay unknown. */
	assert_false(PT_HAS(&f->s->modules[0], PTF_CURRENT));
	assert_int_equal(f->s->modules[0].error_code, 0x2000);
	assert_false(PT_HAS(&f->s->modules[0].cells[0], PTF_TEMPERATURE));
	assert_int_equal(f->s->modules[0].cells[0].temperature_status, 0);
}

static void
test_garbage_nul_huge(void **state)
{
	struct fx *f = *state;
	size_t n = 1u << 20, i, k;
	char *big = malloc(n), *body;
	unsigned seed = 99;

	assert_non_null(big);
	load(f, "sc0500/sc75_getpwr.txt", "getpwr", false);
	body = malloc(f->blen);
	assert_non_null(body);
	/* A NUL inside a cell value rejects the answer. */
	memcpy(body, f->buf + f->off, f->blen);
	body[strstr(f->buf + f->off, " 3181#") - (f->buf + f->off) + 2] = '\0';
	pt_sample_init(f->s, "sc0500");
	assert_int_equal(getpwr(f, body, f->blen, 0), PT_ERR_PARSE);
	/* Random damage: no crash, bounded. */
	for (k = 0; k < 2000; k++) {
		size_t j, flips = 1 + k % 6;

		memcpy(body, f->buf + f->off, f->blen);
		for (j = 0; j < flips; j++) {
			seed = seed * 1103515245u + 12345u;
			body[(seed >> 8) % f->blen] = (char)(seed >> 20);
		}
		pt_sample_init(f->s, "sc0500");
		(void)getpwr(f, body, f->blen, (int)(k % 3));
		assert_true(f->s->n_modules <= PT_MAX_MODULES);
		assert_true(f->s->n_alarms <= PT_MAX_ALARMS);
		for (j = 0; j < (size_t)f->s->n_modules; j++)
			assert_true(f->s->modules[j].n_cells <= PT_MAX_CELLS);
	}
	free(body);
	/* 1 MiB: one line of '#'s, one of values, many short records. */
	memset(big, '#', n);
	assert_int_not_equal(getpwr(f, big, n, 0), 0);
	for (i = 0; i < n; i++)
		big[i] = (i % 3 == 2) ? '#' : '7';
	assert_int_not_equal(getpwr(f, big, n, 0), 0);
	for (i = 0; i + 9 < n; i += 9)
		memcpy(big + i, "1# 2#\r\r\n ", 9);
	assert_int_not_equal(getpwr(f, big, n, 0), 0);
	memset(big, 'A', n);
	assert_int_not_equal(getpwr(f, big, n, 0), 0);
	assert_int_not_equal(console_sc0500_check_tbar(big, n, &f->d), 0);
	free(big);
}

/* `--protocol sc0500` decodes the LV debug answer with the same entry. */
static void
test_table(void **state)
{
	const struct console_cmd *c, *getpwr_c = NULL, *login = NULL, *tbar = NULL, *info = NULL;
	int n = 0;

	(void)state;
	for (c = console_sc0500_cmds; c->name != NULL; c++, n++) {
		assert_true(c->dialects & CD_SC0500);
		if (strcmp(c->name, "getpwr") == 0)
			getpwr_c = c;
		else if (strcmp(c->name, "login") == 0)
			login = c;
		else if (strcmp(c->name, "tbar") == 0)
			tbar = c;
		else if (strcmp(c->name, "info") == 0)
			info = c;
	}
	assert_int_equal(n, 4);
	assert_non_null(getpwr_c);
	assert_true(getpwr_c->read_only && getpwr_c->module_arg);
	assert_ptr_equal(getpwr_c->parse, console_sc0500_parse_getpwr);
	assert_non_null(login);
	assert_true(login->read_only);
	assert_null(login->parse);
	assert_non_null(tbar);
	assert_false(tbar->read_only);		/* may write the barcode register */
	assert_null(tbar->parse);
	assert_non_null(info);
	assert_true(info->read_only);
	assert_ptr_equal(info->parse, console_hv_parse_info);
}

/* ---- login, tbar --------------------------------------------------------------- */

static void
test_login_tbar(void **state)
{
	struct fx *f = *state;
	static const char again[] = "Quit current mode\r\nInvalid command or fail to excute.\r\n"
	    "Usage:\r\nLogin Admin mode - login [password]\r\n";
	static const char refused[] = "Invalid command or fail to excute!\r\nUsage:\r\n";
	static const char pass[] = "Barcode check\r\r\nTest result:pass\r\n";
	static const char fail[] = "Test result:fail\r\n";
	static const char nul_pass[] = "\0\0Test result:pass\r\n";
	static const char pass_split[] = "Test result:\r\npass\r\n";

	pt_diag_clear(&f->d);
	assert_int_equal(console_sc0500_check_login("", 0, &f->d), 0);
	assert_int_equal(console_sc0500_check_login("\r\n", 2, &f->d), 0);
	assert_int_equal(console_sc0500_check_login(again, sizeof again - 1, &f->d),
	    PT_ERR_DEVICE);
	assert_non_null(strstr(f->d.error, "Quit current mode"));
	assert_int_equal(console_sc0500_check_login(refused, sizeof refused - 1, &f->d),
	    PT_ERR_AUTH);
	assert_int_equal(console_sc0500_check_tbar(pass, sizeof pass - 1, &f->d), 0);
	assert_int_equal(console_sc0500_check_tbar(fail, sizeof fail - 1, &f->d), PT_ERR_DEVICE);
	assert_non_null(strstr(f->d.error, "fail"));
	assert_int_equal(console_sc0500_check_tbar("", 0, &f->d), PT_ERR_DEVICE);
	assert_int_equal(console_sc0500_check_tbar(NULL, 0, &f->d), PT_ERR_DEVICE);
	assert_int_equal(console_sc0500_check_tbar(nul_pass, sizeof nul_pass - 1, &f->d), 0);
	assert_int_equal(console_sc0500_check_tbar(pass_split, sizeof pass_split - 1, &f->d),
	    PT_ERR_DEVICE);
	/* A pass next to a failure text is not a pass. */
	assert_int_equal(console_sc0500_check_tbar("Invalid command\r\nTest result:pass\r\n",
	    35, &f->d), PT_ERR_DEVICE);
	assert_null(strchr(f->d.error, '\n'));
}

/* ---- real LV captures ------------------------------------------------------------ */

static void
test_captures(void **state)
{
	struct fx *f = *state;
	struct pt_module *m;

	load(f, "US2000C-B67.5_getpwr_1.txt", "getpwr", true);
	assert_int_equal(getpwr(f, f->buf + f->off, f->blen, 0), 0);
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->s->n_modules, 1);
	m = &f->s->modules[0];
	assert_int_equal(m->id, 1);
	assert_float_equal(m->voltage, 49.768, EPS);
	assert_float_equal(m->current, -2.632, EPS);
	assert_float_equal(m->temperature, 29.3, EPS);
	assert_float_equal(m->remaining_ah, 43.259, EPS);
	assert_string_equal(m->status, "Discharge");
	assert_int_equal(m->error_code, 0);
	assert_int_equal(m->cycles, 666);	/* = CYCLE Times of its stat */
	assert_int_equal(m->n_cells, 15);
	assert_float_equal(m->cells[0].voltage, 3.317, 1e-6);
	assert_float_equal(m->cells[0].temperature, 26.3, 1e-6);
	assert_float_equal(m->cells[14].temperature, 26.0, 1e-6);
	assert_int_equal(f->s->n_alarms, 0);

	load(f, "US2000C-B67.5_login_1.txt", "login", true);
	assert_int_equal(console_sc0500_check_login(f->buf + f->off, f->blen, &f->d), 0);
	free(f->buf);
	f->buf = tu_capture("US2000C-B67.5_login-again_1.txt", &f->len);
	assert_non_null(f->buf);
	/* No success line here: the whole answer goes to the check. */
	assert_int_equal(console_sc0500_check_login(f->buf, f->len, &f->d), PT_ERR_DEVICE);
	load(f, "US2000C-B67.5_time_1.txt", "time", true);
	/* "Test result:pass" is generic: the check only says it is there. */
	assert_int_equal(console_sc0500_check_tbar(f->buf + f->off, f->blen, &f->d), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sc0500_75_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lv_getpwr_n, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_states_and_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_and_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_nul_huge, setup, teardown),
		cmocka_unit_test(test_table),
		cmocka_unit_test_setup_teardown(test_login_tbar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_captures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
