/* diag.c — warnings and errors of pure code. */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/sanitize.h"

void
pt_diag_clear(struct pt_diag *d)
{
	if (d != NULL)
		memset(d, 0, sizeof *d);
}

static void
vformat(char *dst, const char *fmt, va_list ap)
{
	char raw[PT_DIAG_LEN];

	vsnprintf(raw, sizeof raw, fmt, ap);
	/* Messages quote device text: keep them one printable line. */
	san_text(dst, PT_DIAG_LEN, raw, strlen(raw));
}

void
pt_diag_warn(struct pt_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	if (d->n_warnings < PT_DIAG_MAX) {
		va_start(ap, fmt);
		vformat(d->warnings[d->n_warnings], fmt, ap);
		va_end(ap);
	}
	d->n_warnings++;
}

int
pt_diag_fail(struct pt_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		va_start(ap, fmt);
		vformat(d->error, fmt, ap);
		va_end(ap);
	}
	return err;
}
