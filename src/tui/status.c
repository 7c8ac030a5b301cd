/* status.c — the tab line at the top and the status line at the bottom.
 *
 * The status line always shows the device, protocol/dialect, link state,
 * age of the newest sample (once it is stale — older than the measured
 * cycle allows, core/stale.h — "STALE since 12:03:41, 27s" in the warning
 * colour), round-robin ("rr 3/16": cells of 3 of 16 modules per cycle),
 * MQTT and CSV state.  When space is short the
 * device path gives way first (its tail is kept), the rest never does. */
#include "tui/tui_impl.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

static const char *const tab_names[TV_COUNT] = {
	"Overview", "Cells", "History", "Alarms", "Help", "Health", "Console",
	"Inventory", "Events",
};
/* The key of each tab (keys.c). */
static const char tab_keys[TV_COUNT + 1] = "1234567ie";

static int
active_alarms(const struct tui *t)
{
	size_t i;
	int n = 0;

	for (i = 0; i < t->n_latched; i++)
		n += t->latched[i].active;
	return n;
}

void
tui_draw_tabs(struct tui *t)
{
	int x = 0, v, need = 10, active;
	bool short_names;
	char buf[32];

	for (v = 0; v < TV_COUNT; v++)
		need += (int)strlen(tab_names[v]) + 3;
	short_names = need > COLS - 18;
	tui_role(t, TR_TITLE);
	x += tui_text(0, 0, COLS, short_names ? "pylontop " : " pylontop  ");
	for (v = 0; v < TV_COUNT; v++) {
		if (short_names && v != (int)t->view)
			snprintf(buf, sizeof buf, " %c ", tab_keys[v]);
		else
			snprintf(buf, sizeof buf, " %c %s ", tab_keys[v], tab_names[v]);
		tui_role(t, v == (int)t->view ? TR_TAB_ON : TR_TAB);
		x += tui_text(0, x, COLS - x, buf);
	}
	x++;
	if (t->frozen) {
		tui_role(t, TR_STATUS_WARN);
		x += tui_text(0, x, COLS - x, " FROZEN ") + 1;
	}
	if (t->unacked > 0) {
		snprintf(buf, sizeof buf, " %zu ALARM%s ", t->unacked, t->unacked > 1 ? "S" : "");
		tui_role(t, TR_STATUS_BAD);
		tui_text(0, x, COLS - x, buf);
	} else if ((active = active_alarms(t)) > 0) {
		/* Acknowledged but still there: calmer, not gone. */
		snprintf(buf, sizeof buf, " %d active ", active);
		tui_role(t, TR_STATUS_WARN);
		tui_text(0, x, COLS - x, buf);
	}
	attrset(A_NORMAL);
}

bool
tui_is_stale(const struct link_stats *ls, int64_t wall_ms)
{
	if (ls->last_sample_ms <= 0 || ls->stale_after_ms <= 0)
		return false;
	return wall_ms - ls->last_sample_ms > ls->stale_after_ms;
}

void
tui_age_text(char *buf, size_t size, int64_t age_ms)
{
	(void)layout_age(buf, size, age_ms);
}

/* When the shown stack's age next changes on screen, -1 never. */
static int64_t
own_age_due(struct tui *t, int64_t wall_ms)
{
	struct link_stats ls;
	char buf[32];

	monitor_link_stats(t->m, &ls);
	if (ls.last_sample_ms <= 0 && ls.state_since_ms > 0 && ls.state != LINK_STOPPED)
		/* No sample yet: the overview counts how long this step takes. */
		return layout_age(buf, sizeof buf, wall_ms - ls.state_since_ms);
	if (ls.last_sample_ms <= 0)
		return -1;
	return layout_age(buf, sizeof buf, wall_ms - ls.last_sample_ms);
}

int64_t
tui_age_due(struct tui *t, int64_t wall_ms)
{
	int64_t due = own_age_due(t, wall_ms), d;
	struct link_stats ls;
	char buf[32];

	/* The overview's line per stack shows every stack's age (its newest
	 * sample's, stacks.c): it must count on while that stack is silent,
	 * not only when the stack's state changes. */
	if (t->view != TV_OVERVIEW || t->n_stacks < 2)
		return due;
	for (int i = 0; i < t->n_stacks; i++) {
		monitor_link_stats(t->stacks[i], &ls);
		if (ls.last_sample_ms <= 0)
			continue;
		d = layout_age(buf, sizeof buf, wall_ms - ls.last_sample_ms);
		if (due < 0 || d < due)
			due = d;
	}
	return due;
}

struct segment {
	char		text[96];
	enum tui_role	role;
};

static enum tui_role
sink_role(enum sink_state s)
{
	switch (s) {
	case SINK_OK:
		return TR_STATUS;
	case SINK_CONNECTING:
		return TR_STATUS_WARN;
	case SINK_ERROR:
		return TR_STATUS_BAD;
	default:
		return TR_STATUS;
	}
}

/* Left to right: device (flexible), link, age, MQTT, CSV.  `compact`
 * drops the words a narrow terminal cannot afford. */
static int
status_segments(struct tui *t, struct segment *seg, int64_t wall_ms, const char **device,
    bool compact)
{
	static struct link_stats ls;
	struct sink_status mq, csv;
	char age[32], since[24];
	int n = 0;

	monitor_link_stats(t->m, &ls);
	monitor_sink_status(t->m, SINK_MQTT, &mq);
	monitor_sink_status(t->m, SINK_CSV, &csv);
	*device = ls.device[0] != '\0' ? ls.device : "(no device)";
	if (tui_stack_name(t)[0] != '\0') {
		static char named[sizeof ls.device + 40];

		snprintf(named, sizeof named, "%s: %s", tui_stack_name(t), *device);
		*device = named;
	}
	if (compact && ls.state == LINK_POLLING)
		snprintf(seg[n].text, sizeof seg[n].text, " %s%s%s ", ls.protocol[0] ? ls.protocol :
		    "?", ls.dialect[0] ? "/" : "", ls.dialect);
	else
		snprintf(seg[n].text, sizeof seg[n].text, " %s%s%s %s ", ls.protocol[0] ?
		    ls.protocol : "?", ls.dialect[0] ? "/" : "", ls.dialect,
		    link_state_name(ls.state));
	seg[n++].role = ls.state == LINK_POLLING ? TR_STATUS : TR_STATUS_WARN;
	if (ls.last_sample_ms > 0) {
		tui_age_text(age, sizeof age, wall_ms - ls.last_sample_ms);
		if (tui_is_stale(&ls, wall_ms)) {
			tui_clock(since, sizeof since, ls.last_sample_ms, wall_ms);
			snprintf(seg[n].text, sizeof seg[n].text, " STALE since %s, %s ", since, age);
			seg[n++].role = TR_STATUS_WARN;
		} else {
			snprintf(seg[n].text, sizeof seg[n].text, compact ? " %s " : " age %s ", age);
			seg[n++].role = TR_STATUS;
		}
	} else {
		snprintf(seg[n].text, sizeof seg[n].text, compact ? " no data " : " no sample yet ");
		seg[n++].role = TR_STATUS_WARN;
	}
	if (ls.cells_per_cycle > 0 && ls.cells_per_cycle < ls.modules) {
		snprintf(seg[n].text, sizeof seg[n].text, compact ? " rr %d/%d " :
		    " round-robin %d/%d ", ls.cells_per_cycle, ls.modules);
		seg[n++].role = TR_STATUS_WARN;
	}
	if (monitor_recording(t->m)) {
		snprintf(seg[n].text, sizeof seg[n].text, " REC ");
		seg[n++].role = TR_STATUS_BAD;
	}
	if (monitor_is_replay(t->m)) {
		/* The recorded time being played (the replay's clock). */
		tui_clock(since, sizeof since, wall_ms, wall_ms);
		snprintf(seg[n].text, sizeof seg[n].text, " %s %s ", clock_virtual_paused() ?
		    "PAUSED" : compact ? "RP" : "REPLAY", since);
		seg[n++].role = clock_virtual_paused() ? TR_STATUS_WARN : TR_STATUS;
	}
	snprintf(seg[n].text, sizeof seg[n].text, " MQTT %s ", sink_state_name(mq.state));
	seg[n++].role = sink_role(mq.state);
	snprintf(seg[n].text, sizeof seg[n].text, " CSV %s ", sink_state_name(csv.state));
	seg[n++].role = sink_role(csv.state);
	return n;
}

void
tui_draw_status(struct tui *t)
{
	struct segment seg[8];
	const char *device;
	int64_t wall = clock_wall_ms();
	int n = status_segments(t, seg, wall, &device, false), i, fixed = 0, x, y = LINES - 1, dev_w;

	for (i = 0; i < n; i++)
		fixed += (int)strlen(seg[i].text) + 1;
	if (fixed + 8 > COLS) {
		n = status_segments(t, seg, wall, &device, true);
		for (fixed = 0, i = 0; i < n; i++)
			fixed += (int)strlen(seg[i].text) + 1;
	}
	tui_role(t, TR_STATUS);
	tui_blank(y, 0, COLS);
	dev_w = COLS - fixed - 1;
	x = 1;
	if (dev_w >= 6)
		x += tui_text_tail(t, y, 1, (int)strlen(device) < dev_w ? (int)strlen(device) :
		    dev_w, device) + 1;
	for (i = 0; i < n && x < COLS; i++) {
		tui_role(t, seg[i].role);
		x += tui_text(y, x, COLS - x, seg[i].text);
		tui_role(t, TR_STATUS);
		x++;
	}
	if (COLS - x >= 16)
		tui_text_right(y, x, COLS - x - 1, "? help  q quit");
	attrset(A_NORMAL);
}
