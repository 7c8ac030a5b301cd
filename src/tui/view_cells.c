/* view_cells.c — every cell of every module, one module per line when it
 * fits (layout.c picks the format: volts, millivolts, or millivolts from
 * the module mean when only that puts a 16 x 16 stack on an 80 x 24
 * screen).  Colour: the alarm band of the cell (core/alarms.h:
 * alarm_band_cell_voltage / _temperature — no thresholds here), and the
 * band's mark ('!' warning, '#' alarm or limit, '_' cold) so the level
 * shows in monochrome too: in the blank before the value when the layout
 * has one, else in the mark column after it, where it beats the
 * highest / lowest / balancing marks.  't' shows the cell temperatures.
 * Old data: every module line starts with '~' and is dimmed, and the
 * title says since when.  Scrolls by module when the terminal is too
 * small. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"


static int
deviation_mv(double v, double mean)
{
	return (int)lround((v - mean) * 1000);
}

/* What the layout must make room for. */
static void
measure(struct tui *t, int cols, int rows, struct grid_need *need)
{
	const struct pt_sample *s = t->sample;
	char buf[32];
	int k, c, len;

	memset(need, 0, sizeof *need);
	need->cols = cols;
	need->rows = rows;
	need->modules = s->n_modules;
	need->temps = t->cell_temps;
	need->mode = t->cell_mode;
	need->dev_w = 2;
	for (k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];
		struct pt_cell_stats cs;

		pt_module_cell_stats(m, &cs);
		if (m->n_cells > need->max_cells)
			need->max_cells = m->n_cells;
		for (c = 0; c < m->n_cells; c++) {
			const struct pt_cell *cell = &m->cells[c];

			if (PT_HAS(cell, PTF_VOLTAGE) && cs.count > 0) {
				len = snprintf(buf, sizeof buf, "%+d", deviation_mv(cell->voltage, cs.mean));
				if (len > need->dev_w)
					need->dev_w = len;
			}
			if (PT_HAS(cell, PTF_TEMPERATURE)) {
				len = snprintf(buf, sizeof buf, "%.1f", cell->temperature);
				if (len > need->temp1_w)
					need->temp1_w = len;
			}
		}
	}
}

static void
cell_text(const struct grid_layout *l, const struct pt_cell *cell, double mean, char *buf,
    size_t size)
{
	switch (l->format) {
	case GF_VOLTS:
		snprintf(buf, size, "%.3f", cell->voltage);
		break;
	case GF_MILLIVOLTS:
		snprintf(buf, size, "%.0f", cell->voltage * 1000);
		break;
	case GF_DEVIATION: {
		int d = deviation_mv(cell->voltage, mean);

		snprintf(buf, size, d == 0 ? "0" : "%+d", d);
		break;
	}
	case GF_TEMP1:
		snprintf(buf, size, "%.1f", cell->temperature);
		break;
	case GF_TEMP0:
		snprintf(buf, size, "%.0f", cell->temperature);
		break;
	}
}

/* Highest and lowest of the value shown (voltage or temperature). */
static void
extremes(const struct pt_module *m, bool temps, int *hi, int *lo)
{
	uint32_t bit = temps ? PTF_TEMPERATURE : PTF_VOLTAGE;
	double vh = -INFINITY, vl = INFINITY;
	int c, n = 0;

	*hi = *lo = -1;
	for (c = 0; c < m->n_cells; c++) {
		const struct pt_cell *cell = &m->cells[c];
		double v = temps ? cell->temperature : cell->voltage;

		if (!PT_HAS(cell, bit))
			continue;
		n++;
		if (v > vh) {
			vh = v;
			*hi = c;
		}
		if (v < vl) {
			vl = v;
			*lo = c;
		}
	}
	if (n < 2 || vh == vl)
		*hi = *lo = -1;		/* all equal: nothing stands out */
}

/* s right-aligned in the `width` columns at dst (cut when longer, as
 * tui_text_right does); dst already holds blanks. */
static void
place_right(char *dst, int width, const char *s)
{
	int len = (int)strlen(s);

	if (len > width)
		len = width;
	memcpy(dst + width - len, s, (size_t)len);
}

/* The whole field of a cell (gap, value, mark column) in one attribute,
 * so a line of same-band cells is one attribute run: curses then sends a
 * changed digit as a cursor move and the digit, not an attribute switch
 * on each side of every blank (what an ssh link pays for each second). */
static void
draw_cell(struct tui *t, int y, int x, const struct grid_layout *l, const struct pt_cell *cell,
    double mean, int mark)
{
	const struct alarm_config *ac = &monitor_config(t->m)->alarms;
	uint32_t bit = t->cell_temps ? PTF_TEMPERATURE : PTF_VOLTAGE;
	char buf[32], field[40];
	enum alarm_band band;
	enum tui_role r;

	if (l->cell_w >= (int)sizeof field)
		return;
	memset(field, ' ', (size_t)l->cell_w);
	field[l->cell_w] = '\0';
	if (!PT_HAS(cell, bit)) {
		field[l->gap + l->value_w - 1] = '-';
		tui_role(t, TR_DIM);
		tui_text(y, x, l->cell_w, field);
		attrset(A_NORMAL);
		return;
	}
	cell_text(l, cell, mean, buf, sizeof buf);
	band = t->cell_temps ? alarm_band_temperature(ac, cell->temperature) :
	    alarm_band_cell_voltage(ac, cell->voltage, mean);
	r = tui_band_role(band, t->cell_temps ? TR_NORMAL : TR_GOOD);
	place_right(field + l->gap, l->value_w, buf);
	/* The band's mark: in the blank before the value when there is one,
	 * else in the mark column, where it beats the glyph. */
	if (band != BAND_NORMAL)
		field[l->gap > 0 ? 0 : l->value_w] = tui_band_mark(band);
	/* Highest and lowest are told by their glyph alone: bold on them
	 * too would make each move of the extremes (every second, with
	 * the cells a millivolt apart) rewrite two values with an attribute
	 * switch on each side. */
	tui_role(t, r);
	tui_text(y, x, l->cell_w, field);
	if (mark >= 0 && (band == BAND_NORMAL || l->gap > 0))
		tui_glyph(t, y, x + l->gap + l->value_w, (enum tui_glyph)mark);
	attrset(A_NORMAL);
}

static void
draw_spread(struct tui *t, int y, int x, const struct grid_layout *l, const struct pt_module *m)
{
	const struct alarm_config *ac = &monitor_config(t->m)->alarms;
	struct pt_cell_stats cs;
	double lo = INFINITY, hi = -INFINITY;
	char buf[32];
	int c;

	if (t->cell_temps) {
		for (c = 0; c < m->n_cells; c++)
			if (PT_HAS(&m->cells[c], PTF_TEMPERATURE)) {
				lo = fmin(lo, m->cells[c].temperature);
				hi = fmax(hi, m->cells[c].temperature);
			}
		if (!isfinite(lo))
			return;
		snprintf(buf, sizeof buf, "%.1fC", hi - lo);
		tui_role(t, TR_DIM);
	} else {
		pt_module_cell_stats(m, &cs);
		if (cs.count < 2)
			return;
		snprintf(buf, sizeof buf, "%.0fmV", cs.spread * 1000);
		tui_role(t, tui_band_role(alarm_band_spread(ac, cs.spread), TR_DIM));
	}
	tui_text_right(y, x, l->spread_w, buf);
	attrset(A_NORMAL);
}

static int
mark_of(const struct pt_cell *cell, int c, int hi, int lo, bool temps)
{
	if (c == hi)
		return G_UP;
	if (c == lo)
		return G_DOWN;
	if (!temps && PT_HAS(cell, PTF_BALANCING) && cell->balancing)
		return G_BALANCE;
	return -1;
}

/* Temperatures of a module whose cells have none but the module has its
 * own sensors (RS485 packs: board, cell groups, MOSFET...): those, as
 * what they are, "T1 20.5 T2 21.0 ...", never spread over the cells. */
static bool
draw_sensors(struct tui *t, int y, int cols, const struct grid_layout *l,
    const struct pt_module *m)
{
	int c, x = l->label_w;

	if (!t->cell_temps || m->n_temps == 0)
		return false;
	for (c = 0; c < m->n_cells; c++)
		if (PT_HAS(&m->cells[c], PTF_TEMPERATURE))
			return false;
	for (c = 0; c < m->n_temps && c < PT_MAX_TEMPS && x < cols; c++) {
		tui_role(t, TR_DIM);
		x += tui_printf(y, x, cols - x, " T%d ", c + 1);
		attrset(A_NORMAL);
		x += tui_printf(y, x, cols - x, "%.1f", m->temps[c]);
	}
	return true;
}

/* One module: its lines of cells, the label, and the spread. */
static void
draw_module(struct tui *t, int y, int cols, const struct grid_layout *l, const struct pt_module *m)
{
	struct pt_cell_stats cs;
	int c, hi, lo, spread_x = l->label_w + l->per_line * l->cell_w;
	char buf[16];

	if (draw_sensors(t, y, cols, l, m)) {
		tui_printf(y, 0, 4, "%3d", m->id);
		return;
	}
	pt_module_cell_stats(m, &cs);
	extremes(m, t->cell_temps, &hi, &lo);
	tui_printf(y, 0, 4, "%3d", m->id);
	if (t->old)
		tui_text(y, 0, 1, TUI_OLD_MARK);
	if (l->format == GF_DEVIATION) {
		tui_role(t, TR_DIM);
		if (cs.count > 0)
			tui_printf(y, 4, 5, "%.3f", cs.mean);
		attrset(A_NORMAL);
	}
	for (c = 0; c < m->n_cells; c++) {
		int line = c / l->per_line, col = c % l->per_line;

		if (col == 0 && line > 0) {
			tui_role(t, TR_DIM);
			tui_printf(y + line, 0, l->label_w, "%*s", l->label_w - 1, "");
			snprintf(buf, sizeof buf, "c%d", c + 1);
			tui_text_right(y + line, 0, l->label_w - 1, buf);
			attrset(A_NORMAL);
		}
		draw_cell(t, y + line, l->label_w + col * l->cell_w, l, &m->cells[c], cs.mean,
		    mark_of(&m->cells[c], c, hi, lo, t->cell_temps));
	}
	if (spread_x + l->spread_w <= cols)
		draw_spread(t, y, spread_x, l, m);
}

static void
draw_head(struct tui *t, int y, const struct grid_layout *l)
{
	int c;

	tui_role(t, TR_HEAD);
	tui_text(y, 0, 3, "  #");
	if (l->format == GF_DEVIATION)
		tui_text(y, 5, 4, "mean");
	for (c = 0; c < l->per_line; c++)
		tui_printf(y, l->label_w + c * l->cell_w + l->gap, l->value_w, "%*d", l->value_w, c + 1);
	tui_text_right(y, l->label_w + l->per_line * l->cell_w, l->spread_w,
	    t->cell_temps ? "range" : "spread");
	attrset(A_NORMAL);
}

static const char *
format_title(const struct grid_layout *l)
{
	switch (l->format) {
	case GF_VOLTS: return "Cell voltages (V)";
	case GF_MILLIVOLTS: return "Cell voltages (mV)";
	case GF_DEVIATION: return "Cells: mV from module mean";
	default: return "Cell temperatures (C)";
	}
}

static void
draw_title(struct tui *t, int y, int cols, const struct grid_layout *l)
{
	int x = 1;

	tui_role(t, TR_TITLE);
	x += tui_text(y, x, cols - x, format_title(l)) + 3;
	attrset(A_NORMAL);
	if (t->old) {		/* since when matters more than the legend */
		char buf[96];

		tui_old_text(t, buf, sizeof buf);
		tui_role(t, TR_WARN);
		tui_text(y, x, cols - x, buf);
		attrset(A_NORMAL);
		return;
	}
	tui_glyph(t, y, x, G_UP);
	x += tui_text(y, x + 1, cols - x - 1, " highest") + 3;
	tui_glyph(t, y, x, G_DOWN);
	x += tui_text(y, x + 1, cols - x - 1, " lowest") + 3;
	if (!t->cell_temps) {
		tui_glyph(t, y, x, G_BALANCE);
		x += tui_text(y, x + 1, cols - x - 1, " balancing") + 3;
	}
	tui_role(t, TR_DIM);
	tui_text(y, x, cols - x, t->cell_temps ? "t: voltages" :
	    "t: temperatures  d: format  w: weakest");
	attrset(A_NORMAL);
}

void
view_cells(struct tui *t, int top, int rows, int cols)
{
	const struct pt_sample *s = t->sample;
	struct grid_need need;
	struct grid_layout l;
	int y, k, first, visible;

	if (!t->have_sample || s->n_modules == 0) {
		tui_title(t, top, 1, cols - 2, "Cells");
		tui_role(t, TR_DIM);
		tui_text(top + 2, 2, cols - 2, "no cell data yet");
		attrset(A_NORMAL);
		return;
	}
	measure(t, cols, rows - 2, &need);
	if (!layout_grid(&need, &l)) {
		tui_text(top, 1, cols - 1, "too narrow for the cell grid");
		return;
	}
	draw_title(t, top, cols, &l);
	draw_head(t, top + 1, &l);
	/* When not all fit, keep a line for "modules 3-8 of 16". */
	visible = (rows - 2 - (l.fits ? 0 : 1)) / l.lines_per_module;
	if (visible < 1)
		visible = 1;
	first = tui_clamp_scroll(t, TV_CELLS, s->n_modules - visible);
	y = top + 2;
	for (k = first; k < s->n_modules && k < first + visible; k++) {
		draw_module(t, y, cols, &l, &s->modules[k]);
		if (t->old)
			tui_dim(y, 1, l.lines_per_module, cols - 1);
		y += l.lines_per_module;
	}
	if (first > 0 || k < s->n_modules) {
		tui_role(t, TR_DIM);
		tui_printf(y, 1, cols - 1, "modules %d-%d of %d shown (Up/Down, PgUp/PgDn)",
		    s->modules[first].id, s->modules[k - 1].id, s->n_modules);
		attrset(A_NORMAL);
	}
}
