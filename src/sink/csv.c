/* csv.c — the CSV log.
 *
 * Each row is built in memory and written with one write() to a file
 * opened O_APPEND, so a crash leaves at most one partial line, and that
 * line is cut off when the file is opened again.  fdatasync every 10 s,
 * on rotation and on close (never per row: SD cards).  A failing disk
 * (ENOSPC, EROFS) is reported in the status and retried every 30 s;
 * monitoring goes on.  See reliability.md §4.
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
#define RETRY_EVERY_MS	30000

struct csv_sink {
	pthread_mutex_t	 lock;
	char		 pattern[512];
	bool		 enabled;
	bool		 to_stdout;
	int		 fd;
	char		 path[600];	/* the file open now */
	char		 opened_for[600];	/* the expanded pattern it was opened for */
	struct csv_layout layout;
	bool		 have_layout;
	int64_t		 last_sync_ms;
	int64_t		 retry_after_ms;
	uint64_t	 rows, errors;
	char		 error[160];
	char		 note[160];	/* last remark: "appending to ...", "new file ..." */
};

static void
close_file(struct csv_sink *c)
{
	if (c->fd >= 0 && !c->to_stdout) {
		fdatasync(c->fd);
		close(c->fd);
	}
	c->fd = -1;
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

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fail(struct csv_sink *c, const char *what, const char *path)
{
	snprintf(c->error, sizeof c->error, "%s %s: %s", what, path, strerror(errno));
	c->errors++;
	c->retry_after_ms = clock_mono_ms() + RETRY_EVERY_MS;
	close_file(c);
}

/* Open `name` (or name.N.csv when its header differs) for appending. */
static int
open_for(struct csv_sink *c, const char *name, const char *header)
{
	char path[600], first[8192], base[600];
	const char *dot;
	int i;

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
			return -1;
		}
		if (inspect(fd, first, sizeof first) != 0) {
			close(fd);
			fail(c, "cannot read", path);
			return -1;
		}
		if (first[0] != '\0' && strcmp(first, header) != 0) {
			/* Someone else's columns: never rewrite an old file. */
			close(fd);
			continue;
		}
		c->fd = fd;
		snprintf(c->path, sizeof c->path, "%s", path);
		if (first[0] == '\0') {
			if (write_all(fd, header, strlen(header)) != 0 || write_all(fd, "\n", 1) != 0) {
				fail(c, "cannot write", path);
				return -1;
			}
			snprintf(c->note, sizeof c->note, i == 0 ? "writing %s" :
			    "writing %s (%s has other columns)", path, name);
		} else
			snprintf(c->note, sizeof c->note, "appending to %s", path);
		c->error[0] = '\0';
		c->last_sync_ms = clock_mono_ms();
		return 0;
	}
	errno = EEXIST;
	fail(c, "too many files with other columns beside", name);
	return -1;
}

static int
csv_write(void *self, const struct pt_sample *s, const struct link_stats *ls)
{
	struct csv_sink *c = self;
	struct csv_layout lay;
	char name[600], *header = NULL, *row = NULL;
	int rc = 0;

	(void)ls;
	pthread_mutex_lock(&c->lock);
	if (!c->enabled)
		goto out;
	if (c->error[0] != '\0' && clock_mono_ms() < c->retry_after_ms)
		goto out;
	csv_layout_from_sample(&lay, s);
	if (c->have_layout && (lay.n_modules != c->layout.n_modules ||
	    memcmp(lay.module_id, c->layout.module_id, sizeof lay.module_id) != 0)) {
		close_file(c);		/* the stack changed shape: new columns */
		c->have_layout = false;
	}
	if (!c->have_layout) {
		c->layout = lay;
		c->have_layout = true;
	}
	header = sample_csv_header(&c->layout);
	row = sample_csv_row(&c->layout, s);
	if (header == NULL || row == NULL) {
		c->errors++;
		rc = -1;
		goto out;
	}
	if (c->to_stdout) {
		if (c->fd < 0) {
			c->fd = STDOUT_FILENO;
			write_all(c->fd, header, strlen(header));
			write_all(c->fd, "\n", 1);
			snprintf(c->path, sizeof c->path, "standard output");
		}
	} else {
		expand(c, name, sizeof name);
		if (c->fd >= 0 && strcmp(c->opened_for, name) != 0)
			close_file(c);	/* the date in the name changed: rotate */
		if (c->fd < 0) {
			if (open_for(c, name, header) != 0) {
				rc = -1;
				goto out;
			}
			snprintf(c->opened_for, sizeof c->opened_for, "%s", name);
		}
	}
	/* One write() per row, newline included. */
	size_t len = strlen(row);
	row[len] = '\n';
	if (write_all(c->fd, row, len + 1) != 0) {
		fail(c, "cannot write", c->path);
		rc = -1;
		goto out;
	}
	c->rows++;
	if (!c->to_stdout && clock_mono_ms() - c->last_sync_ms >= SYNC_EVERY_MS) {
		fdatasync(c->fd);
		c->last_sync_ms = clock_mono_ms();
	}
out:
	pthread_mutex_unlock(&c->lock);
	free(header);
	free(row);
	return rc;
}

static void
csv_set_enabled(void *self, bool on)
{
	struct csv_sink *c = self;

	pthread_mutex_lock(&c->lock);
	c->enabled = on;
	if (!on)
		close_file(c);	/* flushes: the file is complete when logging is off */
	c->error[0] = '\0';
	c->retry_after_ms = 0;
	pthread_mutex_unlock(&c->lock);
}

void
csv_sink_reopen(struct csv_sink *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->to_stdout)
		close_file(c);
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
	if (!c->enabled) {
		st->state = SINK_OFF;
		if (c->to_stdout)
			snprintf(st->text, sizeof st->text, "off");
		else {
			expand(c, name, sizeof name);
			snprintf(st->text, sizeof st->text, "off (would write %s)", name);
		}
	} else if (c->error[0] != '\0') {
		st->state = SINK_ERROR;
		snprintf(st->text, sizeof st->text, "%s", c->error);
	} else {
		st->state = SINK_OK;
		if (c->fd >= 0)
			snprintf(st->text, sizeof st->text, "%s", c->path);
		else {
			expand(c, name, sizeof name);
			snprintf(st->text, sizeof st->text, "%s (waiting for a sample)", name);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

static void
csv_close(void *self)
{
	struct csv_sink *c = self;

	pthread_mutex_lock(&c->lock);
	close_file(c);
	pthread_mutex_unlock(&c->lock);
}

static const struct sink_ops csv_ops = {
	.name = "csv",
	.write = csv_write,
	.stale = NULL,		/* a gap is a gap: no rows are invented */
	.set_enabled = csv_set_enabled,
	.status = csv_status,
	.close = csv_close,
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
	return c;
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
