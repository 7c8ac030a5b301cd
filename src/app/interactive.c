/* interactive.c — the default mode: the TUI on the configured device. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/monitor.h"
#include "util/clock.h"
#include "util/signals.h"
#ifdef HAVE_TUI
#include "tui/tui.h"
#endif

#ifdef HAVE_TUI
/* Several stacks: each its own monitor, one UI with a stack selector. */
static int
interactive_stacks(const struct app_options *o, const struct tui_options *to)
{
	struct app_stacks st;
	int rc;

	if ((rc = app_start_stacks(o, &st)) != EXIT_OK)
		return rc;
	app_hup_install_all(st.m, st.n, o, false);
	sig_hup_quits_without_tty(true);
	rc = tui_run_stacks(st.m, st.name, st.n, to);
	sig_on_hup(NULL, NULL);
	app_free_stacks(&st);
	return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/* '<' in a replay (tui.h): the new monitor plays the recording again from
 * its start; the clock skips to the target, the outputs to where they
 * were (clock.h). */
struct seek {
	const struct app_options *o;
	struct monitor	*m;		/* the one running, NULL after a failure */
	char	 failed[300];		/* why the monitor is gone, for stderr */
};

static struct monitor *
seek_back(void *ctx, struct monitor *old, int64_t back_ms, char *why, size_t size)
{
	struct seek *sk = ctx;
	const struct app_options *o = sk->o;
	struct monitor *m;
	int64_t to;
	int rc;

	if (!clock_is_virtual()) {
		snprintf(why, size, "this replay has no recorded times");
		return old;
	}
	/* Played again, these would be counted twice. */
	if (o->cfg.health.state_file[0] != '\0') {
		snprintf(why, size, "HEALTH_STATE_FILE keeps the health estimates, which "
		    "would count the stretch twice (start without it to seek back)");
		return old;
	}
	if (o->cfg.record_path[0] != '\0') {
		snprintf(why, size, "--record writes the replay again (start without it "
		    "to seek back)");
		return old;
	}
	to = clock_virtual_position() - back_ms;
	/* Its waits on the clock (paused too) end at once, with nothing more
	 * of the recording: the thread stops and no output gets more. */
	clock_virtual_halt();
	sig_on_hup(NULL, NULL);
	app_free_monitor(old);
	clock_virtual_rewind(to);	/* a paused replay moves there, then holds */
	sk->m = m = app_start_monitor(o, &rc);
	if (m == NULL) {
		snprintf(sk->failed, sizeof sk->failed, "seeking back: the replay could "
		    "not start again");
		snprintf(why, size, "%s", sk->failed);
		return NULL;
	}
	app_hup_install(m, o, false);
	return m;
}
#endif

int
app_interactive(const struct app_options *o)
{
#ifdef HAVE_TUI
	struct seek sk = { .o = o };
	struct tui_options to = { .ascii = o->ascii, .no_color = o->no_color,
	    .bell = o->bell || o->cfg.alarms.bell };
	struct monitor *m;
	const char *term;
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "pylontop: the UI needs a terminal; use --headless, --once "
		    "or --format with --headless for scripts\n");
		return EXIT_USAGE;
	}
	/* A terminal that cannot address the cursor is a setting to change
	 * (TERM), not a failure: said before the device is opened. */
	term = getenv("TERM");
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
		fprintf(stderr, "pylontop: the terminal (TERM=%s) cannot show the UI; set TERM "
		    "(e.g. TERM=xterm-256color) or use --headless or --once\n",
		    term != NULL ? term : "");
		return EXIT_USAGE;
	}
	if (o->n_stacks > 1)
		return interactive_stacks(o, &to);
	/* A replay plays alone (app/stacks.c): seeking back is for one stack. */
	to.seek_back = seek_back;
	to.seek_ctx = &sk;
	if ((m = app_start_monitor(o, &rc)) == NULL)
		return rc;
	/* SIGHUP re-opens the CSV file and re-reads the thresholds, unless the
	 * terminal is gone with it (a dropped ssh session): then it quits. */
	app_hup_install(m, o, false);
	sig_hup_quits_without_tty(true);
	sk.m = m;
	rc = tui_run(m, &to);
	sig_on_hup(NULL, NULL);
	if (sk.m != NULL)
		app_free_monitor(sk.m);
	if (sk.failed[0] != '\0') {
		fprintf(stderr, "pylontop: %s\n", sk.failed);
		return EXIT_RUNTIME;
	}
	return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
#else
	(void)o;
	fprintf(stderr, "pylontop: this build has no terminal UI (configured --disable-tui); "
	    "use --headless or --once\n");
	return EXIT_USAGE;
#endif
}
