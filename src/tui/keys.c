/* keys.c — the key map, one table for every view (tmux cmd_entry style).
 * The help view is printed from the same table, so it lists every key
 * that works and nothing that does not.
 *
 * 'l' toggles CSV logging everywhere, so of vi's h j k l only h, j and k
 * move; the arrow keys do everything.  pylontop(1) KEYS lists this table
 * (tests/integration/tui.sh compares the two). */
#include "tui/tui_impl.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

#define VIEW(v)		(1u << (v))
#define SCROLLING	(VIEW(TV_OVERVIEW) | VIEW(TV_CELLS) | VIEW(TV_ALARMS) | VIEW(TV_HELP) | \
			 VIEW(TV_CONSOLE) | VIEW(TV_INVENTORY) | VIEW(TV_EVENTS))
#define CTRL(c)		((c) & 0x1f)
#define REPLAY_SEEK_MS	(60 * 1000)	/* what > and < move a replay by */

typedef void key_fn(struct tui *, int);

struct key_entry {
	int		 codes[8];	/* 0-terminated */
	const char	*keys;		/* as the help shows them */
	const char	*text;
	unsigned	 views;		/* VIEW() bits; 0 = every view */
	key_fn		*fn;
};

static const char *const view_names[TV_COUNT] = {
	"Overview", "Cells", "History", "Alarms", "Help", "Health", "Console",
	"Inventory", "Events",
};

static int
page(void)
{
	return LINES > 8 ? LINES - 6 : 1;
}

static void
key_view(struct tui *t, int ch)
{
	tui_set_view(t, ch == '5' ? TV_HELP : (enum tui_view)(ch - '1'));
}

static void
key_records_view(struct tui *t, int ch)
{
	tui_set_view(t, ch == 'i' ? TV_INVENTORY : TV_EVENTS);
}

static void
key_filter(struct tui *t, int ch)
{
	(void)ch;
	tui_events_filter(t);
}

static void
key_next_view(struct tui *t, int ch)
{
	tui_set_view(t, (enum tui_view)((t->view + (ch == KEY_BTAB ? TV_COUNT - 1 : 1)) % TV_COUNT));
}

static void
key_help(struct tui *t, int ch)
{
	(void)ch;
	tui_set_view(t, t->view == TV_HELP ? t->prev_view : TV_HELP);
}

static void
key_scroll(struct tui *t, int ch)
{
	int *s = &t->scroll[t->view];

	t->raw_pin = false;	/* the console view scrolls freely again */
	switch (ch) {
	case KEY_UP: case 'k': (*s)--; break;
	case KEY_DOWN: case 'j': (*s)++; break;
	case KEY_PPAGE: *s -= page(); break;
	case KEY_NPAGE: case ' ': *s += page(); break;
	case KEY_HOME: case 'g': *s = 0; break;
	case KEY_END: case 'G': *s = 1 << 20; break;	/* the view clamps it */
	}
	if (*s < 0)
		*s = 0;
}

static void
key_metric(struct tui *t, int ch)
{
	int d = ch == KEY_UP || ch == 'k' ? -1 : 1;

	t->metric = (t->metric + d + tui_n_metrics) % tui_n_metrics;
}

static void
key_module(struct tui *t, int ch)
{
	int n = t->have_sample && t->sample->n_modules > 0 ? t->sample->n_modules : 1;
	int d = ch == KEY_LEFT || ch == 'h' ? -1 : 1;

	t->module = (t->module + d + n) % n;
	if (t->have_sample && t->cell >= t->sample->modules[t->module].n_cells)
		t->cell = 0;
}

static void
key_cell(struct tui *t, int ch)
{
	int n = PT_MAX_CELLS;

	if (t->have_sample && t->sample->n_modules > 0 && t->sample->modules[t->module].n_cells > 0)
		n = t->sample->modules[t->module].n_cells;
	t->cell = (t->cell + (ch == '[' ? n - 1 : 1)) % n;
	/* Choosing a cell means looking at cell voltages. */
	t->metric = tui_n_metrics - 1;
}

static void
key_resolution(struct tui *t, int ch)
{
	static const char *const names[HIST_NRES] = { "seconds", "minutes", "hours" };

	if (ch == 's' || ch == 'M' || ch == 'H')
		t->res = ch == 's' ? HIST_SECONDS : ch == 'M' ? HIST_MINUTES : HIST_HOURS;
	else
		t->res = (enum hist_res)((t->res + (ch == 'R' ? HIST_NRES - 1 : 1)) % HIST_NRES);
	tui_message(t, "History at %s", names[t->res]);
}

static void
key_zoom(struct tui *t, int ch)
{
	if (ch == '-' || ch == '_') {
		if (t->zoom > 0)
			t->zoom--;
	} else if (t->zoom + 1 < tui_n_zooms)
		t->zoom++;
}

static void
key_temps(struct tui *t, int ch)
{
	(void)ch;
	t->cell_temps = !t->cell_temps;
	t->scroll[TV_CELLS] = 0;
}

static void
key_cell_mode(struct tui *t, int ch)
{
	static const char *const names[GRID_NMODES] = {
		"as fits the screen", "absolute", "mV from the module mean",
	};

	(void)ch;
	t->cell_mode = (enum grid_mode)((t->cell_mode + 1) % GRID_NMODES);
	tui_message(t, "Cell voltages: %s", names[t->cell_mode]);
}

/* Straight to the chart of the weakest cell (layout_weakest: the cell
 * farthest from its module mean), from any view. */
static void
key_weakest(struct tui *t, int ch)
{
	struct weakest w;

	(void)ch;
	if (!tui_weakest(t, &w)) {
		tui_message(t, "No cell voltages yet: nothing to chart");
		return;
	}
	t->module = w.weak_mod;
	t->cell = w.weak_cell;
	t->metric = tui_n_metrics - 1;		/* cell voltage */
	tui_set_view(t, TV_HISTORY);
}

static void
key_mqtt(struct tui *t, int ch)
{
	struct sink_status st;
	bool on;

	(void)ch;
	if (!monitor_has_sink(t->m, SINK_MQTT)) {
		tui_message(t, "MQTT: no broker configured (MQTT_BROKER in the config, or --mqtt URL)");
		return;
	}
	monitor_sink_status(t->m, SINK_MQTT, &st);
	on = st.state == SINK_OFF;
	monitor_sink_enable(t->m, SINK_MQTT, on);
	tui_message(t, on ? "MQTT publishing on" : "MQTT publishing off ('offline' published)");
}

static void
key_csv(struct tui *t, int ch)
{
	struct sink_status st;

	(void)ch;
	monitor_sink_status(t->m, SINK_CSV, &st);
	monitor_sink_enable(t->m, SINK_CSV, st.state == SINK_OFF);
	monitor_sink_status(t->m, SINK_CSV, &st);
	tui_message(t, "CSV %s: %s", sink_state_name(st.state), st.text);
}

static void
key_ack(struct tui *t, int ch)
{
	size_t n = t->unacked;

	(void)ch;
	alarm_engine_ack(monitor_alarms(t->m));
	tui_refresh_data(t, true);
	tui_message(t, n == 0 ? "No alarms to acknowledge" : "%zu alarm%s acknowledged", n,
	    n == 1 ? "" : "s");
}

static void
key_freeze(struct tui *t, int ch)
{
	(void)ch;
	t->frozen = !t->frozen;
	if (!t->frozen)
		tui_refresh_data(t, false);
	tui_message(t, t->frozen ? "Display frozen; acquisition goes on (p: live)" :
	    "Display live");
}

/* Console view: start typing a command (view_console.c takes the keys). */
static void
key_type(struct tui *t, int ch)
{
	(void)ch;
	t->typing = true;
	t->input[0] = '\0';
}

static void
key_pan(struct tui *t, int ch)
{
	t->raw_x += ch == KEY_LEFT ? -20 : 20;
	if (t->raw_x < 0)
		t->raw_x = 0;
}

/* --record FILE: pause and resume it (the gap is marked in the file). */
static void
key_record(struct tui *t, int ch)
{
	bool on = !monitor_recording(t->m);

	(void)ch;
	if (!monitor_set_record(t->m, on)) {
		tui_message(t, "Recording: none configured (start pylontop with --record FILE "
		    "or RECORD_FILE in the config)");
		return;
	}
	tui_message(t, on ? "Recording on (REC)" : "Recording paused (the gap is marked "
	    "in the file)");
}

static bool
replay_only(struct tui *t)
{
	if (monitor_is_replay(t->m))
		return true;
	tui_message(t, "Not a replay: P, > and < work with -d replay:FILE");
	return false;
}

/* Replay: hold the recording's clock, or let it run again. */
static void
key_replay_pause(struct tui *t, int ch)
{
	(void)ch;
	if (!replay_only(t))
		return;
	clock_virtual_pause(!clock_virtual_paused());
	tui_message(t, clock_virtual_paused() ? "Replay paused (P: resume)" : "Replay resumed");
}

/* Replay: the next minute of the recording without waiting. */
static void
key_replay_skip(struct tui *t, int ch)
{
	(void)ch;
	if (!replay_only(t))
		return;
	clock_virtual_skip(REPLAY_SEEK_MS);
	tui_message(t, "Replay: skipping 60 s of the recording ahead (< goes back)");
}

/* Replay: a minute back.  Everything the monitor built (history, alarms,
 * health, the session) came from what was played, so the front end plays
 * the recording again from its start, without waiting up to the target. */
static void
key_replay_back(struct tui *t, int ch)
{
	struct monitor *m;
	char why[300] = "";

	(void)ch;
	if (!replay_only(t))
		return;
	if (t->opt.seek_back == NULL) {
		tui_message(t, "Replay: cannot go back here");
		return;
	}
	m = t->opt.seek_back(t->opt.seek_ctx, t->m, REPLAY_SEEK_MS, why, sizeof why);
	if (m == t->m) {
		tui_message(t, "Replay: not going back: %s", why);
		return;
	}
	if (m == NULL) {
		t->quit = true;		/* no monitor left to show */
		return;
	}
	tui_show_monitor(t, m);
	tui_message(t, "Replay: 60 s back (played again from its start; CSV and MQTT "
	    "skip what they already have)");
}

static void
key_repaint(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	clearok(curscr, TRUE);
}

static void
key_report(struct tui *t, int ch)
{
	(void)ch;
	tui_write_report(t);
}

static void
key_next_stack(struct tui *t, int ch)
{
	(void)ch;
	tui_next_stack(t);
}

static void
key_quit(struct tui *t, int ch)
{
	(void)ch;
	t->quit = true;
}

/* First match wins: view-specific bindings come before general ones. */
static const struct key_entry keys[] = {
	{ { '1', '2', '3', '4', '5', '6', '7' }, "1-7", "Overview, Cells, History, Alarms, Help, Health, Console",
	    0, key_view },
	{ { 'i', 'e' }, "i e", "Inventory, Events (the BMS's own records)", 0, key_records_view },
	{ { 'f' }, "f", "events of one module / the next / all", VIEW(TV_EVENTS), key_filter },
	{ { '\t', KEY_BTAB }, "Tab S-Tab", "next / previous view", 0, key_next_view },
	{ { '?', KEY_F(1) }, "? F1", "this help (again: back)", 0, key_help },
	{ { KEY_UP, 'k', KEY_DOWN, 'j' }, "Up Down k j", "previous / next metric",
	    VIEW(TV_HISTORY), key_metric },
	{ { KEY_LEFT, 'h', KEY_RIGHT }, "Left Right h", "previous / next module",
	    VIEW(TV_HISTORY) | VIEW(TV_HEALTH), key_module },
	{ { '[', ']' }, "[ ]", "previous / next cell (cell voltage chart)",
	    VIEW(TV_HISTORY) | VIEW(TV_HEALTH), key_cell },
	{ { 'r', 'R' }, "r R", "next / previous resolution", VIEW(TV_HISTORY), key_resolution },
	{ { 's', 'M', 'H' }, "s M H", "seconds, minutes, hours", VIEW(TV_HISTORY), key_resolution },
	{ { '+', '=', '-', '_' }, "+ = - _", "more / less time per dot", VIEW(TV_HISTORY), key_zoom },
	{ { 't' }, "t", "voltages / temperatures", VIEW(TV_CELLS), key_temps },
	{ { 'd' }, "d", "voltages as fits / absolute / mV from mean", VIEW(TV_CELLS),
	    key_cell_mode },
	{ { ':', '\r', '\n', KEY_ENTER }, ": Enter", "type a command (sent only if read-only)",
	    VIEW(TV_CONSOLE), key_type },
	{ { KEY_LEFT, KEY_RIGHT }, "Left Right", "pan the lines", VIEW(TV_CONSOLE), key_pan },
	{ { KEY_UP, 'k', KEY_DOWN, 'j' }, "Up Down k j", "scroll a line", SCROLLING, key_scroll },
	{ { KEY_PPAGE, KEY_NPAGE, ' ' }, "PgUp PgDn Space", "scroll a page", SCROLLING,
	    key_scroll },
	{ { KEY_HOME, 'g', KEY_END, 'G' }, "Home End g G", "top / bottom", SCROLLING, key_scroll },
	{ { 'w' }, "w", "history chart of the weakest cell", 0, key_weakest },
	{ { 'm' }, "m", "MQTT publishing on / off", 0, key_mqtt },
	{ { 'l' }, "l", "CSV logging on / off", 0, key_csv },
	{ { 'a' }, "a", "acknowledge alarms (cleared ones go)", 0, key_ack },
	{ { 'p' }, "p", "freeze the display (reading goes on)", 0, key_freeze },
	{ { 'x' }, "x", "recording (--record) on / off", 0, key_record },
	{ { 'P' }, "P", "replay: pause / resume", 0, key_replay_pause },
	{ { '>' }, ">", "replay: skip 60 s ahead", 0, key_replay_skip },
	{ { '<' }, "<", "replay: go 60 s back", 0, key_replay_back },
	{ { 'W' }, "W", "write a service report (pylontop report)", 0, key_report },
	{ { CTRL('l') }, "Ctrl-L", "repaint the screen", 0, key_repaint },
	{ { 'S' }, "S", "next stack (several -d)", 0, key_next_stack },
	{ { 'q', 'Q', KEY_F(10) }, "q Q F10", "quit", 0, key_quit },
};

#define NKEYS	(sizeof keys / sizeof keys[0])

bool
tui_key(struct tui *t, int ch)
{
	size_t i, j;

	if (console_input_key(t, ch))
		return true;
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].views != 0 && (keys[i].views & VIEW(t->view)) == 0)
			continue;
		for (j = 0; j < (int)(sizeof keys[i].codes / sizeof keys[i].codes[0]) && keys[i].codes[j] != 0; j++)
			if (keys[i].codes[j] == ch) {
				keys[i].fn(t, ch);
				return true;
			}
	}
	return false;
}

/* "" for every view, else the views' names. */
static void
where(unsigned views, char *buf, size_t size)
{
	int v, n = 0, count = 0;

	buf[0] = '\0';
	for (v = 0; v < TV_COUNT; v++)
		count += (views & VIEW(v)) != 0;
	if (count == TV_COUNT - 1) {
		for (v = 0; v < TV_COUNT; v++)
			if ((views & VIEW(v)) == 0)
				snprintf(buf, size, "not in %s", view_names[v]);
		return;
	}
	for (v = 0; v < TV_COUNT && views != 0; v++)
		if ((views & VIEW(v)) != 0 && n >= 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, "%s%s", n > 0 ? ", " : "",
			    view_names[v]);
}

size_t
tui_key_help(struct tui_key_help *out, size_t max)
{
	static char views[NKEYS][64];
	size_t i;

	for (i = 0; i < NKEYS && i < max; i++) {
		where(keys[i].views, views[i], sizeof views[i]);
		out[i].keys = keys[i].keys;
		out[i].text = keys[i].text;
		out[i].where = views[i];
	}
	return i;
}
