/* test_sample_merge.c — pt_sample_merge_slow(), the one rule both
 * sessions use for slow data (identity, counters, limits) kept between
 * polls (issue 11.3): it fills what a sample lacks and never overwrites
 * what it has; modules go by id, not position; the BMS's limits only
 * into a module that answered this cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "model/sample.h"

static void
text(char *dst, size_t size, const char *s)
{
	pt_copy_text(dst, size, s, strlen(s));
}

/* The slow reads: modules 3 and 1 (in that order), the stack's identity. */
static struct pt_sample *
slow_data(void)
{
	struct pt_sample *c = calloc(1, sizeof *c);
	struct pt_module *m;

	assert_non_null(c);
	pt_sample_init(c, "lv");
	text(c->stack.model, sizeof c->stack.model, "US5000 stack");
	text(c->stack.barcode, sizeof c->stack.barcode, "STACK01");
	text(c->stack.firmware, sizeof c->stack.firmware, "V2.8");
	PT_SET(&c->stack, cycles, PTF_CYCLES, 40);
	PT_SET(&c->stack, soh, PTF_SOH, 97);
	m = pt_sample_module(c, 3);
	text(m->barcode, sizeof m->barcode, "BAR3");
	text(m->model, sizeof m->model, "US5000");
	text(m->firmware, sizeof m->firmware, "B69.6");
	PT_SET(m, cycles, PTF_CYCLES, 301);
	PT_SET(m, soh, PTF_SOH, 98);
	PT_SET(m, design_ah, PTF_DESIGN_AH, 100);
	PT_SET(m, full_ah, PTF_FULL_AH, 98);
	PT_SET(m, charge_limit, PTF_CHARGE_LIMIT, 50);
	PT_SET(m, discharge_limit, PTF_DISCHARGE_LIMIT, 60);
	PT_SET(m, charge_voltage, PTF_CHARGE_VOLTAGE, 53.2);
	m = pt_sample_module(c, 1);
	text(m->barcode, sizeof m->barcode, "BAR1");
	PT_SET(m, cycles, PTF_CYCLES, 101);
	PT_SET(m, charge_limit, PTF_CHARGE_LIMIT, 25);
	return c;
}

static void
test_fills_what_is_missing_by_id(void **state)
{
	struct pt_sample *c = slow_data(), *out = calloc(1, sizeof *out);
	struct pt_module *m1, *m2, *m3;

	(void)state;
	assert_non_null(out);
	pt_sample_init(out, "lv");
	m1 = pt_sample_module(out, 1);
	m2 = pt_sample_module(out, 2);
	m3 = pt_sample_module(out, 3);
	PT_SET(m1, voltage, PTF_VOLTAGE, 52.1);
	PT_SET(m3, voltage, PTF_VOLTAGE, 52.3);
	pt_sample_merge_slow(out, c);

	assert_string_equal(out->stack.model, "US5000 stack");
	assert_string_equal(out->stack.barcode, "STACK01");
	assert_string_equal(out->stack.firmware, "V2.8");
	assert_true(PT_HAS(&out->stack, PTF_CYCLES) && out->stack.cycles == 40);
	assert_true(PT_HAS(&out->stack, PTF_SOH) && out->stack.soh == 97);
	/* Module 3 is the third here and the first there. */
	assert_string_equal(m3->barcode, "BAR3");
	assert_string_equal(m3->model, "US5000");
	assert_string_equal(m3->firmware, "B69.6");
	assert_true(PT_HAS(m3, PTF_CYCLES) && m3->cycles == 301);
	assert_true(PT_HAS(m3, PTF_SOH) && m3->soh == 98);
	assert_true(PT_HAS(m3, PTF_DESIGN_AH) && m3->design_ah == 100);
	assert_true(PT_HAS(m3, PTF_FULL_AH) && m3->full_ah == 98);
	assert_true(PT_HAS(m3, PTF_CHARGE_LIMIT) && m3->charge_limit == 50);
	assert_true(PT_HAS(m3, PTF_DISCHARGE_LIMIT) && m3->discharge_limit == 60);
	assert_true(PT_HAS(m3, PTF_CHARGE_VOLTAGE));
	assert_string_equal(m1->barcode, "BAR1");
	assert_true(PT_HAS(m1, PTF_CYCLES) && m1->cycles == 101);
	assert_true(PT_HAS(m1, PTF_CHARGE_LIMIT) && m1->charge_limit == 25);
	/* What the slow data did not have stays unknown. */
	assert_false(PT_HAS(m1, PTF_SOH));
	assert_false(PT_HAS(m1, PTF_DISCHARGE_LIMIT));
	assert_string_equal(m1->model, "");
	/* Module 2 has no slow data at all. */
	assert_string_equal(m2->barcode, "");
	assert_false(PT_HAS(m2, PTF_CYCLES));
	free(out);
	free(c);
}

static void
test_never_overwrites(void **state)
{
	struct pt_sample *c = slow_data(), *out = calloc(1, sizeof *out);
	struct pt_module *m3;

	(void)state;
	assert_non_null(out);
	pt_sample_init(out, "lv");
	text(out->stack.model, sizeof out->stack.model, "read now");
	PT_SET(&out->stack, soh, PTF_SOH, 90);
	m3 = pt_sample_module(out, 3);
	PT_SET(m3, voltage, PTF_VOLTAGE, 52.3);
	text(m3->barcode, sizeof m3->barcode, "NEWBAR");
	PT_SET(m3, cycles, PTF_CYCLES, 302);
	PT_SET(m3, charge_limit, PTF_CHARGE_LIMIT, 0);
	pt_sample_merge_slow(out, c);

	assert_string_equal(out->stack.model, "read now");
	assert_int_equal(out->stack.soh, 90);
	assert_string_equal(out->stack.barcode, "STACK01");
	assert_string_equal(m3->barcode, "NEWBAR");
	assert_int_equal(m3->cycles, 302);
	/* A limit read now, even 0 A, is the limit. */
	assert_true(PT_HAS(m3, PTF_CHARGE_LIMIT) && m3->charge_limit == 0);
	assert_true(PT_HAS(m3, PTF_DISCHARGE_LIMIT) && m3->discharge_limit == 60);
	free(out);
	free(c);
}

/* A module that did not answer this cycle keeps its identity and
 * counters (they stay true) but not the BMS's limits (they follow its
 * state, which is unknown now). */
static void
test_limits_only_for_an_answering_module(void **state)
{
	struct pt_sample *c = slow_data(), *out = calloc(1, sizeof *out);
	struct pt_module *m3;

	(void)state;
	assert_non_null(out);
	pt_sample_init(out, "rs485");
	m3 = pt_sample_module(out, 3);
	pt_sample_merge_slow(out, c);

	assert_string_equal(m3->barcode, "BAR3");
	assert_string_equal(m3->firmware, "B69.6");
	assert_true(PT_HAS(m3, PTF_CYCLES));
	assert_false(PT_HAS(m3, PTF_CHARGE_LIMIT));
	assert_false(PT_HAS(m3, PTF_DISCHARGE_LIMIT));
	assert_false(PT_HAS(m3, PTF_CHARGE_VOLTAGE));
	free(out);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_what_is_missing_by_id),
		cmocka_unit_test(test_never_overwrites),
		cmocka_unit_test(test_limits_only_for_an_answering_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
