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
	const char	*p, *end;	/* the line ends in a non-blank (init trims) */
	/* Bytes up to here may be loaded (>= end).  Past end, the byte at
	 * end is then known to be no digit: a run of digits stops without
	 * a test of end per byte. */
	const char	*lim;
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
 * for a column, and a call would cost as much as the work. */
#if defined(__GNUC__)
#define CT_INLINE	inline __attribute__((always_inline))
#else
#define CT_INLINE	inline
#endif

/* ct_skip_blanks within the cursor's line: it ends in a non-blank, so a
 * run of blanks that starts before end stops before it (one test a byte,
 * not three). */
static CT_INLINE const char *
ct_cur_skip(const struct ct_cur *c, const char *p)
{
	if (p < c->end)
		while (*p == ' ' || *p == '\t')
			p++;
	return p;
}

/* A cursor over `line`, loading no byte past it. */
static inline void
ct_cur_init(struct ct_cur *c, struct ct_span line)
{
	while (line.len > 0 && (line.p[line.len - 1] == ' ' || line.p[line.len - 1] == '\t'))
		line.len--;
	c->p = line.p;
	c->end = c->lim = line.p + line.len;
}

/* The same, when the bytes up to `lim` (the answer's end) may be loaded:
 * a word is then compared 8 bytes at once (console_state_next_word) and
 * digits read up to the first that is not one (what lies past the token
 * is loaded, never taken). */
static inline void
ct_cur_init_in(struct ct_cur *c, struct ct_span line, const char *lim)
{
	ct_cur_init(c, line);
	if (lim > c->end && (unsigned char)(*c->end - '0') >= 10)
		c->lim = lim;
}

/* The next token; false (tok->len 0) at the end of the line. */
static CT_INLINE bool
ct_cur_next(struct ct_cur *c, struct ct_span *tok)
{
	const char *p, *end = c->end, *start;

	p = ct_cur_skip(c, c->p);
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

static CT_INLINE bool
ct_cur_long(struct ct_cur *c, long *v, struct ct_span *tok)
{
	const char *p, *end = c->end, *start, *digits;
	unsigned long x = 0;	/* wraps past CT_SAFE_DIGITS: then not taken */
	unsigned d;

	p = ct_cur_skip(c, c->p);
	start = p;
	if (p < end && *p == '-')
		p++;
	digits = p;
	if (c->lim > end) {
		/* The byte at end is no digit: it stops the run. */
		while ((d = (unsigned)(unsigned char)*p - '0') < 10) {
			x = x * 10 + d;
			p++;
		}
	} else
		while (p < end && (d = (unsigned)(unsigned char)*p - '0') < 10) {
			x = x * 10 + d;
			p++;
		}
	if (p == digits || p - digits > CT_SAFE_DIGITS || (p < end && *p != ' ' && *p != '\t'))
		return ct_cur_long_slow(c, start, v, tok);
	c->p = p;
	tok->p = start;
	tok->len = (size_t)(p - start);
	*v = digits > start ? -(long)x : (long)x;
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
