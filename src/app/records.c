/* records.c — pylontop --records: the BMS's own records (identity,
 * lifetime counters, per-cell SOH, event log, clock offset) of every
 * module, read once with read-only commands and printed (text or JSON).
 *
 * The same link and session code as the monitor, synchronously, like
 * --once: the records round is asked for and read in the first poll. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "app/app.h"
#include "core/session.h"
#include "link/link.h"
#include "model/records.h"
#include "util/signals.h"

int
app_open_oneshot(const struct pt_config *cfg, const char *who, struct link *link,
    struct session **s)
{
	sig_install();
	if (link_init(link, cfg->device, cfg->baud) != 0) {
		fprintf(stderr, "pylontop: %s%s\n", who, link_error(link));
		return EXIT_USAGE;
	}
	if (link_open(link) != 0) {
		fprintf(stderr, "pylontop: %s%s\n", who, link_error(link));
		link_close(link);
		return EXIT_RUNTIME;
	}
	/* Ctrl-C ends a slow read within one read step (as --once). */
	*s = session_new(cfg, link, sig_quit_flag());
	if (*s == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		link_close(link);
		return EXIT_RUNTIME;
	}
	(*s)->all_at_once = true;
	return 0;
}

const struct pt_records *
app_session_records(const struct session *s)
{
	return s->records != NULL && s->records_seq > 0 ? s->records : NULL;
}

void
app_records_unanswered(const struct pt_records *r, const char *prefix, const char *where)
{
	if (r != NULL && r->failed > 0)
		fprintf(stderr, "pylontop: %s%d of %d records commands were not answered (%s)\n",
		    prefix, r->failed, r->commands, where);
}

/* Identify, then one poll with the records round; -1 when either
 * failed or a quit signal came. */
static int
read_round(struct session *s, struct pt_sample *sample)
{
	if (s->ops->identify(s) != 0)
		return -1;
	s->records_request = true;
	pt_sample_init(sample, s->protocol);
	return s->ops->poll(s, sample, true) != 0 || sig_quit() != 0 ? -1 : 0;
}

/* The records printed: JSON on one line (named by "stack_name" with
 * several stacks), text under a "Stack NAME (DEVICE)" line then. */
static int
print_records(const struct app_options *o, const struct pt_config *cfg,
    const struct pt_records *records, const char *stack)
{
	cJSON *root;
	char *text;

	if (o->format == FMT_TEXT) {
		if (stack != NULL)
			printf("Stack %s (%s)\n", stack, cfg->device);
		pt_records_print_text(stdout, records);
		return 0;
	}
	if ((text = pt_records_to_json(records, false)) == NULL)
		return -1;
	if (stack != NULL) {
		root = cJSON_Parse(text);
		free(text);
		if (root == NULL)
			return -1;
		cJSON_AddStringToObject(root, "stack_name", stack);
		text = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		if (text == NULL)
			return -1;
	}
	puts(text);
	free(text);
	return 0;
}

/* The records of the device cfg names, printed (named `stack` with
 * several stacks, NULL with one); errors on stderr start with "STACK: ". */
static int
records_stack(const struct app_options *o, const struct pt_config *cfg, const char *stack)
{
	struct link link;
	struct session *s;
	struct pt_sample *sample;
	const struct pt_records *records;
	char who[APP_STACK_NAME_MAX + 2] = "";
	int rc;

	if (stack != NULL)
		snprintf(who, sizeof who, "%s: ", stack);
	if ((rc = app_open_oneshot(cfg, who, &link, &s)) != 0)
		return rc;
	rc = EXIT_RUNTIME;
	if ((sample = calloc(1, sizeof *sample)) == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out;
	}
	if (read_round(s, sample) != 0) {
		if (sig_quit() != 0) {
			rc = 128 + sig_quit();
			goto out;
		}
		fprintf(stderr, "pylontop: %s%s: %s\n", who, cfg->device, s->error);
		goto out;
	}
	if ((records = app_session_records(s)) == NULL) {
		fprintf(stderr, "pylontop: %s%s: no records over the %s protocol (they are read "
		    "from the LV or HV console)\n", who, cfg->device, s->protocol);
		goto out;
	}
	if (print_records(o, cfg, records, stack) != 0) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out;
	}
	fflush(stdout);
	app_records_unanswered(records, who, "see \"errors\" per module");
	rc = EXIT_OK;
out:
	session_free(s);
	link_close(&link);
	free(sample);
	return rc;
}

/* Several stacks: each read in turn, in the order given, and printed as
 * it comes (text: a blank line between).  A stack that fails is said on
 * stderr, named, and the others are still read; the exit status is then
 * the failure's. */
static int
records_step(const struct app_options *o, int i, const struct pt_config *cfg, void *ctx,
    bool *stop)
{
	const int *printed = ctx;

	(void)stop;
	if (*printed > 0 && o->format == FMT_TEXT)
		putchar('\n');
	return records_stack(o, cfg, o->stacks[i].name);
}

static int
records_stacks(const struct app_options *o)
{
	int printed = 0, rc;

	/* The walker counts into `printed` only after a step: the step reads
	 * it through ctx to put the blank line between printed stacks. */
	rc = app_for_each_stack(o, records_step, &printed, &printed);
	if (rc != EXIT_OK && sig_quit() == 0)
		fprintf(stderr, "pylontop: records of %d of %d stacks read\n", printed,
		    o->n_stacks);
	return sig_quit() != 0 ? 128 + sig_quit() : rc;
}

int
app_records(const struct app_options *o)
{
	if (o->format == FMT_CSV) {
		fprintf(stderr, "pylontop: --records prints text or json, not csv (give -f text "
		    "or -f json)\n");
		return EXIT_USAGE;
	}
	if (o->n_stacks > 1) {
		sig_install();
		return records_stacks(o);
	}
	return records_stack(o, &o->cfg, NULL);
}
