/* diag.h — what a parser or protocol step has to say besides its result.
 *
 * Pure code (framing, parsers) cannot print.  It records warnings (an
 * unknown column, a value out of range) and one error message here; the
 * caller decides whether to show, log or count them.  Messages are plain
 * one-line English, already sanitised. */
#ifndef PT_DIAG_H
#define PT_DIAG_H

#include <stddef.h>

#define PT_DIAG_MAX	8
#define PT_DIAG_LEN	160

struct pt_diag {
	int	n_warnings;		/* may exceed PT_DIAG_MAX; extra ones are counted, not kept */
	char	warnings[PT_DIAG_MAX][PT_DIAG_LEN];
	char	error[PT_DIAG_LEN];	/* "" when no error */
};

void	pt_diag_clear(struct pt_diag *d);

/* Record a warning (printf-style).  `d` may be NULL. */
void	pt_diag_warn(struct pt_diag *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Record the error text and return `err` (a negative pt_err), so a parser
 * can write `return pt_diag_fail(d, PT_ERR_PARSE, "row %d: ...", n);`. */
int	pt_diag_fail(struct pt_diag *d, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
