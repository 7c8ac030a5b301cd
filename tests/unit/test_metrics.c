/* test_metrics.c — the Prometheus exposition of a known sample: values
 * and labels as given, unknown values omitted (never 0), label values
 * escaped (a hostile barcode), counters typed and named _total, every
 * family declared once before its series, freshness; and METRICS_LISTEN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "export/metrics.h"

#define NOW	1796000000000LL

static struct pt_sample sample;
static struct link_stats link;
static struct alarm_state alarms[2];

static void
fill(void)
{
	struct pt_module *m;
	struct pt_cell *c;

	pt_sample_init(&sample, "lv");
	sample.time_ms = NOW - 2500;
	PT_SET(&sample.stack, voltage, PTF_VOLTAGE, 52.125);
	PT_SET(&sample.stack, soc, PTF_SOC, 55.0);
	snprintf(sample.stack.status, sizeof sample.stack.status, "Charge");
	m = pt_sample_module(&sample, 1);
	/* Not what a parser stores (it sanitises), but what the exposition
	 * must survive: quote, backslash, newline. */
	snprintf(m->barcode, sizeof m->barcode, "A\"B\\C\nD");
	PT_SET(m, voltage, PTF_VOLTAGE, 52.1);
	m->current = 99;		/* not valid: must not be served */
	PT_SET(m, cycles, PTF_CYCLES, 300L);
	m->cells_ms = NOW - 1000;
	c = pt_module_cell(m, 0);
	PT_SET(c, voltage, PTF_VOLTAGE, 3.288f);
	PT_SET(c, temperature, PTF_TEMPERATURE, 22.5f);
	c = pt_module_cell(m, 1);
	c->voltage = 0;			/* unknown cell voltage */
	PT_SET(c, temperature, PTF_TEMPERATURE, 23.0f);
	m = pt_sample_module(&sample, 7);	/* barcode unknown */
	PT_SET(m, current, PTF_CURRENT, -1.5);
	PT_SET(m, soc, PTF_SOC, 61.0);

	memset(&link, 0, sizeof link);
	link.state = LINK_POLLING;
	link.samples = 42;
	link.timeouts = 7;
	link.interval_s = 2;
	link.stale_after_ms = 6000;

	memset(alarms, 0, sizeof alarms);
	alarms[0].active = true;
	alarms[0].alarm = (struct pt_alarm){ .source = PT_ALARM_THRESHOLD,
	    .level = PT_LEVEL_ALARM, .module = 1, .cell = 3, .name = "cell_overvoltage" };
	alarms[1].active = false;
	alarms[1].alarm = (struct pt_alarm){ .source = PT_ALARM_LINK,
	    .level = PT_LEVEL_WARNING, .module = 0, .cell = -1, .name = "stale_data" };
}

static char *
render(const struct pt_sample *s, size_t n_alarms)
{
	struct metrics_input in = { .stack = "site \"A\"", .sample = s, .link = &link,
	    .alarms = alarms, .n_alarms = n_alarms, .now_ms = NOW };
	struct metrics_buf b = { 0 };

	assert_int_equal(metrics_render(&in, &b), 0);
	assert_non_null(b.p);
	return b.p;
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define EXPECT(text, line) do { \
	if (!has_line(text, line)) \
		fail_msg("missing line: %s\n---\n%s", line, text); \
} while (0)

static void
test_values_and_labels(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render(&sample, 0);
	EXPECT(t, "pylontop_stack_voltage_volts{stack=\"site \\\"A\\\"\"} 52.125");
	EXPECT(t, "pylontop_stack_state_of_charge_ratio{stack=\"site \\\"A\\\"\"} 0.55");
	EXPECT(t, "pylontop_module_voltage_volts{stack=\"site \\\"A\\\"\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\"} 52.1");
	EXPECT(t, "pylontop_module_cycles{stack=\"site \\\"A\\\"\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\"} 300");
	EXPECT(t, "pylontop_module_current_amperes{stack=\"site \\\"A\\\"\",module=\"7\"} -1.5");
	EXPECT(t, "pylontop_module_state_of_charge_ratio{stack=\"site \\\"A\\\"\",module=\"7\"} 0.61");
	EXPECT(t, "pylontop_cell_voltage_volts{stack=\"site \\\"A\\\"\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\",cell=\"1\"} 3.288");
	EXPECT(t, "pylontop_cell_temperature_celsius{stack=\"site \\\"A\\\"\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\",cell=\"2\"} 23");
	EXPECT(t, "pylontop_module_cells_age_seconds{stack=\"site \\\"A\\\"\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\"} 1");
	/* No raw newline or quote from the barcode leaks into the text. */
	assert_null(strstr(t, "C\nD"));
	free(t);
}

static void
test_unknown_omitted(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render(&sample, 0);
	/* Module 1's current is not valid, module 7 has no voltage, cell 2
	 * of module 1 has no voltage: no series, not a 0. */
	assert_null(strstr(t, "pylontop_module_current_amperes{stack=\"site \\\"A\\\"\",module=\"1\""));
	assert_null(strstr(t, "pylontop_module_voltage_volts{stack=\"site \\\"A\\\"\",module=\"7\""));
	assert_null(strstr(t, "cell=\"2\"} 0"));
	assert_null(strstr(t, "pylontop_stack_current_amperes"));
	assert_null(strstr(t, "pylontop_stack_power_watts"));
	/* A module without a known barcode has no barcode label. */
	assert_null(strstr(t, "module=\"7\",barcode"));
	assert_null(strstr(t, "pylontop_cell_balancing"));	/* never known here */
	assert_null(strstr(t, "pylontop_link_cycle_seconds"));	/* cycle unknown */
	free(t);
}

/* Every TYPE once, HELP right before it, counters (and only they) named
 * _total, each series after its family's TYPE and contiguous with it. */
static void
test_families_and_types(void **state)
{
	char *t, *save = NULL, names[256][96], current[96] = "";
	int n = 0;

	(void)state;
	fill();
	t = render(&sample, 2);
	EXPECT(t, "# TYPE pylontop_link_timeouts_total counter");
	EXPECT(t, "pylontop_link_timeouts_total{stack=\"site \\\"A\\\"\"} 7");
	EXPECT(t, "# TYPE pylontop_link_samples_total counter");
	EXPECT(t, "pylontop_link_state{stack=\"site \\\"A\\\"\",state=\"polling\"} 1");
	EXPECT(t, "pylontop_link_state{stack=\"site \\\"A\\\"\",state=\"reconnecting\"} 0");
	for (char *line = strtok_r(t, "\n", &save), *prev = NULL; line != NULL;
	    prev = line, line = strtok_r(NULL, "\n", &save)) {
		char name[96], type[16];

		if (sscanf(line, "# TYPE %95s %15s", name, type) == 2) {
			size_t len = strlen(name);
			bool total = len > 6 && strcmp(name + len - 6, "_total") == 0;

			assert_non_null(prev);
			assert_true(strncmp(prev, "# HELP ", 7) == 0);
			assert_true(strncmp(prev + 7, name, len) == 0 && prev[7 + len] == ' ');
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (total != (strcmp(type, "counter") == 0))
				fail_msg("%s is a %s", name, type);
			for (int i = 0; i < n; i++)
				if (strcmp(names[i], name) == 0)
					fail_msg("family %s declared twice", name);
			assert_true(n < 256);
			strcpy(names[n++], name);
			strcpy(current, name);
			continue;
		}
		if (line[0] == '#')
			continue;
		/* A series belongs to the family declared last. */
		if (strncmp(line, current, strlen(current)) != 0 || line[strlen(current)] != '{')
			fail_msg("series outside its family (%s): %s", current, line);
	}
	free(t);
}

static void
test_alarms(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render(&sample, 2);
	EXPECT(t, "pylontop_alarm{stack=\"site \\\"A\\\"\",name=\"cell_overvoltage\","
	    "level=\"alarm\",source=\"threshold\",module=\"1\",cell=\"4\"} 1");
	EXPECT(t, "pylontop_alarm{stack=\"site \\\"A\\\"\",name=\"stale_data\","
	    "level=\"warning\",source=\"link\"} 0");
	EXPECT(t, "pylontop_alarms_active{stack=\"site \\\"A\\\"\"} 1");
	EXPECT(t, "pylontop_alarms_unacknowledged{stack=\"site \\\"A\\\"\"} 2");
	free(t);
	t = render(&sample, 0);
	EXPECT(t, "pylontop_alarms_active{stack=\"site \\\"A\\\"\"} 0");
	assert_null(strstr(t, "pylontop_alarm{"));
	free(t);
}

static void
test_freshness(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render(&sample, 0);
	EXPECT(t, "pylontop_sample_age_seconds{stack=\"site \\\"A\\\"\"} 2.5");
	EXPECT(t, "pylontop_sample_stale{stack=\"site \\\"A\\\"\"} 0");
	EXPECT(t, "pylontop_sample_stale_after_seconds{stack=\"site \\\"A\\\"\"} 6");
	free(t);
	sample.time_ms = NOW - 9000;		/* older than the 6 s limit */
	t = render(&sample, 0);
	EXPECT(t, "pylontop_sample_age_seconds{stack=\"site \\\"A\\\"\"} 9");
	EXPECT(t, "pylontop_sample_stale{stack=\"site \\\"A\\\"\"} 1");
	free(t);
	t = render(NULL, 0);			/* nothing read yet */
	EXPECT(t, "pylontop_sample_stale{stack=\"site \\\"A\\\"\"} 1");
	assert_null(strstr(t, "pylontop_sample_age_seconds"));
	assert_null(strstr(t, "pylontop_module_"));
	assert_null(strstr(t, "pylontop_cell_"));
	free(t);
}

static void
test_escape(void **state)
{
	struct metrics_buf b = { 0 };

	(void)state;
	metrics_escape_label(&b, "a\\b\"c\nd");
	assert_string_equal(b.p, "a\\\\b\\\"c\\nd");
	metrics_buf_free(&b);
	metrics_escape_label(&b, "");
	assert_int_equal(b.len, 0);
	metrics_buf_free(&b);
}

/* Several stacks in one exposition: each family's HELP and TYPE once,
 * before the first series of whichever stack has one, then the series of
 * every stack, each with its own stack label and values. */
static void
test_several_stacks(void **state)
{
	static struct pt_sample other;
	static struct link_stats other_link;
	struct metrics_input in[3] = {
		{ .stack = "lv", .sample = NULL, .link = &other_link, .now_ms = NOW },
		{ .stack = "hv", .sample = &other, .link = &other_link, .now_ms = NOW },
		{ .stack = "site", .sample = &sample, .link = &link, .alarms = alarms,
		    .n_alarms = 2, .now_ms = NOW },
	};
	struct metrics_buf b = { 0 };
	const char *p, *q;

	(void)state;
	fill();
	pt_sample_init(&other, "hv");
	other.time_ms = NOW - 500;
	PT_SET(pt_module_cell(pt_sample_module(&other, 3), 4), voltage, PTF_VOLTAGE, 3.301f);
	memset(&other_link, 0, sizeof other_link);
	other_link.samples = 5;
	other_link.stale_after_ms = 3000;
	assert_int_equal(metrics_render_stacks(in, 3, &b), 0);
	EXPECT(b.p, "pylontop_cell_voltage_volts{stack=\"hv\",module=\"3\",cell=\"5\"} 3.301");
	EXPECT(b.p, "pylontop_cell_voltage_volts{stack=\"site\",module=\"1\","
	    "barcode=\"A\\\"B\\\\C\\nD\",cell=\"1\"} 3.288");
	EXPECT(b.p, "pylontop_link_samples_total{stack=\"hv\"} 5");
	EXPECT(b.p, "pylontop_link_samples_total{stack=\"site\"} 42");
	/* No sample yet: stale, no age; the others by their own limits. */
	EXPECT(b.p, "pylontop_sample_stale{stack=\"lv\"} 1");
	EXPECT(b.p, "pylontop_sample_stale{stack=\"hv\"} 0");
	assert_null(strstr(b.p, "pylontop_sample_age_seconds{stack=\"lv\"}"));
	EXPECT(b.p, "pylontop_sample_age_seconds{stack=\"hv\"} 0.5");
	EXPECT(b.p, "pylontop_alarm{stack=\"site\",name=\"cell_overvoltage\",level=\"alarm\","
	    "source=\"threshold\",module=\"1\",cell=\"4\"} 1");
	EXPECT(b.p, "pylontop_alarms_active{stack=\"hv\"} 0");
	/* Every family declared once, and before each of its series. */
	for (p = b.p; (p = strstr(p, "\n# TYPE ")) != NULL; p++) {
		char fam[128], decl[160];
		const char *first;

		sscanf(p + 8, "%127s", fam);
		snprintf(decl, sizeof decl, "\n# TYPE %s ", fam);
		assert_null(strstr(p + 1, decl));
		snprintf(decl, sizeof decl, "\n%s{", fam);
		first = strstr(b.p, decl);
		assert_non_null(first);
		assert_true(first > p);
	}
	/* A family comes whole: no other family's head between its
	 * series of one stack and of the next. */
	p = strstr(b.p, "\npylontop_link_samples_total{stack=\"hv\"}");
	q = strstr(b.p, "\npylontop_link_samples_total{stack=\"site\"}");
	assert_non_null(p);
	assert_non_null(q);
	assert_true(q > p && memchr(p + 1, '#', (size_t)(q - p - 1)) == NULL);
	metrics_buf_free(&b);
}

static void
test_listen_key(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.metrics_port, 0);
	assert_int_equal(config_set(&c, "METRICS_LISTEN", "9100", err, sizeof err), 0);
	assert_string_equal(c.metrics_addr, "127.0.0.1");
	assert_int_equal(c.metrics_port, 9100);
	assert_int_equal(config_set(&c, "METRICS_LISTEN", "0.0.0.0:9200", err, sizeof err), 0);
	assert_string_equal(c.metrics_addr, "0.0.0.0");
	assert_int_equal(c.metrics_port, 9200);
	assert_int_equal(config_set(&c, "METRICS_LISTEN", "[::1]:9300", err, sizeof err), 0);
	assert_string_equal(c.metrics_addr, "::1");
	assert_int_equal(c.metrics_port, 9300);
	assert_int_equal(config_set(&c, "METRICS_LISTEN", "", err, sizeof err), 0);
	assert_int_equal(c.metrics_port, 0);
	static const char *const bad[] = { "abc", "70000", ":9100", "0", "1.2.3.4:", "9100x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_not_equal(config_set(&c, "METRICS_LISTEN", bad[i], err, sizeof err), 0);
		assert_non_null(strstr(err, "METRICS_LISTEN"));
		assert_non_null(strstr(err, "[ADDR:]PORT"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_labels),
		cmocka_unit_test(test_unknown_omitted),
		cmocka_unit_test(test_families_and_types),
		cmocka_unit_test(test_alarms),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_listen_key),
		cmocka_unit_test(test_several_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
