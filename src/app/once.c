/* once.c — pylontop --once: one complete sample, for scripts.
 *
 * Runs the same link and session code as the monitor, synchronously and
 * without retries, so a failure is reported at once with its reason. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/alarms.h"
#include "core/health_json.h"
#include "core/session.h"
#include "link/link.h"
#include "model/sample_csv.h"
#include "model/sample_json.h"
#include "model/sample_text.h"
#include "util/clock.h"
#include "util/signals.h"

void
app_print_sample(const struct pt_sample *s, enum out_format f, bool header)
{
	struct csv_layout lay;
	char *text;

	switch (f) {
	case FMT_JSON:
		if ((text = sample_to_json(s, false)) != NULL) {
			puts(text);
			free(text);
		}
		break;
	case FMT_CSV:
		csv_layout_from_sample(&lay, s);
		if (header && (text = sample_csv_header(&lay)) != NULL) {
			puts(text);
			free(text);
		}
		if ((text = sample_csv_row(&lay, s)) != NULL) {
			puts(text);
			free(text);
		}
		break;
	case FMT_TEXT:
		sample_print_text(stdout, s);
		break;
	}
	fflush(stdout);
}

/* The JSON sample with the health figures: the estimates kept in the
 * state file (read only: a running pylontop owns it) and this sample. */
static void
print_json_with_health(const struct pt_config *cfg, const struct pt_sample *s)
{
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
	if ((text = cJSON_PrintUnformatted(root)) != NULL) {
		puts(text);
		free(text);
	}
	fflush(stdout);
out:
	cJSON_Delete(root);
	free(r);
	health_free(h);
}

int
app_once(const struct app_options *o)
{
	static volatile int stop;
	struct link link;
	struct session *s;
	struct pt_sample *sample;
	struct alarm_engine *ae;
	int rc = EXIT_RUNTIME;

	sig_install();
	if (link_init(&link, o->cfg.device, o->cfg.baud) != 0) {
		fprintf(stderr, "pylontop: %s\n", link_error(&link));
		return EXIT_USAGE;
	}
	if (link_open(&link) != 0) {
		fprintf(stderr, "pylontop: %s\n", link_error(&link));
		return EXIT_RUNTIME;
	}
	sample = calloc(1, sizeof *sample);
	s = session_new(&o->cfg, &link, &stop);
	if (s == NULL || sample == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out;
	}
	s->all_at_once = true;	/* one sample: every slow value in it */
	if (s->ops->identify(s) != 0) {
		fprintf(stderr, "pylontop: %s: %s\n", o->cfg.device, s->error);
		goto out;
	}
	if (o->verbose)
		fprintf(stderr, "pylontop: found %s, %d modules\n",
		    s->model[0] ? s->model : s->protocol, s->modules);
	pt_sample_init(sample, s->protocol);
	snprintf(sample->dialect, sizeof sample->dialect, "%s", s->dialect);
	if (s->ops->poll(s, sample, true) != 0) {
		fprintf(stderr, "pylontop: %s: %s\n", o->cfg.device, s->error);
		goto out;
	}
	sample->seq = 1;
	sample->time_ms = clock_wall_ms();
	pt_sample_derive(sample);
	if ((ae = alarm_engine_new(&o->cfg.alarms)) != NULL) {
		alarm_engine_eval(ae, sample, sample->time_ms);
		alarm_engine_free(ae);
	}
	if (o->format == FMT_JSON)
		print_json_with_health(&o->cfg, sample);
	else
		app_print_sample(sample, o->format, true);
	rc = EXIT_OK;
out:
	session_free(s);
	link_close(&link);
	free(sample);
	return rc;
}
