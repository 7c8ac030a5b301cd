/* console_frame.c — one complete console answer in a byte stream.
 *
 * Shape (docs/console.md §2): [stale prompts] echo LF, '@' line, body, success
 * or failure line, "$$", prompt without a line end.  The scan is linear
 * and works on raw bytes (NULs and garbage included); nothing is copied.
 */
#include "proto/console_frame.h"

#include <string.h>

static const char pager_text[] = "Press [Enter] to be continued";
static const char success_text[] = "Command completed successfully";

static const struct {
	enum console_prompt	p;
	const char		*text;
} prompts[] = {
	{ CP_PYLON_DEBUG, "pylon_debug>" },
	{ CP_PYLON, "pylon>" },
	{ CP_PYTES, "PYTES>" },
};

const char *
console_prompt_text(enum console_prompt p)
{
	size_t i;

	for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++)
		if (prompts[i].p == p)
			return prompts[i].text;
	return "";
}

/* memmem(3) is a GNU extension: a short needle makes this linear enough. */
static const char *
find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *p = hay, *end = hay + len;

	while (n > 0 && (size_t)(end - p) >= n) {
		p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

static bool
is_eol(char c)
{
	return c == '\r' || c == '\n';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

enum console_prompt
console_prompt_at_end(const char *buf, size_t len)
{
	size_t i;

	while (len > 0 && is_blank(buf[len - 1]))
		len--;
	for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
		size_t n = strlen(prompts[i].text);
		if (len >= n && memcmp(buf + len - n, prompts[i].text, n) == 0)
			return prompts[i].p;
	}
	return CP_NONE;
}

/* The first prompt at or after `from`; its end in *end. */
static enum console_prompt
first_prompt(const char *buf, size_t len, size_t from, size_t *at, size_t *end)
{
	enum console_prompt best = CP_NONE;
	size_t i, best_at = len;

	for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
		const char *p = find(buf + from, len - from, prompts[i].text);
		/* "pylon>" also matches inside "...pylon_debug>": no, the
		 * strings differ at '_'; but keep the earliest match. */
		if (p != NULL && (size_t)(p - buf) < best_at) {
			best_at = (size_t)(p - buf);
			best = prompts[i].p;
			*end = best_at + strlen(prompts[i].text);
		}
	}
	*at = best_at;
	return best;
}

/* Line [s, e) of buf, trimmed of blanks. */
struct line {
	size_t	s, e;
};

static bool
next_line(const char *buf, size_t lim, size_t *pos, struct line *l)
{
	while (*pos < lim) {
		size_t s = *pos, e;

		while (*pos < lim && !is_eol(buf[*pos]))
			(*pos)++;
		e = *pos;
		while (*pos < lim && is_eol(buf[*pos]))
			(*pos)++;
		while (s < e && (is_blank(buf[s]) || buf[s] == '\0'))
			s++;
		while (e > s && (is_blank(buf[e - 1]) || buf[e - 1] == '\0'))
			e--;
		if (e > s) {
			l->s = s;
			l->e = e;
			return true;
		}
	}
	return false;
}

/* Skip prompts (and a stray '>') at the start of a line: "pylon>pwr". */
static size_t
skip_prompts(const char *buf, size_t s, size_t e)
{
	bool again = true;

	while (again && s < e) {
		size_t i;

		again = false;
		if (buf[s] == '>') {
			s++;
			again = true;
			continue;
		}
		for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
			size_t n = strlen(prompts[i].text);
			if (e - s >= n && memcmp(buf + s, prompts[i].text, n) == 0) {
				s += n;
				again = true;
				break;
			}
		}
	}
	while (s < e && is_blank(buf[s]))
		s++;
	return s;
}

/* Is the buffer waiting at a pager prompt (nothing after it but blanks)? */
static bool
at_pager(const char *buf, size_t len, size_t *pager_end)
{
	const char *p = NULL, *q = buf;
	size_t i;

	while ((q = find(q, len - (size_t)(q - buf), pager_text)) != NULL) {
		p = q;
		q += sizeof pager_text - 1;
	}
	if (p == NULL)
		return false;
	/* The rest of the pager line: ",other key to exit", without the
	 * blanks that may follow, so the same pager keeps the same end. */
	for (i = (size_t)(p - buf); i < len && !is_eol(buf[i]); i++)
		;
	*pager_end = i;
	while (*pager_end > (size_t)(p - buf) && is_blank(buf[*pager_end - 1]))
		(*pager_end)--;
	for (; i < len; i++)
		if (!is_blank(buf[i]))
			return false;
	return true;
}

/* Find "$$" alone on its line (blanks allowed). */
static const char *
find_dollars(const char *buf, size_t len)
{
	const char *p = buf;

	while ((p = find(p, len - (size_t)(p - buf), "$$")) != NULL) {
		size_t i = (size_t)(p - buf), j = i + 2;
		bool start = i == 0 || is_eol(buf[i - 1]) || is_blank(buf[i - 1]);
		bool end = j >= len || is_eol(buf[j]) || is_blank(buf[j]);
		if (start && end)
			return p;
		p += 2;
	}
	return NULL;
}

/* Lines that say why a command failed (docs/console.md §2.2.4). */
static const char *const failure_texts[] = {
	"Unknown command '",
	"Invalid command or fail to excute",
	"Command completed unccessfully",
	"This version do not support this command",
	"Command failed",
	"Target device is not present",
};

static bool
starts(const char *buf, const struct line *l, const char *lit)
{
	size_t n = strlen(lit);

	return l->e - l->s >= n && memcmp(buf + l->s, lit, n) == 0;
}

/*
 * Echo and start of the body.  The '@' line may be missing (Force H2),
 * glued to the echo ("bmuinfo 0@"), or preceded by noise and stale
 * prompts; the echo is the text line just before it.  Without '@' the
 * echo is the first text line and the body starts after it.
 */
static void
find_body(const char *buf, size_t region, struct console_frame *fr)
{
	size_t pos = 0, body = 0, prev_s = 0, prev_e = 0, first_s = 0, first_e = 0;
	bool have_prev = false, have_first = false;
	struct line l;

	while (next_line(buf, region, &pos, &l)) {
		size_t s = skip_prompts(buf, l.s, l.e), e = l.e;

		if (s >= e) {
			have_prev = false;	/* a bare prompt: no echo before '@' */
			continue;
		}
		if (buf[e - 1] == '@') {
			for (e--; e > s && is_blank(buf[e - 1]); e--)
				;
			if (e > s) {		/* glued: "bmuinfo 0@" */
				prev_s = s;
				prev_e = e;
				have_prev = true;
			}
			fr->echo_off = have_prev ? prev_s : 0;
			fr->echo_len = have_prev ? prev_e - prev_s : 0;
			fr->body_off = pos;
			return;
		}
		if (!have_first) {
			first_s = s;
			first_e = e;
			body = pos;
			have_first = true;
		}
		prev_s = s;
		prev_e = e;
		have_prev = true;
	}
	fr->echo_off = have_first ? first_s : 0;
	fr->echo_len = have_first ? first_e - first_s : 0;
	fr->body_off = body;
}

/* The first line of buf[from, region) that starts with the success text
 * (after blanks and NULs, as next_line trims), or NULL.  memchr(3) finds
 * the candidates, so a long answer is not read line by line. */
static const char *
find_success(const char *buf, size_t from, size_t region)
{
	const char *p = buf + from, *end = buf + region;

	while ((p = find(p, (size_t)(end - p), success_text)) != NULL) {
		const char *q = p;

		while (q > buf + from && (is_blank(q[-1]) || q[-1] == '\0'))
			q--;
		if (q == buf + from || is_eol(q[-1]))
			return p;
		p++;
	}
	return NULL;
}

/* Success line: the body ends before it.  No success line: a failure,
 * explained by a known failure line, else by the first body line. */
static void
classify(const char *buf, size_t region, struct console_frame *fr)
{
	const char *ok;
	size_t pos, k;
	bool have_first = false, have_reason = false;
	struct line l, first = { 0, 0 };

	find_body(buf, region, fr);
	fr->body_len = region - fr->body_off;
	if ((ok = find_success(buf, fr->body_off, region)) != NULL) {
		fr->body_len = (size_t)(ok - buf) - fr->body_off;
		fr->state = CF_OK;
		return;
	}
	pos = fr->body_off;
	while (next_line(buf, region, &pos, &l)) {
		if (starts(buf, &l, success_text)) {
			fr->body_len = l.s - fr->body_off;
			fr->state = CF_OK;
			return;
		}
		for (k = 0; !have_reason && k < sizeof failure_texts / sizeof failure_texts[0]; k++)
			if (starts(buf, &l, failure_texts[k])) {
				first = l;
				have_reason = have_first = true;
			}
		if (!have_first) {
			first = l;
			have_first = true;
		}
	}
	fr->state = CF_FAILED;
	/* fail_len 0: the device gave no reason at all. */
	fr->fail_off = first.s;
	fr->fail_len = first.e - first.s;
}

enum console_frame_state
console_frame(const char *buf, size_t len, struct console_frame *fr)
{
	const char *dollars;
	size_t at, end, pe;

	memset(fr, 0, sizeof *fr);
	dollars = find_dollars(buf, len);
	if (dollars == NULL) {
		/* An empty line's answer: LF, CR, prompt, no '@'. */
		if (console_prompt_at_end(buf, len) != CP_NONE && find(buf, len, "@") == NULL) {
			fr->prompt = console_prompt_at_end(buf, len);
			fr->consumed = len;
			return fr->state = CF_PROMPT_ONLY;
		}
		if (at_pager(buf, len, &pe)) {
			fr->pager_end = pe;
			return fr->state = CF_PAGER;
		}
		return fr->state = CF_INCOMPLETE;
	}
	at = (size_t)(dollars - buf);
	fr->prompt = first_prompt(buf, len, at + 2, &pe, &end);
	if (fr->prompt == CP_NONE)
		return fr->state = CF_INCOMPLETE;
	fr->consumed = end;
	classify(buf, at, fr);
	return fr->state;
}

bool
console_frame_may_change(const char *buf, size_t len, size_t from)
{
	/* A pager text may have begun in the bytes scanned before. */
	size_t back = sizeof pager_text - 2;

	if (from >= len)
		return false;
	if (memchr(buf + from, '>', len - from) != NULL)
		return true;
	from = from > back ? from - back : 0;
	return find(buf + from, len - from, pager_text) != NULL;
}
