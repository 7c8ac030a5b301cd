/* report_key.c — 'W' in the UI: write a service report (issue 13) from
 * what the monitor already has — the records snapshot, the recent samples
 * of the history (cell spread by condition, alarms), the newest sample.
 * The UI never touches the device: when no records round has finished
 * yet, one is asked for and the report says none were read. */
#include "tui/tui_impl.h"

#include <stdlib.h>
#include <string.h>

#include "export/report.h"
#include "model/health.h"
#include "util/clock.h"

/* Recent samples observed for the spread (the history keeps more). */
#define TUI_REPORT_SAMPLES	120

void
tui_write_report(struct tui *t)
{
	struct report_input *in = calloc(1, sizeof *in);
	struct pt_records *rec = calloc(1, sizeof *rec);
	struct pt_sample *s = calloc(TUI_REPORT_SAMPLES, sizeof *s);
	struct health_report *hr = calloc(1, sizeof *hr);
	const struct pt_config *cfg = monitor_config(t->m);
	char dir[128], why[600];
	size_t n, i;

	if (in == NULL || rec == NULL || s == NULL || hr == NULL) {
		tui_message(t, "Report: out of memory");
		goto out;
	}
	n = history_recent(monitor_history(t->m), s, TUI_REPORT_SAMPLES);
	if (n == 0) {
		tui_message(t, "Report: no sample yet; try again when values show");
		goto out;
	}
	in->cfg = cfg;
	in->link = cfg->device;
	if (tui_stack_name(t)[0] != '\0')	/* several stacks: the shown one's */
		in->stack = tui_stack_name(t);
	in->protocol = s[n - 1].protocol;
	in->started_ms = s[0].time_ms;
	for (i = 0; i < n; i++)
		report_observe(in, &s[i]);
	in->last = &s[n - 1];
	if (monitor_records(t->m, rec) != 0)
		in->rec = rec;
	else
		monitor_request_records(t->m);
	monitor_health(t->m, hr);
	in->health = hr;
	in->written_ms = clock_wall_ms();
	report_default_dir(dir, sizeof dir);
	if (in->stack != NULL)	/* as `pylontop report`: DIR-NAME */
		snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "-%s", in->stack);
	if (report_write(in, dir, why, sizeof why) != 0)
		tui_message(t, "Report not written: %s", why);
	else
		tui_message(t, "Report written to %s/ (report.md, report.html, raw/)%s", dir,
		    in->rec == NULL ? "; records not read yet (asked for)" : "");
out:
	free(in);
	free(rec);
	free(s);
	free(hr);
}
