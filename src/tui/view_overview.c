/* view_overview.c — the default view: the stack in two lines, a table of
 * modules, the link and the two outputs.  When the modules do not fit,
 * the section titles go first and CSV/MQTT share a line (16 modules fit
 * 80 x 24); after that the table scrolls. */
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
stack_lines(struct tui *t, int y, int cols)
{
	const struct pt_stack *st = &t->sample->stack;
	char v[16], i[16], p[16], a[16], b[16], c[16], d[16], buf[160];
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
		tui_role(t, st->soc < limits(t)->soc_low ? TR_BAD : TR_NORMAL);
		bar_x += tui_printf(y, bar_x, cols - bar_x, "SOC %3.0f%% ", st->soc);
		attrset(A_NORMAL);
		if (cols - bar_x - 1 >= 8)
			tui_bar(t, y, bar_x, cols - bar_x - 1 > 52 ? 52 : cols - bar_x - 1, st->soc / 100.0,
			    st->soc < limits(t)->soc_low ? TR_BAD : st->soc < 2 * limits(t)->soc_low ?
			    TR_WARN : TR_BAR);
	} else
		tui_text(y, bar_x, cols - bar_x, "SOC -");
	y++;
	tui_num(a, sizeof a, st->valid, PTF_TEMP_MIN, st->temp_min, 1);
	tui_num(b, sizeof b, st->valid, PTF_TEMP_MAX, st->temp_max, 1);
	tui_num(c, sizeof c, st->valid, PTF_CELL_VMIN, st->cell_vmin, 3);
	tui_num(d, sizeof d, st->valid, PTF_CELL_VMAX, st->cell_vmax, 3);
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

static void
module_row(struct tui *t, int y, int cols, const struct pt_module *m)
{
	const struct alarm_config *ac = limits(t);
	struct pt_cell_stats cs;
	char buf[40];
	int x = 1, bx;
	enum tui_role r;

	pt_module_cell_stats(m, &cs);
	tui_printf(y, x, columns[COL_ID].width, "%3d", m->id);
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
	field(t, y, x, COL_SOC, PT_HAS(m, PTF_SOC) && m->soc < ac->soc_low ? TR_BAD : TR_NORMAL,
	    buf);
	x += columns[COL_SOC].width;
	tui_num(buf, sizeof buf, m->valid, PTF_TEMP_MIN, m->temp_min, 1);
	field(t, y, x, COL_TMIN, PT_HAS(m, PTF_TEMP_MIN) && m->temp_min <= ac->temp_low ?
	    TR_COLD : TR_NORMAL, buf);
	x += columns[COL_TMIN].width;
	tui_num(buf, sizeof buf, m->valid, PTF_TEMP_MAX, m->temp_max, 1);
	field(t, y, x, COL_TMAX, PT_HAS(m, PTF_TEMP_MAX) && m->temp_max >= ac->temp_high ?
	    TR_BAD : TR_NORMAL, buf);
	x += columns[COL_TMAX].width;
	tui_num(buf, sizeof buf, cs.count > 0 ? 1 : 0, 1, cs.min, 3);
	field(t, y, x, COL_VMIN, cs.count > 0 && cs.min <= ac->cell_v_low ? TR_LIMIT : TR_NORMAL,
	    buf);
	x += columns[COL_VMIN].width;
	tui_num(buf, sizeof buf, cs.count > 0 ? 1 : 0, 1, cs.max, 3);
	field(t, y, x, COL_VMAX, cs.count > 0 && cs.max >= ac->cell_v_high ? TR_LIMIT : TR_NORMAL,
	    buf);
	x += columns[COL_VMAX].width;
	tui_num(buf, sizeof buf, cs.count > 1 ? 1 : 0, 1, cs.spread * 1000, 0);
	r = cs.count < 2 ? TR_NORMAL : cs.spread >= ac->cell_spread_high ? TR_BAD :
	    cs.spread >= ac->cell_spread_high / 2 ? TR_WARN : TR_NORMAL;
	field(t, y, x, COL_SPREAD, r, buf);
	x += columns[COL_SPREAD].width;
	tui_role(t, m->status[0] == '\0' || pt_status_is_normal(m->status) ? TR_NORMAL : TR_WARN);
	tui_printf(y, x, columns[COL_STATUS].width, " %-10s", m->status[0] ? m->status : "-");
	attrset(A_NORMAL);
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
link_lines(struct tui *t, int y, int cols, bool merge_sinks)
{
	struct link_stats ls;
	struct sink_status mq, csv;
	char age[32];
	int x = 2;

	monitor_link_stats(t->m, &ls);
	x += tui_printf(y, x, cols - x, "%s ", ls.kind[0] ? ls.kind : "link");
	x += tui_text_tail(t, y, x, (int)strlen(ls.device) < cols / 3 ? (int)strlen(ls.device) :
	    cols / 3, ls.device[0] ? ls.device : "-") + 2;
	x += tui_printf(y, x, cols - x, "%s%s%s", ls.protocol[0] ? ls.protocol : "?",
	    ls.dialect[0] ? "/" : "", ls.dialect) + 2;
	tui_role(t, ls.state == LINK_POLLING ? TR_GOOD : TR_WARN);
	x += tui_text(y, x, cols - x, link_state_name(ls.state)) + 2;
	attrset(A_NORMAL);
	if (ls.last_sample_ms > 0) {
		tui_age_text(age, sizeof age, clock_wall_ms() - ls.last_sample_ms);
		tui_role(t, tui_is_stale(&ls, clock_wall_ms()) ? TR_WARN : TR_NORMAL);
		x += tui_printf(y, x, cols - x, "last sample %s ago", age) + 2;
		attrset(A_NORMAL);
	}
	tui_text(y, x, cols - x, ls.message);
	y++;
	tui_printf(y++, 2, cols - 2, "samples %llu  timeouts %llu  unreadable %llu  checksum %llu"
	    "  refused %llu  reconnects %llu", (unsigned long long)ls.samples,
	    (unsigned long long)ls.timeouts, (unsigned long long)ls.parse_errors,
	    (unsigned long long)ls.checksum_errors, (unsigned long long)ls.device_errors,
	    (unsigned long long)ls.reconnects);
	monitor_csv_status(t->m, &csv);
	monitor_mqtt_status(t->m, &mq);
	if (merge_sinks) {
		sink_line(t, y, 2, cols / 2 - 3, "CSV", &csv);
		sink_line(t, y, cols / 2, cols - cols / 2, "MQTT", &mq);
	} else {
		sink_line(t, y++, 2, cols - 2, "CSV ", &csv);
		if (!monitor_has_mqtt(t->m) && mq.state == SINK_OFF)
			snprintf(mq.text, sizeof mq.text, "no broker configured (MQTT_BROKER or --mqtt)");
		sink_line(t, y, 2, cols - 2, "MQTT", &mq);
	}
}

void
view_overview(struct tui *t, int top, int rows, int cols)
{
	const struct pt_sample *s = t->sample;
	int y = top, n = t->have_sample ? s->n_modules : 0, want, room, first, k, bottom;
	bool titles, merge;

	/* Rows: stack 2, table head 1, link 2, outputs 2 (or 1), titles 3. */
	want = 2 + 1 + n + 4 + 3;
	titles = want <= rows;
	merge = !titles && want - 3 > rows;
	bottom = top + rows - (merge ? 3 : 4) - (titles ? 1 : 0);
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Stack");
	if (!t->have_sample) {
		struct link_stats ls;

		/* Until a sample lands, why it has not is the news. */
		monitor_link_stats(t->m, &ls);
		tui_role(t, TR_DIM);
		tui_text(y, 2, cols - 2, "waiting for the first complete sample...");
		tui_role(t, ls.state == LINK_WAITING ? TR_WARN : TR_NORMAL);
		tui_text(y + 1, 2, cols - 2, ls.message);
		attrset(A_NORMAL);
		y += 2;
	} else {
		stack_lines(t, y, cols);
		y += 2;
	}
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Modules");
	room = bottom - y - 1;
	first = tui_clamp_scroll(t, TV_OVERVIEW, n - room);
	table_head(t, y++, cols, first);
	for (k = first; k < n && y < bottom; k++) {
		if (y == bottom - 1 && k + 1 < n) {
			tui_role(t, TR_DIM);
			tui_printf(y++, 2, cols - 2, "%d more below (Down, PgDn)", n - k);
			attrset(A_NORMAL);
			break;
		}
		module_row(t, y++, cols, &s->modules[k]);
	}
	y = bottom;
	if (titles)
		tui_title(t, y++, 1, cols - 2, "Link and outputs");
	link_lines(t, y, cols, merge);
}
