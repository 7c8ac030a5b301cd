/* test_csv_sink.c — the CSV log: header once, append, other columns, torn
 * last line, toggling, disk errors; retries with held rows, the header from
 * the stack's shape, whole rows on a full disk (a 64 kB tmpfs when we may
 * mount one, else skipped; a fault seam for the rest), late sync errors,
 * a closed stdout, reopening for log rotation. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/csv.h"

static char dir[64];
static char mnt[96];	/* a small tmpfs, when a test mounted one */

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
	if (mnt[0] != '\0') {
		umount2(mnt, MNT_DETACH);
		mnt[0] = '\0';
	}
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

/* ---- helpers for the tests below ---- */

/* A stack of `modules` x 15 cells with cell temperatures, except where
 * `no_temps` / `no_cells` name a module (1-based, 0 = none): a truncated
 * or missing cell answer. */
static void
stack_sample(struct pt_sample *s, int modules, uint32_t seq, int no_temps, int no_cells)
{
	int i, j;

	pt_sample_init(s, "lv");
	s->seq = seq;
	s->time_ms = 1795449600000LL + seq * 1000;
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 50.0);
	for (i = 1; i <= modules; i++) {
		struct pt_module *m = pt_sample_module(s, i);

		PT_SET(m, voltage, PTF_VOLTAGE, 50.0);
		if (i == no_cells)
			continue;
		for (j = 0; j < 15; j++) {
			struct pt_cell *c = pt_module_cell(m, j);

			PT_SET(c, voltage, PTF_VOLTAGE, 3.3f);
			if (i != no_temps)
				PT_SET(c, temperature, PTF_TEMPERATURE, 21.0f);
		}
	}
}

static int
fields(const char *line)
{
	int n = 1;

	for (; *line != '\0' && *line != '\n'; line++)
		n += *line == ',';
	return n;
}

/* Every line of the file ends with a newline and has the header's field
 * count; the data rows carry the sequence numbers first..first+n-1 (the
 * second column).  Returns the rows, -1 on a torn or malformed line. */
static int
whole_rows(const char *path, uint32_t first)
{
	FILE *f = fopen(path, "r");
	char *line = malloc(65536);
	int n = -1, want = 0;

	if (f == NULL || line == NULL)
		goto out;
	while (fgets(line, 65536, f) != NULL) {
		size_t len = strlen(line);
		unsigned long seq;

		if (len == 0 || line[len - 1] != '\n') {
			n = -1;
			fprintf(stderr, "torn last line in %s: %.60s\n", path, line);
			goto out;
		}
		if (n < 0) {
			want = fields(line);
			if (strncmp(line, "time,", 5) != 0)
				goto out;
			n = 0;
			continue;
		}
		if (fields(line) != want || sscanf(line, "%*[^,],%lu", &seq) != 1 ||
		    seq != first + (uint32_t)n) {
			fprintf(stderr, "row %d of %s: %d fields (header %d): %.60s\n", n + 1,
			    path, fields(line), want, line);
			n = -1;
			goto out;
		}
		n++;
	}
out:
	if (f != NULL)
		fclose(f);
	free(line);
	return n;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A 64 kB tmpfs in the test's directory; false when we may not mount. */
static bool
small_disk(void)
{
	snprintf(mnt, sizeof mnt, "%s/fs", dir);
	if (mkdir(mnt, 0755) != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
		mnt[0] = '\0';
		return false;
	}
	return true;
}

/* Fill the disk: a file grows until ENOSPC. */
static void
fill(const char *path)
{
	char block[1024];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	memset(block, 'x', sizeof block);
	while (write(fd, block, sizeof block) > 0)
		;
	while (write(fd, block, 1) > 0)
		;
	close(fd);
}

/* Standard output into `path` for a while (the sink writes "-" there). */
static int saved_stdout = -1;

static void
stdout_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	assert_true(fd >= 0);
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
}

static void
stdout_back(void)
{
	if (saved_stdout < 0)
		return;
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	saved_stdout = -1;
}

/* ---- 9.5: a missing directory is retried; rows wait meanwhile ---- */

static void
test_missing_dir_rows_held_then_written(void **state)
{
	char sub[128], path[160];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t i;

	(void)state;
	snprintf(sub, sizeof sub, "%s/late", dir);
	snprintf(path, sizeof path, "%s/log.csv", sub);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	for (i = 1; i <= 3; i++) {
		sample(s, 1, i, 50);
		k.ops->write(k.self, s, NULL);
	}
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_ERROR);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.written, 0);
	assert_non_null(strstr(st.text, "held"));
	/* The disk is mounted late: the next retry (1 s back-off) writes all. */
	assert_int_equal(mkdir(sub, 0755), 0);
	usleep(1200 * 1000);
	sample(s, 1, 4, 50);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OK);
	assert_int_equal(st.written, 4);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	csv_sink_free(c);
	assert_int_equal(whole_rows(path, 1), 4);
	free(s);
}

static void
test_bounded_buffer_counts_lost_rows(void **state)
{
	struct csv_sink *c = csv_sink_new("/nonexistent-dir/log.csv", true);
	struct sink k = csv_sink_as_sink(c);
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t i;

	(void)state;
	for (i = 1; i <= CSV_HOLD_MAX + 5; i++) {
		sample(s, 1, i, 50);
		k.ops->write(k.self, s, NULL);
	}
	k.ops->status(k.self, &st);
	assert_int_equal(st.queued, CSV_HOLD_MAX);
	assert_int_equal(st.dropped, 5);
	assert_non_null(strstr(st.text, "lost"));
	/* What is still held when the run ends is lost too, and said. */
	k.ops->close(k.self);
	k.ops->status(k.self, &st);
	assert_int_equal(st.dropped, CSV_HOLD_MAX + 5);
	assert_int_equal(st.state, SINK_ERROR);
	assert_non_null(strstr(st.text, "rows lost"));
	csv_sink_free(c);
	free(s);
}

static void
test_new_file_says_which_column(void **state)
{
	char path[128], other[128];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	f = fopen(path, "w");
	fputs("time,seq,protocol,stack_voltage_V,volts_of_old\n", f);
	fclose(f);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	sample(s, 1, 1, 50);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_non_null(strstr(st.text, "log.1.csv"));
	assert_non_null(strstr(st.text, "column 5 is volts_of_old there, stack_current_A here"));
	csv_sink_free(c);
	assert_int_equal(lines(other, NULL, 0), 2);
	free(s);
}

/* ---- 10.3: the header from the stack's shape, not the first sample ---- */

static void
test_header_from_shape_not_first_sample(void **state)
{
	char path[128], other[128], first[8192];
	struct csv_sink *c;
	struct sink k;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	/* A truncated first answer: module 1's cells without temperatures. */
	stack_sample(s, 3, 1, 1, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	stack_sample(s, 3, 2, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	stack_sample(s, 3, 3, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	csv_sink_free(c);
	/* 16 stack columns + 3 x (13 + 15 + 15): a module has 13 own columns (cells age,
	 * state of energy). */
	assert_int_equal(lines(path, first, sizeof first), 4);
	assert_int_equal(fields(first), 145);
	assert_non_null(strstr(first, "m01_c15_C"));
	assert_int_equal(whole_rows(path, 1), 3);
	assert_false(exists(other));
	free(s);
}

static void
test_header_waits_for_unread_cells(void **state)
{
	char path[128], other[128], first[8192];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	/* Round-robin: module 2's cells are not read in the first cycle. */
	stack_sample(s, 3, 1, 0, 2);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OK);
	assert_non_null(strstr(st.text, "waiting for the stack's shape"));
	stack_sample(s, 3, 2, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 2);
	/* Module 2's cells go stale later: empty cells, the same file. */
	stack_sample(s, 3, 3, 0, 2);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	csv_sink_free(c);
	assert_int_equal(lines(path, first, sizeof first), 4);
	assert_non_null(strstr(first, "m02_c15_V"));
	assert_int_equal(whole_rows(path, 1), 3);
	assert_false(exists(other));
	free(s);
}

static void
test_cut_cell_table_waits(void **state)
{
	char path[128], other[128], first[8192];
	struct csv_sink *c;
	struct sink k;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t i;

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	/* Module 3's first cell table was cut after 10 rows, and round-robin
	 * repeats it for two more cycles before reading it again. */
	for (i = 1; i <= 3; i++) {
		stack_sample(s, 3, i, 0, 0);
		s->modules[2].n_cells = 10;
		assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	}
	stack_sample(s, 3, 4, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	csv_sink_free(c);
	assert_int_equal(lines(path, first, sizeof first), 5);
	assert_non_null(strstr(first, "m03_c15_C"));
	assert_int_equal(whole_rows(path, 1), 4);
	assert_false(exists(other));
	free(s);
}

static void
test_shape_change_new_file_says_why(void **state)
{
	char path[128], other[128], first[8192];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(other, sizeof other, "%s/log.1.csv", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	stack_sample(s, 3, 1, 0, 0);
	k.ops->write(k.self, s, NULL);
	stack_sample(s, 4, 2, 0, 0);	/* a module added to the stack */
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_non_null(strstr(st.text, "log.1.csv"));
	assert_non_null(strstr(st.text, "module 4 appeared"));
	csv_sink_free(c);
	assert_int_equal(whole_rows(path, 1), 1);
	assert_int_equal(whole_rows(other, 2), 1);
	assert_int_equal(lines(other, first, sizeof first), 2);
	assert_non_null(strstr(first, "m04_c15_C"));
	free(s);
}

/* ---- 10.4: whole rows on a full disk, late errors ---- */

/* Write rows until the sink reports an error (the disk is full). */
static uint32_t
write_until_error(struct sink *k, struct pt_sample *s, uint32_t seq)
{
	struct sink_status st;
	int i;

	for (i = 0; i < 200; i++) {
		stack_sample(s, 3, seq++, 0, 0);
		k->ops->write(k->self, s, NULL);
		k->ops->status(k->self, &st);
		if (st.state == SINK_ERROR)
			return seq;
	}
	fail_msg("the full disk never failed a write");
	return seq;
}

static void
test_full_disk_file_rows_whole(void **state)
{
	char path[160], filler[160];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t seq = 1;

	(void)state;
	if (!small_disk()) {
		free(s);
		skip();
	}
	snprintf(path, sizeof path, "%s/log.csv", mnt);
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	stack_sample(s, 3, seq++, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	fill(filler);
	seq = write_until_error(&k, s, seq);
	/* A row the disk cut off is gone at once, not at the next start. */
	k.ops->status(k.self, &st);
	assert_int_equal(whole_rows(path, 1), (int)st.written);
	/* Space again: the held rows follow, none lost. */
	unlink(filler);
	usleep(1200 * 1000);
	stack_sample(s, 3, seq++, 0, 0);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.written, seq - 1);
	csv_sink_free(c);
	assert_int_equal(whole_rows(path, 1), (int)(seq - 1));
	free(s);
}

static void
test_full_disk_stdout_rows_whole(void **state)
{
	char path[160], filler[160];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t seq = 1;

	(void)state;
	if (!small_disk()) {
		free(s);
		skip();
	}
	snprintf(path, sizeof path, "%s/out.csv", mnt);
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	c = csv_sink_new("-", true);
	k = csv_sink_as_sink(c);
	stdout_to(path);
	stack_sample(s, 3, seq++, 0, 0);
	k.ops->write(k.self, s, NULL);
	fill(filler);
	seq = write_until_error(&k, s, seq);
	unlink(filler);
	usleep(1200 * 1000);
	stack_sample(s, 3, seq++, 0, 0);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	csv_sink_free(c);
	stdout_back();
	/* One header, the cut row completed, nothing glued, nothing lost. */
	assert_int_equal(st.state, SINK_OK);
	assert_int_equal(st.written, seq - 1);
	assert_int_equal(whole_rows(path, 1), (int)(seq - 1));
	free(s);
}

/* The fault seam: the write after `cut_after` successful ones goes out in
 * part, the next fails with ENOSPC, then all is well again. */
static int writes, cut_after;

static ssize_t
cutting_write(int fd, const void *buf, size_t len)
{
	writes++;
	if (writes == cut_after + 1)
		return write(fd, buf, len / 2);
	if (writes == cut_after + 2) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, len);
}

static void
test_cut_row_on_stdout_completed(void **state)
{
	char path[160];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct csv_io io = { .write = cutting_write };
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t i;

	(void)state;
	snprintf(path, sizeof path, "%s/out.csv", dir);
	writes = 0;
	cut_after = 2;		/* header, row 1, then row 2 is cut */
	c = csv_sink_new("-", true);
	k = csv_sink_as_sink(c);
	csv_sink_set_io(c, &io);
	stdout_to(path);
	for (i = 1; i <= 3; i++) {
		stack_sample(s, 2, i, 0, 0);
		k.ops->write(k.self, s, NULL);
	}
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_ERROR);
	assert_int_equal(st.written, 1);
	usleep(1200 * 1000);
	stack_sample(s, 2, 4, 0, 0);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	csv_sink_free(c);
	stdout_back();
	assert_int_equal(st.written, 4);
	assert_int_equal(whole_rows(path, 1), 4);
	free(s);
}

static int
eio_sync(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static int
edquot_close(int fd)
{
	close(fd);
	errno = EDQUOT;
	return -1;
}

static void
test_late_errors_unconfirm_rows(void **state)
{
	char path[128];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct csv_io sync_fails = { .fdatasync = eio_sync };
	struct csv_io close_fails = { .fdatasync = fdatasync, .close = edquot_close };
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	csv_sink_set_io(c, &sync_fails);
	sample(s, 1, 1, 50);
	k.ops->write(k.self, s, NULL);
	sample(s, 1, 2, 50);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 2);
	csv_sink_reopen(c);	/* closes: fdatasync says EIO */
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.state, SINK_ERROR);
	assert_non_null(strstr(st.text, "cannot sync"));
	assert_non_null(strstr(st.text, strerror(EIO)));
	/* A quota error reported by close() only. */
	csv_sink_set_io(c, &close_fails);
	sample(s, 1, 3, 50);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 1);
	csv_sink_reopen(c);
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 3);
	assert_non_null(strstr(st.text, strerror(EDQUOT)));
	csv_sink_free(c);
	free(s);
}

/* ---- 10.5: a closed stdout stops the sink, with a message ---- */

static int write_calls;

static ssize_t
counting_write(int fd, const void *buf, size_t len)
{
	write_calls++;
	return write(fd, buf, len);
}

static void
test_closed_stdout_stops(void **state)
{
	int p[2];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct csv_io io = { .write = counting_write };
	struct pt_sample *s = malloc(sizeof *s);
	uint32_t i;
	int calls;

	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* as the program does */
	assert_int_equal(pipe(p), 0);
	close(p[0]);			/* `| head -1` has gone */
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	dup2(p[1], STDOUT_FILENO);
	close(p[1]);
	c = csv_sink_new("-", true);
	k = csv_sink_as_sink(c);
	csv_sink_set_io(c, &io);
	sample(s, 1, 1, 50);
	k.ops->write(k.self, s, NULL);
	calls = write_calls;
	usleep(1200 * 1000);	/* past any retry */
	for (i = 2; i <= 5; i++) {
		sample(s, 1, i, 50);
		k.ops->write(k.self, s, NULL);
	}
	k.ops->status(k.self, &st);
	stdout_back();
	assert_int_equal(write_calls, calls);	/* no more tries */
	assert_int_equal(st.state, SINK_ERROR);
	assert_non_null(strstr(st.text, "stopped"));
	assert_non_null(strstr(st.text, "broken pipe"));
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);	/* nobody reads: not a loss */
	csv_sink_free(c);
	free(s);
}

static void
test_closed_stdout_message(void **state)
{
	int p[2];
	struct csv_sink *c;
	struct sink k;
	struct sink_status st;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	dup2(p[1], STDOUT_FILENO);
	close(p[1]);
	c = csv_sink_new("-", true);
	k = csv_sink_as_sink(c);
	sample(s, 1, 1, 50);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	stdout_back();
	assert_int_equal(st.state, SINK_ERROR);
	assert_non_null(strstr(st.text, "stopped: standard output was closed"));
	csv_sink_free(c);
	free(s);
}

/* ---- 10.10: reopen for log rotation (SIGHUP) ---- */

static void
test_reopen_after_rotation(void **state)
{
	char path[128], rotated[128];
	struct csv_sink *c;
	struct sink k;
	struct pt_sample *s = malloc(sizeof *s);

	(void)state;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	snprintf(rotated, sizeof rotated, "%s/log.csv.1", dir);
	c = csv_sink_new(path, true);
	k = csv_sink_as_sink(c);
	sample(s, 1, 1, 50);
	k.ops->write(k.self, s, NULL);
	sample(s, 1, 2, 50);
	k.ops->write(k.self, s, NULL);
	assert_int_equal(rename(path, rotated), 0);	/* logrotate */
	csv_sink_reopen(c);
	sample(s, 1, 3, 50);
	assert_int_equal(k.ops->write(k.self, s, NULL), 0);
	csv_sink_free(c);
	assert_int_equal(whole_rows(rotated, 1), 2);
	assert_int_equal(whole_rows(path, 3), 1);	/* a new file, with a header */
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
		cmocka_unit_test_setup_teardown(test_missing_dir_rows_held_then_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_buffer_counts_lost_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_file_says_which_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_from_shape_not_first_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_waits_for_unread_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_cell_table_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_change_new_file_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_file_rows_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_stdout_rows_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_row_on_stdout_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_errors_unconfirm_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_stdout_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_stdout_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rotation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
