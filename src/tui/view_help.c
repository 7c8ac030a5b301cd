/* view_help.c — every key (printed from the key table in keys.c), what
 * the colours and marks mean, and how this terminal is being drawn. */
#include "tui/tui_impl.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"

#define MAX_LINES	64

static const char *const legend[] = {
	"Cells: green near the module mean; ! yellow from 1/5, # red from 1/2 of the spread",
	"alarm threshold away from it; # inverse at the cell voltage limits (_ cold).",
	"Highest, lowest and balancing cells are marked; spread = highest - lowest.",
	"Overview: v lowest / ^ highest cell of the stack, < biggest spread, > the module",
	"of the weakest cell (farthest from its module mean; w charts it).",
	"Stale (older than 3 measured cycles, at least 3 intervals): values dimmed,",
	"lines marked ~, 'STALE since' in the status line.  rr 3/16: round-robin.",
	"p freezes what is shown; the link, CSV and MQTT go on and the status line stays live.",
	"History: min..max of each bucket; a bucket without samples is left empty (a gap).",
	"Console (7): > sent, < received, # pylontop; bytes escaped (\\r \\n \\xNN), the",
	"newest 1000 lines.  ':' types a command: only read-only ones of the dialect's table",
	"(and help; RS485: CID2 ADR in hex, 42 02) are sent, between two polls; tbar, login,",
	"config... are refused.",
	"x: --record on / off (REC).  Replay: P pauses, > skips 60 s; REPLAY shows its time.",
};

struct line {
	char		text[160];
	enum tui_role	role;
};

static int
add(struct line *l, int n, enum tui_role r, const char *text)
{
	if (n >= MAX_LINES)
		return n;
	snprintf(l[n].text, sizeof l[n].text, "%s", text);
	l[n].role = r;
	return n + 1;
}

static int
build(struct tui *t, struct line *l)
{
	const struct alarm_config *ac = &monitor_config(t->m)->alarms;
	struct tui_key_help keys[40];
	size_t nk = tui_key_help(keys, 40), i;
	char buf[160];
	int n = 0;

	n = add(l, n, TR_TITLE, "Keys");
	for (i = 0; i < nk; i++) {
		snprintf(buf, sizeof buf, "  %-16s %-42s %s", keys[i].keys, keys[i].text,
		    keys[i].where);
		n = add(l, n, TR_NORMAL, buf);
	}
	n = add(l, n, TR_NORMAL, "");
	n = add(l, n, TR_TITLE, "Reading the screen");
	for (i = 0; i < sizeof legend / sizeof legend[0]; i++) {
		snprintf(buf, sizeof buf, "  %s", legend[i]);
		n = add(l, n, TR_NORMAL, buf);
	}
	snprintf(buf, sizeof buf, "  Limits: cell %.2f..%.2f V, spread %.0f mV, temperature %.0f..%.0f C,"
	    " SOC %.0f %%", ac->cell_v_low, ac->cell_v_high, ac->cell_spread_high * 1000,
	    ac->temp_low, ac->temp_high, ac->soc_low);
	n = add(l, n, TR_DIM, buf);
	n = add(l, n, TR_NORMAL, "");
	snprintf(buf, sizeof buf, "  Drawing: %s glyphs%s, %s; history memory %.1f MiB",
	    t->glyphs == TG_UTF8 ? "UTF-8" : t->glyphs == TG_ACS ? "line-drawing" : "ASCII",
	    t->braille ? " (braille charts)" : "", t->color ? "colours" : "no colours",
	    (double)history_memory(monitor_history(t->m)) / (1024.0 * 1024.0));
	n = add(l, n, TR_DIM, buf);
	return n;
}

void
view_help(struct tui *t, int top, int rows, int cols)
{
	static struct line lines[MAX_LINES];
	int n = build(t, lines), first, i, y = top;

	first = tui_clamp_scroll(t, TV_HELP, n - rows);
	for (i = first; i < n && y < top + rows; i++, y++) {
		if (lines[i].role == TR_TITLE)
			tui_title(t, y, 1, cols - 2, lines[i].text);
		else {
			tui_role(t, lines[i].role);
			tui_text(y, 1, cols - 1, lines[i].text);
			attrset(A_NORMAL);
		}
	}
}
