/* tui_impl.h — what the TUI's files share.  Only src/tui includes curses. */
#ifndef PT_TUI_IMPL_H
#define PT_TUI_IMPL_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/history.h"
#include "core/monitor.h"
#include "model/sample.h"
#include "tui/tui.h"

enum view { V_OVERVIEW, V_CELLS, V_HISTORY, V_ALARMS, V_HELP, V_COUNT };

/* Colour pairs. */
enum {
	C_NORMAL = 1, C_TITLE, C_GOOD, C_WARN, C_BAD, C_DIM, C_HIGH, C_LOW, C_BAR,
	C_STATUS, C_CELL0, C_CELL1, C_CELL2, C_CELL3, C_CELL4,
};

struct tui {
	struct monitor		*m;
	struct tui_options	 opt;
	bool			 color, utf8;
	enum view		 view;
	int			 scroll;		/* first line / module shown */
	bool			 frozen;
	bool			 show_temps;		/* cell grid: temperatures */
	int			 metric;		/* history: enum hist_metric */
	int			 res;			/* history: enum hist_res */
	int			 module;		/* history: module index */
	int			 cell;			/* history: cell index */
	struct pt_sample	*sample;		/* shown */
	bool			 have_sample;
	int64_t			 now_ms;
	char			 message[160];		/* one-line feedback to keys */
	int64_t			 message_until;
	size_t			 last_alarms;		/* for the bell */
};

/* tui_draw.c */
void	tui_colors(struct tui *t);
void	tui_attr(struct tui *t, int pair, bool on);
/* Text from the device or the user: printable ASCII only, cut to width. */
void	tui_text(int y, int x, int width, const char *s);
void	tui_printf(int y, int x, int width, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	tui_bar(struct tui *t, int y, int x, int width, double fraction);
void	tui_hline(struct tui *t, int y, int x, int width);
/* Chart of points in the box; gaps stay empty.  Returns lines used. */
void	tui_chart(struct tui *t, int y, int x, int h, int w, const struct hist_point *p,
	    size_t n, const char *unit, int64_t width_ms);
/* "3.312" or "-" */
void	tui_num(char *buf, size_t size, uint32_t valid, uint32_t bit, double v, int decimals);

/* tui_views.c */
void	view_overview(struct tui *t, int top, int rows, int cols);
void	view_cells(struct tui *t, int top, int rows, int cols);
void	view_history(struct tui *t, int top, int rows, int cols);
void	view_alarms(struct tui *t, int top, int rows, int cols);
void	view_help(struct tui *t, int top, int rows, int cols);

#endif
