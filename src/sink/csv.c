/* csv.c — the CSV log.
 *
 * Rows go out whole or not at all: each is built in memory and written
 * with one write() to a file opened O_APPEND; a write that fails half-way
 * is cut off again (ftruncate) in a file, and on stdout, which cannot be
 * cut, the rest of the row is written before anything else.  A crash
 * leaves at most one partial line, cut off when the file is opened again.
 * fdatasync every 10 s, on rotation and on close (never per row: SD
 * cards); a row is counted as written only while no later fdatasync or
 * close failed (NFS, USB sticks and quotas report errors late).
 *
 * Samples wait in a bounded ring (CSV_HOLD_MAX) until they are written:
 * while the stack's shape is not known yet, and while the file cannot be
 * opened or written (missing directory, disk full), retried with a
 * back-off from 1 s to 30 s; monitoring goes on.  A full ring drops its
 * oldest row and counts it lost.  Samples, not rows, are held, because a
 * shape that grows renders older samples with empty cells for the new
 * columns.  See docs/reliability.md §4.
 */
#include "sink/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/sample_csv.h"
#include "util/clock.h"

#define SYNC_EVERY_MS	10000
#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	30000
#define SHAPE_WAIT_MAX	(2 * PT_MAX_MODULES)	/* samples the header waits at most */
#define HEADER_MAX	32768	/* 16 modules x 32 cells with temperatures: ~15 kB */

struct csv_sink {
	pthread_mutex_t	 lock;
	char		 pattern[512];
	bool		 enabled;
	bool		 to_stdout;
	bool		 stopped;	/* stdout was closed: nobody reads any more */
	bool		 closed;	/* by close(): the run is over */
	int		 fd;
	char		 path[600];	/* the file open now */
	char		 opened_for[600];	/* the expanded pattern it was opened for */
	struct csv_io	 io;

	/* The stack's shape as its answers show it; it only grows. */
	struct csv_layout layout;
	bool		 settled;	/* the header is decided */
	int		 waited;	/* samples seen before it was */
	int		 steady;	/* of those, since it last grew */
	unsigned	 shape_gen;	/* bumped when a decided shape grows */
	unsigned	 header_gen;	/* shape_gen of the header now open */
	bool		 header_out;	/* a header is in the file / on stdout */
	char		 shape_why[120];	/* how the shape last changed */

	/* Samples not written yet, oldest first. */
	struct pt_sample *hold[CSV_HOLD_MAX];
	int		 hold_first, hold_count;
	/* stdout: the rest of a line a failed write cut off, written first. */
	char		*torn;
	size_t		 torn_off, torn_len;
	bool		 torn_is_row;

	int64_t		 last_sync_ms;
	int64_t		 retry_after_ms;
	int64_t		 backoff_ms;
	uint64_t	 rows;		/* written and not contradicted by a late error */
	uint64_t	 unsynced;	/* of those, since the last good fdatasync */
	uint64_t	 lost, errors;
	char		 error[160];
	char		 note[160];	/* last remark: "appending to ...", "writing ..." */
	char		 loss[160];	/* why rows were last lost */
};

/* ---- held samples ---- */

static struct pt_sample *
hold_peek(struct csv_sink *c)
{
	return c->hold_count > 0 ? c->hold[c->hold_first] : NULL;
}

static void
hold_pop(struct csv_sink *c)
{
	if (c->hold_count == 0)
		return;
	free(c->hold[c->hold_first]);
	c->hold[c->hold_first] = NULL;
	c->hold_first = (c->hold_first + 1) % CSV_HOLD_MAX;
	c->hold_count--;
}

static void
lose(struct csv_sink *c, uint64_t n, const char *why)
{
	if (n == 0)
		return;
	c->lost += n;
	snprintf(c->loss, sizeof c->loss, "%s", why);
}

/* Keep a copy of the sample; a full ring loses its oldest row. */
static int
hold_push(struct csv_sink *c, const struct pt_sample *s)
{
	struct pt_sample *copy = malloc(sizeof *copy);

	if (copy == NULL) {
		lose(c, 1, "out of memory");
		return -1;
	}
	*copy = *s;
	if (c->hold_count == CSV_HOLD_MAX) {
		hold_pop(c);
		lose(c, 1, "the buffer was full while the file could not be written");
	}
	c->hold[(c->hold_first + c->hold_count) % CSV_HOLD_MAX] = copy;
	c->hold_count++;
	return 0;
}

static void
hold_clear(struct csv_sink *c)
{
	while (c->hold_count > 0)
		hold_pop(c);
}

/* ---- the stack's shape ---- */

static int
shape_find(const struct csv_layout *l, int id)
{
	int i;

	for (i = 0; i < l->n_modules; i++)
		if (l->module_id[i] == id)
			return i;
	return -1;
}

static void
add_why(char *why, size_t size, const char *fmt, int a, int b)
{
	size_t o = strlen(why);

	if (o + 2 >= size)
		return;
	if (o > 0)
		o += (size_t)snprintf(why + o, size - o, ", ");
	snprintf(why + o, size - o, fmt, a, b);
}

/* Add what `add` shows to the shape: modules in id order, the most cells
 * a module has listed, and cell temperatures for every module once one
 * gave them (the modules of a stack speak one dialect: a module without
 * them had its answer cut short).  True when it grew; `why` says how. */
static bool
shape_merge(struct csv_layout *into, const struct csv_layout *add, char *why, size_t size)
{
	bool grew = false, temps = false, had_temps = false;
	int i, k;

	why[0] = '\0';
	for (k = 0; k < into->n_modules; k++)
		had_temps |= into->cell_temps[k];
	for (i = 0; i < add->n_modules; i++) {
		int id = add->module_id[i];

		temps |= add->cell_temps[i];
		if ((k = shape_find(into, id)) < 0) {
			if (into->n_modules >= PT_MAX_MODULES)
				continue;
			for (k = into->n_modules; k > 0 && into->module_id[k - 1] > id; k--) {
				into->module_id[k] = into->module_id[k - 1];
				into->n_cells[k] = into->n_cells[k - 1];
				into->n_temps[k] = into->n_temps[k - 1];
			}
			into->n_modules++;
			into->module_id[k] = id;
			into->n_cells[k] = add->n_cells[i];
			into->n_temps[k] = add->n_temps[i];
			add_why(why, size, "module %d appeared", id, 0);
			grew = true;
		} else if (add->n_cells[i] > into->n_cells[k]) {
			add_why(why, size, into->n_cells[k] == 0 ? "m%02d gave its cells" :
			    "m%02d has more cells", id, 0);
			into->n_cells[k] = add->n_cells[i];
			grew = true;
		}
		if (add->n_temps[i] > into->n_temps[k]) {
			add_why(why, size, "m%02d has more temperature sensors", id, 0);
			into->n_temps[k] = add->n_temps[i];
			grew = true;
		}
	}
	if (temps && !had_temps) {
		add_why(why, size, "cell temperatures appeared", 0, 0);
		grew = true;
	}
	for (k = 0; k < into->n_modules; k++)
		into->cell_temps[k] = had_temps || temps;
	return grew;
}

/* Every module has listed its cells. */
static bool
shape_complete(const struct csv_layout *l)
{
	int i;

	for (i = 0; i < l->n_modules; i++)
		if (l->n_cells[i] == 0)
			return false;
	return l->n_modules > 0;
}

/* Every module has as many cells as the others. */
static bool
shape_alike(const struct csv_layout *l)
{
	int i;

	for (i = 1; i < l->n_modules; i++)
		if (l->n_cells[i] != l->n_cells[0])
			return false;
	return true;
}

/* Learn from a sample.  The header is decided when every module has
 * listed its cells and they are alike; modules unlike each other (a cut
 * answer, or a mixed stack) wait until the shape has not grown for more
 * samples than there are modules (round-robin reads each module's cells
 * at least that often); at most SHAPE_WAIT_MAX samples.  A decided shape
 * that grows later means a new header, and the note says why. */
static void
shape_learn(struct csv_sink *c, const struct pt_sample *s)
{
	struct csv_layout one;
	char why[sizeof c->shape_why];
	bool grew;

	csv_layout_from_sample(&one, s);
	grew = shape_merge(&c->layout, &one, why, sizeof why);
	if (c->settled) {
		if (grew) {
			c->shape_gen++;
			snprintf(c->shape_why, sizeof c->shape_why, "%s", why);
		}
		return;
	}
	c->waited++;
	c->steady = grew ? 0 : c->steady + 1;
	if (shape_complete(&c->layout) &&
	    (shape_alike(&c->layout) || c->steady > c->layout.n_modules))
		c->settled = true;
	else if (c->waited >= SHAPE_WAIT_MAX) {
		c->settled = true;
		if (!shape_complete(&c->layout))
			snprintf(c->shape_why, sizeof c->shape_why,
			    "header without the cells of modules that gave none in %d samples",
			    SHAPE_WAIT_MAX);
	}
}

/* ---- files ---- */

static int
sync_ok(struct csv_sink *c, int fd)
{
	if (c->io.fdatasync(fd) == 0)
		return 0;
	/* A pipe or a device cannot be synced: nothing was lost. */
	return errno == EINVAL || errno == ENOTSUP ? 0 : -1;
}

/* The rows since the last good fdatasync may not be on the disk. */
static void
unconfirm(struct csv_sink *c, const char *what)
{
	char why[160];

	snprintf(why, sizeof why, "%s %s: %s", what, c->path, strerror(errno));
	c->rows -= c->unsynced;
	lose(c, c->unsynced, why);
	c->unsynced = 0;
}

/* Sync and close the file; 0, or -1 with c->error said and the
 * unconfirmed rows counted lost. */
static int
close_file(struct csv_sink *c)
{
	int rc = 0, fd = c->fd;

	c->fd = -1;
	c->header_out = c->to_stdout && c->header_out;
	if (fd < 0 || c->to_stdout)
		return 0;
	if (sync_ok(c, fd) != 0) {
		unconfirm(c, "cannot sync");
		rc = -1;
	}
	if (c->io.close(fd) != 0 && errno != EINTR && rc == 0) {
		unconfirm(c, "cannot close");
		rc = -1;
	}
	c->unsynced = 0;
	if (rc != 0) {
		snprintf(c->error, sizeof c->error, "%s", c->loss);
		c->errors++;
	}
	return rc;
}

static void
expand(const struct csv_sink *c, char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (strftime(out, size, c->pattern, &tm) == 0)
		snprintf(out, size, "%s", c->pattern);
}

/* First line of an existing file (without newline) into buf; also cut a
 * partial last line left by a crash. */
static int
inspect(int fd, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;
	off_t end, pos;
	char ch;

	buf[0] = '\0';
	if (fstat(fd, &st) != 0 || st.st_size == 0)
		return 0;
	n = pread(fd, buf, size - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	/* Startup repair: the file must end with a newline. */
	end = st.st_size;
	for (pos = end - 1; pos >= 0; pos--) {
		if (pread(fd, &ch, 1, pos) != 1)
			return -1;
		if (ch == '\n')
			break;
	}
	if (pos + 1 < end && ftruncate(fd, pos + 1) != 0)
		return -1;
	return 0;
}

/* The first column where two headers differ, for the user. */
static void
header_difference(const char *there, const char *here, char *out, size_t size)
{
	int col = 1;

	for (;;) {
		size_t a = strcspn(there, ","), b = strcspn(here, ",");

		if (a != b || memcmp(there, here, a) != 0 || there[a] != here[b]) {
			snprintf(out, size, "column %d is %.*s there, %.*s here", col,
			    a ? (int)a : 5, a ? there : "(end)", b ? (int)b : 5, b ? here : "(end)");
			return;
		}
		if (there[a] == '\0') {
			snprintf(out, size, "same columns");
			return;
		}
		there += a + 1;
		here += b + 1;
		col++;
	}
}

/* Write all of p; *done says how much went out before an error. */
static int
write_all(struct csv_sink *c, int fd, const char *p, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = c->io.write(fd, p + *done, len - *done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		*done += (size_t)n;
	}
	return 0;
}

/* stdout: finish the line a failed write cut off. */
static int
finish_torn(struct csv_sink *c)
{
	size_t done;
	int rc;

	if (c->torn == NULL)
		return 0;
	rc = write_all(c, c->fd, c->torn + c->torn_off, c->torn_len - c->torn_off, &done);
	c->torn_off += done;
	if (rc != 0)
		return -1;
	if (c->torn_is_row)
		c->rows++;	/* its sample left the ring when it was cut */
	free(c->torn);
	c->torn = NULL;
	return 0;
}

/* One line (newline included) whole or not at all.  0; 1 when it went
 * out only in part on stdout and its rest is kept for later; -1. */
static int
put_line(struct csv_sink *c, const char *line, size_t len, bool is_row)
{
	size_t done;
	off_t before = -1;
	int err;

	if (c->to_stdout) {
		if (finish_torn(c) != 0)
			return -1;
	} else
		before = lseek(c->fd, 0, SEEK_END);
	if (write_all(c, c->fd, line, len, &done) == 0)
		return 0;
	err = errno;
	if (done > 0 && c->to_stdout) {
		/* A pipe cannot take bytes back: the rest goes out first later. */
		if ((c->torn = malloc(len - done)) != NULL) {
			memcpy(c->torn, line + done, len - done);
			c->torn_off = 0;
			c->torn_len = len - done;
			c->torn_is_row = is_row;
			errno = err;
			return 1;
		}
	} else if (done > 0 && (before < 0 || ftruncate(c->fd, before) != 0)) {
		/* Cannot cut it here: closing makes the next open cut it. */
		c->io.close(c->fd);
		c->fd = -1;
	}
	errno = err;
	return -1;
}

/* An error: say it, close, retry after a growing pause. */
static void
fail(struct csv_sink *c, const char *what, const char *path)
{
	char msg[sizeof c->error];

	snprintf(msg, sizeof msg, "%s %s: %s", what, path, strerror(errno));
	c->errors++;
	close_file(c);
	snprintf(c->error, sizeof c->error, "%s", msg);
	c->backoff_ms = c->backoff_ms == 0 ? RETRY_FIRST_MS :
	    c->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : c->backoff_ms * 2;
	c->retry_after_ms = clock_mono_ms() + c->backoff_ms;
}

/* Nobody reads stdout any more: stop, say so, hold nothing. */
static void
stop_sink(struct csv_sink *c)
{
	c->stopped = true;
	snprintf(c->error, sizeof c->error,
	    "stopped: standard output was closed (broken pipe)");
	hold_clear(c);
	free(c->torn);
	c->torn = NULL;
}

static void
say_new_file(struct csv_sink *c, const char *path, const char *name, const char *other)
{
	if (c->shape_why[0] != '\0')
		snprintf(c->note, sizeof c->note, "writing %s: the stack's shape changed (%s)",
		    path, c->shape_why);
	else if (other != NULL)
		snprintf(c->note, sizeof c->note, "writing %s: %s has other columns (%s)",
		    path, name, other);
	else
		snprintf(c->note, sizeof c->note, "writing %s", path);
}

/* Open `name` (or name.N.csv when its header differs) for appending. */
static int
open_for(struct csv_sink *c, const char *name, const char *header)
{
	char path[600], base[600], other[120] = "";
	char *first = malloc(HEADER_MAX);
	const char *dot;
	int i, rc = -1;

	if (first == NULL) {
		fail(c, "out of memory for", name);
		return -1;
	}
	dot = strrchr(name, '.');
	if (dot == NULL || strchr(dot, '/') != NULL)
		dot = name + strlen(name);
	snprintf(base, sizeof base, "%.*s", (int)(dot - name), name);
	for (i = 0; i < 100; i++) {
		int fd;

		if (i == 0)
			snprintf(path, sizeof path, "%s", name);
		else
			snprintf(path, sizeof path, "%s.%d%s", base, i, dot);
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			fail(c, "cannot open", path);
			goto out;
		}
		if (inspect(fd, first, HEADER_MAX) != 0) {
			close(fd);
			fail(c, "cannot read", path);
			goto out;
		}
		if (first[0] != '\0' && strcmp(first, header) != 0) {
			/* Someone else's columns: never rewrite an old file. */
			if (i == 0)
				header_difference(first, header, other, sizeof other);
			close(fd);
			continue;
		}
		c->fd = fd;
		snprintf(c->path, sizeof c->path, "%s", path);
		if (first[0] == '\0') {
			size_t len = strlen(header);

			memcpy(first, header, len);
			first[len] = '\n';
			if (put_line(c, first, len + 1, false) != 0) {
				fail(c, "cannot write", path);
				goto out;
			}
			say_new_file(c, path, name, i > 0 ? other : NULL);
		} else
			snprintf(c->note, sizeof c->note, "appending to %s", path);
		c->shape_why[0] = '\0';
		c->header_out = true;
		c->last_sync_ms = clock_mono_ms();
		rc = 0;
		goto out;
	}
	errno = EEXIST;
	fail(c, "too many files with other columns beside", name);
out:
	free(first);
	return rc;
}

/* stdout: a header before the first row and after a change of shape. */
static int
stdout_header(struct csv_sink *c, const char *header)
{
	size_t len = strlen(header);
	char *line = malloc(len + 1);
	int rc;

	if (line == NULL)
		return -1;
	memcpy(line, header, len);
	line[len] = '\n';
	rc = put_line(c, line, len + 1, false);
	free(line);
	if (rc < 0)
		return -1;
	/* Out, or its rest kept to go out first: either way it is out. */
	if (c->shape_why[0] != '\0')
		snprintf(c->note, sizeof c->note, "standard output: new header, the stack's "
		    "shape changed (%s)", c->shape_why);
	c->shape_why[0] = '\0';
	c->header_out = true;
	return rc;
}

/* The file for the next row, with the header of the current shape. */
static int
ensure_open(struct csv_sink *c)
{
	char name[600], *header;
	int rc = 0;

	if (c->to_stdout) {
		c->fd = STDOUT_FILENO;
		snprintf(c->path, sizeof c->path, "standard output");
		if (finish_torn(c) != 0) {
			if (errno == EPIPE)
				stop_sink(c);
			else
				fail(c, "cannot write", c->path);
			return -1;
		}
		if (c->header_out && c->header_gen == c->shape_gen)
			return 0;
	} else {
		expand(c, name, sizeof name);
		if (c->fd >= 0 && (strcmp(c->opened_for, name) != 0 || c->header_gen != c->shape_gen))
			close_file(c);	/* the date in the name or the shape changed */
		if (c->fd >= 0)
			return 0;
	}
	if ((header = sample_csv_header(&c->layout)) == NULL) {
		errno = ENOMEM;
		fail(c, "out of memory for", c->to_stdout ? "standard output" : name);
		return -1;
	}
	if (c->to_stdout) {
		if ((rc = stdout_header(c, header)) >= 0)
			c->header_gen = c->shape_gen;	/* out, or its rest goes first */
		if (rc != 0 && errno == EPIPE)
			stop_sink(c);
		else if (rc != 0)
			fail(c, "cannot write", c->path);
		rc = rc != 0 ? -1 : 0;
	} else if ((rc = open_for(c, name, header)) == 0) {
		snprintf(c->opened_for, sizeof c->opened_for, "%s", name);
		c->header_gen = c->shape_gen;
	}
	free(header);
	return rc;
}

/* Write the held rows, oldest first, if the time has come. */
static int
flush(struct csv_sink *c, bool now)
{
	if (c->stopped)
		return -1;
	if (!c->settled || (c->hold_count == 0 && c->torn == NULL))
		return 0;
	if (c->error[0] != '\0' && !now && clock_mono_ms() < c->retry_after_ms)
		return -1;
	if (ensure_open(c) != 0)
		return -1;
	while (c->hold_count > 0) {
		char *row = sample_csv_row(&c->layout, hold_peek(c));
		size_t len;
		int rc;

		if (row == NULL) {
			errno = ENOMEM;
			fail(c, "out of memory for", c->path);
			return -1;
		}
		len = strlen(row);
		row[len] = '\n';	/* over the NUL: the buffer is larger */
		rc = put_line(c, row, len + 1, true);
		free(row);
		if (rc == 1)
			hold_pop(c);	/* in flight: counted when its rest is out */
		if (rc != 0) {
			if (c->to_stdout && errno == EPIPE)
				stop_sink(c);
			else
				fail(c, "cannot write", c->path);
			return -1;
		}
		hold_pop(c);
		c->rows++;
		c->unsynced++;
	}
	c->error[0] = '\0';
	c->backoff_ms = 0;
	if (!c->to_stdout && clock_mono_ms() - c->last_sync_ms >= SYNC_EVERY_MS) {
		if (sync_ok(c, c->fd) != 0) {
			unconfirm(c, "cannot sync");
			fail(c, "cannot sync", c->path);
			return -1;
		}
		c->unsynced = 0;
		c->last_sync_ms = clock_mono_ms();
	}
	return 0;
}

static int
csv_write(void *self, const struct pt_sample *s, const struct link_stats *ls)
{
	struct csv_sink *c = self;
	int rc = 0;

	(void)ls;
	pthread_mutex_lock(&c->lock);
	if (c->enabled && !c->stopped) {
		c->closed = false;
		shape_learn(c, s);
		hold_push(c, s);
		rc = flush(c, false);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Write what is held (one try, now), close; what could not be written
 * is lost and counted. */
static void
drain_and_close(struct csv_sink *c)
{
	if (!c->stopped && c->hold_count > 0) {
		c->settled = true;
		flush(c, true);
	}
	if (c->torn != NULL) {
		if (c->torn_is_row)
			lose(c, 1, "a row was cut off on standard output");
		free(c->torn);
		c->torn = NULL;
	}
	if (c->hold_count > 0) {
		char why[200];

		snprintf(why, sizeof why, "not written when logging stopped: %s", c->error);
		lose(c, (uint64_t)c->hold_count, why);
		hold_clear(c);
	}
	close_file(c);
}

static void
csv_set_enabled(void *self, bool on)
{
	struct csv_sink *c = self;

	pthread_mutex_lock(&c->lock);
	if (!on)
		drain_and_close(c);	/* the file is complete when logging is off */
	c->enabled = on;
	if (!c->stopped)
		c->error[0] = '\0';
	c->retry_after_ms = 0;
	c->backoff_ms = 0;
	pthread_mutex_unlock(&c->lock);
}

static void
csv_status(void *self, struct sink_status *st)
{
	struct csv_sink *c = self;
	char name[600];

	pthread_mutex_lock(&c->lock);
	memset(st, 0, sizeof *st);
	st->written = c->rows;
	st->errors = c->errors;
	st->dropped = c->lost;
	st->queued = (uint64_t)c->hold_count;
	expand(c, name, sizeof name);
	if (c->stopped) {
		st->state = SINK_ERROR;
		snprintf(st->text, sizeof st->text, "%s", c->error);
	} else if (c->closed && c->lost > 0) {
		st->state = SINK_ERROR;
		snprintf(st->text, sizeof st->text, "%llu rows lost: %s",
		    (unsigned long long)c->lost, c->loss);
	} else if (!c->enabled) {
		st->state = SINK_OFF;
		if (c->to_stdout)
			snprintf(st->text, sizeof st->text, "off");
		else
			snprintf(st->text, sizeof st->text, "off (would write %s)", name);
	} else if (c->error[0] != '\0') {
		st->state = SINK_ERROR;
		/* No counts here: a line per change, not per sample, in the journal. */
		if (c->hold_count >= CSV_HOLD_MAX)
			snprintf(st->text, sizeof st->text, "%s; retrying, buffer full "
			    "(%d rows), oldest rows lost", c->error, CSV_HOLD_MAX);
		else
			snprintf(st->text, sizeof st->text, "%s; retrying, rows held "
			    "meanwhile (up to %d)", c->error, CSV_HOLD_MAX);
	} else {
		st->state = SINK_OK;
		if (!c->settled && c->hold_count > 0)
			snprintf(st->text, sizeof st->text, "%s (waiting for the stack's shape)",
			    c->to_stdout ? "standard output" : name);
		else if (c->lost > 0)
			snprintf(st->text, sizeof st->text, "%s; %llu rows lost: %s",
			    c->fd >= 0 ? c->path : name,
			    (unsigned long long)c->lost, c->loss);
		else if (c->fd >= 0)
			snprintf(st->text, sizeof st->text, "%s", c->note[0] ? c->note : c->path);
		else
			snprintf(st->text, sizeof st->text, "%s (waiting for a sample)",
			    c->to_stdout ? "standard output" : name);
	}
	pthread_mutex_unlock(&c->lock);
}

static void
csv_close(void *self)
{
	struct csv_sink *c = self;

	pthread_mutex_lock(&c->lock);
	drain_and_close(c);
	c->closed = true;
	pthread_mutex_unlock(&c->lock);
}

static void
csv_reopen(void *self)
{
	csv_sink_reopen(self);
}

static void
csv_free(void *self)
{
	csv_sink_free(self);
}

static const struct sink_ops csv_ops = {
	.name = SINK_CSV,
	.write = csv_write,
	.stale = NULL,		/* a gap is a gap: no rows are invented */
	.set_enabled = csv_set_enabled,
	.status = csv_status,
	.reopen = csv_reopen,
	.close = csv_close,
	.free = csv_free,
};

struct csv_sink *
csv_sink_new(const char *pattern, bool enabled)
{
	struct csv_sink *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	snprintf(c->pattern, sizeof c->pattern, "%s", pattern);
	c->to_stdout = strcmp(pattern, "-") == 0;
	c->enabled = enabled;
	c->fd = -1;
	c->io = (struct csv_io){ .write = write, .fdatasync = fdatasync, .close = close };
	return c;
}

void
csv_sink_set_io(struct csv_sink *c, const struct csv_io *io)
{
	pthread_mutex_lock(&c->lock);
	if (io->write != NULL)
		c->io.write = io->write;
	if (io->fdatasync != NULL)
		c->io.fdatasync = io->fdatasync;
	if (io->close != NULL)
		c->io.close = io->close;
	pthread_mutex_unlock(&c->lock);
}

void
csv_sink_reopen(struct csv_sink *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (!c->to_stdout && c->fd >= 0 && close_file(c) == 0)
		snprintf(c->note, sizeof c->note, "closed %s to open it again", c->path);
	c->retry_after_ms = 0;	/* a failing file: try again at the next row */
	c->backoff_ms = 0;
	pthread_mutex_unlock(&c->lock);
}

struct sink
csv_sink_as_sink(struct csv_sink *c)
{
	return (struct sink){ &csv_ops, c };
}

void
csv_sink_free(struct csv_sink *c)
{
	if (c == NULL)
		return;
	csv_close(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
