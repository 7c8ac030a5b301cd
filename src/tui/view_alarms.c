/* view_alarms.c — latched alarms (active, or cleared but not yet
 * acknowledged) with level, state, time and value, then the event log of
 * every raise and clear merged with the link's events (lost,
 * reconnecting, identified, round-robin on/off), newest first.  'a'
 * acknowledges; the log scrolls.  While the data is old the title says
 * since when and the latched values are dimmed and marked '~': they are
 * the values of the last sample, not of now. */
#include "tui/tui_impl.h"

#include <stdio.h>
#include <string.h>

static enum tui_role
level_role(int level, bool active)
{
	if (!active)
		return TR_DIM;
	return level >= PT_LEVEL_ALARM ? TR_BAD : level == PT_LEVEL_WARNING ? TR_WARN : TR_NORMAL;
}

/* Columns: level, state, ack, what (flexible), then since and cleared
 * at the right while there is room; the description matters most. */
struct alarm_cols {
	int	what_w, since_x, cleared_x, time_w;
};

static void
alarm_columns(int cols, struct alarm_cols *c)
{
	c->time_w = 12;
	c->what_w = cols - 22 - 2 * c->time_w;
	c->since_x = c->cleared_x = -1;
	if (c->what_w >= 38) {
		c->since_x = 22 + c->what_w;
		c->cleared_x = c->since_x + c->time_w;
	} else if ((c->what_w += c->time_w) >= 38)
		c->since_x = 22 + c->what_w;
	else
		c->what_w += c->time_w;
}

static void
latched_row(struct tui *t, int y, int cols, const struct alarm_state *a)
{
	struct alarm_cols c;
	char text[160], since[24], cleared[24];

	alarm_columns(cols, &c);
	alarm_describe(&a->alarm, text, sizeof text);
	tui_clock(since, sizeof since, a->alarm.since_ms, t->data_ms);
	if (a->active)
		snprintf(cleared, sizeof cleared, "-");
	else
		tui_clock(cleared, sizeof cleared, a->cleared_ms, t->data_ms);
	tui_role(t, level_role(a->alarm.level, a->active));
	tui_printf(y, 1, 9, "%-8s", alarm_level_name(a->alarm.level));
	tui_printf(y, 10, 8, "%-7s", a->active ? "ACTIVE" : "cleared");
	attrset(A_NORMAL);
	tui_text(y, 18, 4, a->acknowledged ? "yes" : "no");
	tui_text(y, 22, c.what_w - 1, text);
	if (c.since_x > 0)
		tui_text(y, c.since_x, c.time_w, since);
	if (c.cleared_x > 0)
		tui_text(y, c.cleared_x, c.time_w, cleared);
}

static void
latched_head(struct tui *t, int y, int cols)
{
	struct alarm_cols c;

	alarm_columns(cols, &c);
	tui_role(t, TR_HEAD);
	tui_text(y, 1, cols - 1, "Level    State   Ack What");
	if (c.since_x > 0)
		tui_text(y, c.since_x, c.time_w, "Since");
	if (c.cleared_x > 0)
		tui_text(y, c.cleared_x, c.time_w, "Cleared");
	attrset(A_NORMAL);
}

static void
event_row(struct tui *t, int y, int cols, const struct alarm_event *e)
{
	char text[160], when[24];

	alarm_describe(&e->alarm, text, sizeof text);
	tui_clock(when, sizeof when, e->time_ms, t->data_ms);
	tui_text(y, 1, 12, when);
	tui_role(t, e->raised ? level_role(e->alarm.level, true) : TR_GOOD);
	tui_printf(y, 13, 8, "%-7s", e->raised ? "raised" : "cleared");
	tui_printf(y, 21, 9, "%-8s", alarm_level_name(e->alarm.level));
	attrset(A_NORMAL);
	tui_text(y, 30, cols - 30, text);
}

static void
link_event_row(struct tui *t, int y, int cols, const struct link_event *e)
{
	char when[24];

	tui_clock(when, sizeof when, e->time_ms, t->data_ms);
	tui_text(y, 1, 12, when);
	tui_role(t, TR_HEAD);
	tui_printf(y, 13, 17, "%-16s", "link");
	attrset(A_NORMAL);
	tui_text(y, 30, cols - 30, e->text);
}

/* The i-th newest entry of both logs merged by time: true for an alarm
 * event (index in *ai), false for a link event (index in *li). */
static bool
merged_at(const struct tui *t, size_t i, size_t *ai, size_t *li)
{
	size_t a = 0, l = 0, k;
	bool alarm = true;

	for (k = 0; k <= i; k++) {
		alarm = l >= t->n_link_events || (a < t->n_events &&
		    t->events[a].time_ms >= t->link_events[l].time_ms);
		if (k == i)
			break;
		if (alarm)
			a++;
		else
			l++;
	}
	*ai = a;
	*li = l;
	return alarm;
}

void
view_alarms(struct tui *t, int top, int rows, int cols)
{
	int y = top, bottom = top + rows, shown, room, first, latched_top;
	size_t i, ai, li, n_log = t->n_events + t->n_link_events;
	char buf[160];

	snprintf(buf, sizeof buf, "Alarms: %zu latched, %zu unacknowledged  (a: acknowledge)",
	    t->n_latched, t->unacked);
	tui_title(t, y++, 1, cols - 2, buf);
	if (t->old) {
		tui_old_text(t, buf, sizeof buf);
		tui_role(t, TR_WARN);
		tui_text(y++, 2, cols - 2, buf);
		attrset(A_NORMAL);
	}
	latched_top = y;
	if (t->n_latched == 0) {
		tui_role(t, TR_GOOD);
		tui_text(y++, 2, cols - 2, "No alarms.");
		attrset(A_NORMAL);
	} else {
		latched_head(t, y++, cols);
		/* Half the screen at most; the log needs room too. */
		shown = 0;
		for (i = 0; i < t->n_latched && y < top + rows / 2; i++, shown++)
			latched_row(t, y++, cols, &t->latched[i]);
		if ((size_t)shown < t->n_latched) {
			tui_role(t, TR_DIM);
			tui_printf(y++, 2, cols - 2, "and %zu more", t->n_latched - (size_t)shown);
			attrset(A_NORMAL);
		}
		if (t->old) {
			int r;

			for (r = latched_top + 1; r < y; r++)
				tui_text(r, 0, 1, TUI_OLD_MARK);
			tui_dim(latched_top + 1, 0, y - latched_top - 1, cols);
		}
	}
	y++;
	if (y >= bottom)
		return;
	tui_title(t, y++, 1, cols - 2, "Event log, newest first");
	if (n_log == 0) {
		tui_role(t, TR_DIM);
		tui_text(y, 2, cols - 2, "No events yet.");
		attrset(A_NORMAL);
		return;
	}
	room = bottom - y;
	first = tui_clamp_scroll(t, TV_ALARMS, (int)n_log - room);
	for (i = (size_t)first; i < n_log && y < bottom; i++) {
		if (merged_at(t, i, &ai, &li))
			event_row(t, y++, cols, &t->events[ai]);
		else
			link_event_row(t, y++, cols, &t->link_events[li]);
	}
}
