/* tui.h — the ncurses monitor.  Runs in the main thread, the only thread
 * that calls ncurses. */
#ifndef PT_TUI_H
#define PT_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct monitor;

struct tui_options {
	bool	ascii;		/* --ascii: no UTF-8 glyphs */
	bool	no_color;	/* --no-color or NO_COLOR set */
	bool	bell;		/* ring on new alarms */
	/* '<' in a replay (one stack): the front end stops the monitor and
	 * starts a new one that plays the recording again up to `back_ms`
	 * before where it was.  Returns the new monitor; `old` itself when
	 * it refuses (old kept), NULL when the new one failed (old gone);
	 * `why` says so in both cases.  NULL: seeking back is not offered. */
	struct monitor *(*seek_back)(void *ctx, struct monitor *old, int64_t back_ms,
	    char *why, size_t size);
	void	*seek_ctx;
};

/* Run until the user quits or a signal (SIGTERM/SIGINT/SIGHUP) arrives.
 * Returns 0, or 1 when the terminal could not be used (message on stderr). */
int	tui_run(struct monitor *m, const struct tui_options *o);
/* The same for several stacks (m[0..n), named): one shown at a time, 'S'
 * shows the next; the overview has a line for each. */
#define TUI_STACKS_MAX	8
int	tui_run_stacks(struct monitor *const *m, const char *const *names, int n,
	    const struct tui_options *o);

#endif
