/* app.h — the front ends besides the TUI, and what main() hands them. */
#ifndef PT_APP_H
#define PT_APP_H

#include <stdbool.h>

#include "core/config.h"
#include "model/sample.h"

/* Exit statuses (also in the man page). */
#define EXIT_OK		0
#define EXIT_RUNTIME	1	/* the device or a file failed */
#define EXIT_USAGE	2	/* bad options, bad config, bad input */

enum out_format { FMT_TEXT, FMT_JSON, FMT_CSV };

/* Several stacks in one instance (issue 16.1, app/stacks.c): one per -d. */
#define APP_STACKS_MAX		8
#define APP_STACK_NAME_MAX	32
struct app_stack {
	char	name[APP_STACK_NAME_MAX];	/* --name; "" until app_stacks_check */
	char	device[256];			/* -d */
	/* A [stack NAME] section's settings (file, section, options), or
	 * NULL: the stack is a -d with the shared settings. */
	struct pt_config *cfg;
};

struct app_options {
	struct pt_config cfg;
	enum out_format	 format;
	bool		 format_set;
	long		 count;		/* --count: stop after N samples, 0 = run on */
	bool		 verbose;
	int		 vlevel;		/* -v count: 1 summary, 2 raw bytes */
	bool		 ascii, no_color, bell;
	const char	*decode_command;	/* --command */
	char		 sim_args[256];	/* --demo: extra simulator settings */
	char		 config_path[512];	/* the config file read ("" none): SIGHUP re-reads it */
	struct app_stack stacks[APP_STACKS_MAX];
	int		 n_stacks;	/* -d given this often (0: the config's device) */
};

/* What --demo runs against the simulator: the UI (or text samples
 * without a terminal), one --once sample, or --headless. */
enum demo_run { DEMO_AUTO, DEMO_ONCE, DEMO_HEADLESS };

/* pylontop --decode FILE: print the sample JSON of one recorded answer. */
int	app_decode(const char *path, const struct app_options *o);
/* What --decode makes of a capture in buf[0..len), without printing the
 * sample (warnings go to stderr, named by `path`).  buf must have room for
 * 8 more bytes: a missing final prompt is supplied there.  Returns how many
 * answers were decoded (the sample is in *out); 0 leaves *out alone and
 * says why in `why`.  *failed: answers that were not decoded. */
int	app_decode_text(char *buf, size_t len, const char *path, const struct app_options *o,
	    struct pt_sample *out, int *failed, char *why, size_t whysize);
/* pylontop --once: one complete sample, printed in o->format. */
int	app_once(const struct app_options *o);
/* pylontop --records: the BMS's own records of every module, printed;
 * with several stacks each stack's in turn, named by it. */
int	app_records(const struct app_options *o);
struct link;
struct session;
struct pt_records;
/* For a one-shot read (--records, report) of the device cfg names:
 * signals, the link open and a session that reads every slow value in one
 * poll.  0, or the exit code with the reason said on stderr after `who`
 * ("" or "STACK: ") (nothing left open). */
int	app_open_oneshot(const struct pt_config *cfg, const char *who, struct link *link,
	    struct session **s);
/* The records the session read, NULL when none (not over RS485). */
const struct pt_records *app_session_records(const struct session *s);
/* "pylontop: PREFIXn of m records commands were not answered (WHERE)". */
void	app_records_unanswered(const struct pt_records *r, const char *prefix,
	    const char *where);
/* pylontop report [DIR]: a service report (report.md, report.html, raw/)
 * of the whole stack; dir NULL: pylontop-report-DATE-TIME.  Several
 * stacks: a report each, in DIR-NAME. */
int	app_report(const struct app_options *o, const char *dir);
/* pylontop --headless: run until a signal or --count samples. */
int	app_headless(const struct app_options *o);
/* pylontop (TUI) or --headless fallback when there is no terminal/TUI. */
int	app_interactive(const struct app_options *o);
/* pylontop --demo: start pylontop-sim on a private pty and monitor it;
 * `stacks` (--demo=stacks): two, an LV and an HV simulator, as two stacks. */
int	app_demo(struct app_options *o, const char *argv0, enum demo_run run, bool stacks);

/* The stacks' names (default "1", "2" ...) checked and what several
 * stacks cannot share refused.  0, or < 0 with err set. */
int	app_stacks_check(struct app_options *o, char *err, size_t errsize);
/* Stack i's settings: o->cfg with its device and, with several stacks,
 * its name in the CSV/record/health file names and the MQTT device.  0, or
 * < 0 with err set. */
int	app_stack_config(const struct app_options *o, int i, struct pt_config *c,
	    char *err, size_t errsize);
/* One stack's step of app_for_each_stack(): EXIT_OK or its exit status;
 * setting *stop ends the walk (stdout's reader gone). */
typedef int (*app_stack_step)(const struct app_options *o, int i,
    const struct pt_config *cfg, void *ctx, bool *stop);
/* Run `step` for every stack in turn, in the order given, each with its
 * own settings (app_stack_config); a stack that fails does not stop the
 * others.  Returns EXIT_OK or the first failure's status (a signal's
 * 128+N wins over a failure); *done counts the steps that returned
 * EXIT_OK.  The caller says the summary and maps a signal. */
int	app_for_each_stack(const struct app_options *o, app_stack_step step, void *ctx,
	    int *done);

struct monitor;
struct sink;
/* The sinks the config asks for (CSV always, MQTT when a broker is
 * configured and this is no remote view), into out[0..max), max at least
 * APP_SINKS_MAX; *n of them.  `stack`: the stack's name with several
 * ("" with one), in the CSV file 'l' starts without --csv.  0, or < 0
 * with err set (none left over). */
#define APP_SINKS_MAX	2
int	app_make_sinks(const struct pt_config *c, const char *stack, struct sink *out,
	    size_t max, size_t *n, char *err, size_t errsize);
/* Free sinks that no monitor took. */
void	app_free_sinks(struct sink *s, size_t n);
/* After monitor_new(): give the sinks what they read from the monitor
 * (MQTT: the BMS records and health figures). */
void	app_bind_sinks(struct monitor *m, const struct sink *s, size_t n);
/* Signals, monitor and acquisition thread started; NULL with *rc set. */
struct monitor *app_start_monitor(const struct app_options *o, int *rc);
/* Every stack's monitor started (several -d): m[0..n), names alike. */
struct app_stacks {
	int		 n;
	struct monitor	*m[APP_STACKS_MAX];
	const char	*name[APP_STACKS_MAX];
};
/* EXIT_OK, or an exit status (message printed; none left running). */
int	app_start_stacks(const struct app_options *o, struct app_stacks *st);
void	app_free_stacks(struct app_stacks *st);
/* Stop the metrics server (--metrics), then monitor_free(). */
void	app_free_monitor(struct monitor *m);
/* Run a started monitor until a signal or o->count samples, reporting
 * state changes on stderr and printing samples when `print`. */
int	app_run_monitor(struct monitor *m, const struct app_options *o, bool print);

/* Print one sample in a format (stdout).  0, or -1 with errno set when
 * stdout failed (EPIPE: the reader is gone, as in `| head -1`). */
int	app_print_sample(const struct pt_sample *s, enum out_format f, bool header);
/* The same named by its stack (several stacks; NULL: app_print_sample):
 * JSON gets a "stack_name" member, text a "Name" line first. */
int	app_print_stack_sample(const struct pt_sample *s, enum out_format f, bool header,
	    const char *stack);

/* SIGHUP in a running monitor: re-open the CSV file and re-read the
 * alarm thresholds from o->config_path.  `say`: one stderr line.
 * app_hup_install_all: the same for every stack's monitor. */
void	app_hup_install(struct monitor *m, const struct app_options *o, bool say);
void	app_hup_install_all(struct monitor *const *m, int n, const struct app_options *o,
	    bool say);

#endif
