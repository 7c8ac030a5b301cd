/* test_console_text.c — the tokenizer of console rows (console_text.c):
 * ct_tokens, which finds token edges 16 bytes at a time where SSE2 is,
 * against a byte-at-a-time reference, over the edges that a chunked scan
 * can get wrong: tokens across a 16-byte boundary, a line ending inside
 * a token or a blank run at any length, tabs, other control bytes (not
 * blanks), the `max` cut and the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/console_text.h"

/* The rule, byte by byte: tokens are runs of anything but ' ' and '\t'. */
static int
ref_tokens(struct ct_span line, struct ct_span *tok, int max, int *total)
{
	size_t i = 0;
	int n = 0, all = 0;

	while (i < line.len) {
		size_t start;

		while (i < line.len && (line.p[i] == ' ' || line.p[i] == '\t'))
			i++;
		if (i >= line.len)
			break;
		start = i;
		while (i < line.len && line.p[i] != ' ' && line.p[i] != '\t')
			i++;
		if (n < max)
			tok[n++] = (struct ct_span){ line.p + start, i - start };
		all++;
	}
	*total = all;
	return n;
}

static void
same(const char *p, size_t len, int max)
{
	struct ct_span a[CT_MAX_TOKENS], b[CT_MAX_TOKENS];
	struct ct_span line = { p, len };
	int na, nb, ta = -1, tb = -1, i;

	na = ct_tokens(line, a, max, &ta);
	nb = ref_tokens(line, b, max, &tb);
	assert_int_equal(na, nb);
	assert_int_equal(ta, tb);
	for (i = 0; i < na; i++) {
		assert_ptr_equal(a[i].p, b[i].p);
		assert_int_equal(a[i].len, b[i].len);
	}
	/* Without a total, the same tokens. */
	assert_int_equal(ct_tokens(line, a, max, NULL), nb);
}

static void
test_fixed_rows(void **state)
{
	static const char *const rows[] = {
		"",
		" ",
		"x",
		"0        3310     -4210    21000    Dischg       Normal       Normal       "
		"Normal       Normal       62%         62410 mAH      N",
		"Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State",
		"abcdefghijklmnop",		/* exactly 16, one token */
		"abcdefghijklmno ",		/* blank at byte 15 */
		"               a",		/* token at byte 15 */
		"abcdefghijklmnopq",		/* across the boundary */
		"\tA\t\tB \t C\r\nD\0E",	/* CR, LF, NUL are not blanks */
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		size_t len = k == sizeof rows / sizeof rows[0] - 1 ? 14 : strlen(rows[k]);

		same(rows[k], len, CT_MAX_TOKENS);
		same(rows[k], len, 2);
		same(rows[k], len, 0);
	}
}

/* Random lines of blanks, tabs and letters, every length to 100, and
 * every prefix of each (a line ends anywhere in a chunk). */
static void
test_random_rows(void **state)
{
	static const char alphabet[] = "  \t a-9%.";
	char buf[128];
	unsigned seed = 12345;
	int round, max;

	(void)state;
	for (round = 0; round < 400; round++) {
		size_t len = (size_t)(round % 100), i;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		for (i = 0; i <= len; i++)
			for (max = 0; max <= CT_MAX_TOKENS; max += 7)
				same(buf, i, max);
	}
}

/* ct_long_unit: the number, its unit, and no overflow past LONG_MAX. */
static void
test_long_unit(void **state)
{
	static const struct {
		const char	*tok;
		bool		 ok;
		long		 v;
		const char	*unit;
	} cases[] = {
		{ "62%", true, 62, "%" }, { "-90000mA", true, -90000, "mA" },
		{ "+7", true, 7, "" }, { "0", true, 0, "" }, { "-", false, 0, "" },
		{ "", false, 0, "" }, { "x1", false, 0, "" }, { "12 3", true, 12, " 3" },
		{ "123456789012345678", true, 123456789012345678L, "" },
		{ "9223372036854775807", true, LONG_MAX, "" },
		{ "9223372036854775808", false, 0, "" },
		{ "-9223372036854775807", true, -LONG_MAX, "" },
		{ "99999999999999999999", false, 0, "" },
		{ "0000000000000000000000012V", true, 12, "V" },
	};
	size_t k;

	(void)state;
	if (LONG_MAX != 9223372036854775807L)
		skip();
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct ct_span tok = { cases[k].tok, strlen(cases[k].tok) }, unit = { NULL, 0 };
		long v = -1;

		assert_int_equal(ct_long_unit(tok, &v, &unit), cases[k].ok);
		if (!cases[k].ok)
			continue;
		assert_int_equal(v, cases[k].v);
		assert_int_equal(unit.len, strlen(cases[k].unit));
		assert_memory_equal(unit.p, cases[k].unit, unit.len);
	}
}

/* ct_cur_long on a cursor that may load past the line (ct_cur_init_in):
 * a run of digits then stops at the first byte that is not one, with no
 * test of the line's end per byte.  Whatever follows the token in the
 * buffer (the next line, digits, junk) and blanks after it must give the
 * same verdict and value as ct_long on the token alone. */
static void
test_cur_long_lim(void **state)
{
	static const char *const toks[] = { "0", "7", "-3", "3176", "-15230", "19000", "12345678",
	    "-12345678", "123456789", "999999999999999999", "1000000000000000000", "41%", "-",
	    "N", "12a4", "1-2", "+5", "00042", "9876543210", "1:2", "/", "x12" };
	static const char *const after[] = { "", " ", "\r\n5", "99999999", "\t7", "%%%%%%%%",
	    "\n123 456", "  ", " \t 8" };
	size_t i, j, pre;

	(void)state;
	for (i = 0; i < sizeof toks / sizeof toks[0]; i++)
		for (j = 0; j < sizeof after / sizeof after[0]; j++)
			for (pre = 0; pre < 3; pre++) {
				char buf[64];
				size_t tl = strlen(toks[i]);
				struct ct_span line = { buf, pre + tl }, tok, want = { toks[i], tl };
				struct ct_cur c;
				long v = -1, w = -1;
				bool ok, wok;

				memset(buf, ' ', pre);
				memcpy(buf + pre, toks[i], tl);
				strcpy(buf + pre + tl, after[j]);
				ct_cur_init_in(&c, line, buf + strlen(buf));
				ok = ct_cur_long(&c, &v, &tok);
				wok = ct_long(want, &w);
				assert_int_equal(ok, wok);
				assert_int_equal(tok.len, tl);
				assert_ptr_equal(tok.p, buf + pre);
				if (ok) {
					assert_int_equal(v, w);
					assert_ptr_equal(c.p, buf + pre + tl);
				}
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_rows),
		cmocka_unit_test(test_random_rows),
		cmocka_unit_test(test_long_unit),
		cmocka_unit_test(test_cur_long_lim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
