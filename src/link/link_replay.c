/* link_replay.c — replay:FILE plays a device back through the whole
 * program: framing, parsers, session, history, alarms, UI and sinks.
 *
 * Three kinds of file, told apart at open:
 *  - a recording (--record, link_record.h): each chunk the device sent is
 *    released when pylontop has sent what was recorded before it, on the
 *    recording's clock (clock.h: at recorded speed, or --replay-speed).
 *    What pylontop sends is checked against the recording; a difference
 *    is counted and said.  Recorded unplugs are link losses, recorded
 *    failed opens fail again, and the recording's end stops the replay.
 *  - a terminal log (screen -L, minicom -C, PuTTY): no times, prompts
 *    ("pylon>") followed by echoed commands.  Each answer is released when
 *    its command is sent; the log is searched from the last answer on,
 *    then from its start, so a poll loop keeps getting answers.
 *  - anything else: raw bytes, read as they come; writes are dropped; the
 *    end is an unplug (PT_ERR_CLOSED) and a reopen starts again.
 */
#include "link/link_impl.h"
#include "link/link_record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"

#define FILE_MAX	(256LL * 1024 * 1024)
#define CMD_MAX		128

enum replay_mode { RM_RAW, RM_RECORDING, RM_LOG };

enum ev_kind {
	EV_TX, EV_RX, EV_OPEN, EV_OPEN_FAILED, EV_LOST, EV_CLOSE, EV_BAUD,
	EV_TIMEOUT,	/* a read that got nothing within its time */
	EV_NOTE,
};

struct ev {
	int64_t		t;		/* ms since the recording started */
	enum ev_kind	kind;
	bool		used;		/* replayed (out of order, maybe) */
	char		*data;		/* bytes (TX, RX) or text (events) */
	size_t		len;
};

struct log_entry {
	char		cmd[CMD_MAX];	/* the echoed command, trimmed */
	const char	*data;		/* echo, answer and the next prompt */
	size_t		len;
};

struct replay {
	enum replay_mode mode;
	char		*file;
	size_t		flen;
	/* recording */
	struct ev	*ev;
	size_t		nev;
	size_t		cur;		/* the first event not replayed yet */
	size_t		rd;		/* the next answer: after the last command matched */
	size_t		off;		/* bytes of ev[rd] already read */
	int64_t		start_ms;	/* wall time at +0.000 */
	bool		clock_started, finished;
	bool		lost;		/* a recorded loss: dead until closed */
	char		lost_text[300];
	/* terminal log */
	struct log_entry *ent;
	size_t		nent, ecur;
	char		prompt[32];
	char		*pending;
	size_t		plen, poff, psize;
	/* both */
	unsigned	mismatches;
	char		note[300];
};

static struct replay *
rp(const struct link *l)
{
	return l->priv;
}

static void
replay_free(struct replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nev; i++)
		free(r->ev[i].data);
	free(r->ev);
	free(r->ent);
	free(r->pending);
	free(r->file);
	free(r);
}

/* ---- loading ----------------------------------------------------------- */

static int
load_file(struct link *l, struct replay *r)
{
	FILE *f = fopen(l->path, "rbe");
	long size;

	if (f == NULL) {
		link_seterr(l, "%s: cannot open the recording: %s", l->spec, strerror(errno));
		return errno == ENOENT ? PT_ERR_NODEV : errno == EACCES ? PT_ERR_PERM :
		    PT_ERR_IO;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > FILE_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		link_seterr(l, "%s: cannot read the recording (not a regular file, or "
		    "larger than 256 MiB)", l->spec);
		return PT_ERR_IO;
	}
	r->file = malloc((size_t)size + 1);
	if (r->file == NULL || fread(r->file, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		link_seterr(l, "%s: cannot read the recording", l->spec);
		return PT_ERR_IO;
	}
	fclose(f);
	r->flen = (size_t)size;
	r->file[r->flen] = '\0';
	return 0;
}

static const struct {
	const char	*word;
	enum ev_kind	kind;
} event_words[] = {
	{ "open-failed", EV_OPEN_FAILED },
	{ "open", EV_OPEN },
	{ "lost", EV_LOST },
	{ "close", EV_CLOSE },
	{ "baud", EV_BAUD },
	{ "timeout", EV_TIMEOUT },
};

static int
push_ev(struct replay *r, size_t *cap, const struct ev *e)
{
	if (r->nev == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		struct ev *p = realloc(r->ev, n * sizeof *p);

		if (p == NULL)
			return -1;
		r->ev = p;
		*cap = n;
	}
	r->ev[r->nev++] = *e;
	return 0;
}

/* One "+S.mmm D TEXT" line into e.  -1 when it is not one. */
static int
parse_line(const char *s, size_t len, struct ev *e)
{
	long long sec;
	int ms, n = 0;
	const char *text;
	size_t tlen, i;
	char dir;

	if (sscanf(s, "+%lld.%3d %c%n", &sec, &ms, &dir, &n) != 3 || (size_t)n > len ||
	    (n < (int)len && s[n] != ' '))
		return -1;
	e->t = sec * 1000 + ms;
	text = s + n + (n < (int)len ? 1 : 0);
	tlen = len - (size_t)(text - s);
	if (dir == '>' || dir == '<')
		e->kind = dir == '>' ? EV_TX : EV_RX;
	else if (dir == '!') {
		e->kind = EV_NOTE;
		for (i = 0; i < sizeof event_words / sizeof event_words[0]; i++) {
			size_t w = strlen(event_words[i].word);

			if (tlen >= w && strncmp(text, event_words[i].word, w) == 0 &&
			    (tlen == w || text[w] == ' ')) {
				e->kind = event_words[i].kind;
				text += w < tlen ? w + 1 : w;
				tlen -= w < tlen ? w + 1 : w;
				break;
			}
		}
	} else
		return -1;
	e->data = malloc(tlen + 1);
	if (e->data == NULL)
		return -1;
	n = (int)link_rec_unescape(text, tlen, e->data, tlen + 1);
	if (n < 0) {
		free(e->data);
		return -1;
	}
	e->len = (size_t)n;
	e->data[e->len] = '\0';
	return 0;
}

static int
load_recording(struct link *l, struct replay *r)
{
	size_t cap = 0, lineno = 0;
	char *p = r->file, *end = r->file + r->flen;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);
		struct ev e = { 0 };

		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (p[0] == '#')
			sscanf(p, "# start-ms: %lld", (long long *)&r->start_ms);
		else if (len > 0) {
			if (parse_line(p, len, &e) != 0) {
				link_seterr(l, "%s:%zu: not a line of a recording (want "
				    "'+SECONDS D DATA', D one of > < !)", l->path, lineno);
				return PT_ERR_PARSE;
			}
			if (push_ev(r, &cap, &e) != 0) {
				free(e.data);
				link_seterr(l, "%s: out of memory", l->spec);
				return PT_ERR_NOMEM;
			}
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (r->start_ms == 0)
		r->start_ms = clock_wall_ms();
	return 0;
}

/* Where the prompt starting at s ends ("pylon>", "pylon_debug>"), else NULL. */
static const char *
prompt_end(const char *s, const char *end)
{
	static const char *const prompts[] = { "pylon>", "pylon_debug>" };
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t n = strlen(prompts[i]);

		if ((size_t)(end - s) >= n && memcmp(s, prompts[i], n) == 0)
			return s + n;
	}
	return NULL;
}

/* The first non-empty line of [s, end), trimmed, into cmd. */
static void
first_line(const char *s, const char *end, char *cmd, size_t size)
{
	const char *e;
	size_t n;

	while (s < end && (*s == '\r' || *s == '\n' || *s == ' '))
		s++;
	for (e = s; e < end && *e != '\r' && *e != '\n'; e++)
		;
	while (e > s && e[-1] == ' ')
		e--;
	n = (size_t)(e - s) < size - 1 ? (size_t)(e - s) : size - 1;
	memcpy(cmd, s, n);
	cmd[n] = '\0';
}

/* Split a terminal log at its prompts: entry i is what follows prompt i
 * (the echoed command, the answer) up to the end of the next prompt.
 * Returns false when it is not a terminal log. */
static bool
load_log(struct replay *r)
{
	const char *s = r->file, *end = r->file + r->flen, *p, *prev_end = NULL;
	size_t cap = 0;

	if (memchr(s, '\0', r->flen) != NULL)
		return false;
	for (p = s; p < end; p++) {
		const char *pe = *p == 'p' ? prompt_end(p, end) : NULL;
		struct log_entry e;

		if (pe == NULL)
			continue;
		snprintf(r->prompt, sizeof r->prompt, "%.*s", (int)(pe - p), p);
		/* What precedes the first prompt: an answer whose prompt is it,
		 * when it starts with an echoed command. */
		e.data = prev_end != NULL ? prev_end : s;
		e.len = (size_t)(pe - e.data);
		first_line(e.data, p, e.cmd, sizeof e.cmd);
		if (prev_end != NULL || e.cmd[0] != '\0') {
			if (r->nent == cap) {
				struct log_entry *n;

				cap = cap ? cap * 2 : 64;
				if ((n = realloc(r->ent, cap * sizeof *n)) == NULL)
					return false;
				r->ent = n;
			}
			r->ent[r->nent++] = e;
		}
		prev_end = pe;
		p = pe - 1;
	}
	return r->nent > 0;
}

static int
replay_load(struct link *l)
{
	struct replay *r = calloc(1, sizeof *r);
	int rc;

	if (r == NULL) {
		link_seterr(l, "%s: out of memory", l->spec);
		return PT_ERR_NOMEM;
	}
	/* Said once, no retry: a file that is missing, unreadable or no
	 * recording after all does not get better by waiting. */
	if ((rc = load_file(l, r)) != 0) {
		r->finished = true;
		l->priv = r;
		return rc;
	}
	if (strncmp(r->file, LINK_REC_MAGIC "\n", strlen(LINK_REC_MAGIC) + 1) == 0) {
		r->mode = RM_RECORDING;
		if ((rc = load_recording(l, r)) != 0) {
			r->finished = true;
			l->priv = r;
			return rc;
		}
	} else if (load_log(r))
		r->mode = RM_LOG;
	else
		r->mode = RM_RAW;
	l->priv = r;
	return 0;
}

/* ---- recordings --------------------------------------------------------- */

static int64_t
at(const struct ev *e)
{
	return clock_virtual_origin() + e->t;
}

/* Move the replay clock to the event's time (never back). */
static void
reach(const struct ev *e)
{
	clock_virtual_advance(at(e), NULL);
}

/* A seek back halts the clock (clock.h) to stop the replay: what waited
 * for it gets this error, nothing of the recording. */
static int
halted(struct link *l)
{
	link_seterr(l, "%s: the replay was stopped", l->spec);
	return PT_ERR_CLOSED;
}

/* Nothing comes within timeout_ms: let that time pass, and a little
 * more, as for a real read (a loop "until more than 3 s passed" ends). */
static ssize_t
time_out(int timeout_ms)
{
	if (timeout_ms > 0)
		clock_virtual_advance(clock_mono_ms() + timeout_ms + 1, NULL);
	return clock_virtual_halted() ? PT_ERR_CLOSED : 0;
}

static bool
last_close(const struct replay *r, size_t i)
{
	for (; i < r->nev; i++)
		if (r->ev[i].kind == EV_OPEN || r->ev[i].kind == EV_OPEN_FAILED)
			return false;
	return true;
}

static int
rec_open(struct link *l, struct replay *r)
{
	if (!r->clock_started) {
		clock_virtual_start(r->start_ms, l->replay_speed);
		r->clock_started = true;
	}
	while (r->cur < r->nev && r->ev[r->cur].kind != EV_OPEN &&
	    r->ev[r->cur].kind != EV_OPEN_FAILED)
		r->cur++;
	r->off = 0;
	r->lost = false;
	if (r->cur >= r->nev) {
		r->finished = true;
		link_seterr(l, "%s: end of the recording", l->spec);
		return PT_ERR_NODEV;
	}
	reach(&r->ev[r->cur]);
	if (clock_virtual_halted())
		return halted(l);
	if (r->ev[r->cur++].kind == EV_OPEN_FAILED) {
		link_seterr(l, "%s", r->ev[r->cur - 1].data);
		return PT_ERR_NODEV;
	}
	r->rd = r->cur;
	l->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (l->fd < 0) {
		link_seterr(l, "/dev/null: %s", strerror(errno));
		return PT_ERR_IO;
	}
	return 0;
}

static void
skip_notes(struct replay *r)
{
	while (r->cur < r->nev && (r->ev[r->cur].used || r->ev[r->cur].kind == EV_NOTE ||
	    r->ev[r->cur].kind == EV_BAUD))
		r->cur++;
	if (r->rd < r->cur) {
		r->rd = r->cur;
		r->off = 0;
	}
}

/* The end of the recording, or a recorded loss of the link: like a
 * pulled cable, every read and write fails until the link is closed.
 * Returns true (l->error set) when the link is gone. */
static bool
rec_gone(struct link *l, struct replay *r)
{
	const struct ev *e;
	size_t i;

	/* Out of order up to the link's loss or end: what was skipped
	 * there will not come. */
	if (r->rd > r->cur && r->rd < r->nev && r->ev[r->rd].kind != EV_RX &&
	    r->ev[r->rd].kind != EV_TX && r->ev[r->rd].kind != EV_NOTE &&
	    r->ev[r->rd].kind != EV_BAUD && r->ev[r->rd].kind != EV_TIMEOUT)
		for (i = r->cur; i < r->rd; i++)
			r->ev[i].used = true;
	skip_notes(r);
	if (!r->lost && r->cur < r->nev && r->ev[r->cur].kind == EV_LOST) {
		e = &r->ev[r->cur++];
		reach(e);
		r->lost = true;
		snprintf(r->lost_text, sizeof r->lost_text, "%s (recorded)", e->data);
	}
	if (r->lost) {
		link_seterr(l, "%s", r->lost_text);
		return true;
	}
	if (r->cur >= r->nev ||
	    (r->ev[r->cur].kind == EV_CLOSE && last_close(r, r->cur))) {
		r->finished = true;
		link_seterr(l, "%s: end of the recording", l->spec);
		return true;
	}
	return false;
}

static ssize_t
rec_read(struct link *l, struct replay *r, char *buf, size_t len, int timeout_ms)
{
	const struct ev *e;
	size_t n;

	if (rec_gone(l, r))
		return PT_ERR_CLOSED;
	if (r->rd >= r->nev)
		return time_out(timeout_ms);
	e = &r->ev[r->rd];
	if (e->kind == EV_TIMEOUT && !e->used && timeout_ms > 0) {
		/* The read that got nothing, over when it was. */
		reach(e);
		if (clock_virtual_halted())
			return halted(l);
		r->ev[r->rd++].used = true;
		skip_notes(r);
		return 0;
	}
	if (e->kind != EV_RX || e->used)
		return time_out(timeout_ms);	/* the recording waits for us */
	if (timeout_ms > 0 && at(e) > clock_mono_ms() + timeout_ms)
		return time_out(timeout_ms);
	reach(e);
	if (clock_virtual_halted())
		return halted(l);
	n = e->len - r->off < len ? e->len - r->off : len;
	memcpy(buf, e->data + r->off, n);
	r->off += n;
	if (r->off >= e->len) {
		r->ev[r->rd++].used = true;
		r->off = 0;
	}
	return (ssize_t)n;
}

/* "pwr" for "pwr\n": what was sent, in the format's escapes. */
static void
words(const char *buf, size_t len, char *out, size_t size)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	link_rec_escape(buf, len > 60 ? 60 : len, out, size);
}

static void
mismatch(struct replay *r, const char *sent, size_t len, const struct ev *want)
{
	char a[300], b[300];

	words(sent, len, a, sizeof a);
	r->mismatches++;
	if (want != NULL) {
		words(want->data, want->len, b, sizeof b);
		snprintf(r->note, sizeof r->note, "replay: sent '%s', recording has '%s' "
		    "at +%.1f s", a, b, (double)want->t / 1000.0);
	} else
		snprintf(r->note, sizeof r->note, "replay: sent '%s', the recording has "
		    "nothing sent there", a);
}

static bool
same(const struct ev *e, const void *buf, size_t len)
{
	return e->kind == EV_TX && e->len == len && memcmp(e->data, buf, len) == 0;
}

/* The command sent is looked for among the next ones the recording has
 * on this connection, so a changed order costs one mismatch, not all the
 * rest: its answers are released, and the skipped commands stay there
 * for later. */
#define REORDER_WINDOW	16

static int
rec_write(struct link *l, struct replay *r, const void *buf, size_t len)
{
	size_t j, first = SIZE_MAX, tx = 0;

	/* Answers not read: in the recording they were read before this
	 * command was sent. */
	while (r->rd < r->nev && (r->ev[r->rd].kind == EV_RX ||
	    r->ev[r->rd].kind == EV_TIMEOUT) && !r->ev[r->rd].used)
		r->ev[r->rd++].used = true;
	r->off = 0;
	while (r->cur < r->nev && (r->ev[r->cur].kind == EV_RX ||
	    r->ev[r->cur].kind == EV_TIMEOUT))
		r->ev[r->cur++].used = true;
	if (rec_gone(l, r))
		return PT_ERR_CLOSED;
	for (j = r->cur; j < r->nev && tx < REORDER_WINDOW; j++) {
		const struct ev *e = &r->ev[j];

		if (e->kind == EV_OPEN || e->kind == EV_OPEN_FAILED || e->kind == EV_LOST ||
		    e->kind == EV_CLOSE)
			break;
		if (e->kind != EV_TX || e->used)
			continue;
		if (first == SIZE_MAX)
			first = j;
		if (same(e, buf, len))
			break;
		tx++;
	}
	if (first == SIZE_MAX) {
		mismatch(r, buf, len, NULL);
		return 0;
	}
	if (j >= r->nev || tx >= REORDER_WINDOW || !same(&r->ev[j], buf, len)) {
		/* Not there: take the recorded one as sent. */
		mismatch(r, buf, len, &r->ev[first]);
		j = first;
	} else if (j != first)
		mismatch(r, buf, len, &r->ev[first]);
	reach(&r->ev[j]);
	if (clock_virtual_halted())
		return halted(l);
	r->ev[j].used = true;
	r->rd = j + 1;
	r->off = 0;
	skip_notes(r);
	return 0;
}

/* Waits end at the recording's next exchange (clock.h): the first event
 * not replayed yet after the last command matched (commands skipped by
 * a changed order wait there, in the past). */
static void
set_horizon(const struct replay *r)
{
	size_t i = r->rd > r->cur ? r->rd : r->cur;

	while (i < r->nev && r->ev[i].used)
		i++;
	clock_virtual_horizon(i < r->nev && r->clock_started ? at(&r->ev[i]) : 0);
}

/* ---- terminal logs ----------------------------------------------------- */

static int
log_queue(struct replay *r, const char *p, size_t n)
{
	if (r->poff > 0) {
		memmove(r->pending, r->pending + r->poff, r->plen - r->poff);
		r->plen -= r->poff;
		r->poff = 0;
	}
	if (r->plen + n > r->psize) {
		size_t size = (r->plen + n) * 2;
		char *q = realloc(r->pending, size);

		if (q == NULL)
			return PT_ERR_NOMEM;
		r->pending = q;
		r->psize = size;
	}
	memcpy(r->pending + r->plen, p, n);
	r->plen += n;
	return 0;
}

static int
log_write(struct replay *r, const char *buf, size_t len)
{
	char cmd[CMD_MAX];
	size_t i, k;

	first_line(buf, buf + len, cmd, sizeof cmd);
	/* CR to a pager, while the rest of the answer is still queued. */
	if (cmd[0] == '\0' && r->poff < r->plen)
		return 0;
	for (k = 0; k < r->nent; k++) {
		i = (r->ecur + k) % r->nent;
		if (strcmp(r->ent[i].cmd, cmd) == 0) {
			r->ecur = i + 1;
			return log_queue(r, r->ent[i].data, r->ent[i].len);
		}
	}
	if (cmd[0] == '\0') {
		/* An empty line: the console answers with its prompt. */
		char p[40];

		snprintf(p, sizeof p, "\r\n%s", r->prompt);
		return log_queue(r, p, strlen(p));
	}
	r->mismatches++;
	snprintf(r->note, sizeof r->note, "replay: sent '%s', the terminal log has no "
	    "answer to it", cmd);
	return 0;
}

static ssize_t
log_read(struct replay *r, char *buf, size_t len, int timeout_ms)
{
	size_t n = r->plen - r->poff;

	if (n == 0) {
		/* The log has nothing more to say until the next command. */
		struct timespec ts = { .tv_sec = timeout_ms / 1000,
		    .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };

		if (clock_is_virtual())
			return time_out(timeout_ms);
		if (timeout_ms > 0)
			nanosleep(&ts, NULL);
		return 0;
	}
	if (n > len)
		n = len;
	memcpy(buf, r->pending + r->poff, n);
	r->poff += n;
	return (ssize_t)n;
}

/* ---- the backend ---------------------------------------------------------- */

static int
replay_open(struct link *l)
{
	struct replay *r;
	int rc;

	if (l->priv == NULL && (rc = replay_load(l)) != 0)
		return rc;
	r = rp(l);
	if (r->file == NULL) {		/* replay_load() failed and said why */
		link_seterr(l, "%s: cannot read the recording", l->spec);
		return PT_ERR_IO;
	}
	if (r->mode == RM_RECORDING) {
		rc = rec_open(l, r);
		set_horizon(r);
		return rc;
	}
	/* A log has no times: --replay-speed 0 only makes its silences
	 * (commands it has no answer to) pass at once. */
	if (r->mode == RM_LOG && l->replay_speed == 0 && !clock_is_virtual()) {
		clock_virtual_start(clock_wall_ms(), 0);
		r->clock_started = true;
	}
	l->fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (l->fd < 0) {
		link_seterr(l, "%s: cannot open the recording: %s", l->spec,
		    strerror(errno));
		return errno == ENOENT ? PT_ERR_NODEV : errno == EACCES ?
		    PT_ERR_PERM : PT_ERR_IO;
	}
	return 0;
}

static ssize_t
raw_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	ssize_t n;
	int rc;

	/* A regular file is always readable; a FIFO may make us wait. */
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return 0;
	do
		n = read(l->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n < 0) {
		link_seterr(l, "%s: cannot read the recording: %s", l->spec,
		    strerror(errno));
		return PT_ERR_IO;
	}
	link_seterr(l, "%s: end of the recording", l->spec);
	return PT_ERR_CLOSED;
}

static ssize_t
replay_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	struct replay *r = rp(l);
	ssize_t n;

	if (r != NULL && r->mode == RM_RECORDING) {
		n = rec_read(l, r, buf, len, timeout_ms);
		set_horizon(r);
		return n;
	}
	if (r != NULL && r->mode == RM_LOG)
		return log_read(r, buf, len, timeout_ms);
	return raw_read(l, buf, len, timeout_ms);
}

static int
replay_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	struct replay *r = rp(l);

	int rc;

	(void)timeout_ms;
	if (r != NULL && r->mode == RM_RECORDING) {
		rc = rec_write(l, r, buf, len);
		set_horizon(r);
		return rc;
	}
	if (r != NULL && r->mode == RM_LOG)
		return log_write(r, buf, len);
	return 0;	/* raw: dropped */
}

/* A recorded baud change (the LV wake-up) replays; nothing else has a
 * baud rate here. */
static int
replay_set_baud(struct link *l, int baud)
{
	struct replay *r = rp(l);
	char want[16];

	snprintf(want, sizeof want, "%d", baud);
	if (r != NULL && r->mode == RM_RECORDING) {
		size_t i = r->rd;

		while (i < r->nev && (r->ev[i].used || r->ev[i].kind == EV_NOTE))
			i++;
		if (i < r->nev && r->ev[i].kind == EV_BAUD && strcmp(r->ev[i].data, want) == 0) {
			reach(&r->ev[i]);
			r->ev[i].used = true;
			r->rd = i + 1;
			skip_notes(r);
			set_horizon(r);
			return 0;
		}
	}
	link_seterr(l, "%s: the baud rate is not set over replay", l->spec);
	return PT_ERR_UNSUPPORTED;
}

static void
replay_close(struct link *l)
{
	struct replay *r = rp(l);

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	/* One that could not be loaded stays finished (link_replay_finished):
	 * closing it must not make it look new to the next open. */
	if (r != NULL && r->file == NULL)
		return;
	if (r != NULL && r->mode == RM_RECORDING) {
		skip_notes(r);
		if (r->cur < r->nev && r->ev[r->cur].kind == EV_CLOSE)
			reach(&r->ev[r->cur++]);
		r->rd = r->cur;
		r->off = 0;
		set_horizon(r);
		return;
	}
	/* Raw bytes and terminal logs start again at the next open. */
	replay_free(r);
	l->priv = NULL;
}

static void
replay_release(struct link *l)
{
	struct replay *r = rp(l);

	if (r != NULL && r->clock_started)
		clock_virtual_stop();
	replay_free(r);
	l->priv = NULL;
}

bool
link_replay_finished(const struct link *l)
{
	return l->ops == &link_replay_ops && rp(l) != NULL && rp(l)->finished;
}

unsigned
link_replay_mismatches(const struct link *l, char *note, size_t size)
{
	const struct replay *r = l->ops == &link_replay_ops ? rp(l) : NULL;

	if (size > 0)
		snprintf(note, size, "%s", r != NULL ? r->note : "");
	return r != NULL ? r->mismatches : 0;
}

int
link_replay_setting(const char *path, const char *key, char *out, size_t size)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof line, f) == NULL ||
	    strncmp(line, LINK_REC_MAGIC "\n", strlen(LINK_REC_MAGIC) + 1) != 0) {
		fclose(f);
		return -1;
	}
	while (rc != 0 && fgets(line, sizeof line, f) != NULL && line[0] == '#') {
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) > klen + 3 && strncmp(line + 2, key, klen) == 0 && line[2 + klen] == ':' &&
		    line[3 + klen] == ' ') {
			snprintf(out, size, "%s", line + 4 + klen);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

const struct link_ops link_replay_ops = {
	.kind = "replay",
	.open = replay_open,
	.read = replay_read,
	.write = replay_write,
	.set_baud = replay_set_baud,
	.close = replay_close,
	.release = replay_release,
};
