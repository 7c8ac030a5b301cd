/* tui.c — the main loop of the terminal UI.
 *
 * poll() waits on the keyboard, monitor_fd() of each stack (a sample
 * landed or the link or a sink changed state) and sig_fd() (SIGWINCH, or
 * SIGTERM/SIGINT/SIGHUP to quit).  A frame is drawn only after one of
 * them, plus one timer: while a sample age is on screen the loop wakes
 * when its text would change ("4s" -> "5s"; once a minute after two
 * minutes), and when a key's message expires.  Nothing else wakes it.
 *
 * Each frame is erase() + draw + wnoutrefresh() + doupdate(): curses
 * compares with what the terminal shows and sends only the difference,
 * so a frame where four digits changed costs a few dozen bytes and
 * nothing flickers.  clear() is used only for Ctrl-L.
 *
 * The terminal is given back (endwin) on every way out: q, a quit signal,
 * a lost terminal (POLLHUP, or input that keeps failing).  Other threads
 * never call curses.
 *
 * PYLONTOP_TUI_STATS=FILE (undocumented, for bench/bench_tui.sh): after
 * every frame rewrite FILE with "redraws N ticks N draw_ns N": frames
 * drawn, how many of them only for the age counter, and the CPU time the
 * UI thread spent drawing them (CLOCK_THREAD_CPUTIME_ID around draw()).
 */
#include "autoconfig.h"

#include "tui/tui_impl.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/signals.h"

#define MESSAGE_MS	4000
/* Keyboard readable but no key, this many times in a row: the terminal
 * is gone (ssh dropped without SIGHUP) and we would spin otherwise. */
#define MAX_EMPTY_READS	64

void
tui_message(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	va_end(ap);
	t->message_until = clock_mono_ms() + MESSAGE_MS;
}

void
tui_set_view(struct tui *t, enum tui_view v)
{
	if ((unsigned)v >= TV_COUNT || v == t->view)
		return;
	if (v == TV_HELP)
		t->prev_view = t->view;
	t->view = v;
	t->typing = false;
	/* Chunks wake the UI only while the raw console is on screen. */
	monitor_raw_watch(t->m, v == TV_CONSOLE);
}

int
tui_clamp_scroll(struct tui *t, enum tui_view v, int max)
{
	if (max < 0)
		max = 0;
	if (t->scroll[v] > max)
		t->scroll[v] = max;
	if (t->scroll[v] < 0)
		t->scroll[v] = 0;
	return t->scroll[v];
}

/* Ring the bell once for each batch of newly raised alarms. */
static void
ring_for_new_alarms(struct tui *t)
{
	size_t i;
	bool ring = false;

	for (i = 0; i < t->n_events && t->events[i].time_ms > t->bell_seen_ms; i++)
		if (t->events[i].raised)
			ring = true;
	if (t->n_events > 0 && t->events[0].time_ms > t->bell_seen_ms)
		t->bell_seen_ms = t->events[0].time_ms;
	if (ring && t->opt.bell)
		beep();
}

/* Copy what the views show.  While frozen only the alarm lists, and
 * only when forced (after 'a', so the acknowledgement shows). */
void
tui_refresh_data(struct tui *t, bool force)
{
	struct alarm_engine *e = monitor_alarms(t->m);

	t->unacked = alarm_engine_unacked(e);
	if (t->frozen && !force)
		return;
	if (!t->frozen) {
		if (history_latest(monitor_history(t->m), t->sample))
			t->have_sample = true;
		t->data_ms = clock_wall_ms();
	}
	t->n_latched = alarm_engine_active(e, t->latched, TUI_MAX_LATCHED);
	t->n_events = alarm_engine_events(e, t->events, TUI_MAX_EVENTS);
	t->n_link_events = monitor_link_events(t->m, t->link_events, TUI_MAX_LINK_EVENTS);
	ring_for_new_alarms(t);
}

static void
draw_too_small(void)
{
	tui_text(0, 0, COLS, "terminal too small");
	tui_printf(1, 0, COLS, "need %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
}

/* Above the status line, wrapped upwards over as many lines as it
 * needs (at most TUI_MESSAGE_LINES); cut in the middle, never in the
 * hint, when that is not enough. */
static void
draw_message(struct tui *t)
{
	static char lines[TUI_MESSAGE_LINES][LAYOUT_LINE_MAX];
	int n, i, y;

	if (t->message[0] == '\0' || clock_mono_ms() >= t->message_until)
		return;
	n = layout_wrap(t->message, COLS - 2, COLS - 2, TUI_MESSAGE_LINES, lines);
	y = LINES - 1 - n;
	tui_role(t, TR_STATUS_WARN);
	for (i = 0; i < n; i++) {
		tui_blank(y + i, 0, COLS);
		tui_text(y + i, 1, COLS - 2, lines[i]);
	}
	attrset(A_NORMAL);
}

/* Is what is shown older than the measured cycle allows? */
static void
check_old(struct tui *t)
{
	struct link_stats ls;
	int64_t now = clock_wall_ms();

	monitor_link_stats(t->m, &ls);
	t->old_age_ms = t->have_sample ? now - t->sample->time_ms : 0;
	t->old = t->have_sample && ls.stale_after_ms > 0 && t->old_age_ms > ls.stale_after_ms;
}

static int64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
write_stats(struct tui *t)
{
	if (t->stats == NULL)
		return;
	rewind(t->stats);
	fprintf(t->stats, "redraws %lu ticks %lu draw_ns %lld\n", t->redraws, t->ticks,
	    (long long)t->draw_ns);
	fflush(t->stats);
}

static void
draw(struct tui *t)
{
	int top = 1, rows = LINES - 2;
	int64_t cpu = t->stats != NULL ? thread_cpu_ns() : 0;

	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES)
		draw_too_small();
	else {
		if (!t->frozen)
			t->data_ms = clock_wall_ms();
		check_old(t);
		tui_draw_tabs(t);
		switch (t->view) {
		case TV_OVERVIEW: {
			int k = tui_draw_stacks(t, top, rows, COLS);

			view_overview(t, top + k, rows - k, COLS);
			break;
		}
		case TV_CELLS: view_cells(t, top, rows, COLS); break;
		case TV_HISTORY: view_history(t, top, rows, COLS); break;
		case TV_ALARMS: view_alarms(t, top, rows, COLS); break;
		case TV_HEALTH: view_health(t, top, rows, COLS); break;
		case TV_CONSOLE: view_console(t, top, rows, COLS); break;
		case TV_INVENTORY: view_inventory(t, top, rows, COLS); break;
		case TV_EVENTS: view_events(t, top, rows, COLS); break;
		default: view_help(t, top, rows, COLS); break;
		}
		draw_message(t);
		tui_draw_status(t);
	}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
	doupdate();
	t->redraws++;
	if (t->stats != NULL) {
		t->draw_ns += thread_cpu_ns() - cpu;
		write_stats(t);
	}
}

/* Our SIGWINCH handler (util/signals.c) replaces ncurses' own, so ask
 * the terminal for its size and tell curses. */
static void
resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

/* Milliseconds until something on screen changes by itself, -1 if never. */
static int
next_timeout(struct tui *t)
{
	int64_t due = -1, now = clock_mono_ms(), left;

	if (COLS >= TUI_MIN_COLS && LINES >= TUI_MIN_LINES)
		due = tui_age_due(t, clock_wall_ms());
	/* Raw console: chunks that came after the last wake-up. */
	if (t->view == TV_CONSOLE && monitor_raw_seq(t->m) != t->raw_seq && (due < 0 || due > 60))
		due = 60;
	if (t->message[0] != '\0') {
		left = t->message_until - now;
		if (left <= 0)
			t->message[0] = '\0';	/* the frame after expiry clears it */
		else if (due < 0 || left < due)
			due = left;
	}
	if (due < 0)
		return -1;
	return due > 60000 ? 60000 : (int)due + 5;
}

/* Read every pending key; false when the terminal is gone. */
static bool
read_keys(struct tui *t, bool *dirty)
{
	int ch, got = 0;

	errno = 0;
	while (!t->quit && (ch = getch()) != ERR) {
		got++;
		*dirty = true;
		if (ch != KEY_RESIZE)
			(void)tui_key(t, ch);	/* unbound keys do nothing */
	}
	if (got > 0) {
		t->empty_reads = 0;
		return true;
	}
	if (errno == EIO || errno == EBADF || errno == ENXIO)
		return false;
	return ++t->empty_reads < MAX_EMPTY_READS;
}

static int
loop(struct tui *t)
{
	draw(t);
	while (!t->quit && sig_quit() == 0) {
		/* The keyboard, the signals, then each stack's monitor. */
		struct pollfd pfd[2 + TUI_STACKS_MAX] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sig_fd(), .events = POLLIN },
		};
		int timeout = next_timeout(t), n, i;
		bool dirty = false;

		for (i = 0; i < t->n_stacks; i++)
			pfd[2 + i] = (struct pollfd){ .fd = monitor_fd(t->stacks[i]),
			    .events = POLLIN };
		n = poll(pfd, (nfds_t)(2 + t->n_stacks), timeout);
		if (sig_quit() != 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			dirty = true;		/* the age or a message changed */
		if (pfd[1].revents & POLLIN) {
			sig_take();
			if (sig_take_winch()) {
				resize();
				dirty = true;
			}
		}
		for (i = 0; i < t->n_stacks; i++)
			if (pfd[2 + i].revents & POLLIN) {
				monitor_drain_fd(t->stacks[i]);
				if (t->stacks[i] == t->m) {
					tui_refresh_data(t, false);
					dirty = true;
				} else if (t->view == TV_OVERVIEW)
					dirty = true;	/* its line on the overview */
			}
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;			/* the terminal is gone */
		if ((pfd[0].revents & POLLIN) && !read_keys(t, &dirty))
			break;
		if (t->quit)
			break;
		if (dirty) {
			if (n == 0)
				t->ticks++;
			draw(t);
		}
	}
	return 0;
}

/* Braille needs a font that has it; the Linux console's usually does
 * not, so it gets half blocks. */
static void
choose_glyphs(struct tui *t)
{
	const char *term = getenv("TERM");
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	if (t->opt.ascii)
		t->glyphs = TG_ASCII;
	else if (utf8)
		t->glyphs = TG_UTF8;
	else
		t->glyphs = TG_ACS;
	t->braille = t->glyphs == TG_UTF8 && (term == NULL || strncmp(term, "linux", 5) != 0);
}

static void tui_free(struct tui *t);

static struct tui *
tui_new(struct monitor *const *m, const char *const *names, int n,
    const struct tui_options *o)
{
	struct tui *t = calloc(1, sizeof *t);
	const char *path;
	int i;

	if (t == NULL)
		return NULL;
	t->other = n > 1 ? malloc(sizeof *t->other) : NULL;
	if (n > 1 && t->other == NULL) {
		tui_free(t);
		return NULL;
	}
	t->sample = calloc(1, sizeof *t->sample);
	t->latched = calloc(TUI_MAX_LATCHED, sizeof *t->latched);
	t->events = calloc(TUI_MAX_EVENTS, sizeof *t->events);
	t->points = calloc(TUI_MAX_POINTS, sizeof *t->points);
	t->link_events = calloc(TUI_MAX_LINK_EVENTS, sizeof *t->link_events);
	t->raw = calloc(RAWLOG_LINES, sizeof *t->raw);
	if (t->raw == NULL || t->sample == NULL || t->latched == NULL || t->events == NULL || t->points == NULL ||
	    t->link_events == NULL) {
		tui_free(t);
		return NULL;
	}
	for (i = 0; i < n && i < TUI_STACKS_MAX; i++) {
		t->stacks[i] = m[i];
		t->stack_names[i] = names != NULL ? names[i] : "";
	}
	t->n_stacks = i;
	t->m = m[0];
	t->opt = *o;
	t->view = t->prev_view = TV_OVERVIEW;
	t->res = HIST_SECONDS;
	t->scroll[TV_CONSOLE] = 1 << 20;	/* the newest lines */
	pt_sample_init(t->sample, NULL);
	path = getenv("PYLONTOP_TUI_STATS");
	if (path != NULL && *path != '\0')
		t->stats = fopen(path, "w");
	return t;
}

/* Also what tui_new() undoes when an allocation failed. */
static void
tui_free(struct tui *t)
{
	if (t->stats != NULL)
		fclose(t->stats);
	free(t->sample);
	free(t->latched);
	free(t->events);
	free(t->points);
	free(t->link_events);
	free(t->raw);
	free(t->other);
	free(t);
}

/* newterm, not initscr: initscr exits the program when the terminal is
 * unusable; we want to say why and return. */
static SCREEN *
open_terminal(void)
{
	const char *term = getenv("TERM");
	SCREEN *scr;
	char *cup;

	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
		fprintf(stderr, "pylontop: the terminal (TERM=%s) cannot show the UI; use "
		    "--headless or --once\n", term != NULL ? term : "");
		return NULL;
	}
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "pylontop: cannot use the terminal TERM=%s (no terminfo entry?); "
		    "use --headless or --once, or set TERM\n", term);
		return NULL;
	}
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		endwin();
		delscreen(scr);
		fprintf(stderr, "pylontop: the terminal TERM=%s cannot move the cursor; use "
		    "--headless or --once\n", term);
		return NULL;
	}
	return scr;
}

int
tui_run(struct monitor *m, const struct tui_options *o)
{
	return tui_run_stacks(&m, NULL, 1, o);
}

int
tui_run_stacks(struct monitor *const *m, const char *const *names, int n,
    const struct tui_options *o)
{
	struct tui *t;
	SCREEN *scr;
	int rc;

	if ((t = tui_new(m, names, n, o)) == NULL) {
		fprintf(stderr, "pylontop: out of memory\n");
		return 1;
	}
	/* LC_CTYPE only: numbers in CSV and JSON stay in the C locale. */
	setlocale(LC_CTYPE, "");
	choose_glyphs(t);
	if ((scr = open_terminal()) == NULL) {
		tui_free(t);
		return 1;
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* No peeking at the keyboard while drawing: one write per frame
	 * instead of one per line, fewer packets on a slow ssh link. */
	typeahead(-1);
	set_escdelay(25);
	curs_set(0);
	/* The cursor is hidden: no move back to where the last write ended
	 * after each frame (a few bytes a second on the link, for nothing). */
	leaveok(stdscr, TRUE);
	tui_colors_init(t);
	tui_refresh_data(t, true);
	t->bell_seen_ms = t->n_events > 0 ? t->events[0].time_ms : 0;
	rc = loop(t);
	/* A paused replay holds the acquisition thread in the recording's
	 * clock (the replay link waits there without a stop flag): let it
	 * go, or stopping it could wait forever. */
	clock_virtual_pause(false);
	endwin();
	delscreen(scr);
	tui_free(t);
	return rc;
}
