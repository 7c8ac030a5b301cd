/* tui_draw.c — colours, glyphs that degrade, bars and charts. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
tui_colors(struct tui *t)
{
	t->color = !t->opt.no_color && has_colors();
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(C_NORMAL, -1, -1);
	init_pair(C_TITLE, COLOR_CYAN, -1);
	init_pair(C_GOOD, COLOR_GREEN, -1);
	init_pair(C_WARN, COLOR_YELLOW, -1);
	init_pair(C_BAD, COLOR_RED, -1);
	init_pair(C_DIM, COLOR_BLUE, -1);
	init_pair(C_HIGH, COLOR_MAGENTA, -1);
	init_pair(C_LOW, COLOR_CYAN, -1);
	init_pair(C_BAR, COLOR_GREEN, -1);
	init_pair(C_STATUS, COLOR_BLACK, COLOR_CYAN);
	/* Cell deviation from the module mean: far low .. near .. far high. */
	init_pair(C_CELL0, COLOR_RED, -1);
	init_pair(C_CELL1, COLOR_YELLOW, -1);
	init_pair(C_CELL2, COLOR_GREEN, -1);
	init_pair(C_CELL3, COLOR_YELLOW, -1);
	init_pair(C_CELL4, COLOR_MAGENTA, -1);
}

void
tui_attr(struct tui *t, int pair, bool on)
{
	if (t->color) {
		if (on)
			attron(COLOR_PAIR(pair));
		else
			attroff(COLOR_PAIR(pair));
	} else if (pair == C_BAD || pair == C_TITLE || pair == C_STATUS || pair == C_HIGH ||
	    pair == C_CELL0 || pair == C_CELL4) {
		/* Monochrome: emphasis instead of colour. */
		if (on)
			attron(pair == C_STATUS ? A_REVERSE : A_BOLD);
		else
			attroff(pair == C_STATUS ? A_REVERSE : A_BOLD);
	}
}

void
tui_text(int y, int x, int width, const char *s)
{
	char buf[512];
	int i;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	if (width >= (int)sizeof buf)
		width = (int)sizeof buf - 1;
	for (i = 0; i < width && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[i] = '\0';
	mvaddnstr(y, x, buf, width);
}

void
tui_printf(int y, int x, int width, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_text(y, x, width, buf);
}

void
tui_num(char *buf, size_t size, uint32_t valid, uint32_t bit, double v, int decimals)
{
	if ((valid & bit) && isfinite(v))
		snprintf(buf, size, "%.*f", decimals, v);
	else
		snprintf(buf, size, "-");
}

void
tui_bar(struct tui *t, int y, int x, int width, double fraction)
{
	int i, full;

	if (width <= 2)
		return;
	if (!isfinite(fraction))
		fraction = 0;
	fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
	full = (int)lround(fraction * (width - 2));
	mvaddch(y, x, '[');
	tui_attr(t, fraction < 0.15 ? C_BAD : fraction < 0.3 ? C_WARN : C_BAR, true);
	for (i = 0; i < width - 2; i++) {
		if (i < full) {
			if (t->utf8)
				mvaddstr(y, x + 1 + i, "\xe2\x96\x88");
			else
				mvaddch(y, x + 1 + i, '#');
		} else
			mvaddch(y, x + 1 + i, t->utf8 ? ' ' : '.');
	}
	tui_attr(t, fraction < 0.15 ? C_BAD : fraction < 0.3 ? C_WARN : C_BAR, false);
	mvaddch(y, x + width - 1, ']');
}

void
tui_hline(struct tui *t, int y, int x, int width)
{
	(void)t;
	if (width > 0)
		mvhline(y, x, ACS_HLINE, width);
}

/* Braille cell: 2 x 4 dots.  Bit of dot (col c, row r from top). */
static int
braille_bit(int c, int r)
{
	static const int bits[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };

	return bits[c][r];
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

void
tui_chart(struct tui *t, int y, int x, int h, int w, const struct hist_point *p, size_t n,
    const char *unit, int64_t width_ms)
{
	double lo = INFINITY, hi = -INFINITY;
	int axis = 10, cw, col, row, dots_y;
	size_t i, first;
	char label[32];

	if (h < 3 || w < axis + 10)
		return;
	cw = w - axis;
	first = n > (size_t)(t->utf8 ? cw * 2 : cw) ? n - (size_t)(t->utf8 ? cw * 2 : cw) : 0;
	for (i = first; i < n; i++)
		if (p[i].valid) {
			lo = fmin(lo, p[i].min);
			hi = fmax(hi, p[i].max);
		}
	if (!isfinite(lo)) {
		tui_text(y + h / 2, x + axis, cw, "(no data yet in this resolution)");
		return;
	}
	if (hi - lo < 1e-6) {
		hi += 0.5 * (fabs(hi) > 1 ? 0.001 * fabs(hi) : 0.01);
		lo -= 0.5 * (fabs(lo) > 1 ? 0.001 * fabs(lo) : 0.01);
	}
	/* Value axis. */
	tui_attr(t, C_DIM, true);
	snprintf(label, sizeof label, "%8.3g %s", hi, unit);
	tui_text(y, x, axis - 1, label);
	snprintf(label, sizeof label, "%8.3g %s", (hi + lo) / 2, unit);
	tui_text(y + (h - 2) / 2, x, axis - 1, label);
	snprintf(label, sizeof label, "%8.3g %s", lo, unit);
	tui_text(y + h - 2, x, axis - 1, label);
	tui_attr(t, C_DIM, false);
	dots_y = (h - 1) * (t->utf8 ? 4 : 1);
	for (col = 0; col < cw; col++) {
		int masks[128] = { 0 };
		int sub, nsub = t->utf8 ? 2 : 1;

		for (sub = 0; sub < nsub; sub++) {
			size_t k = first + (size_t)(col * nsub + sub);
			int ya, yb, r;

			if (k >= n || !p[k].valid)
				continue;	/* a gap stays a gap */
			ya = (int)lround((p[k].max - lo) / (hi - lo) * (dots_y - 1));
			yb = (int)lround((p[k].min - lo) / (hi - lo) * (dots_y - 1));
			for (r = yb; r <= ya; r++) {
				int from_top = dots_y - 1 - r;
				if (t->utf8)
					masks[from_top / 4] |= braille_bit(sub, from_top % 4);
				else
					masks[from_top] = 1;
			}
		}
		for (row = 0; row < h - 1 && row < 128; row++) {
			if (masks[row] == 0)
				continue;
			if (t->utf8)
				put_braille(y + row, x + axis + col, masks[row]);
			else
				mvaddch(y + row, x + axis + col, t->opt.ascii ? '*' : ACS_CKBOARD);
		}
	}
	/* Time axis: the span covered, newest at the right. */
	tui_attr(t, C_DIM, true);
	{
		double span = (double)(n - first) * (double)width_ms / 1000.0;
		if (span >= 7200)
			snprintf(label, sizeof label, "-%.0f h", span / 3600);
		else if (span >= 120)
			snprintf(label, sizeof label, "-%.0f min", span / 60);
		else
			snprintf(label, sizeof label, "-%.0f s", span);
		tui_text(y + h - 1, x + axis, 12, label);
		tui_text(y + h - 1, x + w - 4, 4, "now");
	}
	tui_attr(t, C_DIM, false);
}
