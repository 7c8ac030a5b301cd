/* view_console.c — the raw console: every command pylontop sends and the
 * device's answers as they arrive, and a line to type a command.
 *
 * The lines come from the monitor's ring (core/rawlog.h, the newest
 * RAWLOG_LINES), copied when a frame is drawn: this view never touches
 * the link.  A typed line goes to monitor_send_user_command(), which
 * refuses anything that is not a read-only command of the dialect's table
 * (the reason is shown, nothing is sent) and otherwise has the
 * acquisition thread run it between two polls.  The view sticks to the
 * newest line unless scrolled up (Up, PgUp, Home); End follows again. */
#include "tui/tui_impl.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

#define PAN_STEP	20

/* Keys while typing: printable characters, Backspace, Enter, Esc. */
bool
console_input_key(struct tui *t, int ch)
{
	size_t n = strlen(t->input);
	char err[512];

	if (!t->typing)
		return false;
	if (ch == 27) {				/* Esc */
		t->typing = false;
		t->input[0] = '\0';
		tui_message(t, "Nothing sent");
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		t->typing = false;
		if (n > 0 && monitor_send_user_command(t->m, t->input, err, sizeof err) != 0)
			tui_message(t, "%s", err);
		else if (n > 0) {
			tui_message(t, "'%s' sent between polls; its exchange stays on "
			    "screen (G: follow the polls)", t->input);
			t->raw_pin = true;
			t->raw_verdict = false;
		}
		t->input[0] = '\0';
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n > 0)
			t->input[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof t->input) {
		t->input[n] = (char)ch;
		t->input[n + 1] = '\0';
	}
	return true;	/* no other binding while typing */
}

static void
draw_input(struct tui *t, int y, int cols)
{
	tui_role(t, t->typing ? TR_TAB_ON : TR_DIM);
	tui_blank(y, 0, cols);
	if (t->typing)
		tui_printf(y, 1, cols - 2, "send> %s_   (Enter: send, Esc: cancel)", t->input);
	else
		tui_text(y, 1, cols - 2, ": type a read-only command (info 1, pwr, help); "
		    "Left/Right pan");
	attrset(A_NORMAL);
}

/* Scroll to the start of the newest typed command's lines. */
static void
pin_user(struct tui *t, size_t n)
{
	size_t i = n;

	while (i > 0 && !t->raw[i - 1].user)
		i--;
	if (i == 0)
		return;		/* not sent yet, or gone from the ring */
	/* The note right after the exchange is its verdict: say it. */
	if (!t->raw_verdict && i < n && t->raw[i].dir == '#') {
		tui_message(t, "%s", t->raw[i].text);
		t->raw_verdict = true;
	}
	while (i > 1 && t->raw[i - 2].user)
		i--;
	/* The note before it ("typed '...': sent between polls") too. */
	t->scroll[TV_CONSOLE] = i >= 2 ? (int)i - 2 : 0;
}

static enum tui_role
line_role(const struct rawlog_line *l)
{
	if (l->dir == '#')
		return TR_WARN;
	if (l->dir == '>')
		return TR_HEAD;
	return l->user ? TR_GOOD : TR_NORMAL;
}

void
view_console(struct tui *t, int top, int rows, int cols)
{
	static int last_max;
	size_t n = monitor_raw_lines(t->m, t->raw, RAWLOG_LINES, &t->raw_seq), i;
	int body = rows - 2, first, y = top + 1;
	char clock[24], title[96];
	int64_t now = clock_wall_ms();

	snprintf(title, sizeof title, "Raw console: > sent  < received  # pylontop "
	    "(last %d lines)", RAWLOG_LINES);
	tui_title(t, top, 1, cols - 2, title);
	if (body < 1)
		return;
	/* At the bottom: stay there as lines arrive.  After a typed
	 * command: its exchange at the top, while the polls go on below. */
	if (t->raw_pin)
		pin_user(t, n);
	else if (t->scroll[TV_CONSOLE] >= last_max)
		t->scroll[TV_CONSOLE] = 1 << 20;
	first = tui_clamp_scroll(t, TV_CONSOLE, (int)n - body);
	last_max = (int)n - body > 0 ? (int)n - body : 0;
	if (n == 0) {
		tui_role(t, TR_DIM);
		tui_text(y, 1, cols - 2, "nothing sent or received yet");
		attrset(A_NORMAL);
	}
	for (i = (size_t)first; i < n && y < top + 1 + body; i++, y++) {
		const struct rawlog_line *l = &t->raw[i];
		size_t len = strlen(l->text);
		const char *text = (size_t)t->raw_x < len ? l->text + t->raw_x : "";

		tui_clock(clock, sizeof clock, l->time_ms, now);
		tui_role(t, TR_DIM);
		tui_printf(y, 0, 11, "%9s ", clock);
		tui_role(t, line_role(l));
		tui_printf(y, 10, 2, "%c", l->dir);
		tui_text(y, 12, cols - 12, text);
		attrset(A_NORMAL);
	}
	draw_input(t, top + rows - 1, cols);
}
