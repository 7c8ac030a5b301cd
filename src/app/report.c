/* report.c — pylontop report [DIR]: a service report of the whole stack.
 *
 * Like --records, synchronously on one link: identify, then a few poll
 * cycles (the first one reads the records round), each sample observed
 * for the cell spread by condition and the alarms; then report_write().
 * Bounded: REPORT_SAMPLES cycles or REPORT_DEADLINE_MS, whichever first;
 * a device that does not answer gets a one-line error and no report. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "export/report.h"
#include "core/session.h"
#include "link/link.h"
#include "model/records.h"
#include "util/clock.h"
#include "util/signals.h"

#define REPORT_SAMPLES		4	/* cycles after the records round */
#define REPORT_DEADLINE_MS	90000	/* the whole acquisition */
#define REPORT_GAP_MAX_MS	2000	/* at most this between cycles */

static int
acquire(const struct pt_config *cfg, const char *who, struct session *s,
    struct report_input *in, struct pt_sample *cur, struct pt_sample *last)
{
	int64_t deadline = clock_mono_ms() + REPORT_DEADLINE_MS;
	int64_t gap = (int64_t)(cfg->interval_s * 1000);
	int i;

	if (gap > REPORT_GAP_MAX_MS)
		gap = REPORT_GAP_MAX_MS;
	s->records_request = true;
	for (i = 0; i < REPORT_SAMPLES && clock_mono_ms() < deadline; i++) {
		if (i > 0)
			clock_sleep_until(clock_mono_ms() + gap, sig_quit_flag());
		if (sig_quit() != 0)
			return -1;
		pt_sample_init(cur, s->protocol);
		if (s->ops->poll(s, cur, true) != 0) {
			if (sig_quit() != 0 || in->samples == 0)
				return -1;
			/* A lost cycle after good ones: report what was read. */
			fprintf(stderr, "pylontop: %sreport: a cycle failed (%s); going on\n",
			    who, s->error);
			continue;
		}
		report_observe(in, cur);
		memcpy(last, cur, sizeof *last);
		in->last = last;
	}
	return in->samples > 0 ? 0 : -1;
}

/* The report of the device cfg names into dir; `stack`: its name with
 * several stacks (in the report and before every stderr line), NULL with
 * one. */
static int
report_stack(const struct pt_config *cfg, const char *dir, const char *stack)
{
	struct link link;
	struct session *s = NULL;
	struct pt_sample *cur = calloc(1, sizeof *cur), *last = calloc(1, sizeof *last);
	struct report_input *in = calloc(1, sizeof *in);
	char who[APP_STACK_NAME_MAX + 2] = "", why[600];
	int rc = EXIT_RUNTIME;

	if (stack != NULL)
		snprintf(who, sizeof who, "%s: ", stack);
	if (cur == NULL || last == NULL || in == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out0;
	}
	if ((rc = app_open_oneshot(cfg, who, &link, &s)) != 0)
		goto out0;
	rc = EXIT_RUNTIME;
	in->cfg = cfg;
	in->link = cfg->device;
	in->stack = stack;
	in->started_ms = clock_wall_ms();
	if (s->ops->identify(s) != 0 || acquire(cfg, who, s, in, cur, last) != 0) {
		if (sig_quit() != 0) {
			rc = 128 + sig_quit();
			goto out1;
		}
		fprintf(stderr, "pylontop: %sreport: %s did not answer (%s); no report written; "
		    "check the cable, -d and -p (pylontop --probe finds the port)\n", who,
		    cfg->device, s->error[0] ? s->error : "no sample");
		goto out1;
	}
	in->protocol = s->protocol;
	in->rec = app_session_records(s);
	if (in->rec == NULL)
		fprintf(stderr, "pylontop: %sreport: no BMS records over the %s protocol (they "
		    "are read from the LV or HV console); the report has live values only\n",
		    who, s->protocol);
	in->written_ms = clock_wall_ms();
	if (report_write(in, dir, why, sizeof why) != 0) {
		fprintf(stderr, "pylontop: %sreport: %s\n", who, why);
		goto out1;
	}
	printf("%s/report.md\n%s/report.html\n%s/raw/\n", dir, dir, dir);
	fflush(stdout);
	snprintf(why, sizeof why, "%sreport: ", who);
	app_records_unanswered(in->rec, why, "said in the report");
	rc = EXIT_OK;
out1:
	session_free(s);
	link_close(&link);
out0:
	free(cur);
	free(last);
	free(in);
	return rc;
}

/* Several stacks: a report each (a warranty claim or a service visit is
 * about one battery group), in DIR-NAME, read in turn in the order given.
 * A stack that fails is said on stderr, named, and the others are still
 * reported; the exit status is then the failure's. */
static int
report_step(const struct app_options *o, int i, const struct pt_config *cfg, void *ctx,
    bool *stop)
{
	const char *base = ctx;
	char dir[600];

	(void)stop;
	snprintf(dir, sizeof dir, "%s-%s", base, o->stacks[i].name);
	return report_stack(cfg, dir, o->stacks[i].name);
}

static int
report_stacks(const struct app_options *o, const char *base)
{
	int written, rc = app_for_each_stack(o, report_step, (void *)base, &written);

	if (rc != EXIT_OK && sig_quit() == 0)
		fprintf(stderr, "pylontop: report: %d of %d stacks reported\n", written,
		    o->n_stacks);
	return sig_quit() != 0 ? 128 + sig_quit() : rc;
}

int
app_report(const struct app_options *o, const char *dir_arg)
{
	char dir[512];

	if (dir_arg != NULL)
		snprintf(dir, sizeof dir, "%s", dir_arg);
	else
		report_default_dir(dir, sizeof dir);
	/* "reports/" names the same directory as "reports". */
	while (o->n_stacks > 1 && strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (o->n_stacks > 1) {
		sig_install();
		return report_stacks(o, dir);
	}
	return report_stack(&o->cfg, dir, NULL);
}
