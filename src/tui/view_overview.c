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

/* Columns of the module table; the last ones only on wide terminals. */
struct column {
	const char	*head;
	int		 width;		/* including the leading blank */
	int		 min_cols;	/* shown from this terminal width on */
};

enum { COL_ID, COL_V, COL_I, COL_SOC, COL_TMIN, COL_TMAX, COL_VMIN, COL_VMAX, COL_SPREAD,
	COL_STATUS, COL_CYCLES, COL_SOH, COL_COUNT };

static const struct column columns[COL_COUNT] = {
	[COL_ID]	= { "  #", 3, 0 },
	[COL_V]		= { "Volt V", 9, 0 },
	[COL_I]		= { "Curr A", 8, 0 },
	[COL_SOC]	= { "SOC", 5, 0 },
	[COL_TMIN]	= { "Tmin", 6, 0 },
	[COL_TMAX]	= { "Tmax", 6, 0 },
	[COL_VMIN]	= { "Vmin", 7, 0 },
	[COL_VMAX]	= { "Vmax", 7, 0 },
	[COL_SPREAD]	= { "dmV", 5, 0 },
	[COL_STATUS]	= { "Status", 11, 0 },
	[COL_CYCLES]	= { "Cycles", 7, 110 },
	[COL_SOH]	= { "SOH", 5, 110 },
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
		if (c == COL_ID || c == COL_STATUS)
			tui_printf(y, x, columns[c].width, c == COL_ID ? "%s" : " %s", columns[c].head);
		else
			tui_text_right(y, x, columns[c].width, columns[c].head);
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

/* One numeric cell of the table, right-aligned, in a role. */
static void
field(struct tui *t, int y, int x, int col, enum tui_role r, const char *text)
{
	tui_role(t, r);
	tui_text_right(y, x, columns[col].width, text);
	attrset(A_NORMAL);
}

/* Marks of the stack's weak spots on one module row (index k). */
struct row_marks {
	bool	weak, lowest, highest, spread;
};

static void
module_row(struct tui *t, int y, int cols, const struct pt_module *m, const struct row_marks *mk)
{
	const struct alarm_config *ac = limits(t);
	struct pt_cell_stats cs;
	char buf[40];
	int x = 1, bx;
	enum tui_role r;

	pt_module_cell_stats(m, &cs);
	if (t->old)
		tui_text(y, 0, 1, TUI_OLD_MARK);
	tui_printf(y, x, columns[COL_ID].width, "%3d", m->id);
	if (mk->weak) {
		tui_role(t, TR_WARN);
		tui_text(y, x, 1, ">");
		attrset(A_NORMAL);
	}
	x += columns[COL_ID].width;
	tui_num(buf, sizeof buf, m->valid, PTF_VOLTAGE, m->voltage, 3);
	field(t, y, x, COL_V, TR_NORMAL, buf);
	x += columns[COL_V].width;
	if (PT_HAS(m, PTF_CURRENT))
		snprintf(buf, sizeof buf, "%+.2f", m->current);
	else
		snprintf(buf, sizeof buf, "-");
	field(t, y, x, COL_I, TR_NORMAL, buf);
	x += columns[COL_I].width;
	if (PT_HAS(m, PTF_SOC))
		snprintf(buf, sizeof buf, "%.0f%%", m->soc);
	else
		snprintf(buf, sizeof buf, "-");
	field(t, y, x, COL_SOC, PT_HAS(m, PTF_SOC) ? tui_band_role(alarm_band_soc(ac, m->soc),
	    TR_NORMAL) : TR_NORMAL, buf);
	x += columns[COL_SOC].width;
	tui_num(buf, sizeof buf, m->valid, PTF_TEMP_MIN, m->temp_min, 1);
	field(t, y, x, COL_TMIN, PT_HAS(m, PTF_TEMP_MIN) ?
	    tui_band_role(alarm_band_temperature(ac, m->temp_min), TR_NORMAL) : TR_NORMAL, buf);
	x += columns[COL_TMIN].width;
	tui_num(buf, sizeof buf, m->valid, PTF_TEMP_MAX, m->temp_max, 1);
	field(t, y, x, COL_TMAX, PT_HAS(m, PTF_TEMP_MAX) ?
	    tui_band_role(alarm_band_temperature(ac, m->temp_max), TR_NORMAL) : TR_NORMAL, buf);
	x += columns[COL_TMAX].width;
	tui_num(buf, sizeof buf, cs.count > 0 ? 1 : 0, 1, cs.min, 3);
	field(t, y, x, COL_VMIN, cs.count > 0 ? tui_band_role(alarm_band_cell_voltage(ac, cs.min,
	    cs.mean), TR_NORMAL) : TR_NORMAL, buf);
	x += columns[COL_VMIN].width;
	tui_num(buf, sizeof buf, cs.count > 0 ? 1 : 0, 1, cs.max, 3);
	field(t, y, x, COL_VMAX, cs.count > 0 ? tui_band_role(alarm_band_cell_voltage(ac, cs.max,
	    cs.mean), TR_NORMAL) : TR_NORMAL, buf);
	if (mk->lowest)		/* in the blank that leads the next column */
		tui_glyph(t, y, x, G_DOWN);
	x += columns[COL_VMAX].width;
	tui_num(buf, sizeof buf, cs.count > 1 ? 1 : 0, 1, cs.spread * 1000, 0);
	r = cs.count < 2 ? TR_NORMAL : tui_band_role(alarm_band_spread(ac, cs.spread), TR_NORMAL);
	field(t, y, x, COL_SPREAD, r, buf);
	if (mk->highest)
		tui_glyph(t, y, x, G_UP);
	x += columns[COL_SPREAD].width;
	tui_role(t, m->status[0] == '\0' || pt_status_is_normal(m->status) ? TR_NORMAL : TR_WARN);
	tui_printf(y, x, columns[COL_STATUS].width, " %-10s", m->status[0] ? m->status : "-");
	attrset(A_NORMAL);
	if (mk->spread)		/* in the blank that leads the status */
		tui_text(y, x, 1, "<");
	x += columns[COL_STATUS].width;
	if (cols >= columns[COL_CYCLES].min_cols) {
		tui_num(buf, sizeof buf, m->valid, PTF_CYCLES, (double)m->cycles, 0);
		field(t, y, x, COL_CYCLES, TR_NORMAL, buf);
		x += columns[COL_CYCLES].width;
		if (PT_HAS(m, PTF_SOH))
			snprintf(buf, sizeof buf, "%.0f%%", m->soh);
		else
			snprintf(buf, sizeof buf, "-");
		field(t, y, x, COL_SOH, TR_NORMAL, buf);
		x += columns[COL_SOH].width;
	}
	bx = x + 1;
	if (cols - bx >= 4)
		tui_text_tail(t, y, bx, (int)strlen(m->barcode) < cols - bx ?
		    (int)strlen(m->barcode) : cols - bx - 1, m->barcode[0] ? m->barcode : "-");
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
		struct row_marks mk = {
			.weak = have_w && k == w.weak_mod, .lowest = have_w && k == w.lo_mod,
			.highest = have_w && k == w.hi_mod, .spread = have_w && k == w.spread_mod,
		};

		if (y == bottom - 1 && k + 1 < n) {
			tui_role(t, TR_DIM);
			tui_printf(y++, 2, cols - 2, "%d more below (Down, PgDn)", n - k);
			attrset(A_NORMAL);
			break;
		}
		module_row(t, y++, cols, &s->modules[k], &mk);
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
