/* layout.h — the TUI's sizing and number rules, without curses, so unit
 * tests can check them: how the cell grid fits a terminal, where chart
 * axis ticks go, how the age of the data is written. */
#ifndef PT_TUI_LAYOUT_H
#define PT_TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How cell voltages are written: chosen to fit (auto), or forced. */
enum grid_mode { GRID_AUTO, GRID_ABSOLUTE, GRID_DEVIATION, GRID_NMODES };

enum grid_format {
	GF_VOLTS,	/* "3.288" */
	GF_MILLIVOLTS,	/* "3288" */
	GF_DEVIATION,	/* "+12": mV from the module mean; row shows the mean */
	GF_TEMP1,	/* "23.5" */
	GF_TEMP0,	/* "24" */
};

struct grid_layout {
	enum grid_format format;
	int	value_w;	/* columns of one value */
	int	cell_w;		/* gap + value + mark */
	int	gap;		/* blank columns before each value (0 or 1) */
	int	label_w;	/* module id (and mean) at the left */
	int	spread_w;	/* spread column at the right */
	int	per_line;	/* cells on one screen line */
	int	lines_per_module;
	int	total_lines;	/* for all modules */
	bool	fits;		/* every module on the screen at once */
};

struct grid_need {
	int	cols, rows;	/* room for the grid itself */
	int	modules;
	int	max_cells;	/* cells of the largest module */
	int	dev_w;		/* widest "+12" deviation text (GF_DEVIATION) */
	int	temp1_w;	/* widest "%.1f" temperature, 0 if none */
	bool	temps;		/* show temperatures, not voltages */
	enum grid_mode mode;
};

/* Pick the clearest format that puts every cell on the screen; when none
 * does, the one needing the fewest lines (the view then scrolls).  False
 * when not even one cell fits a line. */
bool	layout_grid(const struct grid_need *need, struct grid_layout *out);

/* Axis ticks: a 1/2/5 x 10^k step giving about `want` ticks over lo..hi,
 * and the decimals needed to tell them apart. */
double	layout_tick_step(double lo, double hi, int want, int *decimals);
/* A time step (ms) out of a fixed list of round intervals, so that ticks
 * are at least `min_ms` apart. */
int64_t	layout_time_step(int64_t min_ms);

/* Age of the data as shown: "0s" .. "119s", "2m05s" .. "59m", "1h02m",
 * "3d04h".  Returns how many ms from `age_ms` until the text changes. */
int64_t	layout_age(char *buf, size_t size, int64_t age_ms);

/* Where the stack's weak cell is (indices into s->modules[] and cells[];
 * -1 when unknown): the lowest and highest cell voltage, the module with
 * the biggest spread, and the "weakest" cell — the one farthest from its
 * own module's mean, which is what a drifting cell looks like whether the
 * stack charges or discharges. */
struct weakest {
	int	lo_mod, lo_cell;
	double	lo_v;
	int	hi_mod, hi_cell;
	double	hi_v;
	int	spread_mod;
	double	spread;		/* V */
	int	weak_mod, weak_cell;
	double	weak_dev;	/* V from its module mean, signed */
};
struct pt_sample;
/* False when no module has two valid cell voltages. */
bool	layout_weakest(const struct pt_sample *s, struct weakest *w);

/* Wrap a message into at most `max_lines` lines of `width` columns (the
 * first line may be narrower: `first_width`).  When it does not fit,
 * the hint — what to do — is kept whole and the middle is cut with
 * "...": the hint is the last parenthesised part and what follows it,
 * else the part after the last "; ".  Returns the lines used (>= 1). */
#define LAYOUT_LINE_MAX	512
int	layout_wrap(const char *msg, int first_width, int width, int max_lines,
	    char out[][LAYOUT_LINE_MAX]);
/* Where the hint starts in msg (index), or -1 when it has none. */
int	layout_hint(const char *msg);

#endif
