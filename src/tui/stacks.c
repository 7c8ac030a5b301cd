/* stacks.c — several stacks in one UI (issue 16.1).  Every view shows
 * one stack (t->m); 'S' shows the next.  The overview starts with one
 * line per stack, so a glance covers them all: name, link state, the
 * newest values and their age, old ones marked as everywhere else. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "tui/tui_impl.h"
#include "util/clock.h"

const char *
tui_stack_name(const struct tui *t)
{
	return t->n_stacks > 1 ? t->stack_names[t->cur_stack] : "";
}

void
tui_next_stack(struct tui *t)
{
	if (t->n_stacks < 2) {
		tui_message(t, "one stack (give -d DEV --name NAME again for more)");
		return;
	}
	monitor_raw_watch(t->m, false);
	t->cur_stack = (t->cur_stack + 1) % t->n_stacks;
	tui_show_monitor(t, t->stacks[t->cur_stack]);
	tui_message(t, "stack %s (%d of %d)", tui_stack_name(t), t->cur_stack + 1,
	    t->n_stacks);
}

void
tui_show_monitor(struct tui *t, struct monitor *m)
{
	t->m = t->stacks[t->cur_stack] = m;
	monitor_raw_watch(t->m, t->view == TV_CONSOLE);
	/* What was shown belongs to the other monitor: nothing of it stays
	 * (a frozen display too: it would show the other one's copy). */
	t->frozen = false;
	t->have_sample = false;
	pt_sample_init(t->sample, NULL);
	t->module = t->cell = 0;
	t->typing = false;
	t->raw_seq = 0;
	memset(t->scroll, 0, sizeof t->scroll);
	t->scroll[TV_CONSOLE] = 1 << 20;
	tui_refresh_data(t, true);
	t->bell_seen_ms = t->n_events > 0 ? t->events[0].time_ms : 0;
}

/* One stack's line: "> lv  polling  52.10 V  -20.5 A  SOC 61%  3s". */
static void
stack_line(struct tui *t, int i, int y, int cols, int name_w)
{
	struct link_stats ls;
	struct pt_sample *s = t->other;
	char vals[96] = "", age[32] = "";
	bool have, old = false;
	int64_t now = clock_wall_ms();
	int x;

	monitor_link_stats(t->stacks[i], &ls);
	have = history_latest(monitor_history(t->stacks[i]), s);
	if (have) {
		const struct pt_stack *st = &s->stack;
		int n = 0;

		if (PT_HAS(st, PTF_VOLTAGE))
			n += snprintf(vals + n, sizeof vals - (size_t)n, "%6.2f V ", st->voltage);
		if (PT_HAS(st, PTF_CURRENT) && n < (int)sizeof vals)
			n += snprintf(vals + n, sizeof vals - (size_t)n, "%7.2f A ", st->current);
		if (PT_HAS(st, PTF_SOC) && n < (int)sizeof vals)
			snprintf(vals + n, sizeof vals - (size_t)n, "SOC %3.0f%%", st->soc);
		tui_age_text(age, sizeof age, now - s->time_ms);
		old = ls.stale_after_ms > 0 && now - s->time_ms > ls.stale_after_ms;
	}
	tui_role(t, i == t->cur_stack ? TR_HEAD : TR_NORMAL);
	x = 1 + tui_printf(y, 1, cols - 2, "%s %-*s", i == t->cur_stack ? ">" : " ",
	    name_w, t->stack_names[i]);
	tui_role(t, ls.state == LINK_POLLING ? TR_GOOD : ls.state == LINK_WAITING ? TR_BAD :
	    TR_DIM);
	x += 1 + tui_printf(y, x + 1, cols - x - 2, "%-12s", link_state_name(ls.state));
	tui_role(t, old ? TR_DIM : TR_NORMAL);
	if (have)
		tui_printf(y, x + 1, cols - x - 2, "%s  %s%s", vals, old ? TUI_OLD_MARK : "",
		    age);
	else
		tui_text(y, x + 1, cols - x - 2, "no sample yet");
	attrset(A_NORMAL);
}

int
tui_draw_stacks(struct tui *t, int y, int rows, int cols)
{
	int i, name_w = 4, n;

	if (t->n_stacks < 2 || t->other == NULL)
		return 0;
	n = t->n_stacks + 1;
	if (n > rows / 2)
		return 0;		/* the shown stack comes first */
	for (i = 0; i < t->n_stacks; i++)
		if ((int)strlen(t->stack_names[i]) > name_w)
			name_w = (int)strlen(t->stack_names[i]);
	tui_title(t, y, 1, cols - 2, "Stacks (S: next)");
	for (i = 0; i < t->n_stacks; i++)
		stack_line(t, i, y + 1 + i, cols, name_w);
	return n;
}
