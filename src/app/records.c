/* records.c — pylontop --records: the BMS's own records (identity,
 * lifetime counters, per-cell SOH, event log, clock offset) of every
 * module, read once with read-only commands and printed (text or JSON).
 *
 * The same link and session code as the monitor, synchronously, like
 * --once: the records round is asked for and read in the first poll. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/session.h"
#include "link/link.h"
#include "model/records.h"
#include "util/signals.h"

int
app_open_oneshot(const struct app_options *o, struct link *link, struct session **s)
{
	sig_install();
	if (link_init(link, o->cfg.device, o->cfg.baud) != 0) {
		fprintf(stderr, "pylontop: %s\n", link_error(link));
		return EXIT_USAGE;
	}
	if (link_open(link) != 0) {
		fprintf(stderr, "pylontop: %s\n", link_error(link));
		link_close(link);
		return EXIT_RUNTIME;
	}
	/* Ctrl-C ends a slow read within one read step (as --once). */
	*s = session_new(&o->cfg, link, sig_quit_flag());
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

int
app_records(const struct app_options *o)
{
	struct link link;
	struct session *s;
	struct pt_sample *sample;
	const struct pt_records *records;
	char *text;
	int rc = EXIT_RUNTIME;

	if (o->format == FMT_CSV) {
		fprintf(stderr, "pylontop: --records prints text or json, not csv (give -f text "
		    "or -f json)\n");
		return EXIT_USAGE;
	}
	if ((rc = app_open_oneshot(o, &link, &s)) != 0)
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
		fprintf(stderr, "pylontop: %s: %s\n", o->cfg.device, s->error);
		goto out;
	}
	if ((records = app_session_records(s)) == NULL) {
		fprintf(stderr, "pylontop: %s: no records over the %s protocol (they are read "
		    "from the LV or HV console)\n", o->cfg.device, s->protocol);
		goto out;
	}
	if (o->format == FMT_JSON) {
		if ((text = pt_records_to_json(records, false)) == NULL) {
			fprintf(stderr, "pylontop: out of memory\n");
			goto out;
		}
		puts(text);
		free(text);
	} else
		pt_records_print_text(stdout, records);
	fflush(stdout);
	app_records_unanswered(records, "", "see \"errors\" per module");
	rc = EXIT_OK;
out:
	session_free(s);
	link_close(&link);
	free(sample);
	return rc;
}
