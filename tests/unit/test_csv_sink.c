/* test_csv_sink.c — the CSV log: header once, append, other columns, torn
 * last line, toggling, disk errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/csv.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/pt-csv.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
sample(struct pt_sample *s, int modules, uint32_t seq, double v)
{
	int i, j;

	pt_sample_init(s, "lv");
	s->seq = seq;
	s->time_ms = 1795449600000LL + seq * 1000;
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, v);
	for (i = 1; i <= modules; i++) {
		struct pt_module *m = pt_sample_module(s, i);
		PT_SET(m, voltage, PTF_VOLTAGE, v);
		for (j = 0; j < 4; j++)
			PT_SET(pt_module_cell(m, j), voltage, PTF_VOLTAGE, 3.3f);
	}
}

static int
lines(const char *path, char first[], size_t size)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f) != NULL) {
		if (n == 0 && first != NULL)
			snprintf(first, size, "%s", buf);
		n++;
	}
	fclose(f);
	return n;
}

static void
write_rows(const char *pattern, int modules, int n, uint32_t seq0)
{
	struct csv_sink *c = csv_sink_new(pattern, true);
	struct sink k = csv_sink_as_sink(c);
	struct pt_sample *s = malloc(sizeof *s);
	int i;

	for (i = 0; i < n; i++) {
		sample(s, modules, seq0 + (uint32_t)i, 50.0 + i);
		assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	}
	csv_sink_free(c);
	free(s);
}

static void
test_header_once_and_append(void **state)
{
	char path[128], first[8192];

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	write_rows(path, 2, 3, 1);
	write_rows(path, 2, 2, 4);	/* same columns: appended */
	assert_int_equal(lines(path, first, sizeof first), 1 + 5);
	assert_non_null(strstr(first, "m02_c04_V"));
}

static void
test_other_columns_new_file(void **state)
{
	char path[128], other[128];

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	write_rows(path, 2, 2, 1);
	write_rows(path, 3, 2, 1);	/* a module more: never mixed into log.csv */
	assert_int_equal(lines(path, NULL, 0), 3);
	assert_int_equal(lines(other, NULL, 0), 3);
}

static void
test_torn_line_repaired(void **state)
{
	char path[128], cmd[256];
	FILE *f;
	int n;

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	write_rows(path, 1, 2, 1);
	f = fopen(path, "a");
	fputs("2026-11-23T16:00:09Z,9,lv,51.0", f);	/* power cut mid-row */
	fclose(f);
	write_rows(path, 1, 1, 10);
	n = lines(path, NULL, 0);
	assert_int_equal(n, 1 + 2 + 1);
	snprintf(cmd, sizeof cmd, "grep -q ',9,lv' '%s'", path);
	assert_int_not_equal(system(cmd), 0);
}

static void
test_toggle_and_status(void **state)
{
	char path[128];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/t-%%Y.csv", dir);
	c = csv_sink_new(path, false);
	k = csv_sink_as_sink(c);
	sample(s, 1, 1, 50);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OFF);
	assert_int_equal(st.written, 0);
	k.ops->set_enabled(k.self, true);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OK);
	assert_int_equal(st.written, 1);
	/* The strftime pattern was expanded. */
	assert_null(strchr(st.text, '%'));
	csv_sink_free(c);
	free(s);
}

static void
test_unwritable_dir_reports(void **state)
{
	struct csv_sink *c = csv_sink_new("/nonexistent-dir/log.csv", true);
	struct sink k = csv_sink_as_sink(c);
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	sample(s, 1, 1, 50);
	assert_int_not_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_ERROR);
	assert_non_null(strstr(st.text, "/nonexistent-dir/log.csv"));
	/* Within the retry period further samples are skipped, not fatal. */
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_int_equal(st.errors, 1);
	csv_sink_free(c);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_once_and_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_columns_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_toggle_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir_reports, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
