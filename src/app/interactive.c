/* interactive.c — the default mode: the TUI on the configured device. */
#include "autoconfig.h"

#include <stdio.h>
#include <unistd.h>

#include "app/app.h"
#include "core/monitor.h"
#include "util/signals.h"
#ifdef HAVE_TUI
#include "tui/tui.h"
#endif

int
app_interactive(const struct app_options *o)
{
#ifdef HAVE_TUI
	struct tui_options to = { .ascii = o->ascii, .no_color = o->no_color,
	    .bell = o->bell || o->cfg.alarms.bell };
	struct monitor *m;
	char err[300];
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "pylontop: the UI needs a terminal; use --headless, --once "
		    "or --format with --headless for scripts\n");
		return EXIT_USAGE;
	}
	sig_install();
	if ((m = monitor_new(&o->cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "pylontop: %s\n", err);
		return EXIT_USAGE;
	}
	if (monitor_start(m) != 0) {
		fprintf(stderr, "pylontop: cannot start the acquisition thread\n");
		monitor_free(m);
		return EXIT_RUNTIME;
	}
	rc = tui_run(m, &to);
	monitor_free(m);
	return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
#else
	(void)o;
	fprintf(stderr, "pylontop: this build has no terminal UI (configured --disable-tui); "
	    "use --headless or --once\n");
	return EXIT_USAGE;
#endif
}
