/* test_rawcon.c — the raw console view's two curses-free parts: what a
 * typed line may send (console_cmd_check_user: only read-only commands of
 * the dialect's table that read data, and help) and the bounded ring of
 * the link's traffic (core/rawlog.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/rawlog.h"
#include "proto/console_cmd.h"
#include "proto/rs485.h"
#include "util/err.h"

static int
check(enum console_dialect d, const char *line, char *arg, char *why)
{
	const struct console_cmd *c;

	return console_cmd_check_user(d, line, &c, arg, 16, why, 300);
}

static void
test_refused(void **state)
{
	static const char *const lv_bad[] = {
		"tbar 123", "login debug", "config", "time 2026-01-01 00:00:00", "ctrl",
		"shut", "getpwr", "unit", "pwr x", "bat 1 2", "bat 256", "bat -1", "",
		"   ", "pwr\x1b[A", NULL,
	};
	char arg[16], why[300];
	int i;

	(void)state;
	for (i = 0; lv_bad[i] != NULL; i++) {
		why[0] = '\0';
		assert_int_equal(check(CD_LV, lv_bad[i], arg, why), PT_ERR_REFUSED);
		assert_non_null(strstr(why, "nothing sent"));
	}
	assert_int_equal(check(CD_LV, "tbar 123", arg, why), PT_ERR_REFUSED);
	assert_non_null(strstr(why, "'tbar'"));
	assert_int_equal(check(CD_SC0500, "tbar 123", arg, why), PT_ERR_REFUSED);
	assert_non_null(strstr(why, "not read-only"));
	assert_int_equal(check(CD_SC0500, "login debug", arg, why), PT_ERR_REFUSED);
	assert_non_null(strstr(why, "mode"));
	assert_int_equal(check(CD_HV, "bat 1", arg, why), PT_ERR_REFUSED);
	assert_non_null(strstr(why, "no argument"));
}

static void
test_allowed(void **state)
{
	const struct console_cmd *c;
	char arg[16], why[300];

	(void)state;
	assert_int_equal(console_cmd_check_user(CD_LV, "info 1", &c, arg, sizeof arg, why,
	    sizeof why), 0);
	assert_string_equal(c->name, "info");
	assert_string_equal(arg, "1");
	assert_int_equal(console_cmd_check_user(CD_LV, "  bat   12 ", &c, arg, sizeof arg, why,
	    sizeof why), 0);
	assert_string_equal(arg, "12");
	assert_int_equal(console_cmd_check_user(CD_LV, "help", &c, arg, sizeof arg, why,
	    sizeof why), 0);
	assert_true(c->read_only);
	assert_string_equal(arg, "");
	assert_int_equal(check(CD_HV, "help", arg, why), 0);
	assert_int_equal(check(CD_HV, "sysinfo", arg, why), 0);
	/* SC0500 reads HV's tables, as its session does. */
	assert_int_equal(check(CD_SC0500, "unit", arg, why), 0);
	assert_int_equal(check(CD_SC0500, "getpwr 1", arg, why), 0);
}

static void
test_rs485(void **state)
{
	static const char *const bad[] = {
		"94 02", "95 02", "9A 01", "0x82 02", "42", "42 02 03", "pwr", "4G 02",
		"42 123", "", "C2 02", NULL,
	};
	uint8_t cid2, adr, info;
	size_t info_len;
	char why[300];
	int i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(rs485_user_request(bad[i], RS_PYLONTECH, &cid2, &adr, &info,
		    &info_len, why, sizeof why), PT_ERR_REFUSED);
	assert_int_equal(rs485_user_request("95 02", RS_PYLONTECH, &cid2, &adr, &info,
	    &info_len, why, sizeof why), PT_ERR_REFUSED);
	assert_non_null(strstr(why, "not read-only"));
	assert_int_equal(rs485_user_request("0x42 0x12", RS_PYLONTECH, &cid2, &adr, &info,
	    &info_len, why, sizeof why), 0);
	assert_int_equal(cid2, 0x42);
	assert_int_equal(adr, 0x12);
	assert_int_equal(info, 0x12);
	assert_int_equal(info_len, 1);
	assert_int_equal(rs485_user_request("51 02", RS_PYLONTECH, &cid2, &adr, &info,
	    &info_len, why, sizeof why), 0);
	assert_int_equal(info_len, 0);
	/* A PACE code is not a Pylontech one, and the other way round. */
	assert_int_equal(rs485_user_request("c2 01", RS_PACE, &cid2, &adr, &info,
	    &info_len, why, sizeof why), 0);
	assert_int_equal(rs485_user_request("93 01", RS_PACE, &cid2, &adr, &info,
	    &info_len, why, sizeof why), PT_ERR_REFUSED);
}

static void
test_ring(void **state)
{
	static struct rawlog_line out[RAWLOG_LINES];
	struct rawlog r;
	char big[600];
	uint64_t seq;
	size_t n;
	int i;

	(void)state;
	assert_int_equal(rawlog_init(&r), 0);
	rawlog_data(&r, '>', "pwr\n", 4, 1);
	rawlog_data(&r, '<', "pwr\r\n@\r", 7, 2);
	rawlog_data(&r, '<', "\x01" "ab\n", 4, 3);
	n = rawlog_copy(&r, out, RAWLOG_LINES, &seq);
	assert_int_equal(n, 3);
	assert_int_equal(seq, 3);
	assert_int_equal(out[0].dir, '>');
	assert_string_equal(out[0].text, "pwr\\n");
	assert_int_equal(out[1].dir, '<');
	assert_string_equal(out[1].text, "pwr\\r\\n");
	assert_string_equal(out[2].text, "@\\r\\x01ab\\n");	/* continued by the next chunk */
	rawlog_set_user(&r, true);
	rawlog_data(&r, '<', "x", 1, 4);
	rawlog_set_user(&r, false);
	rawlog_note(&r, 5, "typed '%s': answered", "info 1");
	n = rawlog_copy(&r, out, RAWLOG_LINES, NULL);
	assert_true(out[n - 2].user);
	assert_string_equal(out[n - 2].text, "x");
	assert_int_equal(out[n - 1].dir, '#');
	assert_false(out[n - 1].user);

	/* A long line continues on the next; whole escapes only. */
	memset(big, '\r', sizeof big);
	rawlog_data(&r, '<', big, sizeof big, 6);
	n = rawlog_copy(&r, out, RAWLOG_LINES, NULL);
	for (i = 0; i < 3; i++) {
		size_t len = strlen(out[n - 1 - (size_t)i].text);
		assert_true(len < RAWLOG_LINE_MAX);
		assert_int_equal(len % 2, 0);
	}

	/* Bounded: the newest RAWLOG_LINES lines stay. */
	for (i = 0; i < RAWLOG_LINES + 50; i++) {
		char line[32];
		int k = snprintf(line, sizeof line, "line %d\n", i);
		rawlog_data(&r, '<', line, (size_t)k, 7);
	}
	n = rawlog_copy(&r, out, RAWLOG_LINES, NULL);
	assert_int_equal(n, RAWLOG_LINES);
	assert_string_equal(out[0].text, "line 50\\n");
	snprintf(big, sizeof big, "line %d\\n", RAWLOG_LINES + 49);
	assert_string_equal(out[n - 1].text, big);
	rawlog_destroy(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_rs485),
		cmocka_unit_test(test_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
