/* link_record.c — the recorder behind --record FILE (link_record.h). */
#include "link/link_record.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"

struct link_rec {
	pthread_mutex_t	lock;
	FILE		*f;
	char		path[512];
	char		*header;	/* the caller's lines, for each rotated file */
	long long	max_bytes;
	long long	written;	/* bytes in the current file */
	int64_t		t0;		/* clock_mono_ms() at +0.000 */
	int64_t		wall0;		/* clock_wall_ms() at +0.000 */
	bool		enabled;
	bool		open;		/* the link is open (said again after a rotation) */
	char		open_text[300];
	char		error[300];
	char		*line;		/* one escaped chunk */
	size_t		line_size;
};

/* A byte the format keeps as it is. */
static bool
rec_plain(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '\\';
}

size_t
link_rec_escape(const void *buf, size_t len, char *out, size_t outsize)
{
	const unsigned char *p = buf;
	size_t o = 0, i;

	for (i = 0; i < len && o + 4 < outsize; i++) {
		unsigned char c = p[i];

		switch (c) {
		case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
		case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
		case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
		case '\t': out[o++] = '\\'; out[o++] = 't'; break;
		default:
			if (rec_plain(c))
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, outsize - o, "\\x%02x", c);
		}
	}
	if (outsize > 0)
		out[o < outsize ? o : outsize - 1] = '\0';
	return o;
}

size_t
link_rec_plain(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i = 0;

	while (i < len && rec_plain(p[i]))
		i++;
	return i;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
link_rec_unescape(const char *text, size_t len, char *out, size_t outsize)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (o >= outsize)
			return -1;
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (text[i]) {
		case '\\': out[o++] = '\\'; break;
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'x':
			if (i + 2 >= len || hexval(text[i + 1]) < 0 || hexval(text[i + 2]) < 0)
				return -1;
			out[o++] = (char)(hexval(text[i + 1]) * 16 + hexval(text[i + 2]));
			i += 2;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}

/* Write the file's header.  Called with the lock held. */
static int
write_header(struct link_rec *r, bool continued)
{
	char iso[40];
	const char *p = r->header, *nl;
	int n;

	n = fprintf(r->f, "%s\n", LINK_REC_MAGIC);
	for (; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		n += fprintf(r->f, "# %.*s\n", (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
	n += fprintf(r->f, "# date: %s\n# start-ms: %lld\n%s",
	    clock_iso8601(r->wall0, 1, iso, sizeof iso), (long long)r->wall0,
	    continued ? "# continued: the file before this one is FILE.1\n" : "");
	if (n < 0 || ferror(r->f))
		return -1;
	r->written += n;
	return 0;
}

static FILE *
create(const char *path, char *err, size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errsize, "%s: cannot create the recording: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* A line at a time: an intermittent fault is caught even if we die. */
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

struct link_rec *
link_rec_new(const char *path, long long max_bytes, const char *header, char *err,
    size_t errsize)
{
	struct link_rec *r = calloc(1, sizeof *r);

	if (r == NULL || (r->header = strdup(header != NULL ? header : "")) == NULL) {
		snprintf(err, errsize, "%s: out of memory", path);
		free(r);
		return NULL;
	}
	if (strlen(path) >= sizeof r->path) {
		snprintf(err, errsize, "%s: file name too long for --record", path);
		free(r->header);
		free(r);
		return NULL;
	}
	snprintf(r->path, sizeof r->path, "%s", path);
	r->max_bytes = max_bytes > 0 ? max_bytes : LINK_REC_MAX_DEFAULT;
	r->t0 = clock_mono_ms();
	/* On the offset the live run's sample times are on (clock.h). */
	r->wall0 = clock_wall_of_mono(r->t0);
	r->enabled = true;
	pthread_mutex_init(&r->lock, NULL);
	if ((r->f = create(path, err, errsize)) == NULL || write_header(r, false) != 0) {
		if (r->f != NULL)
			snprintf(err, errsize, "%s: cannot write the recording: %s", path,
			    strerror(errno));
		link_rec_free(r);
		return NULL;
	}
	return r;
}

void
link_rec_free(struct link_rec *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	pthread_mutex_destroy(&r->lock);
	free(r->header);
	free(r->line);
	free(r);
}

/* FILE -> FILE.1, a new FILE with the header (and the open link said
 * again, so the new file replays on its own).  Lock held. */
static void
rotate(struct link_rec *r)
{
	char old[sizeof r->path + 4];

	fclose(r->f);
	snprintf(old, sizeof old, "%s.1", r->path);
	if (rename(r->path, old) != 0)
		snprintf(r->error, sizeof r->error, "%s: cannot rotate to %s: %s", r->path,
		    old, strerror(errno));
	r->written = 0;
	if ((r->f = create(r->path, r->error, sizeof r->error)) == NULL)
		return;
	write_header(r, true);
	if (r->open) {
		int n = fprintf(r->f, "+%.3f ! open %s\n",
		    (double)(clock_mono_ms() - r->t0) / 1000.0, r->open_text);
		r->written += n > 0 ? n : 0;
	}
}

/* One line "+S.mmm D TEXT" at clock_mono_ms() `mono`.  Lock held. */
static void
put_line(struct link_rec *r, char dir, const char *text, int64_t mono)
{
	int64_t t = mono - r->t0;
	size_t need = strlen(text) + 32;
	int n;

	if (r->f == NULL)
		return;
	if (r->written + (long long)need > r->max_bytes && r->written > 0)
		rotate(r);
	if (r->f == NULL)
		return;
	n = fprintf(r->f, "+%lld.%03lld %c %s\n", (long long)(t / 1000),
	    (long long)(t % 1000), dir, text);
	if (n < 0) {
		snprintf(r->error, sizeof r->error, "%s: cannot write the recording: %s",
		    r->path, strerror(errno));
		return;
	}
	r->written += n;
}

void
link_rec_data(struct link_rec *r, char dir, const void *buf, size_t len)
{
	link_rec_data_at(r, dir, buf, len, clock_mono_ms());
}

void
link_rec_data_at(struct link_rec *r, char dir, const void *buf, size_t len, int64_t mono)
{
	size_t need = len * 4 + 1;

	if (r == NULL || len == 0)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->enabled) {
		if (need > r->line_size) {
			char *p = realloc(r->line, need);

			if (p == NULL) {
				pthread_mutex_unlock(&r->lock);
				return;
			}
			r->line = p;
			r->line_size = need;
		}
		link_rec_escape(buf, len, r->line, r->line_size);
		put_line(r, dir, r->line, mono);
	}
	pthread_mutex_unlock(&r->lock);
}

void
link_rec_event(struct link_rec *r, const char *what, const char *text)
{
	link_rec_event_at(r, what, text, clock_mono_ms());
}

void
link_rec_event_at(struct link_rec *r, const char *what, const char *text, int64_t mono)
{
	char line[400], esc[300];

	if (r == NULL)
		return;
	esc[0] = '\0';
	if (text != NULL)
		link_rec_escape(text, strlen(text), esc, sizeof esc);
	snprintf(line, sizeof line, "%s%s%s", what, esc[0] ? " " : "", esc);
	pthread_mutex_lock(&r->lock);
	if (strcmp(what, "open") == 0) {
		r->open = true;
		snprintf(r->open_text, sizeof r->open_text, "%s", esc);
	} else if (strcmp(what, "close") == 0 || strcmp(what, "lost") == 0)
		r->open = false;
	if (r->enabled)
		put_line(r, '!', line, mono);
	pthread_mutex_unlock(&r->lock);
}

void
link_rec_set_enabled(struct link_rec *r, bool on)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	if (on != r->enabled) {
		/* Said while enabled, so the gap shows in the file. */
		r->enabled = true;
		put_line(r, '!', on ? "resume" : "pause", clock_mono_ms());
		r->enabled = on;
	}
	pthread_mutex_unlock(&r->lock);
}

bool
link_rec_enabled(struct link_rec *r)
{
	bool on;

	if (r == NULL)
		return false;
	pthread_mutex_lock(&r->lock);
	on = r->enabled;
	pthread_mutex_unlock(&r->lock);
	return on;
}

const char *
link_rec_error(struct link_rec *r)
{
	return r != NULL ? r->error : "";
}
