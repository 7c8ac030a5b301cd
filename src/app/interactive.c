/* interactive.c — the default mode: the TUI on the configured device. */
#include "autoconfig.h"

#include <stdio.h>
#include <unistd.h>

#include "app/app.h"
#include "core/monitor.h"
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
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "pylontop: the UI needs a terminal; use --headless, --once "
		    "or --format with --headless for scripts\n");
		return EXIT_USAGE;
	}
	if ((m = app_start_monitor(o, &rc)) == NULL)
		return rc;
	rc = tui_run(m, &to);
	app_free_monitor(m);
	return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
#else
	(void)o;
	fprintf(stderr, "pylontop: this build has no terminal UI (configured --disable-tui); "
	    "use --headless or --once\n");
	return EXIT_USAGE;
#endif
}
