/* test_sample_fields.c — the field table is whole: layouts (CSV, text,
 * Prometheus) without gaps or doubles, one row per history series, keys
 * unique, each HA entity with a validity bit, and every output rounds as
 * its row says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/history.h"
#include "model/sample_csv.h"
#include "model/sample_fields.h"
#include "model/sample_json.h"

/* Positions of a layout and scope run 1..n, each taken once. */
static void
check_layout(enum pt_layout layout, enum pt_scope scope)
{
	int seen[256] = { 0 }, n = 0, pos;
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		int at = pt_field_pos(f, layout, scope);

		if (at == 0)
			continue;
		assert_true(pt_field_in(f, scope));
		if (layout == PT_LAYOUT_CSV)
			assert_non_null(f->csv);
		if (layout == PT_LAYOUT_TEXT && scope == PT_SCOPE_MODULE)
			assert_true(f->text_head != NULL && f->text_width > 0);
		/* A Prometheus gauge has a name, HELP and a scale; an _info
		 * label a name. */
		if (layout == PT_LAYOUT_METRICS)
			assert_true(f->metric.name != NULL && (pt_field_is_text(f, scope) ||
			    (f->metric.help != NULL && f->metric.scale != 0)));
		assert_int_equal(seen[at]++, 0);
		n++;
	}
	for (pos = 1; pos <= n; pos++)
		assert_int_equal(seen[pos], 1);
	assert_null(pt_field_at(layout, scope, n + 1));
}

static void
test_layouts(void **state)
{
	(void)state;
	check_layout(PT_LAYOUT_CSV, PT_SCOPE_STACK);
	check_layout(PT_LAYOUT_CSV, PT_SCOPE_MODULE);
	check_layout(PT_LAYOUT_TEXT, PT_SCOPE_STACK);
	check_layout(PT_LAYOUT_TEXT, PT_SCOPE_MODULE);
	check_layout(PT_LAYOUT_METRICS, PT_SCOPE_STACK);
	check_layout(PT_LAYOUT_METRICS, PT_SCOPE_MODULE);
	check_layout(PT_LAYOUT_METRICS, PT_SCOPE_CELL);
	/* Text has no cells, CSV and text no cell layout. */
	assert_null(pt_field_at(PT_LAYOUT_CSV, PT_SCOPE_CELL, 1));
	assert_null(pt_field_at(PT_LAYOUT_TEXT, PT_SCOPE_CELL, 1));
}

/* Every history series is fed by exactly one row (history.c asserts
 * the metrics match the series at compile time). */
static void
test_history_series(void **state)
{
	int stack[HM_MODULE_VOLTAGE + 1] = { 0 };
	int module[HM_CELL_VOLTAGE - HM_MODULE_VOLTAGE + 1] = { 0 };
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];

		assert_true(f->history.stack <= HM_MODULE_VOLTAGE);
		assert_true(f->history.module <= HM_CELL_VOLTAGE - HM_MODULE_VOLTAGE);
		if (f->history.stack)
			assert_true(pt_field_in(f, PT_SCOPE_STACK)), stack[f->history.stack]++;
		if (f->history.module)
			assert_true(pt_field_in(f, PT_SCOPE_MODULE)), module[f->history.module]++;
	}
	for (k = 1; k <= HM_MODULE_VOLTAGE; k++)
		assert_int_equal(stack[k], 1);
	for (k = 1; k <= HM_CELL_VOLTAGE - HM_MODULE_VOLTAGE; k++)
		assert_int_equal(module[k], 1);
}

static void
test_rows(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];

		assert_non_null(f->key);
		assert_non_null(f->name);
		assert_non_null(f->label);
		assert_ptr_equal(pt_field_by_key(f->key), f);
		for (j = i + 1; j < pt_n_fields; j++)
			assert_string_not_equal(f->key, pt_fields[j].key);
		/* An HA entity is announced once its bit was seen. */
		if (f->ha.scopes)
			assert_true(f->bit != 0 && f->unit != NULL);
		/* Computed values have no bit, members have one (or are text). */
		if (f->get != NULL)
			assert_int_equal(f->bit, 0);
		else if (!pt_field_is_text(f, PT_SCOPE_STACK) && !pt_field_is_text(f, PT_SCOPE_MODULE))
			assert_true(f->bit != 0);
	}
}

/* JSON and CSV give a value as its row rounds it; unknown stays unknown. */
static void
test_rounding_agrees(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	const struct pt_field_def *cur = pt_field_by_key("current");
	struct csv_layout lay;
	struct pt_module *m;
	cJSON *o, *jm;
	char *row, want[32];

	(void)state;
	pt_sample_init(s, "lv");
	s->time_ms = 1795449600000LL;
	m = pt_sample_module(s, 1);
	PT_SET(m, current, PTF_CURRENT, -4.10449);
	o = sample_to_cjson(s);
	jm = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "modules"), 0);
	assert_true(cJSON_GetObjectItem(jm, "current")->valuedouble == pt_field_round(cur, -4.10449));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(jm, "voltage")));
	csv_layout_from_sample(&lay, s);
	row = sample_csv_row(&lay, s);
	snprintf(want, sizeof want, ",%.*f,", cur->decimals, -4.10449);
	assert_non_null(strstr(row, want));
	free(row);
	cJSON_Delete(o);
	free(s);
}

/* A per-module field reaches the UI through history's kept samples
 * (history_latest): the _Static_asserts in history.c keep every member of
 * a sample in the copy it makes. */
static void
test_history_keeps_new_field(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s), *out = calloc(1, sizeof *out);
	struct history *h = history_new();
	struct pt_module *m;

	(void)state;
	assert_non_null(h);
	pt_sample_init(s, "hv");
	s->time_ms = 1795449600000LL;
	pt_sample_module(s, 1);
	m = pt_sample_module(s, 2);
	PT_SET(m, energy_soc, PTF_ENERGY_SOC, 77);
	history_push(h, s);
	assert_true(history_latest(h, out));
	m = pt_sample_find_module(out, 2);
	assert_non_null(m);
	assert_true(PT_HAS(m, PTF_ENERGY_SOC) && m->energy_soc == 77);
	assert_false(PT_HAS(pt_sample_find_module(out, 1), PTF_ENERGY_SOC));
	history_free(h);
	free(out);
	free(s);
}

/* pt_field_at answers from a table made once: the same row as a scan
 * of the field table (the first row with that position), every layout,
 * scope and position, and NULL past the last. */
static void
test_field_at_is_the_scan(void **state)
{
	static const enum pt_scope scopes[] = { PT_SCOPE_STACK, PT_SCOPE_MODULE, PT_SCOPE_CELL };
	int l, k, pos, found = 0;

	(void)state;
	for (l = PT_LAYOUT_CSV; l <= PT_LAYOUT_METRICS; l++)
		for (k = 0; k < 3; k++)
			for (pos = -1; pos < 200; pos++) {
				const struct pt_field_def *want = NULL;
				size_t i;

				for (i = 0; pos > 0 && i < pt_n_fields && want == NULL; i++)
					if (pt_field_pos(&pt_fields[i], (enum pt_layout)l, scopes[k]) == pos)
						want = &pt_fields[i];
				assert_ptr_equal(pt_field_at((enum pt_layout)l, scopes[k], pos), want);
				found += want != NULL;
			}
	assert_true(found > 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_history_series),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rounding_agrees),
		cmocka_unit_test(test_history_keeps_new_field),
		cmocka_unit_test(test_field_at_is_the_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
