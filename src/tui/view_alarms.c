/* view_alarms.c — latched alarms (active, or cleared but not yet
 * acknowledged) with level, state, time and value, then the event log of
 * every raise and clear, newest first.  'a' acknowledges; the log
 * scrolls. */
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

void
view_alarms(struct tui *t, int top, int rows, int cols)
{
	int y = top, bottom = top + rows, shown, room, first;
	size_t i;
	char buf[96];

	snprintf(buf, sizeof buf, "Alarms: %zu latched, %zu unacknowledged  (a: acknowledge)",
	    t->n_latched, t->unacked);
	tui_title(t, y++, 1, cols - 2, buf);
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
	}
	y++;
	if (y >= bottom)
		return;
	tui_title(t, y++, 1, cols - 2, "Event log, newest first");
	if (t->n_events == 0) {
		tui_role(t, TR_DIM);
		tui_text(y, 2, cols - 2, "No events yet.");
		attrset(A_NORMAL);
		return;
	}
	room = bottom - y;
	first = tui_clamp_scroll(t, TV_ALARMS, (int)t->n_events - room);
	for (i = (size_t)first; i < t->n_events && y < bottom; i++)
		event_row(t, y++, cols, &t->events[i]);
}
