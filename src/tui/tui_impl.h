/* tui_impl.h — what the TUI's files share.  Only src/tui includes curses,
 * and only the main thread (tui_run) calls into it.
 *
 * Files: tui.c (main loop, redraw policy), keys.c (the key table, also
 * the source of the help view), draw.c (colours, glyphs, sanitised text,
 * bars), chart.c (braille/block/ASCII charts), status.c (tab line and
 * status line), view_*.c (one per view), layout.c (curses-free sizing
 * rules, unit-tested), stacks.c (several stacks: 'S' and the overview's
 * line per stack).
 */
#ifndef PT_TUI_IMPL_H
#define PT_TUI_IMPL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/alarms.h"
#include "core/history.h"
#include "core/monitor.h"
#include "core/rawlog.h"
#include "model/sample.h"
#include "tui/layout.h"
#include "tui/tui.h"

/* Below this the views are replaced by "terminal too small". */
#define TUI_MIN_COLS	40
#define TUI_MIN_LINES	12

#define TUI_MAX_LATCHED	64
#define TUI_MAX_EVENTS	256
#define TUI_MAX_LINK_EVENTS	64
/* Rows a wrapped link or key message may take at most. */
#define TUI_MESSAGE_LINES	4

/* Views 1-7 by number; Inventory and Events (the BMS's records) by i and e. */
enum tui_view { TV_OVERVIEW, TV_CELLS, TV_HISTORY, TV_ALARMS, TV_HELP, TV_HEALTH, TV_CONSOLE,
	TV_INVENTORY, TV_EVENTS, TV_COUNT };

/* What a piece of text means; draw.c maps each role to a colour pair, or
 * to bold/reverse/underline when colours are off or missing. */
enum tui_role {
	TR_NORMAL, TR_TITLE, TR_HEAD, TR_DIM, TR_GOOD, TR_WARN, TR_BAD, TR_LIMIT,
	TR_COLD, TR_BAR, TR_CHART, TR_TAB, TR_TAB_ON, TR_STATUS, TR_STATUS_WARN,
	TR_STATUS_BAD, TR_COUNT
};

/* How rich the glyphs may be: UTF-8 (braille charts unless the font is
 * unlikely to have them), the terminal's line-drawing set, plain ASCII. */
enum tui_glyphs { TG_ASCII, TG_ACS, TG_UTF8 };

enum tui_glyph { G_UP, G_DOWN, G_BALANCE, G_MORE_UP, G_MORE_DOWN, G_ELLIPSIS, G_COUNT };

struct tui {
	struct monitor		*m;
	struct tui_options	 opt;
	bool			 color;
	enum tui_glyphs		 glyphs;
	bool			 braille;
	attr_t			 attr[TR_COUNT];
	short			 pair[TR_COUNT];

	enum tui_view		 view, prev_view;
	int			 scroll[TV_COUNT];
	bool			 frozen;

	/* What is shown: copies, so 'p' can hold them while acquisition
	 * goes on.  The link and sink states stay live. */
	struct pt_sample	*sample;
	bool			 have_sample;
	int64_t			 data_ms;	/* wall clock of the copies */
	struct alarm_state	*latched;
	size_t			 n_latched;
	struct alarm_event	*events;
	size_t			 n_events;
	size_t			 unacked;
	struct link_event	*link_events;	/* newest first */
	size_t			 n_link_events;

	/* The values shown are older than the measured cycle allows (set
	 * for each frame): every view dims and marks them. */
	bool			 old;
	int64_t			 old_age_ms;

	/* Cell grid. */
	bool			 cell_temps;
	enum grid_mode		 cell_mode;

	/* History. */
	int			 metric;	/* index into tui_metrics[] */
	enum hist_res		 res;
	int			 module;	/* wire index */
	int			 cell;
	int			 zoom;		/* index into tui_zooms[] */
	struct hist_point	*points;	/* scratch, TUI_MAX_POINTS */

	/* Console view: the raw traffic (copied when drawn), a line being
	 * typed (`typing`: every key goes into it), horizontal offset. */
	struct rawlog_line	*raw;		/* RAWLOG_LINES */
	uint64_t		 raw_seq;	/* of the lines last drawn */
	bool			 typing;
	char			 input[96];
	int			 raw_x;
	bool			 raw_pin;	/* show the typed command's exchange */
	bool			 raw_verdict;	/* its verdict was said */

	char			 message[512];	/* feedback to a key, for a while */
	int64_t			 message_until;	/* monotonic ms */
	int64_t			 bell_seen_ms;	/* newest event already rung for */

	unsigned long		 redraws;	/* full frames drawn */
	unsigned long		 ticks;		/* of which for the age counter */
	int64_t			 draw_ns;	/* UI thread CPU spent drawing */
	FILE			*stats;		/* PYLONTOP_TUI_STATS, or NULL */
	int			 empty_reads;	/* keyboard readable, no key */
	bool			 quit;

	/* Several stacks (issue 16.1): m is stacks[cur_stack]. */
	struct monitor		*stacks[TUI_STACKS_MAX];
	const char		*stack_names[TUI_STACKS_MAX];
	int			 n_stacks, cur_stack;
	struct pt_sample	*other;		/* scratch for the stacks' summaries */
};

#define TUI_MAX_POINTS	(3600 * 2)

/* History metrics offered, in menu order. */
extern const enum hist_metric tui_metrics[];
extern const int tui_n_metrics;
/* Buckets per chart dot: zoom levels. */
extern const int tui_zooms[];
extern const int tui_n_zooms;

/* stacks.c: 'S' shows the next stack; the overview's line per stack
 * (returns the rows used, 0 with one stack); the shown stack's name for
 * the status line ("" with one stack). */
void	tui_next_stack(struct tui *t);
/* Show monitor m in place of the current one (the next stack, or a
 * replay started again by '<'): nothing shown of the other stays. */
void	tui_show_monitor(struct tui *t, struct monitor *m);
int	tui_draw_stacks(struct tui *t, int y, int rows, int cols);
const char *tui_stack_name(const struct tui *t);

/* report_key.c: 'W', a service report from the monitor's snapshots. */
void	tui_write_report(struct tui *t);

/* tui.c */
void	tui_message(struct tui *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	tui_refresh_data(struct tui *t, bool force);
void	tui_set_view(struct tui *t, enum tui_view v);

/* keys.c */
/* Act on one key; false when it is not bound in this view. */
bool	tui_key(struct tui *t, int ch);
/* One help line per binding, for view_help: returns the count. */
struct tui_key_help {
	const char	*keys;
	const char	*text;
	const char	*where;		/* "" = every view */
};
size_t	tui_key_help(struct tui_key_help *out, size_t max);

/* draw.c */
void	tui_colors_init(struct tui *t);
void	tui_role(struct tui *t, enum tui_role r);	/* attrset */
attr_t	tui_role_attr(struct tui *t, enum tui_role r);
/* Text from anywhere (device, files, us): printable ASCII only, cut to
 * `width` columns and to the screen.  Returns the columns written. */
int	tui_text(int y, int x, int width, const char *s);
int	tui_printf(int y, int x, int width, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* The same, right-aligned in the field. */
int	tui_text_right(int y, int x, int width, const char *s);
/* `s` cut from the left with an ellipsis so its tail fits (paths). */
int	tui_text_tail(struct tui *t, int y, int x, int width, const char *s);
void	tui_blank(int y, int x, int width);
void	tui_hline(struct tui *t, int y, int x, int width);
/* A tick on an axis: pointing down (time axis) or left (value axis). */
void	tui_tee(struct tui *t, int y, int x, bool down);
void	tui_glyph(struct tui *t, int y, int x, enum tui_glyph g);
/* [#####     ] with eighth blocks in UTF-8. */
void	tui_bar(struct tui *t, int y, int x, int width, double fraction, enum tui_role r);
/* A section title with a rule after it. */
void	tui_title(struct tui *t, int y, int x, int width, const char *text);
/* "3.312" or "-" when the bit is not valid. */
void	tui_num(char *buf, size_t size, uint32_t valid, uint32_t bit, double v, int decimals);
/* Local clock time: "08:12:03", or "11-23 08:12" when not today. */
void	tui_clock(char *buf, size_t size, int64_t utc_ms, int64_t now_ms);

/* The band's role (`normal`: the role of an unremarkable value) and
 * its mark, so the level shows without colours too: ' ' normal, '_'
 * cold, '!' warning, '#' alarm or beyond a limit. */
enum tui_role tui_band_role(enum alarm_band b, enum tui_role normal);
char	tui_band_mark(enum alarm_band b);
/* Add A_DIM to every cell of a rectangle already drawn (old data). */
void	tui_dim(int y, int x, int rows, int width);
/* The old-data mark at the left of a line of values. */
#define TUI_OLD_MARK	"~"
/* "~ old: last sample 12:03:41, 27s ago", for view titles. */
void	tui_old_text(struct tui *t, char *buf, size_t size);
/* Wrap `msg` (layout_wrap: the hint stays) into lines y.. of `width`
 * columns, the first starting at x1 (width w1).  Returns lines drawn. */
int	tui_wrap(int y, int x1, int w1, int x, int width, int max_lines, const char *msg);
/* Weakest cell of the sample shown, as layout_weakest. */
bool	tui_weakest(struct tui *t, struct weakest *w);

/* chart.c */
struct tui_series {
	const struct hist_point	*p;		/* oldest first, one per dot column */
	size_t			 n;
	int64_t			 dot_ms;	/* time one dot column covers */
	int64_t			 end_ms;	/* end of the newest point */
	const char		*unit;
};
/* Dot columns a chart of `w` screen columns shows. */
int	tui_chart_dots(struct tui *t, int w);
void	tui_chart(struct tui *t, int y, int x, int h, int w, const struct tui_series *s);

/* status.c */
void	tui_draw_tabs(struct tui *t);
void	tui_draw_status(struct tui *t);
/* Milliseconds until the age shown anywhere changes, -1 when never. */
int64_t	tui_age_due(struct tui *t, int64_t wall_ms);
/* "3s", "2m05s", "4h" — how the age of the data is shown everywhere. */
void	tui_age_text(char *buf, size_t size, int64_t age_ms);
bool	tui_is_stale(const struct link_stats *ls, int64_t wall_ms);

/* Views: draw into lines top .. top+rows-1. */
void	view_overview(struct tui *t, int top, int rows, int cols);
void	view_cells(struct tui *t, int top, int rows, int cols);
void	view_history(struct tui *t, int top, int rows, int cols);
void	view_alarms(struct tui *t, int top, int rows, int cols);
void	view_help(struct tui *t, int top, int rows, int cols);
void	view_health(struct tui *t, int top, int rows, int cols);
void	view_console(struct tui *t, int top, int rows, int cols);
/* view_console.c: a key while a command is being typed (Enter sends,
 * Esc cancels); true when it was taken. */
bool	console_input_key(struct tui *t, int ch);
/* view_records.c: the BMS records; 'f' filters the events by module. */
void	view_inventory(struct tui *t, int top, int rows, int cols);
void	view_events(struct tui *t, int top, int rows, int cols);
void	tui_events_filter(struct tui *t);

/* Clamp a view's scroll offset to 0 .. max and return it. */
int	tui_clamp_scroll(struct tui *t, enum tui_view v, int max);

#endif
