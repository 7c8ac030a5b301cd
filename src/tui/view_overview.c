/* view_overview.c — the default view: the stack in two lines, a table of
 * modules, the link and the two outputs.  When the modules do not fit,
 * the section titles go first and CSV/MQTT share a line (16 modules fit
 * 80 x 24); after that the table scrolls.  Rows left over go, in this
 * order, to a long link message (wrapped, its hint kept), the weakest
 * cell, sparklines of stack power and cell spread, and a heat strip of
 * every module's cells — what a technician looks at next.
 *
 * The weak cell is marked without reading numbers: the lowest and
 * highest cell of the stack carry a down / up mark after their module's
 * Vmin / Vmax, the biggest spread a '<' after dmV, and the module of the
 * weakest cell (farthest from its module mean) a '>' before its id.
 * Colours are the alarm bands (core/alarms.h), never thresholds of ours.
 * Old data (t->old) is dimmed and marked '~' at the left of each line. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "util/clock.h"

/* Marks of the stack's weak spots, each in the blank that leads a column
 * of its module's row: the weakest cell's module ('>' before the id), the
 * lowest and highest cell (after Vmin / Vmax) and the biggest spread
 * (after dmV). */
enum { MARK_NONE, MARK_WEAK, MARK_LOWEST, MARK_HIGHEST, MARK_SPREAD, MARK_COUNT };

static const struct mark {
	const char	*text;		/* NULL: the glyph */
	enum tui_glyph	 glyph;
	bool		 warn;
} marks[MARK_COUNT] = {
	[MARK_WEAK]	= { .text = ">", .warn = true },
	[MARK_LOWEST]	= { .glyph = G_DOWN },
	[MARK_HIGHEST]	= { .glyph = G_UP },
	[MARK_SPREAD]	= { .text = "<" },
};

enum column_align {
	ALIGN_RIGHT,		/* a number, in its role */
	ALIGN_LEFT,		/* a word, in its role */
	ALIGN_PLAIN,		/* as formatted, in the row's normal attribute */
};

/* Columns of the module table; the last ones only on wide terminals.  A
 * number is `fmt` of column_value(), "-" when unknown, in the colour of
 * its alarm band (column_band()). */
struct column {
	const char	*head;
	int		 width;		/* including the leading blank */
	int		 min_cols;	/* shown from this terminal width on */
	const char	*fmt;
	enum column_align align;
	int		 mark;		/* MARK_*, drawn over the leading blank */
};

enum { COL_ID, COL_V, COL_I, COL_SOC, COL_TMIN, COL_TMAX, COL_VMIN, COL_VMAX, COL_SPREAD,
	COL_STATUS, COL_CYCLES, COL_SOH, COL_COUNT };

static const struct column columns[COL_COUNT] = {
	[COL_ID]	= { .head = "  #", .width = 3, .align = ALIGN_PLAIN, .mark = MARK_WEAK },
	[COL_V]		= { .head = "Volt V", .width = 9, .fmt = "%.3f" },
	[COL_I]		= { .head = "Curr A", .width = 8, .fmt = "%+.2f" },
	[COL_SOC]	= { .head = "SOC", .width = 5, .fmt = "%.0f%%" },
	[COL_TMIN]	= { .head = "Tmin", .width = 6, .fmt = "%.1f" },
	[COL_TMAX]	= { .head = "Tmax", .width = 6, .fmt = "%.1f" },
	[COL_VMIN]	= { .head = "Vmin", .width = 7, .fmt = "%.3f" },
	[COL_VMAX]	= { .head = "Vmax", .width = 7, .fmt = "%.3f", .mark = MARK_LOWEST },
	[COL_SPREAD]	= { .head = "dmV", .width = 5, .fmt = "%.0f", .mark = MARK_HIGHEST },
	[COL_STATUS]	= { .head = "Status", .width = 11, .align = ALIGN_LEFT,
			    .mark = MARK_SPREAD },
	[COL_CYCLES]	= { .head = "Cycles", .width = 7, .min_cols = 110, .fmt = "%.0f" },
	[COL_SOH]	= { .head = "SOH", .width = 5, .min_cols = 110, .fmt = "%.0f%%" },
};

static const struct alarm_config *
limits(struct tui *t)
{
	return &monitor_config(t->m)->alarms;
}

static void
stack_lines(struct tui *t, int y, int cols, const struct weakest *w, bool have_w)
{
	const struct pt_stack *st = &t->sample->stack;
	const struct pt_module *mods = t->sample->modules;
	char v[16], i[16], p[16], a[16], b[16], c[32], d[32], buf[160];
	int x = 2, bar_x;

	tui_num(v, sizeof v, st->valid, PTF_VOLTAGE, st->voltage, 3);
	tui_num(i, sizeof i, st->valid, PTF_CURRENT, st->current, 2);
	tui_num(p, sizeof p, st->valid, PTF_POWER, st->power, 0);
	attron(A_BOLD);
	x += tui_printf(y, x, cols - x, "%s V", v) + 3;
	attroff(A_BOLD);
	x += tui_printf(y, x, cols - x, "%s%s A", PT_HAS(st, PTF_CURRENT) && st->current > 0 ?
	    "+" : "", i) + 3;
	x += tui_printf(y, x, cols - x, "%s%s W", PT_HAS(st, PTF_POWER) && st->power > 0 ?
	    "+" : "", p) + 3;
	tui_role(t, st->status[0] == '\0' || pt_status_is_normal(st->status) ? TR_NORMAL : TR_WARN);
	x += tui_text(y, x, cols - x, st->status[0] ? st->status : "-") + 3;
	attrset(A_NORMAL);
	bar_x = x > 46 ? x : 46;
	if (PT_HAS(st, PTF_SOC)) {
		enum alarm_band band = alarm_band_soc(limits(t), st->soc);

		tui_role(t, band >= BAND_ALARM ? TR_BAD : TR_NORMAL);
		bar_x += tui_printf(y, bar_x, cols - bar_x, "SOC %3.0f%% ", st->soc);
		attrset(A_NORMAL);
		if (cols - bar_x - 1 >= 8)
			tui_bar(t, y, bar_x, cols - bar_x - 1 > 52 ? 52 : cols - bar_x - 1, st->soc / 100.0,
			    tui_band_role(band, TR_BAR));
	} else
		tui_text(y, bar_x, cols - bar_x, "SOC -");
	y++;
	tui_num(a, sizeof a, st->valid, PTF_TEMP_MIN, st->temp_min, 1);
	tui_num(b, sizeof b, st->valid, PTF_TEMP_MAX, st->temp_max, 1);
	tui_num(c, sizeof c, st->valid, PTF_CELL_VMIN, st->cell_vmin, 3);
	tui_num(d, sizeof d, st->valid, PTF_CELL_VMAX, st->cell_vmax, 3);
	/* Where the extremes are: [module/cell], as the device numbers them. */
	if (have_w && PT_HAS(st, PTF_CELL_VMIN))
		snprintf(c + strlen(c), sizeof c - strlen(c), " [%d/%d]", mods[w->lo_mod].id,
		    w->lo_cell + 1);
	if (have_w && PT_HAS(st, PTF_CELL_VMAX))
		snprintf(d + strlen(d), sizeof d - strlen(d), " [%d/%d]", mods[w->hi_mod].id,
		    w->hi_cell + 1);
	x = 2;
	x += tui_printf(y, x, cols - x, "Temp %s .. %s C", a, b) + 3;
	x += tui_printf(y, x, cols - x, "Cells %s .. %s V", c, d);
	if (PT_HAS(st, PTF_CELL_VMIN) && PT_HAS(st, PTF_CELL_VMAX))
		x += tui_printf(y, x, cols - x, " (%.0f mV)", (st->cell_vmax - st->cell_vmin) * 1000);
	x += 3;
	tui_num(a, sizeof a, st->valid, PTF_CYCLES, (double)st->cycles, 0);
	x += tui_printf(y, x, cols - x, "Cycles %s", a) + 3;
	if (PT_HAS(st, PTF_SOH))
		x += tui_printf(y, x, cols - x, "SOH %.0f%%", st->soh) + 3;
	snprintf(buf, sizeof buf, "%d module%s", t->sample->n_modules,
	    t->sample->n_modules == 1 ? "" : "s");
	x += tui_text(y, x, cols - x, buf) + 3;
	if (st->model[0] != '\0')
		tui_text(y, x, cols - x, st->model);
}

/* The heading; "3 above" where "Barcode" would be when scrolled. */
static int
table_head(struct tui *t, int y, int cols, int above)
{
	int c, x = 1;

	tui_role(t, TR_HEAD);
	for (c = 0; c < COL_COUNT; c++) {
		if (cols < columns[c].min_cols)
			continue;
		if (columns[c].align == ALIGN_RIGHT)
			tui_text_right(y, x, columns[c].width, columns[c].head);
		else	/* a word starts after the leading blank, as in the rows */
			tui_printf(y, x, columns[c].width, columns[c].align == ALIGN_LEFT ? " %s" :
			    "%s", columns[c].head);
		x += columns[c].width;
	}
	if (above > 0) {
		tui_role(t, TR_WARN);
		tui_printf(y, x + 1, cols - x - 1, "%d above (Up, PgUp)", above);
	} else if (cols - x > 8)
		tui_text(y, x + 1, cols - x - 1, "Barcode");
	attrset(A_NORMAL);
	return x;
}

/* What a row shows of one module. */
struct row {
	const struct alarm_config	*limits;
	const struct pt_module		*m;
	struct pt_cell_stats		 cs;
	bool				 mark[MARK_COUNT];
};

/* A module's number in a column; false when unknown. */
static bool
column_value(int col, const struct row *r, double *v)
{
	const struct pt_module *m = r->m;
	bool known = false;

	switch (col) {
	case COL_V: *v = m->voltage, known = PT_HAS(m, PTF_VOLTAGE); break;
	case COL_I: *v = m->current, known = PT_HAS(m, PTF_CURRENT); break;
	case COL_SOC: *v = m->soc, known = PT_HAS(m, PTF_SOC); break;
	case COL_TMIN: *v = m->temp_min, known = PT_HAS(m, PTF_TEMP_MIN); break;
	case COL_TMAX: *v = m->temp_max, known = PT_HAS(m, PTF_TEMP_MAX); break;
	case COL_VMIN: *v = r->cs.min, known = r->cs.count > 0; break;
	case COL_VMAX: *v = r->cs.max, known = r->cs.count > 0; break;
	case COL_SPREAD: *v = r->cs.spread * 1000, known = r->cs.count > 1; break;
	case COL_CYCLES: *v = (double)m->cycles, known = PT_HAS(m, PTF_CYCLES); break;
	case COL_SOH: *v = m->soh, known = PT_HAS(m, PTF_SOH); break;
	}
	return known && isfinite(*v);
}

/* The alarm band of a known number (the alarm engine's, core/alarms.h). */
static enum alarm_band
column_band(int col, const struct row *r, double v)
{
	switch (col) {
	case COL_SOC: return alarm_band_soc(r->limits, v);
	case COL_TMIN: case COL_TMAX: return alarm_band_temperature(r->limits, v);
	case COL_VMIN: case COL_VMAX: return alarm_band_cell_voltage(r->limits, v, r->cs.mean);
	case COL_SPREAD: return alarm_band_spread(r->limits, r->cs.spread);
	}
	return BAND_NORMAL;
}

/* A column's text for a row, and its role. */
static enum tui_role
column_text(int col, const struct row *r, char *buf, size_t size)
{
	const char *status = r->m->status;
	double v;

	switch (col) {
	case COL_ID:
		snprintf(buf, size, "%3d", r->m->id);
		return TR_NORMAL;
	case COL_STATUS:
		snprintf(buf, size, " %-10s", status[0] ? status : "-");
		return status[0] == '\0' || pt_status_is_normal(status) ? TR_NORMAL : TR_WARN;
	}
	if (!column_value(col, r, &v)) {
		snprintf(buf, size, "-");
		return TR_NORMAL;
	}
	snprintf(buf, size, columns[col].fmt, v);
	return tui_band_role(column_band(col, r, v), TR_NORMAL);
}

static void
column_mark(struct tui *t, int y, int x, const struct mark *mk)
{
	if (mk->warn)
		tui_role(t, TR_WARN);
	if (mk->text != NULL)
		tui_text(y, x, 1, mk->text);
	else
		tui_glyph(t, y, x, mk->glyph);
	attrset(A_NORMAL);
}

/* One module's row: its columns, then the barcode in what is left. */
static void
module_row(struct tui *t, int y, int cols, const struct row *r)
{
	char buf[40];
	int c, x = 1, bx;

	if (t->old)
		tui_text(y, 0, 1, TUI_OLD_MARK);
	for (c = 0; c < COL_COUNT; c++) {
		const struct column *col = &columns[c];
		enum tui_role role;

		if (cols < col->min_cols)
			continue;
		role = column_text(c, r, buf, sizeof buf);
		if (col->align != ALIGN_PLAIN)
			tui_role(t, role);
		if (col->align == ALIGN_RIGHT)
			tui_text_right(y, x, col->width, buf);
		else
			tui_text(y, x, col->width, buf);
		attrset(A_NORMAL);
		if (col->mark != MARK_NONE && r->mark[col->mark])
			column_mark(t, y, x, &marks[col->mark]);
		x += col->width;
	}
	bx = x + 1;
	if (cols - bx >= 4)
		tui_text_tail(t, y, bx, (int)strlen(r->m->barcode) < cols - bx ?
		    (int)strlen(r->m->barcode) : cols - bx - 1, r->m->barcode[0] ? r->m->barcode : "-");
}

static void
sink_line(struct tui *t, int y, int x, int width, const char *name,
    const struct sink_status *st)
{
	enum tui_role r = st->state == SINK_OK ? TR_GOOD : st->state == SINK_ERROR ? TR_BAD :
	    st->state == SINK_CONNECTING ? TR_WARN : TR_DIM;
	const char *state = sink_state_name(st->state), *text = st->text;
	size_t len = strlen(state);
	int n;

	/* The sinks' texts often start with the state word: say it once. */
	if (strncmp(text, state, len) == 0 && (text[len] == ' ' || text[len] == ':'))
		text += len + 1;
	while (*text == ' ')
		text++;
	attron(A_BOLD);
	n = tui_text(y, x, width, name) + 1;
	attroff(A_BOLD);
	tui_role(t, r);
	n += tui_text(y, x + n, width - n, state) + 1;
	attrset(A_NORMAL);
	if (st->state != SINK_OFF && (st->written > 0 || st->dropped > 0 || st->queued > 0))
		tui_printf(y, x + n, width - n, "%s (%llu written, %llu queued, %llu dropped)",
		    text, (unsigned long long)st->written, (unsigned long long)st->queued,
		    (unsigned long long)st->dropped);
	else
		tui_text(y, x + n, width - n, text);
}

static void
prefix_age(const struct link_stats *ls, bool stale, char *buf, size_t size)
{
	char age[32];

	buf[0] = '\0';
	if (ls->last_sample_ms <= 0)
		return;
	tui_age_text(age, sizeof age, clock_wall_ms() - ls->last_sample_ms);
	snprintf(buf, size, stale ? "STALE, last sample %s ago" : "last sample %s ago", age);
}

/* Columns of the link line before its message (as link_lines draws). */
static int
link_prefix_width(struct tui *t, const struct link_stats *ls, int cols)
{
	char age[64];
	int dev = (int)strlen(ls->device[0] ? ls->device : "-");

	(void)t;
	prefix_age(ls, tui_is_stale(ls, clock_wall_ms()), age, sizeof age);
	return 2 + (int)strlen(ls->kind[0] ? ls->kind : "link") + 1 + (dev < cols / 3 ? dev :
	    cols / 3) + 2 + (int)(strlen(ls->protocol[0] ? ls->protocol : "?") +
	    (ls->dialect[0] ? 1 + strlen(ls->dialect) : 0)) + 2 +
	    (int)strlen(link_state_name(ls->state)) + 2 + (age[0] ? (int)strlen(age) + 2 : 0);
}

/* The link: kind, device, protocol, state, age, then its message —
 * wrapped over `msg_lines` lines (the first one after the state), the
 * hint kept when even that is too short. */
static int
link_lines(struct tui *t, int y, int cols, bool merge_sinks, int msg_lines, bool counters)
{
	struct link_stats ls;
	struct sink_status mq, csv;
	char age[64];
	bool stale;
	int x = 2, y0 = y;

	monitor_link_stats(t->m, &ls);
	stale = tui_is_stale(&ls, clock_wall_ms());
	x += tui_printf(y, x, cols - x, "%s ", ls.kind[0] ? ls.kind : "link");
	x += tui_text_tail(t, y, x, (int)strlen(ls.device) < cols / 3 ? (int)strlen(ls.device) :
	    cols / 3, ls.device[0] ? ls.device : "-") + 2;
	x += tui_printf(y, x, cols - x, "%s%s%s", ls.protocol[0] ? ls.protocol : "?",
	    ls.dialect[0] ? "/" : "", ls.dialect) + 2;
	/* Never green while the samples are old. */
	tui_role(t, ls.state == LINK_POLLING && !stale ? TR_GOOD : TR_WARN);
	x += tui_text(y, x, cols - x, link_state_name(ls.state)) + 2;
	attrset(A_NORMAL);
	prefix_age(&ls, stale, age, sizeof age);
	if (age[0] != '\0') {
		tui_role(t, stale ? TR_WARN : TR_NORMAL);
		x += tui_text(y, x, cols - x, age) + 2;
		attrset(A_NORMAL);
	}
	if (x > cols - 20 && msg_lines > 1) {	/* no room left on the first line */
		y++;
		msg_lines--;
		x = 4;
	}
	y += tui_wrap(y, x, cols - x, 4, cols - 5, msg_lines, ls.message);
	if (counters)
		tui_printf(y++, 2, cols - 2, "samples %llu  timeouts %llu  unreadable %llu"
		    "  checksum %llu  refused %llu  reconnects %llu",
		    (unsigned long long)ls.samples, (unsigned long long)ls.timeouts,
		    (unsigned long long)ls.parse_errors, (unsigned long long)ls.checksum_errors,
		    (unsigned long long)ls.device_errors, (unsigned long long)ls.reconnects);
	monitor_sink_status(t->m, SINK_CSV, &csv);
	monitor_sink_status(t->m, SINK_MQTT, &mq);
	if (merge_sinks) {
		sink_line(t, y, 2, cols / 2 - 3, "CSV", &csv);
		sink_line(t, y, cols / 2, cols - cols / 2, "MQTT", &mq);
	} else {
		sink_line(t, y++, 2, cols - 2, "CSV ", &csv);
		if (!monitor_has_sink(t->m, SINK_MQTT) && mq.state == SINK_OFF)
			snprintf(mq.text, sizeof mq.text, "no broker configured (MQTT_BROKER or --mqtt)");
		sink_line(t, y, 2, cols - 2, "MQTT", &mq);
	}
	return y - y0 + 1;
}

/* Lines the link message wants: after the prefix on the first line,
 * then whole lines (as link_lines draws it). */
static int
message_lines(struct tui *t, int cols)
{
	static char lines[TUI_MESSAGE_LINES * 4][LAYOUT_LINE_MAX];
	struct link_stats ls;
	int x;

	monitor_link_stats(t->m, &ls);
	x = link_prefix_width(t, &ls, cols);
	if (x > cols - 20)
		return 1 + layout_wrap(ls.message, cols - 5, cols - 5, TUI_MESSAGE_LINES, lines);
	return layout_wrap(ls.message, cols - x, cols - 5, TUI_MESSAGE_LINES, lines);
}

static bool
message_has_hint(struct tui *t)
{
	struct link_stats ls;

	monitor_link_stats(t->m, &ls);
	return layout_hint(ls.message) >= 0;
}

/* "Weakest: module 3 cell 7 (-45 mV from its mean) ..." */
static void
weakest_line(struct tui *t, int y, int cols, const struct weakest *w)
{
	const struct pt_module *m = t->sample->modules;
	const struct pt_cell *c = &m[w->weak_mod].cells[w->weak_cell];
	int x = 2;

	tui_role(t, TR_HEAD);
	x += tui_text(y, x, cols - x, "Weakest:") + 1;
	tui_role(t, tui_band_role(alarm_band_cell_voltage(limits(t), c->voltage,
	    c->voltage - w->weak_dev), TR_NORMAL));
	x += tui_printf(y, x, cols - x, "module %d cell %d, %.3f V, %+.0f mV from its mean",
	    m[w->weak_mod].id, w->weak_cell + 1, c->voltage, w->weak_dev * 1000) + 3;
	attrset(A_NORMAL);
	if (cols - x > 40)
		x += tui_printf(y, x, cols - x, "biggest spread: module %d, %.0f mV",
		    m[w->spread_mod].id, w->spread * 1000) + 3;
	tui_role(t, TR_DIM);
	tui_text(y, x, cols - x, "w: chart");
	attrset(A_NORMAL);
}

/* Eight levels: block eighths in UTF-8, an ASCII ramp otherwise. */
static void
level_glyph(struct tui *t, int y, int x, int level)
{
	static const char *const blocks[8] = {
		"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
		"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
	};
	static const char ramp[] = "_.,-=+*@";

	level = level < 0 ? 0 : level > 7 ? 7 : level;
	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (t->glyphs == TG_UTF8)
		mvaddstr(y, x, blocks[level]);
	else
		mvaddch(y, x, (chtype)(unsigned char)ramp[level]);
}

/* A sparkline of a stack series at seconds resolution: one column per
 * second, gaps blank, scaled to its own min..max. */
static void
sparkline(struct tui *t, int y, int cols, enum hist_metric metric, const char *label)
{
	int x = 2, w, i;
	double lo = INFINITY, hi = -INFINITY, last = NAN, scale;
	size_t n;
	bool mv = metric == HM_STACK_CELL_SPREAD;

	tui_role(t, TR_HEAD);
	x += tui_printf(y, x, cols - x, "%-7s", label) + 1;
	attrset(A_NORMAL);
	w = cols - x - 24;
	if (w < 8)
		return;
	n = history_series(monitor_history(t->m), HIST_SECONDS, metric, 0, 0, t->data_ms,
	    t->points, (size_t)w);
	for (i = 0; i < (int)n; i++)
		if (t->points[i].valid) {
			lo = fmin(lo, t->points[i].avg);
			hi = fmax(hi, t->points[i].avg);
			last = t->points[i].avg;
		}
	if (!isfinite(lo)) {
		tui_role(t, TR_DIM);
		tui_text(y, x, cols - x, "no history yet");
		attrset(A_NORMAL);
		return;
	}
	scale = hi > lo ? 7.0 / (hi - lo) : 0;
	tui_role(t, TR_CHART);
	for (i = 0; i < (int)n; i++)
		if (t->points[i].valid)
			level_glyph(t, y, x + w - (int)n + i, hi > lo ?
			    (int)lround((t->points[i].avg - lo) * scale) : 3);
	attrset(A_NORMAL);
	x += w + 1;
	/* Whole units; lround so that -0.4 W is "0", not "-0". */
	tui_printf(y, x, cols - x, "%s%ld %s (%ld..%ld)", !mv && lround(last) > 0 ? "+" : "",
	    lround(last), history_metric_unit(metric), lround(lo), lround(hi));
}

/* Every module's cells in a strip: height = the cell's place between the
 * stack's lowest and highest cell, colour (and bold/underline/inverse
 * without colours) = its alarm band.  As many strips per line as fit. */
static int
heat_strips(struct tui *t, int y, int rows, int cols, const struct weakest *w)
{
	const struct pt_sample *s = t->sample;
	const struct alarm_config *ac = limits(t);
	int k, c, per_line, strip_w = 0, lines, x;
	double range = w->hi_v - w->lo_v;

	for (k = 0; k < s->n_modules; k++)
		if (s->modules[k].n_cells > strip_w)
			strip_w = s->modules[k].n_cells;
	strip_w += 6;		/* "%3d " and 2 blanks */
	per_line = (cols - 2) / strip_w;
	if (per_line < 1)
		return 0;
	lines = (s->n_modules + per_line - 1) / per_line;
	if (lines > rows)
		return 0;
	for (k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];
		struct pt_cell_stats cs;
		int row = y + k / per_line;

		x = 2 + (k % per_line) * strip_w;
		pt_module_cell_stats(m, &cs);
		tui_role(t, TR_DIM);
		tui_printf(row, x, 4, "%3d", m->id);
		attrset(A_NORMAL);
		for (c = 0; c < m->n_cells && c < PT_MAX_CELLS; c++) {
			const struct pt_cell *cell = &m->cells[c];

			if (!PT_HAS(cell, PTF_VOLTAGE)) {
				tui_text(row, x + 4 + c, 1, " ");
				continue;
			}
			tui_role(t, tui_band_role(alarm_band_cell_voltage(ac, cell->voltage, cs.mean),
			    TR_GOOD));
			level_glyph(t, row, x + 4 + c, range > 0 ?
			    (int)lround((cell->voltage - w->lo_v) / range * 7) : 3);
			attrset(A_NORMAL);
		}
	}
	return lines;
}

/* Rows the table leaves free, given to what a technician looks at next. */
static void
fill(struct tui *t, int y, int rows, int cols, const struct weakest *w, bool have_w)
{
	int used;

	if (!have_w || rows < 1)
		return;
	weakest_line(t, y++, cols, w);
	rows--;
	if (rows >= 3) {
		y++;
		sparkline(t, y++, cols, HM_STACK_POWER, "Power");
		sparkline(t, y++, cols, HM_STACK_CELL_SPREAD, "Spread");
		rows -= 3;
	}
	if (rows >= 3) {
		tui_role(t, TR_HEAD);
		tui_text(++y, 2, cols - 2, "Cells, lowest to highest of the stack");
		attrset(A_NORMAL);
		used = heat_strips(t, y + 1, rows - 2, cols, w);
		if (used == 0)
			tui_blank(y, 2, cols - 2);
	}
}

void
view_overview(struct tui *t, int top, int rows, int cols)
{
	const struct pt_sample *s = t->sample;
	int y = top, n = t->have_sample ? s->n_modules : 0, want, room, first, k, bottom;
	int msg, extra, table_top;
	struct weakest w;
	bool titles, merge, counters = true, have_w = tui_weakest(t, &w);

	/* Rows: stack 2, table head 1, link 2, outputs 2 (or 1), titles 3. */
	want = 2 + 1 + n + 4 + 3;
	titles = want <= rows;
	merge = !titles && want - 3 > rows;
	/* A long link message takes free rows first: its hint must show. */
	msg = message_lines(t, cols);
	extra = rows - want > 0 ? rows - want : 0;
	if (msg > 1 && extra == 0 && message_has_hint(t)) {
		/* No row to spare: what to do matters more than the counters. */
		counters = false;
		msg = 2;
	} else if (msg - 1 > extra)
		msg = extra + 1;
	bottom = top + rows - (merge ? 3 : 4) - (titles ? 1 : 0) - (msg - 1) + (counters ? 0 : 1);
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Stack");
	if (titles && t->old) {
		char buf[96];

		tui_old_text(t, buf, sizeof buf);
		tui_role(t, TR_WARN);
		tui_text(y - 1, 10, cols - 12, buf);
		attrset(A_NORMAL);
	}
	if (!t->have_sample) {
		struct link_stats ls;
		char age[32];

		/* Until a sample lands, why it has not is the news, and how
		 * long the current step takes. */
		monitor_link_stats(t->m, &ls);
		tui_role(t, TR_DIM);
		tui_text(y, 2, cols - 2, "waiting for the first complete sample...");
		if (ls.state_since_ms > 0) {
			tui_age_text(age, sizeof age, clock_wall_ms() - ls.state_since_ms);
			tui_printf(y, 44, cols - 44, "%s for %s", link_state_name(ls.state), age);
		}
		if (ls.progress[0] != '\0' && (ls.state == LINK_IDENTIFYING || ls.state == LINK_POLLING))
			tui_printf(++y, 2, cols - 4, "now: %s", ls.progress);
		tui_role(t, ls.state == LINK_WAITING ? TR_WARN : TR_NORMAL);
		y += 1 + tui_wrap(y + 1, 2, cols - 4, 2, cols - 4, bottom - y - 2 > TUI_MESSAGE_LINES ?
		    TUI_MESSAGE_LINES : bottom - y - 2 > 1 ? bottom - y - 2 : 1, ls.message);
		attrset(A_NORMAL);
	} else {
		stack_lines(t, y, cols, &w, have_w);
		if (t->old) {
			tui_dim(y, 1, 2, cols - 1);
			tui_text(y, 0, 1, TUI_OLD_MARK);
			tui_text(y + 1, 0, 1, TUI_OLD_MARK);
		}
		y += 2;
	}
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Modules");
	room = bottom - y - 1;
	first = tui_clamp_scroll(t, TV_OVERVIEW, n - room);
	table_head(t, y++, cols, first);
	table_top = y;
	for (k = first; k < n && y < bottom; k++) {
		struct row r = {
			.limits = limits(t), .m = &s->modules[k],
			.mark = {
				[MARK_WEAK] = have_w && k == w.weak_mod,
				[MARK_LOWEST] = have_w && k == w.lo_mod,
				[MARK_HIGHEST] = have_w && k == w.hi_mod,
				[MARK_SPREAD] = have_w && k == w.spread_mod,
			},
		};

		if (y == bottom - 1 && k + 1 < n) {
			tui_role(t, TR_DIM);
			tui_printf(y++, 2, cols - 2, "%d more below (Down, PgDn)", n - k);
			attrset(A_NORMAL);
			break;
		}
		pt_module_cell_stats(r.m, &r.cs);
		module_row(t, y++, cols, &r);
	}
	if (t->old)
		tui_dim(table_top, 1, y - table_top, cols - 1);
	if (first == 0 && k >= n && t->have_sample)
		fill(t, y + 1, bottom - y - 1, cols, &w, have_w);
	if (t->old && bottom - y > 1)
		tui_dim(y, 0, bottom - y, cols);
	y = bottom;
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Link and outputs");
	link_lines(t, y, cols, merge, msg, counters);
}
