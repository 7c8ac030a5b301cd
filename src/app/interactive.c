/* interactive.c — the default mode: the TUI on the configured device. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/monitor.h"
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
#endif

int
app_interactive(const struct app_options *o)
{
#ifdef HAVE_TUI
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
	if ((m = app_start_monitor(o, &rc)) == NULL)
		return rc;
	/* SIGHUP re-opens the CSV file and re-reads the thresholds, unless the
	 * terminal is gone with it (a dropped ssh session): then it quits. */
	app_hup_install(m, o, false);
	sig_hup_quits_without_tty(true);
	rc = tui_run(m, &to);
	sig_on_hup(NULL, NULL);
	app_free_monitor(m);
	return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
#else
	(void)o;
	fprintf(stderr, "pylontop: this build has no terminal UI (configured --disable-tui); "
	    "use --headless or --once\n");
	return EXIT_USAGE;
#endif
}
