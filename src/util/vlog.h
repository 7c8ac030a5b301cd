/* vlog.h — the -v / -vv / DEBUG_MODE trace on stderr.
 *
 * Level 0 (default): silent.  Level 1 (-v, DEBUG_MODE=1): every command
 * sent and a one-line summary of every answer (length, time, verdict),
 * and state changes.  Level 2 (-vv): the raw bytes too, escaped.
 * Secrets are never passed here.  Thread-safe: one fprintf per line. */
#ifndef PT_VLOG_H
#define PT_VLOG_H

#include <stddef.h>

#define PT_VLOG_SUMMARY	1
#define PT_VLOG_BYTES	2

void	pt_vlog_set_level(int level);
int	pt_vlog_level(void);

/* True when lines of this level are written (cheap: test before work). */
#define pt_vlog_on(level)	(pt_vlog_level() >= (level))

/* One line "pylontop: [t.ttt] <text>" on stderr, when level is on.  The
 * text is made printable (device strings are untrusted). */
void	pt_vlog(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Raw bytes at PT_VLOG_BYTES: "<tag> N bytes: <escaped>" (\r \n \xNN). */
void	pt_vlog_bytes(const char *tag, const void *buf, size_t len);

#endif
