/* test_sample.c — sample model, JSON contract, CSV rows, sanitising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample.h"
#include "model/sample_csv.h"
#include "model/sample_json.h"
#include "util/sanitize.h"

static void
fill(struct pt_sample *s)
{
	struct pt_module *m;
	struct pt_cell *c;

	pt_sample_init(s, "hv");
	s->time_ms = 1795449600000LL;	/* 2026-11-23T16:00:00Z */
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 235.916);
	PT_SET(&s->stack, current, PTF_CURRENT, -0.292);
	PT_SET(&s->stack, soc, PTF_SOC, 7);
	pt_normalise_state(s->stack.status, "Dischg");
	m = pt_sample_module(s, 1);
	pt_copy_text(m->barcode, sizeof m->barcode, "P22\x1b[31mXYZ", 11);
	PT_SET(m, voltage, PTF_VOLTAGE, 47.27);
	c = pt_module_cell(m, 0);
	PT_SET(c, voltage, PTF_VOLTAGE, 3.160f);
	c->voltage_status = pt_sample_word(s, "Normal");
	c = pt_module_cell(m, 1);
	PT_SET(c, voltage, PTF_VOLTAGE, 3.200f);
	PT_SET(c, balancing, PTF_BALANCING, true);
}

static void
test_json_contract(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	cJSON *o, *st, *mods, *m0, *cells, *c0;

	(void)state;
	fill(s);
	o = sample_to_cjson(s);
	assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring, "2026-11-23T16:00:00Z");
	assert_string_equal(cJSON_GetObjectItem(o, "protocol")->valuestring, "hv");
	st = cJSON_GetObjectItem(o, "stack");
	assert_float_equal(cJSON_GetObjectItem(st, "voltage")->valuedouble, 235.916, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(st, "current")->valuedouble, -0.292, 1e-9);
	assert_string_equal(cJSON_GetObjectItem(st, "status")->valuestring, "Discharge");
	/* Unknown is null, never 0, and the contract's keys are all there. */
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(st, "temperature")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(st, "cycles")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(st, "error_code")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(st, "power")));
	mods = cJSON_GetObjectItem(o, "modules");
	assert_int_equal(cJSON_GetArraySize(mods), 1);
	m0 = cJSON_GetArrayItem(mods, 0);
	assert_int_equal(cJSON_GetObjectItem(m0, "id")->valueint, 1);
	/* The escape byte never reaches JSON. */
	assert_null(strchr(cJSON_GetObjectItem(m0, "barcode")->valuestring, 0x1b));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(m0, "soc")));
	cells = cJSON_GetObjectItem(m0, "cells");
	assert_int_equal(cJSON_GetArraySize(cells), 2);
	c0 = cJSON_GetArrayItem(cells, 0);
	assert_float_equal(cJSON_GetObjectItem(c0, "voltage")->valuedouble, 3.160, 1e-9);
	assert_string_equal(cJSON_GetObjectItem(c0, "voltage_status")->valuestring, "Normal");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c0, "balancing")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c0, "temperature_status")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 1), "balancing")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "alarms")), 0);
	cJSON_Delete(o);
	free(s);
}

static int
count_fields(const char *line)
{
	int n = 1, quoted = 0;

	for (; *line; line++) {
		if (*line == '"')
			quoted = !quoted;
		else if (*line == ',' && !quoted)
			n++;
	}
	return n;
}

static void
test_csv_matches_header(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s), *later = calloc(1, sizeof *later);
	struct csv_layout lay;
	char *h, *r, *r2;

	(void)state;
	fill(s);
	pt_copy_text(s->modules[0].status, PT_STATUS_LEN, "=cmd|calc", 9);
	csv_layout_from_sample(&lay, s);
	h = sample_csv_header(&lay);
	r = sample_csv_row(&lay, s);
	assert_non_null(strstr(h, "m01_c02_V"));
	assert_int_equal(count_fields(h), count_fields(r));
	assert_non_null(strstr(r, "2026-11-23T16:00:00Z"));
	assert_non_null(strstr(r, ",235.916,"));
	/* Formula injection guarded. */
	assert_non_null(strstr(r, "\"'=cmd|calc\""));
	/* A later sample without cells keeps the columns, cells empty. */
	*later = *s;
	later->modules[0].n_cells = 0;
	r2 = sample_csv_row(&lay, later);
	assert_int_equal(count_fields(h), count_fields(r2));
	free(h);
	free(r);
	free(r2);
	free(s);
	free(later);
}

static void
test_derive(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	struct pt_cell_stats cs;

	(void)state;
	fill(s);
	pt_sample_derive(s);
	assert_true(PT_HAS(&s->stack, PTF_POWER));
	assert_float_equal(s->stack.power, 235.916 * -0.292, 1e-9);
	pt_module_cell_stats(&s->modules[0], &cs);
	assert_int_equal(cs.count, 2);
	assert_int_equal(cs.argmax, 1);
	assert_float_equal(cs.spread, 0.040, 1e-6);
	assert_float_equal(s->stack.cell_vmax, 3.2, 1e-6);
	free(s);
}

/* Issue 10.1: cached cells are carried only while young enough, with
 * their own read time; older ones become unknown, never repeated. */
static void
test_merge_cached_freshness(void **state)
{
	struct pt_sample *cache = calloc(1, sizeof *cache), *out = calloc(1, sizeof *out);
	struct pt_module *m;
	struct pt_cell *c;
	int64_t t0 = 1795449600000LL, limit = pt_cells_max_age_ms(2000, 1);
	cJSON *o, *m0;

	(void)state;
	assert_int_equal(limit, 3 * 2000 + PT_CELLS_AGE_MARGIN_MS);
	assert_int_equal(pt_cells_max_age_ms(2000, 3), 5 * 2000 + PT_CELLS_AGE_MARGIN_MS);
	pt_sample_init(cache, "lv");
	m = pt_sample_module(cache, 2);
	c = pt_module_cell(m, 0);
	PT_SET(c, voltage, PTF_VOLTAGE, 3.3f);
	c->voltage_status = pt_sample_word(cache, "Normal");
	pt_module_cell(m, 14);
	m->cells_ms = t0;

	/* Young enough: copied, with its own time (not the sample's). */
	pt_sample_init(out, "lv");
	pt_sample_module(out, 2);
	assert_int_equal(pt_sample_merge_cached(out, cache, t0 + limit, limit), 0);
	m = pt_sample_find_module(out, 2);
	assert_int_equal(m->n_cells, 15);
	assert_int_equal(m->cells_ms, t0);
	assert_true(PT_HAS(&m->cells[0], PTF_VOLTAGE));
	assert_string_equal(pt_sample_word_text(out, m->cells[0].voltage_status), "Normal");
	out->time_ms = t0 + 4000;
	assert_float_equal(pt_module_cells_age_s(out, m), 4.0, 1e-9);

	/* One ms too old: same shape, every value unknown, age kept. */
	pt_sample_init(out, "lv");
	pt_sample_module(out, 2);
	assert_int_equal(pt_sample_merge_cached(out, cache, t0 + limit + 1, limit), 1);
	m = pt_sample_find_module(out, 2);
	assert_int_equal(m->n_cells, 15);
	assert_false(PT_HAS(&m->cells[0], PTF_VOLTAGE));
	assert_int_equal(m->cells_ms, t0);
	out->time_ms = t0 + limit + 1;
	o = sample_to_cjson(out);
	m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "modules"), 0);
	assert_float_equal(cJSON_GetObjectItem(m0, "cells_age_s")->valuedouble,
	    (limit + 1) / 1000.0, 0.05);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(m0, "cells"), 0), "voltage")));
	cJSON_Delete(o);

	/* Read in this cycle: the new cells stay, whatever the cache holds. */
	pt_sample_init(out, "lv");
	m = pt_sample_module(out, 2);
	PT_SET(pt_module_cell(m, 0), voltage, PTF_VOLTAGE, 3.4f);
	m->cells_ms = t0 + 9000;
	assert_int_equal(pt_sample_merge_cached(out, cache, t0 + 9000, limit), 0);
	assert_int_equal(m->n_cells, 1);
	assert_float_equal(m->cells[0].voltage, 3.4, 1e-6);

	/* Never read: null age in JSON, empty in CSV. */
	pt_sample_init(out, "lv");
	out->time_ms = t0;
	pt_sample_module(out, 3);
	o = sample_to_cjson(out);
	m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "modules"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(m0, "cells_age_s")));
	cJSON_Delete(o);
	free(cache);
	free(out);
}

/* 9.13: a module without a voltage of its own gets the sum of its cells,
 * marked derived; a missing cell leaves it unknown. */
static void
test_voltage_derived(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	struct pt_module *m;
	cJSON *o, *m0;
	int i;

	(void)state;
	pt_sample_init(s, "sc0500");
	m = pt_sample_module(s, 1);
	for (i = 0; i < 15; i++)
		PT_SET(pt_module_cell(m, i), voltage, PTF_VOLTAGE, 3.25f);
	m = pt_sample_module(s, 2);
	for (i = 0; i < 15; i++)
		if (i != 7)
			PT_SET(pt_module_cell(m, i), voltage, PTF_VOLTAGE, 3.25f);
		else
			pt_module_cell(m, i);
	m = pt_sample_module(s, 3);
	PT_SET(m, voltage, PTF_VOLTAGE, 50.0);
	PT_SET(pt_module_cell(m, 0), voltage, PTF_VOLTAGE, 3.25f);
	pt_sample_derive(s);
	assert_true(PT_HAS(&s->modules[0], PTF_VOLTAGE_DERIVED));
	assert_float_equal(s->modules[0].voltage, 48.75, 1e-4);
	assert_false(PT_HAS(&s->modules[1], PTF_VOLTAGE));
	assert_false(PT_HAS(&s->modules[2], PTF_VOLTAGE_DERIVED));
	assert_float_equal(s->modules[2].voltage, 50.0, 1e-9);
	o = sample_to_cjson(s);
	m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "modules"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m0, "voltage_derived")));
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "modules"), 2),
	    "voltage_derived"));
	cJSON_Delete(o);
	free(s);
}

static void
test_words_and_modules(void **state)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	int i;

	(void)state;
	pt_sample_init(s, "lv");
	assert_int_equal(pt_sample_word(s, ""), 0);
	assert_int_equal(pt_sample_word(s, "Normal"), pt_sample_word(s, "Normal"));
	for (i = 0; i < 100; i++) {
		char w[8];
		snprintf(w, sizeof w, "w%d", i);
		pt_sample_word(s, w);	/* overflow must not crash */
	}
	assert_true(s->n_words <= PT_MAX_WORDS);
	for (i = 1; i <= PT_MAX_MODULES; i++)
		assert_non_null(pt_sample_module(s, i));
	assert_null(pt_sample_module(s, 99));
	assert_null(pt_module_cell(&s->modules[0], PT_MAX_CELLS));
	assert_null(pt_module_cell(&s->modules[0], -1));
	free(s);
}

static void
test_sanitize(void **state)
{
	char buf[64];

	(void)state;
	san_text(buf, sizeof buf, "  ab\x1b[2Jc\x80\x01  ", 14);
	assert_string_equal(buf, "ab?[2Jc??");
	san_topic(buf, sizeof buf, "P22/Ab+#c d");
	assert_string_equal(buf, "p22_ab__c_d");
	san_topic(buf, sizeof buf, "");
	assert_string_equal(buf, "unknown");
	san_csv_field(buf, sizeof buf, "say \"hi\"");
	assert_string_equal(buf, "\"say \"\"hi\"\"\"");
	san_csv_field(buf, sizeof buf, "Normal");
	assert_string_equal(buf, "Normal");
	san_csv_field(buf, sizeof buf, "-5");
	assert_string_equal(buf, "\"'-5\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_csv_matches_header),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_merge_cached_freshness),
		cmocka_unit_test(test_voltage_derived),
		cmocka_unit_test(test_words_and_modules),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
