/* console_text.h — reading the text of one console answer.
 *
 * Shared by every console parser.  Pure functions over (pointer, length)
 * spans of an answer body; nothing is copied or allocated.
 *
 * Lines: CR, LF and any run of them are one line break (docs/console.md §2.2);
 * empty lines, lines of blanks, and the pager prompt ("Press [Enter] to be
 * continued...") are skipped; trailing and leading blanks are trimmed.
 */
#ifndef PT_CONSOLE_TEXT_H
#define PT_CONSOLE_TEXT_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ct_span {
	const char	*p;
	size_t		 len;
};

struct ct_lines {
	const char	*p, *end;
};

void	ct_lines_init(struct ct_lines *it, const char *buf, size_t len);
/* Next non-empty, trimmed line; false at the end. */
bool	ct_next_line(struct ct_lines *it, struct ct_span *line);

#define CT_MAX_TOKENS	64

/* A cursor over the tokens of one line, for a parser that reads a row
 * column by column in one pass (nothing stored, nothing read twice). */
struct ct_cur {
	const char	*p, *end;
	const char	*lim;	/* bytes up to here may be loaded (>= end) */
};

/* The first byte at or after p that is not a blank (or end). */
static inline const char *
ct_skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Always inlined where the compiler supports it: a row reader calls it
 * for most columns, and a call costs as much as the work. */
#if defined(__GNUC__)
#define CT_INLINE	inline __attribute__((always_inline))
#else
#define CT_INLINE	inline
#endif

static inline void
ct_cur_init(struct ct_cur *c, struct ct_span line)
{
	c->p = line.p;
	c->end = c->lim = line.p + line.len;
}

/* The same, when the bytes up to `lim` (the answer's end) may be loaded:
 * a number is then read 8 bytes at once (what lies past the token is
 * loaded, never taken). */
static inline void
ct_cur_init_in(struct ct_cur *c, struct ct_span line, const char *lim)
{
	c->p = line.p;
	c->end = line.p + line.len;
	c->lim = lim >= c->end ? lim : c->end;
}

/* The next token; false (tok->len 0) at the end of the line. */
static CT_INLINE bool
ct_cur_next(struct ct_cur *c, struct ct_span *tok)
{
	const char *p, *end = c->end, *start;

	p = ct_skip_blanks(c->p, end);
	start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	c->p = p;
	tok->p = start;
	tok->len = (size_t)(p - start);
	return p > start;
}

/* The next token as a whole-token integer (ct_long's rule, in the same
 * pass as the split): true with *v set; false when the token is not a
 * number or the line has no more tokens (tok->len 0).  *tok is the
 * token either way, for the caller's message or its "-" check. */
/* ct_cur_long's slow path: a token that is not plain digits ending at a blank. */
bool	ct_cur_long_slow(struct ct_cur *c, const char *start, long *v, struct ct_span *tok);

/* Digits that always fit a long: 18 of 64 bits, 9 of 32. */
#define CT_SAFE_DIGITS	(LONG_MAX > 0x7fffffffL ? 18 : 9)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The digits at p, up to 8 (8 bytes may be loaded at p): true with *n
 * their count and *v their value; false when p is not a digit (the
 * caller checks what follows them).  One 8-byte load: the bytes that are digits are found at once,
 * the rest cleared, and the digits combined pairwise (2, 4, 8). */
static CT_INLINE bool
ct_digits8(const char *p, size_t *n, long *v)
{
	const uint64_t lo = 0x0f0f0f0f0f0f0f0fULL, hi = 0xf0f0f0f0f0f0f0f0ULL;
	uint64_t x, notd, d;
	unsigned k;

	memcpy(&x, p, 8);
	/* A byte of notd is not 0 where x's is not '0'..'9' (its high
	 * nibble is not 3, or its low one is above 9); no carry crosses
	 * a byte. */
	notd = ((x & hi) ^ 0x3030303030303030ULL) | (((x & lo) + 0x0606060606060606ULL) & hi);
	k = notd == 0 ? 8 : (unsigned)__builtin_ctzll(notd) >> 3;
	if (k == 0)
		return false;
	*n = k;
	d = (x & lo) << (8 * (8 - k));	/* the digits on top, 0s below */
	d = (d * 2561) >> 8;
	d = ((d & 0x00ff00ff00ff00ffULL) * 6553601) >> 16;
	*v = (long)(((d & 0x0000ffff0000ffffULL) * 42949672960001ULL) >> 32);
	return true;
}
#endif

static CT_INLINE bool
ct_cur_long(struct ct_cur *c, long *v, struct ct_span *tok)
{
	const char *p, *end = c->end, *start, *digits;
	long x = 0;

	p = ct_skip_blanks(c->p, end);
	start = p;
	if (p < end && *p == '-')
		p++;
	digits = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (c->lim - p >= 8) {
		size_t n;

		if (!ct_digits8(p, &n, &x))
			return ct_cur_long_slow(c, start, v, tok);
		p += n;
		if (p > end)	/* digits past the line: not this token's */
			return ct_cur_long_slow(c, start, v, tok);
	} else
#endif
	while (p < end && (unsigned char)(*p - '0') < 10 && p - digits < CT_SAFE_DIGITS)
		x = x * 10 + (*p++ - '0');
	if (p == digits || (p < end && *p != ' ' && *p != '\t'))
		return ct_cur_long_slow(c, start, v, tok);
	c->p = p;
	tok->p = start;
	tok->len = (size_t)(p - start);
	*v = digits > start ? -x : x;
	return true;
}

/* Split a line at runs of blanks.  Returns the number of tokens stored
 * (at most `max`); *total gets the number present (may be larger). */
int	ct_tokens(struct ct_span line, struct ct_span *tok, int max, int *total);

/* Key:value rule of docs/console.md §3.8: split at the first ':' preceded by
 * blank, else at the first ": ", else at the first ':'.  The key is
 * written to `key` with inner blank runs collapsed to one space; the value
 * span is trimmed.  False when the line has no colon. */
bool	ct_keyvalue(struct ct_span line, char *key, size_t keysize, struct ct_span *value);

/* Strict number conversions of a whole token (sign allowed, no junk). */
bool	ct_long(struct ct_span tok, long *out);
bool	ct_double(struct ct_span tok, double *out);
/* Leading number of a token with a unit glued or after it ("-90000mA",
 * "13%"); *unit gets the rest (may be empty). */
bool	ct_long_unit(struct ct_span tok, long *out, struct ct_span *unit);
/* "0x2000" or "2000" as hex. */
bool	ct_hex(struct ct_span tok, long *out);

/* Comparisons with a NUL-terminated word (a literal or a table's label).
 * Inline, and without strlen: the loop stops at the first difference,
 * so a table lookup costs about one byte per label that does not match. */
static inline bool
ct_eq(struct ct_span s, const char *z)	/* exact, case-sensitive */
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (z[i] != s.p[i] || z[i] == '\0')
			return false;
	return z[s.len] == '\0';
}

static inline bool
ct_starts(struct ct_span s, const char *z)
{
	size_t i;

	for (i = 0; z[i] != '\0'; i++)
		if (i >= s.len || s.p[i] != z[i])
			return false;
	return true;
}

static inline char
ct_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool
ct_ieq(struct ct_span s, const char *z)	/* ignoring case */
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (z[i] == '\0' || ct_lower(z[i]) != ct_lower(s.p[i]))
			return false;
	return z[s.len] == '\0';
}

bool	ct_contains(struct ct_span s, const char *lit);
/* A "-" placeholder (no value): one or more '-'. */
static inline bool
ct_is_dash(struct ct_span s)
{
	size_t i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++)
		if (s.p[i] != '-')
			return false;
	return true;
}
/* Copy a span into a NUL-terminated buffer, truncating. */
void	ct_copy(char *dst, size_t size, struct ct_span s);

#endif
