/* console_text.c — line, token and key:value helpers for console answers. */
#include "proto/console_text.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_eol(char c)
{
	return c == '\r' || c == '\n';
}

static struct ct_span
trim(struct ct_span s)
{
	while (s.len > 0 && (is_blank(s.p[0]) || s.p[0] == '\0')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (is_blank(s.p[s.len - 1]) || s.p[s.len - 1] == '\0'))
		s.len--;
	return s;
}

void
ct_lines_init(struct ct_lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
}

/* The first CR or LF at or after p, else end: one pass (two memchr(3)
 * calls read a line twice, and one for CR alone would read the whole
 * rest of an answer without CRs on every line). */
static const char *
find_eol(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, cr),
		    _mm_cmpeq_epi8(x, lf)));
		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
		p += 16;
	}
#endif
	while (p < end && !is_eol(*p))
		p++;
	return p;
}

/* Blanks and NULs are trimmed from both ends of a line. */
static bool
is_trimmed(char c)
{
	return c == ' ' || c == '\t' || c == '\0';
}

bool
ct_next_line(struct ct_lines *it, struct ct_span *line)
{
	const char *p = it->p, *end = it->end;

	while (p < end) {
		const char *start = p, *e;

		e = p = find_eol(p, end);
		while (p < end && is_eol(*p))
			p++;
		while (start < e && is_trimmed(*start))
			start++;
		while (e > start && is_trimmed(e[-1]))
			e--;
		if (start == e)
			continue;
		/* The pager prompt is not part of any answer (its first
		 * letter first: one compare for every other line). */
		if (*start == 'P' && ct_starts((struct ct_span){ start, (size_t)(e - start) },
		    "Press [Enter] to be continued"))
			continue;
		it->p = p;
		line->p = start;
		line->len = (size_t)(e - start);
		return true;
	}
	it->p = p;
	return false;
}

#ifdef __SSE2__
/* Bit i set: byte i of the 16 at p is not a blank. */
static inline unsigned
nonblank16(const char *p)
{
	const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);

	return ~(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, sp),
	    _mm_cmpeq_epi8(x, tab))) & 0xffffu;
}
#endif

/* 16 bytes a step where SSE2 is: a token starts or ends where a byte's
 * "not blank" bit differs from its predecessor's, so a row of long blank
 * runs (the console pads its columns) costs a few instructions per
 * token, not per byte. */
int
ct_tokens(struct ct_span line, struct ct_span *tok, int max, int *total)
{
	int n = 0, all = 0;
#ifdef __SSE2__
	size_t off, start = 0;
	unsigned carry = 0;	/* the byte before this chunk is not a blank */
	bool in = false;

	for (off = 0; off < line.len; off += 16) {
		unsigned nb, edges;

		if (line.len - off >= 16)
			nb = nonblank16(line.p + off);
		else {
			char pad[16];

			memset(pad, ' ', sizeof pad);
			memcpy(pad, line.p + off, line.len - off);
			nb = nonblank16(pad);
		}
		edges = nb ^ (((nb << 1) | carry) & 0xffffu);
		carry = nb >> 15;
		while (edges != 0) {
			size_t pos = off + (size_t)__builtin_ctz(edges);

			edges &= edges - 1;
			if (!in)
				start = pos;
			else {
				if (n < max) {
					tok[n].p = line.p + start;
					tok[n].len = pos - start;
					n++;
				}
				all++;
			}
			in = !in;
		}
	}
	if (in) {
		if (n < max) {
			tok[n].p = line.p + start;
			tok[n].len = line.len - start;
			n++;
		}
		all++;
	}
#else
	size_t i = 0;

	while (i < line.len) {
		size_t start;

		while (i < line.len && is_blank(line.p[i]))
			i++;
		if (i >= line.len)
			break;
		start = i;
		while (i < line.len && !is_blank(line.p[i]))
			i++;
		if (n < max) {
			tok[n].p = line.p + start;
			tok[n].len = i - start;
			n++;
		}
		all++;
	}
#endif
	if (total != NULL)
		*total = all;
	return n;
}

bool
ct_keyvalue(struct ct_span line, char *key, size_t keysize, struct ct_span *value)
{
	size_t i, cut = line.len, o = 0;
	bool blank = false;

	for (i = 1; i < line.len; i++)
		if (line.p[i] == ':' && is_blank(line.p[i - 1])) {
			cut = i;
			break;
		}
	if (cut == line.len)
		for (i = 0; i + 1 < line.len; i++)
			if (line.p[i] == ':' && is_blank(line.p[i + 1])) {
				cut = i;
				break;
			}
	if (cut == line.len) {
		const char *c = memchr(line.p, ':', line.len);
		if (c == NULL)
			return false;
		cut = (size_t)(c - line.p);
	}
	for (i = 0; i < cut && keysize > 0; i++) {
		char c = line.p[i];
		if (is_blank(c)) {
			blank = o > 0;
			continue;
		}
		if (blank && o + 1 < keysize)
			key[o++] = ' ';
		blank = false;
		if (o + 1 < keysize)
			key[o++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	/* "Module:   : P22..." — the label itself ends with a colon. */
	while (o > 0 && key[o - 1] == ':')
		o--;
	if (keysize > 0)
		key[o] = '\0';
	value->p = line.p + cut + 1;
	value->len = line.len - cut - 1;
	*value = trim(*value);
	return true;
}

bool
ct_long(struct ct_span tok, long *out)
{
	struct ct_span unit;

	return ct_long_unit(tok, out, &unit) && unit.len == 0;
}

bool
ct_long_unit(struct ct_span tok, long *out, struct ct_span *unit)
{
	size_t i = 0;
	long v = 0;
	bool neg = false;

	if (i < tok.len && (tok.p[i] == '-' || tok.p[i] == '+')) {
		neg = tok.p[i] == '-';
		i++;
	}
	if (i >= tok.len || tok.p[i] < '0' || tok.p[i] > '9')
		return false;
	for (; i < tok.len && tok.p[i] >= '0' && tok.p[i] <= '9'; i++) {
		int d = tok.p[i] - '0';
		/* v * 10 + d > LONG_MAX, without a division per digit */
		if (v > LONG_MAX / 10 || (v == LONG_MAX / 10 && d > LONG_MAX % 10))
			return false;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	unit->p = tok.p + i;
	unit->len = tok.len - i;
	return true;
}

bool
ct_cur_long_slow(struct ct_cur *c, const char *start, long *v, struct ct_span *tok)
{
	c->p = start;
	ct_cur_next(c, tok);
	return tok->len > 0 && ct_long(*tok, v);
}

bool
ct_double(struct ct_span tok, double *out)
{
	char buf[64], *end;
	size_t i;

	if (tok.len == 0 || tok.len >= sizeof(buf))
		return false;
	for (i = 0; i < tok.len; i++) {
		char c = tok.p[i];
		if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'))
			return false;
	}
	memcpy(buf, tok.p, tok.len);
	buf[tok.len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return errno == 0 && *end == '\0' && end != buf;
}

bool
ct_hex(struct ct_span tok, long *out)
{
	size_t i = 0;
	unsigned long v = 0;

	if (tok.len >= 2 && tok.p[0] == '0' && (tok.p[1] == 'x' || tok.p[1] == 'X'))
		i = 2;
	if (i >= tok.len || tok.len - i > 8)
		return false;
	for (; i < tok.len; i++) {
		char c = tok.p[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v * 16 + (unsigned long)d;
	}
	*out = (long)v;
	return true;
}

bool
ct_contains(struct ct_span s, const char *lit)
{
	size_t i, n = strlen(lit);

	if (n == 0)
		return true;
	for (i = 0; i + n <= s.len; i++)
		if (memcmp(s.p + i, lit, n) == 0)
			return true;
	return false;
}

void
ct_copy(char *dst, size_t size, struct ct_span s)
{
	size_t n;

	if (size == 0)
		return;
	n = s.len < size - 1 ? s.len : size - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}
