/* test_fmt_fast.c — the per-sample formatters write exactly what printf
 * writes: pt_fmt_fixed() against snprintf("%.*f") over halves (ties),
 * their neighbours, decimal steps, random bit patterns and the edges
 * (negative zero, NaN, infinities, values past the fast path); and
 * pt_json_print() against cJSON_PrintUnformatted() over payload-shaped
 * trees, numbers of every kind and strings that need escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <limits.h>
#include <stdlib.h>

#include "util/fixed.h"
#include "util/json_fast.h"

static unsigned long checked, wrong;

static void
check_fixed(double v, int d)
{
	char fast[64], ref[64];
	int nf = pt_fmt_fixed(fast, sizeof fast, v, d);
	int nr = snprintf(ref, sizeof ref, "%.*f", d, v);

	checked++;
	if (nf != nr || strcmp(fast, ref) != 0) {
		if (wrong++ < 10)
			print_message("%.17g with %d decimals: \"%s\", printf \"%s\"\n", v, d,
			    fast, ref);
	}
}

static void
test_fixed_matches_printf(void **state)
{
	static const double edge[] = {
		0.0, -0.0, NAN, -NAN, INFINITY, -INFINITY, 1e300, -1e300, 5e-324,
		-5e-324, 0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375, -0.0625,
		1125899906842623.5, 1e15, -1e15, 4503599627370495.5, 9007199254740993.0,
	};
	uint64_t x = 88172645463325252ULL;
	long i;
	int d, k;
	size_t j;

	(void)state;
	for (d = 0; d <= 11; d++) {
		for (i = -20000; i <= 20000; i++) {
			double half = i / 2.0 / pt_pow10(d);

			check_fixed(half, d);
			check_fixed(nextafter(half, INFINITY), d);
			check_fixed(nextafter(half, -INFINITY), d);
			check_fixed(i * 0.001, d);
			check_fixed(i * 0.05, d);
			check_fixed(i * 0.0005, d);
			check_fixed(i * 0.1 + 3.3, d);
		}
		for (k = 0; k < 100000; k++) {
			double v;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(&v, &x, sizeof v);
			check_fixed(v, d);
			check_fixed((double)(int64_t)(x % 2000000000001ULL) / pt_pow10((int)(x >> 60) % 12), d);
			check_fixed(-(double)(x % 100000) / 1000.0, d);
		}
		for (j = 0; j < sizeof edge / sizeof edge[0]; j++)
			check_fixed(edge[j], d);
	}
	print_message("%lu values checked\n", checked);
	assert_int_equal(wrong, 0);
}

/* A buffer too small for the fast path gets printf's truncation. */
static void
test_fixed_small_buffer(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(pt_fmt_fixed(buf, sizeof buf, -12.345, 3), 7);
	assert_string_equal(buf, "-12");
}

static void
test_pow10_is_pow(void **state)
{
	int d;

	(void)state;
	for (d = -3; d <= 30; d++)
		assert_true(pt_pow10(d) == pow(10, d));
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A number of the kinds payloads carry (rounded readings, counters,
 * UTC ms) and of the kinds they should not (bit patterns, edges). */
static double
some_number(void)
{
	static const double edge[] = {
		0.0, -0.0, NAN, INFINITY, -INFINITY, INT_MAX, INT_MIN, (double)INT_MAX + 1,
		(double)INT_MIN - 1, 1e-4, 9.9999999999999e-5, 1e15, 999999999999999.0,
		999999999999999.9, 1e-300, 5e-324, 0.1, 1.0 / 3, 2.0 / 3, 123456.789012345,
		3.3, -3.3, 0.30000000000000004, 1764900000123.0, 1e300,
	};
	uint64_t x = next();
	double v;

	switch (x % 6) {
	case 0:
		return edge[(x >> 8) % (sizeof edge / sizeof edge[0])];
	case 1:
		memcpy(&v, &x, sizeof v);
		return v;
	case 2:	/* a reading rounded like sample_round() */
		v = (double)(int64_t)((x >> 8) % 2000000 - 1000000) / 997.0;
		return round(v * pt_pow10((int)(x >> 40) % 4)) / pt_pow10((int)(x >> 40) % 4);
	case 3:
		return (double)(int64_t)(x >> 20) / pt_pow10((int)(x >> 4) % 17);
	case 4:
		return (double)(1700000000000LL + (int64_t)(x >> 24) % 100000000000LL);
	default:
		return ((double)(int64_t)(x >> 11) - 4e15) * pow(10, (double)((int)(x >> 3) % 40 - 20)) / 1e15;
	}
}

static char *
some_text(char *buf, size_t size)
{
	static const char pool[] = "ab\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9 /:{}[],0";
	size_t n = next() % (size - 1), i;

	for (i = 0; i < n; i++)
		buf[i] = pool[next() % (sizeof pool - 1)];
	buf[n] = '\0';
	return buf;
}

static cJSON *
some_tree(int depth)
{
	cJSON *o = next() % 3 ? cJSON_CreateObject() : cJSON_CreateArray();
	int i, n = (int)(next() % 8);
	char key[24], text[24];

	for (i = 0; i < n; i++) {
		cJSON *c;

		switch (next() % 8) {
		case 0: c = cJSON_CreateNull(); break;
		case 1: c = cJSON_CreateBool(next() & 1); break;
		case 2: c = cJSON_CreateString(some_text(text, sizeof text)); break;
		case 3: c = depth < 3 ? some_tree(depth + 1) : cJSON_CreateNull(); break;
		case 4: c = cJSON_CreateRaw("[1,2]"); break;
		default: c = cJSON_CreateNumber(some_number()); break;
		}
		if (cJSON_IsObject(o))
			cJSON_AddItemToObject(o, some_text(key, sizeof key), c);
		else
			cJSON_AddItemToArray(o, c);
	}
	return o;
}

static void
test_json_matches_cjson(void **state)
{
	int i, bad = 0;

	(void)state;
	for (i = 0; i < 200000; i++) {
		cJSON *t = i % 2 ? some_tree(0) : cJSON_CreateNumber(some_number());
		char *ref = cJSON_PrintUnformatted(t), *fast = pt_json_print(t);

		assert_non_null(ref);
		assert_non_null(fast);
		if (strcmp(ref, fast) != 0 && bad++ < 10)
			print_message("cJSON %s\nfast  %s\n", ref, fast);
		free(ref);
		free(fast);
		cJSON_Delete(t);
	}
	assert_int_equal(bad, 0);
}

/* Where cJSON fails, so does the copy. */
static void
test_json_failures(void **state)
{
	cJSON *o = cJSON_CreateObject(), *raw = cJSON_CreateRaw("1");

	(void)state;
	assert_null(pt_json_print(NULL));
	cJSON_AddItemToObject(o, "r", raw);
	free(raw->valuestring);
	raw->valuestring = NULL;
	assert_null(cJSON_PrintUnformatted(o));
	assert_null(pt_json_print(o));
	cJSON_Delete(o);
}

/* The writer (pt_jw_*) replays a tree member by member: the bytes must
 * be cJSON's for the same tree.  Raw items are not the writer's: they
 * are left out of the trees it replays. */
static void
replay(struct pt_jw *w, const cJSON *item, const char *key)
{
	const cJSON *c;

	switch (item->type & 0xFF) {
	case cJSON_NULL: pt_jw_null(w, key); break;
	case cJSON_False: pt_jw_bool(w, key, false); break;
	case cJSON_True: pt_jw_bool(w, key, true); break;
	case cJSON_Number: pt_jw_num(w, key, item->valuedouble); break;
	case cJSON_String: pt_jw_str(w, key, item->valuestring); break;
	case cJSON_Array:
	case cJSON_Object:
		pt_jw_open(w, key, cJSON_IsArray(item) ? '[' : '{');
		for (c = item->child; c != NULL; c = c->next)
			replay(w, c, cJSON_IsArray(item) ? NULL : c->string);
		pt_jw_close(w, cJSON_IsArray(item) ? ']' : '}');
		break;
	default:
		fail_msg("unexpected item type %d", item->type);
	}
}

static void
drop_raw(cJSON *item)
{
	cJSON *c = item->child, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (cJSON_IsRaw(c))
			cJSON_Delete(cJSON_DetachItemViaPointer(item, c));
		else
			drop_raw(c);
	}
}

static void
test_writer_matches_cjson(void **state)
{
	int i, bad = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		cJSON *t = some_tree(0);
		struct pt_jw w = PT_JW_INIT;
		char *ref, *fast;

		drop_raw(t);
		ref = cJSON_PrintUnformatted(t);
		replay(&w, t, NULL);
		fast = pt_jw_finish(&w);
		assert_non_null(ref);
		assert_non_null(fast);
		if (strcmp(ref, fast) != 0 && bad++ < 10)
			print_message("cJSON  %s\nwriter %s\n", ref, fast);
		free(ref);
		free(fast);
		cJSON_Delete(t);
	}
	assert_int_equal(bad, 0);
}

/* Opens and closes that do not match: no text. */
static void
test_writer_unbalanced(void **state)
{
	struct pt_jw w = PT_JW_INIT;

	(void)state;
	pt_jw_open(&w, NULL, '{');
	pt_jw_num(&w, "a", 1);
	assert_null(pt_jw_finish(&w));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_matches_printf),
		cmocka_unit_test(test_fixed_small_buffer),
		cmocka_unit_test(test_pow10_is_pow),
		cmocka_unit_test(test_json_matches_cjson),
		cmocka_unit_test(test_json_failures),
		cmocka_unit_test(test_writer_matches_cjson),
		cmocka_unit_test(test_writer_unbalanced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
