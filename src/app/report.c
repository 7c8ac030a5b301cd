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
acquire(const struct app_options *o, struct session *s, struct report_input *in,
    struct pt_sample *cur, struct pt_sample *last)
{
	int64_t deadline = clock_mono_ms() + REPORT_DEADLINE_MS;
	int64_t gap = (int64_t)(o->cfg.interval_s * 1000);
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
			fprintf(stderr, "pylontop: report: a cycle failed (%s); going on\n",
			    s->error);
			continue;
		}
		report_observe(in, cur);
		memcpy(last, cur, sizeof *last);
		in->last = last;
	}
	return in->samples > 0 ? 0 : -1;
}

int
app_report(const struct app_options *o, const char *dir_arg)
{
	struct link link;
	struct session *s = NULL;
	struct pt_sample *cur = calloc(1, sizeof *cur), *last = calloc(1, sizeof *last);
	struct report_input *in = calloc(1, sizeof *in);
	char dir[512], why[600];
	int rc = EXIT_RUNTIME;

	if (cur == NULL || last == NULL || in == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		goto out0;
	}
	if (dir_arg != NULL)
		snprintf(dir, sizeof dir, "%s", dir_arg);
	else
		report_default_dir(dir, sizeof dir);
	if ((rc = app_open_oneshot(o, &link, &s)) != 0)
		goto out0;
	rc = EXIT_RUNTIME;
	in->cfg = &o->cfg;
	in->link = o->cfg.device;
	in->started_ms = clock_wall_ms();
	if (s->ops->identify(s) != 0 || acquire(o, s, in, cur, last) != 0) {
		if (sig_quit() != 0) {
			rc = 128 + sig_quit();
			goto out1;
		}
		fprintf(stderr, "pylontop: report: %s did not answer (%s); no report written; "
		    "check the cable, -d and -p (pylontop --probe finds the port)\n",
		    o->cfg.device, s->error[0] ? s->error : "no sample");
		goto out1;
	}
	in->protocol = s->protocol;
	in->rec = app_session_records(s);
	if (in->rec == NULL)
		fprintf(stderr, "pylontop: report: no BMS records over the %s protocol (they "
		    "are read from the LV or HV console); the report has live values only\n",
		    s->protocol);
	in->written_ms = clock_wall_ms();
	if (report_write(in, dir, why, sizeof why) != 0) {
		fprintf(stderr, "pylontop: report: %s\n", why);
		goto out1;
	}
	printf("%s/report.md\n%s/report.html\n%s/raw/\n", dir, dir, dir);
	app_records_unanswered(in->rec, "report: ", "said in the report");
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
