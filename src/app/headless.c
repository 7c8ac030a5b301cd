/* headless.c — pylontop --headless: no UI, for systemd.
 *
 * One stderr line per state change (journald keeps the time), samples on
 * stdout when --format is given, until SIGTERM/SIGINT, --count samples or
 * a closed stdout (EPIPE: the reader is gone).  SIGHUP re-opens the CSV
 * file and re-reads the alarm thresholds.  Exit: CSV flushed and MQTT
 * "offline" by monitor_free(). */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/monitor.h"
#include "export/metrics.h"
#include "util/err.h"
#include "util/signals.h"

/* The /metrics server of the process (--metrics): of its one monitor, or
 * of every stack's. */
static struct metrics_server *app_metrics;

/* What was last said about one monitor (state lines on change only). */
struct said {
	struct link_stats	link;
	uint64_t		msg_seq;	/* monitor_next_message() */
	struct sink_status	csv, mqtt;
};

/* `who`: "" with one stack, "NAME: " with several. */
static void
report_state(struct monitor *m, const char *who, struct said *p)
{
	struct sink_status st;
	char text[sizeof p->link.message];
	uint64_t before = p->msg_seq;

	/* Every state message, also those that came and went since the
	 * last look (round-robin on, then the link lost at once). */
	while (monitor_next_message(m, &p->msg_seq, text, sizeof text)) {
		if (p->msg_seq - 1 > before)
			fprintf(stderr, "pylontop: %s(%llu state messages not shown: too many "
			    "at once)\n", who, (unsigned long long)(p->msg_seq - 1 - before));
		fprintf(stderr, "pylontop: %s%s\n", who, text);
		before = p->msg_seq;
	}
	monitor_link_stats(m, &p->link);
	monitor_sink_status(m, SINK_CSV, &st);
	if (st.state != p->csv.state || strcmp(st.text, p->csv.text) != 0)
		if (st.state != SINK_OFF || p->csv.state != SINK_OFF)
			fprintf(stderr, "pylontop: %scsv: %s\n", who, st.text);
	p->csv = st;
	if (monitor_has_sink(m, SINK_MQTT)) {
		monitor_sink_status(m, SINK_MQTT, &st);
		if (st.state != p->mqtt.state || strcmp(st.text, p->mqtt.text) != 0)
			fprintf(stderr, "pylontop: %smqtt: %s\n", who, st.text);
		p->mqtt = st;
	}
	fflush(stderr);
}

/* The counters, once, when we stop: what a log reader wants to know. */
static void
summary(struct monitor *m, const char *who)
{
	struct link_stats ls;

	monitor_link_stats(m, &ls);
	fprintf(stderr, "pylontop: %s%llu sample%s; errors: %llu timeouts, %llu unreadable "
	    "answers, %llu checksum, %llu refused by the device; %llu reconnects\n",
	    who, (unsigned long long)ls.samples, ls.samples == 1 ? "" : "s",
	    (unsigned long long)ls.timeouts,
	    (unsigned long long)ls.parse_errors, (unsigned long long)ls.checksum_errors,
	    (unsigned long long)ls.device_errors, (unsigned long long)ls.reconnects);
}

/* Rows that never reached the CSV file make the run a failure (1): a
 * logger that lost data must not look successful to systemd or a script. */
static int
csv_exit_status(struct monitor *m, const char *who, int rc)
{
	struct sink_status st;

	monitor_sink_status(m, SINK_CSV, &st);
	if (st.dropped == 0)
		return rc;
	fprintf(stderr, "pylontop: %scsv: %s (%llu written); exit status 1\n", who, st.text,
	    (unsigned long long)st.written);
	return rc == EXIT_OK ? EXIT_RUNTIME : rc;
}

/* Samples go nowhere: stop rather than poll a device for no reader.  A
 * reader that left (EPIPE, `| head -1`) is a normal end, as for yes(1);
 * any other write error is a failure. */
static int
stdout_failed(void)
{
	if (errno == EPIPE) {
		fprintf(stderr, "pylontop: standard output was closed by its reader; stopping\n");
		return EXIT_OK;
	}
	fprintf(stderr, "pylontop: cannot write samples to standard output: %s; stopping\n",
	    strerror(errno));
	return EXIT_RUNTIME;
}

/* Run a started monitor until a signal or `count` samples; prints
 * samples when asked.  Shared by --headless and the text --demo. */
int
app_run_monitor(struct monitor *m, const struct app_options *o, bool print)
{
	struct said said;
	uint64_t printed = 0;
	struct pt_sample *s = malloc(sizeof *s);
	int rc = EXIT_OK;

	if (s == NULL)
		return EXIT_RUNTIME;
	memset(&said, 0, sizeof said);
	for (;;) {
		/* stdout too (no events: POLLERR only): a reader that left is
		 * seen even while the device is silent and nothing is printed. */
		struct pollfd pfd[3] = {
			{ .fd = monitor_fd(m), .events = POLLIN },
			{ .fd = sig_fd(), .events = POLLIN },
			{ .fd = print ? STDOUT_FILENO : -1, .events = 0 },
		};
		struct link_stats ls;

		/* Samples, link and sink states (MQTT's too, from its own
		 * thread), signals and a closed stdout wake us: no timeout, no
		 * periodic tick. */
		if (poll(pfd, 3, -1) < 0 && sig_quit() == 0)
			continue;
		if (sig_quit() != 0)
			break;
		if (pfd[2].revents & POLLERR) {
			errno = EPIPE;
			rc = stdout_failed();
			break;
		}
		sig_take();
		monitor_drain_fd(m);
		report_state(m, "", &said);
		monitor_link_stats(m, &ls);
		while (printed < ls.samples && (o->count == 0 || printed < (uint64_t)o->count)) {
			/* Print only the newest: a slow stdout must not lag behind. */
			printed = ls.samples;
			if (print && history_latest(monitor_history(m), s) &&
			    app_print_sample(s, o->format, s->seq == 1 || printed == 1) != 0) {
				rc = stdout_failed();
				goto out;
			}
		}
		if (o->count > 0 && printed >= (uint64_t)o->count)
			break;
		/* A replay played to its end (said first: the state may have
		 * changed since report_state() looked). */
		if (ls.state == LINK_STOPPED) {
			report_state(m, "", &said);
			if (ls.failed)
				rc = EXIT_RUNTIME;
			break;
		}
	}
out:
	free(s);
	summary(m, "");
	return rc;
}

/* SIGHUP: what is safe to change under a running acquisition thread.
 * The link, protocol, interval and sinks' settings need a restart. */
struct hup_ctx {
	struct monitor			*m[APP_STACKS_MAX];
	int				 n;
	const struct app_options	*o;
	bool				 say;
};
static struct hup_ctx hup_ctx;

/* Monitor i's settings from the file again: the top part, and its
 * [stack NAME] section when it came from one. */
static int
hup_config(const struct app_options *o, int i, struct pt_config *c, char *err,
    size_t errsize)
{
	const char *section = i < o->n_stacks && o->stacks[i].cfg != NULL ?
	    o->stacks[i].name : NULL;

	config_defaults(c);
	if (config_load(c, o->config_path, err, errsize) != 0 ||
	    (section != NULL && config_load_stack(c, o->config_path, section, err,
	    errsize) != 0))
		return PT_ERR_CONFIG;
	return config_check(c, err, errsize);
}

static void
on_hup(void *arg)
{
	const struct hup_ctx *h = arg;
	struct pt_config *c;
	char err[600];
	int i, bad = 0;

	for (i = 0; i < h->n; i++)
		monitor_reopen_logs(h->m[i]);
	if (h->o->config_path[0] == '\0') {
		if (h->say)
			fprintf(stderr, "pylontop: SIGHUP: CSV file re-opened; no config file "
			    "to re-read\n");
		return;
	}
	if ((c = malloc((size_t)h->n * sizeof *c)) == NULL)
		return;
	/* Every stack's thresholds first, then all or none: the cross-key
	 * rules too (a file whose low limit ends above its high one is
	 * refused as at start). */
	for (i = 0; i < h->n && !bad; i++)
		bad = hup_config(h->o, i, &c[i], err, sizeof err) != 0;
	if (bad) {
		if (h->say)
			fprintf(stderr, "pylontop: SIGHUP: CSV file re-opened; %s; the alarm "
			    "thresholds stay as they were\n", err);
	} else {
		for (i = 0; i < h->n; i++)
			monitor_set_alarms(h->m[i], &c[i].alarms);
		if (h->say)
			fprintf(stderr, "pylontop: SIGHUP: CSV file re-opened, alarm thresholds "
			    "re-read from %s (other keys need a restart)\n", h->o->config_path);
	}
	explicit_bzero(c, (size_t)h->n * sizeof *c);
	free(c);
}

void
app_hup_install_all(struct monitor *const *m, int n, const struct app_options *o, bool say)
{
	hup_ctx = (struct hup_ctx){ .n = n, .o = o, .say = say };
	for (int i = 0; i < n && i < APP_STACKS_MAX; i++)
		hup_ctx.m[i] = m[i];
	sig_on_hup(on_hup, &hup_ctx);
}

void
app_hup_install(struct monitor *m, const struct app_options *o, bool say)
{
	app_hup_install_all(&m, 1, o, say);
}

/* Signals, monitor, acquisition thread: what every long-running mode
 * needs.  NULL with *rc set (and a message printed) on failure. */
/* A monitor with the sinks c asks for; NULL with a message printed. */
static struct monitor *
new_monitor(const struct pt_config *c, const char *stack, const char *who)
{
	struct monitor *m;
	struct sink sinks[APP_SINKS_MAX];
	size_t n;
	char err[300];

	if (app_make_sinks(c, stack, sinks, APP_SINKS_MAX, &n, err, sizeof err) != 0 ||
	    (m = monitor_new(c, sinks, n, err, sizeof err)) == NULL) {
		fprintf(stderr, "pylontop: %s%s\n", who, err);
		return NULL;
	}
	app_bind_sinks(m, sinks, n);
	return m;
}

struct monitor *
app_start_monitor(const struct app_options *o, int *rc)
{
	struct monitor *m;
	char err[300];

	sig_install();
	if ((m = new_monitor(&o->cfg, "", "")) == NULL) {
		*rc = EXIT_USAGE;
		return NULL;
	}
	/* Before acquisition starts: a port in use stops us at once. */
	if (o->cfg.metrics_port != 0 && (app_metrics = metrics_server_start(m,
	    o->cfg.mqtt.unique_id[0] != '\0' ? o->cfg.mqtt.unique_id : o->cfg.device,
	    o->cfg.metrics_addr, o->cfg.metrics_port, err, sizeof err)) == NULL) {
		fprintf(stderr, "pylontop: %s\n", err);
		monitor_free(m);
		*rc = EXIT_USAGE;
		return NULL;
	}
	if (monitor_start(m) != 0) {
		fprintf(stderr, "pylontop: cannot start the acquisition thread\n");
		app_free_monitor(m);
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	return m;
}

void
app_free_monitor(struct monitor *m)
{
	metrics_server_stop(app_metrics);	/* no scrape reads a freed monitor */
	app_metrics = NULL;
	monitor_free(m);
}

/* "NAME: " of stack i, for the lines about it. */
static const char *
who_of(const struct app_stacks *st, int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s: ", st->name[i]);
	return buf;
}

/* One /metrics for every stack, series labelled by the stack's name
 * (app_stacks_check made sure the stacks agree on METRICS_LISTEN).  Before
 * acquisition starts, as for one stack: a port in use stops us at once. */
static int
start_stacks_metrics(const struct app_options *o, const struct app_stacks *st)
{
	const struct pt_config *c = o->stacks[0].cfg ? o->stacks[0].cfg : &o->cfg;
	char err[300];

	if (c->metrics_port == 0)
		return 0;
	app_metrics = metrics_server_start_stacks(st->m, st->name, st->n, c->metrics_addr,
	    c->metrics_port, err, sizeof err);
	if (app_metrics == NULL) {
		fprintf(stderr, "pylontop: %s\n", err);
		return -1;
	}
	return 0;
}

int
app_start_stacks(const struct app_options *o, struct app_stacks *st)
{
	struct pt_config *c = malloc(sizeof *c);
	char err[300], who[APP_STACK_NAME_MAX + 4];
	int i;

	memset(st, 0, sizeof *st);
	if (c == NULL)
		return EXIT_RUNTIME;
	sig_install();
	for (i = 0; i < o->n_stacks; i++) {
		st->name[i] = o->stacks[i].name;
		if (app_stack_config(o, i, c, err, sizeof err) != 0) {
			fprintf(stderr, "pylontop: %s\n", err);
			break;
		}
		st->m[i] = new_monitor(c, st->name[i], who_of(st, i, who, sizeof who));
		if (st->m[i] == NULL)
			break;
		st->n = i + 1;
	}
	explicit_bzero(c, sizeof *c);
	free(c);
	if (st->n < o->n_stacks || start_stacks_metrics(o, st) != 0) {
		app_free_stacks(st);
		return EXIT_USAGE;
	}
	/* Each its own acquisition thread: one link failing never holds up
	 * another's polls. */
	for (i = 0; i < st->n; i++)
		if (monitor_start(st->m[i]) != 0) {
			fprintf(stderr, "pylontop: %scannot start the acquisition thread\n",
			    who_of(st, i, who, sizeof who));
			app_free_stacks(st);
			return EXIT_RUNTIME;
		}
	return EXIT_OK;
}

void
app_free_stacks(struct app_stacks *st)
{
	metrics_server_stop(app_metrics);	/* no scrape reads a freed monitor */
	app_metrics = NULL;
	for (int i = 0; i < st->n; i++)
		monitor_free(st->m[i]);
	st->n = 0;
}

/* With --format: stack i's newest sample, when there is a new one, named
 * by the stack (JSON "stack_name", text "Name"); as for one stack, only the
 * newest, so a slow stdout never lags.  -1 with errno when stdout failed. */
static int
print_stack(const struct app_options *o, const struct app_stacks *st, int i,
    uint64_t *printed, struct pt_sample *s)
{
	struct link_stats ls;

	monitor_link_stats(st->m[i], &ls);
	if (ls.samples <= *printed || (o->count > 0 && *printed >= (uint64_t)o->count))
		return 0;
	*printed = ls.samples;
	if (o->format_set && history_latest(monitor_history(st->m[i]), s))
		return app_print_stack_sample(s, o->format, false, st->name[i]);
	return 0;
}

/* --headless with several stacks: state lines named by stack, samples
 * named by stack with --format, until a signal, every stack's --count
 * samples, or every stack's replay ended. */
static int
headless_stacks(const struct app_options *o)
{
	struct app_stacks st;
	struct said said[APP_STACKS_MAX];
	uint64_t printed[APP_STACKS_MAX] = { 0 };
	struct pt_sample *s = malloc(sizeof *s);
	char who[APP_STACK_NAME_MAX + 4];
	int rc, i;

	if (s == NULL)
		return EXIT_RUNTIME;
	if ((rc = app_start_stacks(o, &st)) != EXIT_OK) {
		free(s);
		return rc;
	}
	app_hup_install_all(st.m, st.n, o, true);
	memset(said, 0, sizeof said);
	while (sig_quit() == 0) {
		struct pollfd pfd[APP_STACKS_MAX + 1];
		int stopped = 0;

		for (i = 0; i < st.n; i++)
			pfd[i] = (struct pollfd){ .fd = monitor_fd(st.m[i]), .events = POLLIN };
		pfd[st.n] = (struct pollfd){ .fd = sig_fd(), .events = POLLIN };
		if (poll(pfd, (nfds_t)st.n + 1, -1) < 0 && sig_quit() == 0)
			continue;
		if (sig_quit() != 0)
			break;
		sig_take();
		for (i = 0; i < st.n; i++) {
			if (pfd[i].revents & POLLIN) {
				monitor_drain_fd(st.m[i]);
				report_state(st.m[i], who_of(&st, i, who, sizeof who), &said[i]);
				if (print_stack(o, &st, i, &printed[i], s) != 0) {
					rc = stdout_failed();
					goto out;
				}
			}
			stopped += said[i].link.state == LINK_STOPPED ||
			    (o->count > 0 && printed[i] >= (uint64_t)o->count);
		}
		if (stopped == st.n)
			break;
	}
out:
	free(s);
	sig_on_hup(NULL, NULL);
	for (i = 0; i < st.n; i++) {
		summary(st.m[i], who_of(&st, i, who, sizeof who));
		monitor_stop(st.m[i]);
		rc = csv_exit_status(st.m[i], who, rc);
	}
	app_free_stacks(&st);
	return rc;
}

int
app_headless(const struct app_options *o)
{
	struct monitor *m;
	int rc;

	if (o->n_stacks > 1)
		return headless_stacks(o);
	if ((m = app_start_monitor(o, &rc)) == NULL)
		return rc;
	monitor_raw_off(m);	/* no Console view to show it */
	app_hup_install(m, o, true);
	rc = app_run_monitor(m, o, o->format_set);
	sig_on_hup(NULL, NULL);
	monitor_stop(m);	/* held CSV rows written now, or counted lost */
	rc = csv_exit_status(m, "", rc);
	app_free_monitor(m);
	return rc;
}
