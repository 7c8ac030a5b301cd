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
#include <stddef.h>

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

bool	ct_eq(struct ct_span s, const char *lit);	/* exact, case-sensitive */
bool	ct_ieq(struct ct_span s, const char *lit);	/* ignoring case */
bool	ct_starts(struct ct_span s, const char *lit);
bool	ct_contains(struct ct_span s, const char *lit);
/* A "-" placeholder (no value). */
bool	ct_is_dash(struct ct_span s);
/* Copy a span into a NUL-terminated buffer, truncating. */
void	ct_copy(char *dst, size_t size, struct ct_span s);

#endif
