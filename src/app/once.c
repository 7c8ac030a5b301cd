/* once.c — pylontop --once: one complete sample, for scripts.
 *
 * Runs the same link and session code as the monitor, synchronously and
 * without retries, so a failure is reported at once with its reason. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/alarms.h"
#include "core/monitor.h"
#include "model/health_json.h"
#include "core/session.h"
#include "link/link.h"
#include "link/link_record.h"
#include "model/sample_csv.h"
#include "model/sample_json.h"
#include "model/sample_text.h"
#include "util/clock.h"
#include "util/signals.h"
#ifdef HAVE_MQTT
#include "sink/mqtt_state.h"
#endif

/* puts() and fflush() report a closed pipe through ferror(stdout). */
static int
put_line(char *text)
{
	int rc = 0;

	if (text == NULL)
		return 0;
	if (puts(text) == EOF)
		rc = -1;
	free(text);
	return rc;
}

int
app_print_sample(const struct pt_sample *s, enum out_format f, bool header)
{
	struct csv_layout lay;

	errno = 0;
	switch (f) {
	case FMT_JSON:
		put_line(sample_to_json(s, false));
		break;
	case FMT_CSV:
		csv_layout_from_sample(&lay, s);
		if (header)
			put_line(sample_csv_header(&lay));
		put_line(sample_csv_row(&lay, s));
		break;
	case FMT_TEXT:
		sample_print_text(stdout, s);
		break;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* A sample of one of several stacks (--headless --format, --once): JSON
 * with a "stack_name" member, text under a "Name" line; `stack` NULL: as
 * app_print_sample().  CSV takes one stack (main.c refuses it). */
int
app_print_stack_sample(const struct pt_sample *s, enum out_format f, bool header,
    const char *stack)
{
	cJSON *root;
	char *text;

	if (stack == NULL || f == FMT_CSV)
		return app_print_sample(s, f, header);
	errno = 0;
	if (f == FMT_TEXT) {
		printf("Name      %s\n", stack);
		return app_print_sample(s, f, header);
	}
	if ((root = sample_to_cjson(s)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cJSON_AddStringToObject(root, "stack_name", stack);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	put_line(text);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* A quit signal during the read: no sample, the shell's status for it. */
static int
interrupted(void)
{
	return 128 + sig_quit();
}

/* The JSON sample with the health figures: the estimates kept in the
 * state file (read only: a running pylontop owns it) and this sample. */
static int
print_json_with_health(const struct pt_config *cfg, const struct pt_sample *s,
    const char *stack)
{
	int rc = -1;

	struct health *h = health_new(&cfg->health);
	struct health_report *r = calloc(1, sizeof *r);
	cJSON *root = sample_to_cjson(s);
	char why[600], *text;

	if (h == NULL || r == NULL || root == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out;
	}
	if (cfg->health.state_file[0] != '\0' && access(cfg->health.state_file, F_OK) == 0 &&
	    health_load(h, cfg->health.state_file, why, sizeof why) != 0)
		fprintf(stderr, "pylontop: %s\n", why);
	health_feed(h, s);
	health_report(h, r);
	health_json_add(root, s, r);
	if (stack != NULL)
		cJSON_AddStringToObject(root, "stack_name", stack);
#ifdef HAVE_MQTT
	mqtt_state_json_add(root, &cfg->mqtt);	/* energy totals, when kept */
#endif
	errno = 0;	/* before puts(): its EPIPE is what a closed reader says */
	if ((text = cJSON_PrintUnformatted(root)) != NULL) {
		puts(text);
		free(text);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == 0)
			errno = EIO;
	} else
		rc = 0;
out:
	cJSON_Delete(root);
	free(r);
	health_free(h);
	return rc;
}

/* One complete sample of the device cfg names, printed (named `stack`
 * with several, NULL with one). */
static int
once_stack(const struct app_options *o, const struct pt_config *cfg0, const char *stack)
{
	struct pt_config cfg = *cfg0;
	struct link_rec *rec = NULL;
	char err[300];
	struct link link;
	struct session *s;
	struct pt_sample *sample;
	struct alarm_engine *ae;
	int rc = EXIT_RUNTIME;

	monitor_replay_settings(&cfg);
	if (link_init(&link, cfg.device, cfg.baud) != 0) {
		fprintf(stderr, "pylontop: %s\n", link_error(&link));
		return EXIT_USAGE;
	}
	link.replay_speed = cfg.replay_speed;
	if (monitor_record_start(&cfg, &link, &rec, err, sizeof err) != 0) {
		fprintf(stderr, "pylontop: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (link_open(&link) != 0) {
		link_release(&link);
		link_rec_free(rec);
		fprintf(stderr, "pylontop: %s\n", link_error(&link));
		return EXIT_RUNTIME;
	}
	sample = calloc(1, sizeof *sample);
	/* The session stops at the handler's flag: Ctrl-C ends a slow read
	 * within one read step, not after every module was asked. */
	s = session_new(&cfg, &link, sig_quit_flag());
	if (s == NULL || sample == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out;
	}
	s->all_at_once = true;	/* one sample: every slow value in it */
	if (s->ops->identify(s) != 0) {
		if (sig_quit() != 0) {
			rc = interrupted();
			goto out;
		}
		fprintf(stderr, "pylontop: %s: %s\n", cfg.device, s->error);
		goto out;
	}
	if (o->verbose)
		fprintf(stderr, "pylontop: found %s, %d modules\n",
		    s->model[0] ? s->model : s->protocol, s->modules);
	pt_sample_init(sample, s->protocol);
	snprintf(sample->dialect, sizeof sample->dialect, "%s", s->dialect);
	if (s->ops->poll(s, sample, true) != 0 || sig_quit() != 0) {
		if (sig_quit() != 0) {
			rc = interrupted();
			goto out;
		}
		fprintf(stderr, "pylontop: %s: %s\n", cfg.device, s->error);
		goto out;
	}
	sample->seq = 1;
	if (!s->self_paced || sample->time_ms == 0)	/* a remote view keeps the site's */
		sample->time_ms = clock_wall_ms();
	pt_sample_derive(sample);
	if ((ae = alarm_engine_new(&cfg.alarms)) != NULL) {
		alarm_engine_eval(ae, sample, sample->time_ms);
		alarm_engine_free(ae);
	}
	if (sig_quit() != 0) {
		rc = interrupted();
		goto out;
	}
	rc = EXIT_OK;
	if ((o->format == FMT_JSON ? print_json_with_health(&cfg, sample, stack) :
	    app_print_stack_sample(sample, o->format, true, stack)) != 0 && errno != EPIPE) {
		/* EPIPE: the reader took what it wanted (`| head -1`), as yes(1). */
		fprintf(stderr, "pylontop: cannot write the sample: %s\n", strerror(errno));
		rc = EXIT_RUNTIME;
	}
out:
	session_free(s);
	link_release(&link);
	link_rec_free(rec);
	free(sample);
	return rc;
}

/* Several stacks: each read in turn, in the order given, and printed as
 * it comes (JSON: a line each with its "stack_name"; text: a "Name" line
 * first, a blank line between).  A stack that fails is said on stderr and
 * the others still printed; the exit status is then the failure's. */
static int
once_step(const struct app_options *o, int i, const struct pt_config *cfg, void *ctx,
    bool *stop)
{
	int one;

	(void)ctx;
	if (i > 0 && o->format == FMT_TEXT)
		putchar('\n');
	one = once_stack(o, cfg, o->stacks[i].name);
	if (ferror(stdout))	/* said by once_stack(); a reader gone: rc 0 */
		*stop = true;
	else if (one != EXIT_OK)
		fprintf(stderr, "pylontop: %s: no sample\n", o->stacks[i].name);
	return one;
}

static int
once_stacks(const struct app_options *o)
{
	int done, rc = app_for_each_stack(o, once_step, NULL, &done);

	return sig_quit() != 0 ? interrupted() : rc;
}

int
app_once(const struct app_options *o)
{
	sig_install();
	if (o->n_stacks > 1)
		return once_stacks(o);
	return once_stack(o, &o->cfg, NULL);
}
