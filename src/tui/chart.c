/* chart.c — history charts.  One dot column per history point; each
 * column draws its bucket's min..max span, joined to the previous point
 * when there is no gap between them.  Braille gives 2 x 4 dots per
 * character, half blocks (UTF-8 without braille) 1 x 2, and ASCII ". ' :"
 * 1 x 2.  A bucket without samples stays empty: gaps are shown, never
 * bridged.  Value axis on the left with round ticks; time axis below with
 * local clock times. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AXIS_W		8	/* value labels */
#define MAX_DOTS	TUI_MAX_POINTS

struct grid {
	int	hres, vres;		/* dots per character */
	int	cols, rows;		/* characters of the plot area */
	double	lo, hi;			/* value range of the plot area */
	short	top[MAX_DOTS];		/* dot rows from the bottom, -1 = none */
	short	bot[MAX_DOTS];
};

static void
dots_per_char(struct tui *t, int *hres, int *vres)
{
	*hres = t->braille ? 2 : 1;
	*vres = t->braille ? 4 : 2;
}

int
tui_chart_dots(struct tui *t, int w)
{
	int hres, vres, cols = w - AXIS_W - 1;

	dots_per_char(t, &hres, &vres);
	if (cols < 1)
		return 0;
	return cols * hres > MAX_DOTS ? MAX_DOTS : cols * hres;
}

static int
dot_row(const struct grid *g, double v)
{
	int n = g->rows * g->vres;
	double f = (v - g->lo) / (g->hi - g->lo);

	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return (int)lround(f * (n - 1));
}

/* Value range over the visible points, widened to whole tick steps. */
static bool
value_range(const struct tui_series *s, size_t first, int want_ticks, double *lo, double *hi,
    double *step, int *decimals)
{
	double a = INFINITY, b = -INFINITY;
	size_t i;

	for (i = first; i < s->n; i++) {
		if (!s->p[i].valid || !isfinite(s->p[i].min) || !isfinite(s->p[i].max))
			continue;
		a = fmin(a, s->p[i].min);
		b = fmax(b, s->p[i].max);
	}
	if (!isfinite(a))
		return false;
	if (b - a < 1e-9) {
		double pad = fabs(a) > 1 ? fabs(a) * 0.001 : 0.01;

		a -= pad;
		b += pad;
	}
	*step = layout_tick_step(a, b, want_ticks, decimals);
	*lo = floor(a / *step + 1e-9) * *step;
	*hi = ceil(b / *step - 1e-9) * *step;
	if (*hi - *lo < *step)
		*hi = *lo + *step;
	return true;
}

/* Dot k shows point first + k - lead: with fewer points than dots the
 * newest still lands in the last character column (see align_pad). */
static void
plot_spans(struct grid *g, const struct tui_series *s, size_t first, int lead, int ndots)
{
	bool prev_ok = false;
	double prev = 0;
	int k;

	for (k = 0; k < ndots; k++) {
		size_t i = first + (size_t)(k - lead);
		const struct hist_point *p;
		double a, b;

		g->top[k] = g->bot[k] = -1;
		if (k < lead || i >= s->n || !s->p[i].valid) {
			prev_ok = false;	/* a gap stays a gap */
			continue;
		}
		p = &s->p[i];
		a = p->min;
		b = p->max;
		if (prev_ok) {
			a = fmin(a, prev);
			b = fmax(b, prev);
		}
		g->bot[k] = (short)dot_row(g, a);
		g->top[k] = (short)dot_row(g, b);
		prev = p->avg;
		prev_ok = true;
	}
}

static void
put_braille(int y, int x, int mask)
{
	char s[4];
	int cp = 0x2800 + mask;

	s[0] = (char)(0xE0 | (cp >> 12));
	s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	s[2] = (char)(0x80 | (cp & 0x3F));
	s[3] = '\0';
	mvaddstr(y, x, s);
}

/* Which dots of character (col, row) are set: bit (dx * vres + dy),
 * dy counted from the top of the character. */
static int
cell_dots(const struct grid *g, int col, int row)
{
	int dx, dy, bits = 0, base = (g->rows - 1 - row) * g->vres;

	for (dx = 0; dx < g->hres; dx++) {
		int k = col * g->hres + dx;

		if (g->top[k] < 0)
			continue;
		for (dy = 0; dy < g->vres; dy++) {
			int r = base + (g->vres - 1 - dy);

			if (r >= g->bot[k] && r <= g->top[k])
				bits |= 1 << (dx * g->vres + dy);
		}
	}
	return bits;
}

static void
draw_cell(struct tui *t, int y, int x, int bits)
{
	/* Braille dot numbering: left column 1 2 3 7, right 4 5 6 8. */
	static const int braille[8] = { 0x01, 0x02, 0x04, 0x40, 0x08, 0x10, 0x20, 0x80 };
	int mask = 0, i;

	if (t->braille) {
		for (i = 0; i < 8; i++)
			if (bits & (1 << i))
				mask |= braille[i];
		put_braille(y, x, mask);
	} else if (t->glyphs == TG_UTF8)
		mvaddstr(y, x, bits == 3 ? "\xe2\x96\x88" : bits == 1 ? "\xe2\x96\x80" :
		    "\xe2\x96\x84");
	else
		mvaddch(y, x, bits == 3 ? ':' : bits == 1 ? '\'' : '.');
}

static void
value_axis(struct tui *t, int y, int x, const struct grid *g, double step, int decimals)
{
	double v;
	int last_row = -1;
	char label[32];

	tui_role(t, TR_DIM);
	for (v = g->lo; v <= g->hi + step * 0.5; v += step) {
		int row = g->rows - 1 - (int)lround((v - g->lo) / (g->hi - g->lo) * (g->rows - 1));

		if (row == last_row || row < 0 || row >= g->rows)
			continue;
		last_row = row;
		snprintf(label, sizeof label, "%.*f", decimals, fabs(v) < step * 1e-6 ? 0.0 : v);
		tui_text_right(y + row, x, AXIS_W - 1, label);
		tui_tee(t, y + row, x + AXIS_W, false);
	}
	attrset(A_NORMAL);
}

static void
time_label(char *buf, size_t size, int64_t utc_ms, int64_t step_ms)
{
	time_t when = (time_t)(utc_ms / 1000);
	struct tm tm;

	if (localtime_r(&when, &tm) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	strftime(buf, size, step_ms < 60000 ? "%H:%M:%S" : step_ms < 86400000 ? "%H:%M" :
	    "%m-%d", &tm);
}

/* Ticks at round clock times; a label only where it does not run into
 * the previous one. */
static void
time_axis(struct tui *t, int y, int x, const struct grid *g, const struct tui_series *s,
    int ndots, int pad)
{
	int64_t col_ms = s->dot_ms * g->hres, start, step, tick;
	int next_free = 0, label_w;
	char label[32];

	if (col_ms <= 0)
		return;
	label_w = s->dot_ms * 4 < 60000 ? 8 : 5;
	step = layout_time_step((label_w + 3) * col_ms);
	start = s->end_ms + (int64_t)(pad - ndots) * s->dot_ms;
	tui_role(t, TR_DIM);
	tui_hline(t, y, x, g->cols);
	for (tick = (start / step + 1) * step; tick < s->end_ms; tick += step) {
		int col = (int)((tick - start) / col_ms), lx;

		if (col < 0 || col >= g->cols)
			continue;
		tui_tee(t, y, x + col, true);
		time_label(label, sizeof label, tick, step);
		lx = col - (int)strlen(label) / 2;
		if (lx < 0)
			lx = 0;
		if (lx < next_free || lx + (int)strlen(label) > g->cols)
			continue;
		tui_text(y + 1, x + lx, (int)strlen(label), label);
		next_free = lx + (int)strlen(label) + 2;
	}
	attrset(A_NORMAL);
}

/* Empty dots right of the newest point, so that a dot stays in the
 * character column its time falls in: a braille character holds two
 * dots, and with the newest dot always in the last half every new point
 * re-paired all of them, rewriting the whole chart.  Now the chart moves
 * a character to the left every second point and in between only the
 * last character changes.  The empty half is time still to come. */
static int
align_pad(const struct grid *g, const struct tui_series *s)
{
	int64_t newest;

	if (g->hres < 2 || s->dot_ms <= 0 || s->end_ms <= 0)
		return 0;
	newest = s->end_ms / s->dot_ms - 1;
	return g->hres - 1 - (int)(newest % g->hres);
}

void
tui_chart(struct tui *t, int y, int x, int h, int w, const struct tui_series *s)
{
	static struct grid g;
	double step;
	int decimals, ndots, row, col, lead, pad;
	size_t first;

	dots_per_char(t, &g.hres, &g.vres);
	g.rows = h - 2;
	g.cols = w - AXIS_W - 1;
	if (g.rows < 2 || g.cols < 4)
		return;
	ndots = g.cols * g.hres > MAX_DOTS ? MAX_DOTS : g.cols * g.hres;
	pad = align_pad(&g, s);
	first = s->n > (size_t)(ndots - pad) ? s->n - (size_t)(ndots - pad) : 0;
	lead = ndots - pad - (int)(s->n - first);
	if (!value_range(s, first, g.rows / 3 > 1 ? g.rows / 3 : 2, &g.lo, &g.hi, &step,
	    &decimals)) {
		tui_role(t, TR_DIM);
		tui_text(y + g.rows / 2, x + AXIS_W + 2, g.cols - 2,
		    "no data in this period yet");
		attrset(A_NORMAL);
		time_axis(t, y + g.rows, x + AXIS_W + 1, &g, s, ndots, pad);
		return;
	}
	value_axis(t, y, x, &g, step, decimals);
	plot_spans(&g, s, first, lead, ndots);
	/* Blanks too in the chart's colour: the plot is one attribute run a
	 * line, so a dot that moves costs the dot, not a colour switch on
	 * each side of it. */
	attrset(tui_role_attr(t, TR_CHART));
	for (row = 0; row < g.rows; row++) {
		tui_blank(y + row, x + AXIS_W + 1, g.cols);
		for (col = 0; col < g.cols; col++) {
			int bits = cell_dots(&g, col, row);

			if (bits != 0)
				draw_cell(t, y + row, x + AXIS_W + 1 + col, bits);
		}
	}
	attrset(A_NORMAL);
	time_axis(t, y + g.rows, x + AXIS_W + 1, &g, s, ndots, pad);
}
