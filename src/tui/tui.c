/* tui.c — the main loop: poll() on the keyboard, the monitor's pipe and
 * the signal pipe; redraw on a new sample, a key or a resize, and once a
 * second for the sample age in the status line (only that line changes,
 * so a slow ssh link carries a few bytes).  erase + wnoutrefresh +
 * doupdate: curses sends only what changed, no flicker.
 */
#include "autoconfig.h"

#include "tui/tui_impl.h"

#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alarms.h"
#include "util/clock.h"
#include "util/signals.h"

#define MIN_COLS	40
#define MIN_LINES	10

static const char *const view_names[V_COUNT] = {
	"1 Overview", "2 Cells", "3 History", "4 Alarms", "5 Help",
};

static void
flash_message(struct tui *t, const char *text)
{
	snprintf(t->message, sizeof t->message, "%s", text);
	t->message_until = clock_mono_ms() + 4000;
}

static void
header(struct tui *t)
{
	int x = 0, v;

	tui_attr(t, C_STATUS, true);
	mvhline(0, 0, ' ', COLS);
	tui_text(0, 1, 10, "pylontop");
	x = 11;
	for (v = 0; v < V_COUNT; v++) {
		if ((int)v == (int)t->view)
			attron(A_BOLD | A_UNDERLINE);
		tui_text(0, x, COLS - x, view_names[v]);
		attroff(A_BOLD | A_UNDERLINE);
		x += (int)strlen(view_names[v]) + 2;
	}
	if (t->frozen)
		tui_text(0, COLS - 8, 8, "FROZEN");
	tui_attr(t, C_STATUS, false);
}

static void
status_line(struct tui *t)
{
	struct link_stats ls;
	struct sink_status mq, csv;
	char age[32], line[300];
	double a;
	bool stale;
	size_t unacked = alarm_engine_unacked(monitor_alarms(t->m));

	monitor_link_stats(t->m, &ls);
	monitor_mqtt_status(t->m, &mq);
	monitor_csv_status(t->m, &csv);
	a = ls.last_sample_ms ? (double)(clock_wall_ms() - ls.last_sample_ms) / 1000.0 : -1;
	stale = a < 0 || a > 3 * (ls.interval_s > 0 ? ls.interval_s : 2);
	if (a < 0)
		snprintf(age, sizeof age, "no sample yet");
	else
		snprintf(age, sizeof age, "%s%.0fs ago", stale ? "STALE " : "", a);
	move(LINES - 1, 0);
	tui_attr(t, C_STATUS, true);
	hline(' ', COLS);
	snprintf(line, sizeof line, " %s %s%s%s | %s | %s | MQTT %s | CSV %s | alarms %zu ",
	    strlen(ls.device) > 24 ? ls.device + strlen(ls.device) - 24 : ls.device, ls.protocol[0] ? ls.protocol : "?", ls.dialect[0] ? "/" : "", ls.dialect,
	    link_state_name(ls.state), age, sink_state_name(mq.state), sink_state_name(csv.state),
	    unacked);
	tui_text(LINES - 1, 0, COLS, line);
	if (stale) {
		const char *at = strstr(line, age);
		tui_attr(t, C_STATUS, false);
		tui_attr(t, C_BAD, true);
		attron(A_BOLD | A_REVERSE);
		if (at != NULL)
			tui_text(LINES - 1, (int)(at - line), (int)strlen(age), age);
		attroff(A_BOLD | A_REVERSE);
		tui_attr(t, C_BAD, false);
		tui_attr(t, C_STATUS, true);
	}
	tui_text(LINES - 1, COLS - 16 > (int)strlen(line) ? COLS - 16 : COLS, 16, "? help  q quit");
	tui_attr(t, C_STATUS, false);
	if (t->message[0] != '\0' && clock_mono_ms() < t->message_until) {
		attron(A_BOLD);
		tui_text(LINES - 2, 1, COLS - 2, t->message);
		attroff(A_BOLD);
	}
}

static void
draw(struct tui *t)
{
	int rows = LINES - 3, cols = COLS;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		tui_text(0, 0, COLS, "terminal too small");
		tui_printf(1 < LINES ? 1 : 0, 0, COLS, "need %dx%d", MIN_COLS, MIN_LINES);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	header(t);
	if (!t->have_sample && t->view != V_HELP && t->view != V_ALARMS) {
		struct link_stats ls;
		monitor_link_stats(t->m, &ls);
		tui_printf(3, 2, cols - 4, "Waiting for the first sample from %s ...", ls.device);
		tui_text(4, 2, cols - 4, ls.message);
	} else {
		switch (t->view) {
		case V_OVERVIEW: view_overview(t, 2, rows, cols); break;
		case V_CELLS: view_cells(t, 2, rows, cols); break;
		case V_HISTORY: view_history(t, 2, rows, cols); break;
		case V_ALARMS: view_alarms(t, 2, rows, cols); break;
		default: view_help(t, 2, rows, cols); break;
		}
	}
	status_line(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Returns false to quit. */
static bool
key(struct tui *t, int ch)
{
	int nmetrics = 12, nmod = t->sample->n_modules > 0 ? t->sample->n_modules : 1;

	switch (ch) {
	case 'q': case 'Q':
		return false;
	case '1': case '2': case '3': case '4': case '5':
		t->view = (enum view)(ch - '1');
		t->scroll = 0;
		break;
	case '?':
		t->view = V_HELP;
		break;
	case '\t':
		t->view = (enum view)((t->view + 1) % V_COUNT);
		t->scroll = 0;
		break;
	case KEY_BTAB:
		t->view = (enum view)((t->view + V_COUNT - 1) % V_COUNT);
		t->scroll = 0;
		break;
	case KEY_DOWN: case 'j':
		if (t->view == V_HISTORY)
			t->metric = (t->metric + 1) % nmetrics;
		else
			t->scroll++;
		break;
	case KEY_UP: case 'k':
		if (t->view == V_HISTORY)
			t->metric = (t->metric + nmetrics - 1) % nmetrics;
		else if (t->scroll > 0)
			t->scroll--;
		break;
	case KEY_NPAGE:
		t->scroll += 5;
		break;
	case KEY_PPAGE:
		t->scroll = t->scroll > 5 ? t->scroll - 5 : 0;
		break;
	case KEY_RIGHT: case 'L':
		t->module = (t->module + 1) % nmod;
		break;
	case KEY_LEFT: case 'h':
		if (t->view == V_HISTORY)
			t->module = (t->module + nmod - 1) % nmod;
		break;
	case ']':
		t->cell = (t->cell + 1) % PT_MAX_CELLS;
		break;
	case '[':
		t->cell = (t->cell + PT_MAX_CELLS - 1) % PT_MAX_CELLS;
		break;
	case 's': t->res = HIST_SECONDS; break;
	case 'M': t->res = HIST_MINUTES; break;
	case 'H': t->res = HIST_HOURS; break;
	case 't':
		t->show_temps = !t->show_temps;
		break;
	case 'p':
		t->frozen = !t->frozen;
		flash_message(t, t->frozen ? "Display frozen; acquisition goes on (p to resume)" :
		    "Display live again");
		break;
	case 'a':
		alarm_engine_ack(monitor_alarms(t->m));
		flash_message(t, "Alarms acknowledged");
		break;
	case 'm': {
		struct sink_status st;
		if (!monitor_has_mqtt(t->m)) {
			flash_message(t, "MQTT: no broker configured (set MQTT_BROKER or --mqtt URL)");
			break;
		}
		monitor_mqtt_status(t->m, &st);
		monitor_set_mqtt(t->m, st.state == SINK_OFF);
		flash_message(t, st.state == SINK_OFF ? "MQTT publishing on" :
		    "MQTT publishing off ('offline' published)");
		break;
	}
	case 'l': {
		struct sink_status st;
		monitor_csv_status(t->m, &st);
		monitor_set_csv(t->m, st.state == SINK_OFF);
		monitor_csv_status(t->m, &st);
		flash_message(t, st.text);
		break;
	}
	default:
		break;
	}
	if (t->scroll < 0)
		t->scroll = 0;
	return true;
}

static void
refresh_sample(struct tui *t)
{
	size_t n;

	if (t->frozen)
		return;
	if (history_latest(monitor_history(t->m), t->sample))
		t->have_sample = true;
	n = alarm_engine_unacked(monitor_alarms(t->m));
	if (t->opt.bell && n > t->last_alarms)
		beep();
	t->last_alarms = n;
}

int
tui_run(struct monitor *m, const struct tui_options *o)
{
	struct tui t;
	const char *stats = getenv("PYLONTOP_TUI_STATS");
	unsigned long redraws = 0;
	int64_t last_tick = 0;
	bool run = true;

	memset(&t, 0, sizeof t);
	t.m = m;
	t.opt = *o;
	if ((t.sample = calloc(1, sizeof *t.sample)) == NULL)
		return 1;
	pt_sample_init(t.sample, NULL);
	/* LC_CTYPE only: numbers in CSV and JSON stay in the C locale. */
	setlocale(LC_CTYPE, "");
	t.utf8 = !o->ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (initscr() == NULL) {
		fprintf(stderr, "pylontop: cannot use this terminal (TERM=%s)\n",
		    getenv("TERM") ? getenv("TERM") : "");
		free(t.sample);
		return 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	tui_colors(&t);
	draw(&t);
	while (run && sig_quit() == 0) {
		struct pollfd pfd[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = monitor_fd(m), .events = POLLIN },
			{ .fd = sig_fd(), .events = POLLIN },
		};
		bool redraw = false;
		int ch;

		if (poll(pfd, 3, 1000) < 0 && sig_quit() == 0)
			continue;
		if (sig_quit() != 0)
			break;
		if (pfd[2].revents & POLLIN) {
			sig_take();
			if (sig_take_winch()) {
				endwin();
				refresh();
				redraw = true;
			}
		}
		if (pfd[1].revents & POLLIN) {
			monitor_drain_fd(m);
			refresh_sample(&t);
			redraw = true;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;		/* the terminal is gone (ssh dropped) */
		while ((ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				redraw = true;
			else if (!key(&t, ch)) {
				run = false;
				break;
			}
			redraw = true;
		}
		t.now_ms = clock_wall_ms();
		if (redraw) {
			draw(&t);
			redraws++;
			last_tick = clock_mono_ms();
		} else if (clock_mono_ms() - last_tick >= 1000 && COLS >= MIN_COLS &&
		    LINES >= MIN_LINES) {
			/* Only the age in the status line moved. */
			status_line(&t);
			wnoutrefresh(stdscr);
			doupdate();
			last_tick = clock_mono_ms();
		}
	}
	endwin();
	if (stats != NULL) {
		FILE *f = fopen(stats, "w");
		if (f != NULL) {
			fprintf(f, "redraws %lu\n", redraws);
			fclose(f);
		}
	}
	free(t.sample);
	return 0;
}
