/* rawlog.c — the raw console ring (rawlog.h). */
#include "core/rawlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link_record.h"

int
rawlog_init(struct rawlog *r)
{
	memset(r, 0, sizeof *r);
	r->lines = calloc(RAWLOG_LINES, sizeof *r->lines);
	if (r->lines == NULL)
		return -1;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void
rawlog_destroy(struct rawlog *r)
{
	if (r->lines == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->lines);
	r->lines = NULL;
}

static struct rawlog_line *
newest(struct rawlog *r)
{
	return &r->lines[(r->head + RAWLOG_LINES - 1) % RAWLOG_LINES];
}

/* A new line (the oldest one goes when the ring is full). */
static struct rawlog_line *
start_line(struct rawlog *r, char dir, int64_t now_ms)
{
	struct rawlog_line *l = &r->lines[r->head];

	r->head = (r->head + 1) % RAWLOG_LINES;
	if (r->count < RAWLOG_LINES)
		r->count++;
	else
		r->dropped++;
	l->time_ms = now_ms;
	l->dir = dir;
	l->user = r->user;
	l->text[0] = '\0';
	return l;
}

/* The line text goes on: the newest when it is open for `dir`, else a
 * new one. */
static struct rawlog_line *
line_for(struct rawlog *r, char dir, int64_t now_ms)
{
	struct rawlog_line *l = r->count > 0 && r->open ? newest(r) : NULL;

	if (l == NULL || l->dir != dir || l->user != r->user) {
		l = start_line(r, dir, now_ms);
		r->open_len = 0;
		r->open = true;
	}
	return l;
}

/* Append escaped text `e` to the open line of dir, starting new lines as
 * the old ones fill up; an escape (`whole`) is never split. */
static void
append(struct rawlog *r, char dir, const char *e, size_t n, bool whole, int64_t now_ms)
{
	while (n > 0) {
		struct rawlog_line *l = line_for(r, dir, now_ms);
		size_t room = RAWLOG_LINE_MAX - 1 - r->open_len, k = n < room ? n : room;

		if (k == 0 || (whole && k < n)) {
			start_line(r, dir, now_ms);
			r->open_len = 0;
			continue;
		}
		memcpy(l->text + r->open_len, e, k);
		r->open_len += k;
		l->text[r->open_len] = '\0';
		e += k;
		n -= k;
	}
}

void
rawlog_data(struct rawlog *r, char dir, const void *buf, size_t len, int64_t now_ms)
{
	const unsigned char *p = buf;
	char e[8];
	size_t i = 0, n;

	if (r->lines == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	while (i < len) {
		/* Runs of plain text in one copy, the escapes one by one. */
		if ((n = link_rec_plain(p + i, len - i)) > 0) {
			append(r, dir, (const char *)p + i, n, false, now_ms);
			i += n;
			continue;
		}
		n = link_rec_escape(p + i, 1, e, sizeof e);
		append(r, dir, e, n, true, now_ms);
		if (p[i++] == '\n')
			r->open = false;	/* the next byte starts a line */
	}
	r->seq++;
	pthread_mutex_unlock(&r->lock);
}

void
rawlog_note(struct rawlog *r, int64_t now_ms, const char *fmt, ...)
{
	struct rawlog_line *l;
	va_list ap;

	if (r->lines == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	l = start_line(r, '#', now_ms);
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	r->open = false;
	r->seq++;
	pthread_mutex_unlock(&r->lock);
}

void
rawlog_set_user(struct rawlog *r, bool on)
{
	if (r->lines == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->user = on;
	r->open = false;
	pthread_mutex_unlock(&r->lock);
}

size_t
rawlog_copy(struct rawlog *r, struct rawlog_line *out, size_t max, uint64_t *seq)
{
	size_t n, i, first;

	if (r->lines == NULL)
		return 0;
	pthread_mutex_lock(&r->lock);
	n = r->count < max ? r->count : max;
	first = (r->head + RAWLOG_LINES - n) % RAWLOG_LINES;
	for (i = 0; i < n; i++)
		out[i] = r->lines[(first + i) % RAWLOG_LINES];
	if (seq != NULL)
		*seq = r->seq;
	pthread_mutex_unlock(&r->lock);
	return n;
}

uint64_t
rawlog_seq(struct rawlog *r)
{
	uint64_t s;

	pthread_mutex_lock(&r->lock);
	s = r->seq;
	pthread_mutex_unlock(&r->lock);
	return s;
}
