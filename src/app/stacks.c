/* stacks.c — several battery stacks in one instance (issue 16.1):
 * `-d DEV --name NAME` given more than once.
 *
 * Each stack is a monitor of its own: its device, protocol session and
 * acquisition thread, history, alarm engine and sinks, so one stack's link
 * failing or hanging never holds up another's polls.  What the stacks
 * share is only the settings given once (interval, protocol, alarm
 * thresholds, broker); what must differ is derived from the name:
 *
 *   CSV file      the path with "-NAME" before its extension
 *                 (--csv log-%Y%m%d.csv: log-%Y%m%d-lv.csv, log-%Y%m%d-hv.csv)
 *   --record, HEALTH_STATE_FILE   the same
 *   MQTT          one stack device per stack: DEVICE_UNIQUE_ID "ID-NAME"
 *                 (NAME when none is set), so topics pylontop/NAME/...;
 *                 a set MQTT_CLIENT_ID gets "-NAME", a set MQTT_BASE_TOPIC
 *                 "/NAME", the device name " NAME"
 *   --metrics     one server for all stacks (app/headless.c), each series
 *                 labelled stack="NAME"; the stacks must agree on it
 *
 * With one stack nothing is derived: the files and topics are as before. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "util/err.h"
#include "util/signals.h"

static int
check_name(const char *name, char *err, size_t errsize)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= APP_STACK_NAME_MAX) {
		snprintf(err, errsize, "--name '%s': give 1 to %d characters", name,
		    APP_STACK_NAME_MAX - 1);
		return PT_ERR_ARG;
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_') {
			snprintf(err, errsize, "--name '%s': use letters, digits, '-' and '_' "
			    "only (it names files and MQTT topics)", name);
			return PT_ERR_ARG;
		}
	return 0;
}

/* One /metrics serves every stack (series labelled stack="NAME"), so the
 * stacks must agree where it listens: a [stack] section cannot move it. */
static int
check_metrics(const struct app_options *o, char *err, size_t errsize)
{
	const struct pt_config *c0 = o->stacks[0].cfg ? o->stacks[0].cfg : &o->cfg;

	for (int i = 1; i < o->n_stacks; i++) {
		const struct pt_config *c = o->stacks[i].cfg ? o->stacks[i].cfg : &o->cfg;

		if (c->metrics_port != c0->metrics_port ||
		    strcmp(c->metrics_addr, c0->metrics_addr) != 0) {
			snprintf(err, errsize, "METRICS_LISTEN differs between stacks %s and "
			    "%s: one /metrics serves every stack; set it once, outside "
			    "the [stack] sections (or with --metrics)", o->stacks[0].name,
			    o->stacks[i].name);
			return PT_ERR_ARG;
		}
	}
	return 0;
}

int
app_stacks_check(struct app_options *o, char *err, size_t errsize)
{
	int i, k;

	for (i = 0; i < o->n_stacks; i++) {
		struct app_stack *s = &o->stacks[i];

		if (s->name[0] == '\0')
			snprintf(s->name, sizeof s->name, "%d", i + 1);
		if (check_name(s->name, err, errsize) != 0)
			return PT_ERR_ARG;
		for (k = 0; k < i; k++)
			if (strcmp(o->stacks[k].name, s->name) == 0) {
				snprintf(err, errsize, "--name '%s' is given to two stacks; each "
				    "needs its own", s->name);
				return PT_ERR_ARG;
			}
	}
	if (o->n_stacks < 2)
		return 0;
	for (i = 0; i < o->n_stacks; i++)
		if (strcmp((o->stacks[i].cfg ? o->stacks[i].cfg : &o->cfg)->csv_path, "-") == 0) {
			snprintf(err, errsize, "--csv -: standard output holds one stack's "
			    "table; give --csv FILE (a FILE-NAME.csv per stack), or --headless "
			    "--format json for every stack on standard output");
			return PT_ERR_ARG;
		}
	for (i = 0; i < o->n_stacks; i++)
		if (strncmp(o->stacks[i].device, "replay:", 7) == 0) {
			/* A replay runs the process's clock at the recording's
			 * pace (util/clock.h): there is one such clock. */
			snprintf(err, errsize, "%s: a replay plays alone; give it as the only "
			    "-d", o->stacks[i].device);
			return PT_ERR_ARG;
		}
	return check_metrics(o, err, errsize);
}

/* "dir/log.csv" -> "dir/log-NAME.csv"; without an extension, appended. */
static int
add_name(char *path, size_t size, const char *name)
{
	char out[1024];
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	size_t head;

	if (path[0] == '\0')
		return 0;
	if (dot == NULL || (slash != NULL && dot < slash) || dot == path ||
	    (slash != NULL && dot == slash + 1))
		head = strlen(path);
	else
		head = (size_t)(dot - path);
	snprintf(out, sizeof out, "%.*s-%s%s", (int)head, path, name, path + head);
	if (strlen(out) >= size)
		return PT_ERR_ARG;
	memcpy(path, out, strlen(out) + 1);
	return 0;
}

static int
add_suffix(char *dst, size_t size, const char *sep, const char *name)
{
	char out[512];

	snprintf(out, sizeof out, "%s%s%s", dst, sep, name);
	if (strlen(out) >= size)
		return PT_ERR_ARG;
	memcpy(dst, out, strlen(out) + 1);
	return 0;
}

int
app_stack_config(const struct app_options *o, int i, struct pt_config *c, char *err,
    size_t errsize)
{
	const struct app_stack *s = &o->stacks[i];
	struct mqtt_config *mq = &c->mqtt;
	int rc = 0;

	*c = o->n_stacks > 0 && s->cfg != NULL ? *s->cfg : o->cfg;
	if (o->n_stacks == 0)
		return 0;
	snprintf(c->device, sizeof c->device, "%s", s->device);
	if (o->n_stacks < 2)
		return 0;
	rc |= add_name(c->csv_path, sizeof c->csv_path, s->name);
	rc |= add_name(c->record_path, sizeof c->record_path, s->name);
	rc |= add_name(c->health.state_file, sizeof c->health.state_file, s->name);
	if (mq->unique_id[0] != '\0')
		rc |= add_suffix(mq->unique_id, sizeof mq->unique_id, "-", s->name);
	else
		snprintf(mq->unique_id, sizeof mq->unique_id, "%s", s->name);
	if (mq->client_id[0] != '\0')
		rc |= add_suffix(mq->client_id, sizeof mq->client_id, "-", s->name);
	if (mq->base_topic[0] != '\0')
		rc |= add_suffix(mq->base_topic, sizeof mq->base_topic, "/", s->name);
	rc |= add_suffix(mq->device_name, sizeof mq->device_name,
	    mq->device_name[0] != '\0' ? " " : "Pylontech stack ", s->name);
	if (rc != 0) {
		snprintf(err, errsize, "stack %s: a file name or MQTT name is too long with "
		    "the stack's name added", s->name);
		return PT_ERR_ARG;
	}
	return 0;
}

int
app_for_each_stack(const struct app_options *o, app_stack_step step, void *ctx, int *done)
{
	struct pt_config *cfg = malloc(sizeof *cfg);
	char err[300];
	int i, one, rc = EXIT_OK;
	bool stop = false;

	*done = 0;
	if (cfg == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < o->n_stacks && !stop && sig_quit() == 0; i++) {
		if (app_stack_config(o, i, cfg, err, sizeof err) != 0) {
			fprintf(stderr, "pylontop: %s\n", err);
			rc = EXIT_USAGE;
			break;
		}
		one = step(o, i, cfg, ctx, &stop);
		if (one == EXIT_OK)
			(*done)++;
		else if (rc == EXIT_OK || one > 128)
			rc = one;
	}
	explicit_bzero(cfg, sizeof *cfg);
	free(cfg);
	return rc;
}
