/* tui_views.c — overview, cell grid, history, alarms, help. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alarms.h"
#include "core/config.h"
#include "util/clock.h"

static void
title(struct tui *t, int y, int x, const char *text)
{
	tui_attr(t, C_TITLE, true);
	attron(A_BOLD);
	tui_text(y, x, COLS - x, text);
	attroff(A_BOLD);
	tui_attr(t, C_TITLE, false);
}

static void
sink_line(struct tui *t, int y, const char *name, const struct sink_status *st, bool have)
{
	int pair = st->state == SINK_OK ? C_GOOD : st->state == SINK_ERROR ? C_BAD :
	    st->state == SINK_CONNECTING ? C_WARN : C_DIM;

	tui_text(y, 2, 6, name);
	tui_attr(t, pair, true);
	tui_printf(y, 8, 12, "%s", sink_state_name(st->state));
	tui_attr(t, pair, false);
	if (!have && st->state == SINK_OFF)
		tui_text(y, 20, COLS - 22, strcmp(name, "MQTT") == 0 ?
		    "no broker configured (MQTT_BROKER or --mqtt)" : st->text);
	else
		tui_printf(y, 20, COLS - 22, "%s  (%llu sent, %llu dropped, %llu queued)", st->text,
		    (unsigned long long)st->written, (unsigned long long)st->dropped,
		    (unsigned long long)st->queued);
}

void
view_overview(struct tui *t, int top, int rows, int cols)
{
	const struct pt_sample *s = t->sample;
	const struct pt_stack *st = &s->stack;
	struct link_stats ls;
	struct sink_status mq, csv;
	char v[16], i[16], p[16], soc[16], tmin[16], tmax[16], cyc[16];
	int y = top, k;

	monitor_link_stats(t->m, &ls);
	title(t, y++, 1, "Stack");
	tui_num(v, sizeof v, st->valid, PTF_VOLTAGE, st->voltage, 3);
	tui_num(i, sizeof i, st->valid, PTF_CURRENT, st->current, 2);
	tui_num(p, sizeof p, st->valid, PTF_POWER, st->power, 0);
	tui_num(soc, sizeof soc, st->valid, PTF_SOC, st->soc, 0);
	tui_printf(y, 2, cols - 2, "Voltage %8s V   Current %8s A   Power %7s W   Status %s",
	    v, i, p, st->status[0] ? st->status : "-");
	y++;
	tui_printf(y, 2, 13, "SOC %4s %%", soc);
	if (PT_HAS(st, PTF_SOC))
		tui_bar(t, y, 15, cols - 17 > 40 ? 40 : cols - 17, st->soc / 100.0);
	y++;
	tui_num(tmin, sizeof tmin, st->valid, PTF_TEMP_MIN, st->temp_min, 1);
	tui_num(tmax, sizeof tmax, st->valid, PTF_TEMP_MAX, st->temp_max, 1);
	tui_num(cyc, sizeof cyc, st->valid, PTF_CYCLES, (double)st->cycles, 0);
	tui_num(v, sizeof v, st->valid, PTF_CELL_VMIN, st->cell_vmin, 3);
	tui_num(i, sizeof i, st->valid, PTF_CELL_VMAX, st->cell_vmax, 3);
	tui_printf(y++, 2, cols - 2, "Temperature %s .. %s C   Cells %s .. %s V   Cycles %s%s%s",
	    tmin, tmax, v, i, cyc, st->model[0] ? "   Model " : "", st->model);
	y++;
	if (y >= top + rows)
		return;
	title(t, y++, 1, "Modules");
	tui_attr(t, C_DIM, true);
	tui_text(y++, 2, cols - 2, " id   volt V  curr A  SOC  Tmin  Tmax  Vmin   Vmax  spread  status     barcode");
	tui_attr(t, C_DIM, false);
	for (k = t->scroll; k < s->n_modules && y < top + rows - 6; k++) {
		const struct pt_module *m = &s->modules[k];
		struct pt_cell_stats cs;
		char a[16], b[16], c[16], d[16], e[16], f[16], g[16], sp[16];
		size_t bl = strlen(m->barcode);

		pt_module_cell_stats(m, &cs);
		tui_num(a, sizeof a, m->valid, PTF_VOLTAGE, m->voltage, 3);
		tui_num(b, sizeof b, m->valid, PTF_CURRENT, m->current, 2);
		tui_num(c, sizeof c, m->valid, PTF_SOC, m->soc, 0);
		tui_num(d, sizeof d, m->valid, PTF_TEMP_MIN, m->temp_min, 1);
		tui_num(e, sizeof e, m->valid, PTF_TEMP_MAX, m->temp_max, 1);
		tui_num(f, sizeof f, cs.count ? PTF_VOLTAGE : 0, PTF_VOLTAGE, cs.min, 3);
		tui_num(g, sizeof g, cs.count ? PTF_VOLTAGE : 0, PTF_VOLTAGE, cs.max, 3);
		tui_num(sp, sizeof sp, cs.count > 1 ? PTF_VOLTAGE : 0, PTF_VOLTAGE, cs.spread * 1000, 0);
		tui_printf(y, 2, cols - 2, "%3d %8s %7s %4s %5s %5s %6s %6s %5s mV %-10s %s",
		    m->id, a, b, c, d, e, f, g, sp, m->status[0] ? m->status : "-",
		    bl > 6 ? m->barcode + bl - 6 : m->barcode);
		y++;
	}
	if (k < s->n_modules)
		tui_printf(y++, 2, cols - 2, "... %d more (arrows scroll)", s->n_modules - k);
	y++;
	if (y + 4 > top + rows)
		return;
	title(t, y++, 1, "Link and outputs");
	tui_printf(y++, 2, cols - 2, "%s %s  %s%s%s  %s", ls.kind, ls.device,
	    ls.protocol[0] ? ls.protocol : "?", ls.dialect[0] ? "/" : "", ls.dialect, ls.message);
	tui_printf(y++, 2, cols - 2, "samples %llu  timeouts %llu  unreadable %llu  checksum %llu  "
	    "refused %llu  reconnects %llu", (unsigned long long)ls.samples,
	    (unsigned long long)ls.timeouts, (unsigned long long)ls.parse_errors,
	    (unsigned long long)ls.checksum_errors, (unsigned long long)ls.device_errors,
	    (unsigned long long)ls.reconnects);
	monitor_csv_status(t->m, &csv);
	monitor_mqtt_status(t->m, &mq);
	sink_line(t, y++, "CSV", &csv, monitor_has_csv(t->m) || csv.state != SINK_OFF);
	sink_line(t, y++, "MQTT", &mq, monitor_has_mqtt(t->m));
}

/* Colour of a cell by its deviation from the module mean and the limits. */
static int
cell_pair(const struct alarm_config *ac, double v, double mean)
{
	double d = v - mean;

	if (v >= ac->cell_v_high || v <= ac->cell_v_low)
		return v >= ac->cell_v_high ? C_CELL4 : C_CELL0;
	if (d <= -0.030)
		return C_CELL0;
	if (d <= -0.010)
		return C_CELL1;
	if (d >= 0.030)
		return C_CELL4;
	if (d >= 0.010)
		return C_CELL3;
	return C_CELL2;
}

void
view_cells(struct tui *t, int top, int rows, int cols)
{
	const struct pt_sample *s = t->sample;
	const struct alarm_config *ac = &monitor_config(t->m)->alarms;
	int k, c, y = top, maxcells = 0, cw = 7, per_row, lines_per_module;
	bool mv, spread_col;

	for (k = 0; k < s->n_modules; k++)
		if (s->modules[k].n_cells > maxcells)
			maxcells = s->modules[k].n_cells;
	/* Millivolts take 4 columns instead of 5: a 16-cell module then
	 * fits one line of an 80-column terminal. */
	mv = !t->show_temps && (cols - 14) / 7 < maxcells;
	if (mv)
		cw = 5;
	title(t, y++, 1, t->show_temps ? "Cell temperatures (C)  t: voltages" : mv ?
	    "Cell voltages (mV)  ^ highest  v lowest  * balancing  t: temperatures" :
	    "Cell voltages (V)  ^ highest  v lowest  * balancing  t: temperatures");
	if (maxcells == 0) {
		tui_text(y + 1, 2, cols - 2, "No cell data yet.");
		return;
	}
	/* The spread column goes when dropping it keeps a module on one
	 * line (15 cells in 80 columns); the overview shows it too. */
	spread_col = !((cols - 14) / cw < maxcells && (cols - 4) / cw >= maxcells);
	per_row = (cols - (spread_col ? 14 : 4)) / cw;
	if (per_row < 1)
		per_row = 1;
	if (per_row > maxcells)
		per_row = maxcells;
	lines_per_module = (maxcells + per_row - 1) / per_row;
	/* Cell numbers across the top. */
	tui_attr(t, C_DIM, true);
	for (c = 0; c < per_row; c++)
		tui_printf(y, 4 + c * cw, cw, "%*d", cw - 1, c + 1);
	if (spread_col)
		tui_text(y, 4 + per_row * cw + 1, 10, "spread");
	tui_attr(t, C_DIM, false);
	y++;
	for (k = t->scroll; k < s->n_modules && y + lines_per_module <= top + rows; k++) {
		const struct pt_module *m = &s->modules[k];
		struct pt_cell_stats cs;

		pt_module_cell_stats(m, &cs);
		tui_printf(y, 0, 4, "%3d", m->id);
		for (c = 0; c < m->n_cells; c++) {
			const struct pt_cell *cell = &m->cells[c];
			int row = c / per_row, col = c % per_row, pair;
			char txt[16], mark = ' ';

			if (t->show_temps) {
				tui_num(txt, sizeof txt, cell->valid, PTF_TEMPERATURE, cell->temperature, 1);
				pair = PT_HAS(cell, PTF_TEMPERATURE) && cell->temperature >= ac->temp_high ?
				    C_BAD : C_NORMAL;
			} else {
				if (mv)
					tui_num(txt, sizeof txt, cell->valid, PTF_VOLTAGE,
					    cell->voltage * 1000, 0);
				else
					tui_num(txt, sizeof txt, cell->valid, PTF_VOLTAGE, cell->voltage, 3);
				pair = PT_HAS(cell, PTF_VOLTAGE) ? cell_pair(ac, cell->voltage, cs.mean) :
				    C_DIM;
				if (c == cs.argmax && cs.count > 1)
					mark = '^';
				else if (c == cs.argmin && cs.count > 1)
					mark = 'v';
			}
			if (PT_HAS(cell, PTF_BALANCING) && cell->balancing && mark == ' ')
				mark = '*';
			tui_attr(t, pair, true);
			if (mark == '^' || mark == 'v')
				attron(A_BOLD);
			tui_printf(y + row, 4 + col * cw, cw, "%*s%c", cw - 2, txt, mark);
			attroff(A_BOLD);
			tui_attr(t, pair, false);
		}
		if (cs.count > 1 && spread_col) {
			int pair = cs.spread >= ac->cell_spread_high ? C_BAD : cs.spread >= 0.03 ?
			    C_WARN : C_GOOD;
			tui_attr(t, pair, true);
			tui_printf(y, 4 + per_row * cw + 1, 10, "%3.0f mV", cs.spread * 1000);
			tui_attr(t, pair, false);
		}
		y += lines_per_module;
	}
	if (k < s->n_modules && y < top + rows)
		tui_printf(y, 2, cols - 2, "... modules %d-%d below (arrows, PgDn)", s->modules[k].id,
		    s->modules[s->n_modules - 1].id);
}

static const int hist_metrics[] = {
	HM_STACK_VOLTAGE, HM_STACK_CURRENT, HM_STACK_POWER, HM_STACK_SOC, HM_STACK_TEMP_MAX,
	HM_STACK_CELL_SPREAD, HM_MODULE_VOLTAGE, HM_MODULE_CURRENT, HM_MODULE_SOC,
	HM_MODULE_TEMP_MAX, HM_MODULE_CELL_SPREAD, HM_CELL_VOLTAGE,
};

void
view_history(struct tui *t, int top, int rows, int cols)
{
	static struct hist_point pts[1200];
	static const char *const res_name[] = { "seconds", "minutes", "hours" };
	int metric = hist_metrics[t->metric % (int)(sizeof hist_metrics / sizeof hist_metrics[0])];
	char head[160];
	size_t n;
	int res = t->res;

	if (metric >= HM_MODULE_VOLTAGE && metric != HM_CELL_VOLTAGE)
		snprintf(head, sizeof head, "%s, module %d", history_metric_name(metric),
		    t->module < t->sample->n_modules ? t->sample->modules[t->module].id : t->module + 1);
	else if (metric == HM_CELL_VOLTAGE)
		snprintf(head, sizeof head, "%s, module %d cell %d", history_metric_name(metric),
		    t->module < t->sample->n_modules ? t->sample->modules[t->module].id : t->module + 1,
		    t->cell + 1);
	else
		snprintf(head, sizeof head, "%s", history_metric_name(metric));
	title(t, top, 1, head);
	tui_attr(t, C_DIM, true);
	tui_printf(top, 2 + (int)strlen(head) + 1, cols - (int)strlen(head) - 4,
	    " [%s]  up/down: metric  left/right: module  [ ]: cell  s/M/h: resolution",
	    res_name[res]);
	tui_attr(t, C_DIM, false);
	n = history_series(monitor_history(t->m), (enum hist_res)res, (enum hist_metric)metric,
	    t->module, t->cell, t->now_ms, pts, (size_t)(t->utf8 ? 2 : 1) * (size_t)(cols - 12) <
	    sizeof pts / sizeof pts[0] ? (size_t)(t->utf8 ? 2 : 1) * (size_t)(cols - 12) :
	    sizeof pts / sizeof pts[0]);
	tui_chart(t, top + 2, 1, rows - 3, cols - 2, pts, n, history_metric_unit(metric),
	    history_res_ms((enum hist_res)res));
}

void
view_alarms(struct tui *t, int top, int rows, int cols)
{
	static struct alarm_state act[64];
	static struct alarm_event ev[256];
	size_t na = alarm_engine_active(monitor_alarms(t->m), act, 64), ne, i;
	int y = top;
	char text[160], when[40];

	title(t, y++, 1, "Alarms (latched until acknowledged with 'a')");
	if (na == 0)
		tui_text(y++, 2, cols - 2, "No alarms.");
	for (i = 0; i < na && y < top + rows / 2; i++) {
		int pair = !act[i].active ? C_DIM : act[i].alarm.level >= PT_LEVEL_ALARM ? C_BAD : C_WARN;
		alarm_describe(&act[i].alarm, text, sizeof text);
		clock_iso8601(act[i].alarm.since_ms, 0, when, sizeof when);
		tui_attr(t, pair, true);
		tui_printf(y++, 2, cols - 2, "%-8s %-8s %s  since %s%s",
		    alarm_level_name(act[i].alarm.level), act[i].active ? "ACTIVE" : "cleared",
		    text, when + 11, act[i].acknowledged ? "  (ack)" : "");
		tui_attr(t, pair, false);
	}
	y++;
	title(t, y++, 1, "Event log (newest first)");
	ne = alarm_engine_events(monitor_alarms(t->m), ev, 256);
	for (i = (size_t)t->scroll; i < ne && y < top + rows; i++) {
		alarm_describe(&ev[i].alarm, text, sizeof text);
		clock_iso8601(ev[i].time_ms, 0, when, sizeof when);
		tui_attr(t, ev[i].raised ? C_WARN : C_GOOD, true);
		tui_printf(y++, 2, cols - 2, "%s  %-7s %s", when, ev[i].raised ? "raised" : "cleared",
		    text);
		tui_attr(t, ev[i].raised ? C_WARN : C_GOOD, false);
	}
	if (ne == 0)
		tui_text(y, 2, cols - 2, "No events yet.");
}

void
view_help(struct tui *t, int top, int rows, int cols)
{
	static const char *const lines[] = {
		"1  Overview: stack, modules, link, CSV and MQTT",
		"2  Cell grid: every cell of every module (t: temperatures)",
		"3  History: charts of stack, module and cell values",
		"4  Alarms: latched alarms and the event log",
		"5  ?  This help",
		"Tab / Shift-Tab  next / previous view",
		"Arrows, h j k l, PgUp, PgDn  scroll; in History: metric and module",
		"[ ]  History: previous / next cell     s M H  seconds / minutes / hours",
		"m  toggle MQTT publishing              l  toggle CSV logging",
		"a  acknowledge alarms                  p  freeze the display (reading goes on)",
		"t  cell grid: voltages / temperatures  q  quit",
		"",
		"Cell colours: green near the module mean, yellow 10 mV off, red/magenta 30 mV off",
		"or beyond the alarm limits.  ^ highest  v lowest  * balancing.",
		"Data older than three intervals is shown as STALE in the status line.",
	};
	size_t i;
	int y = top;

	title(t, y++, 1, "Keys");
	for (i = 0; i < sizeof lines / sizeof lines[0] && y < top + rows; i++)
		tui_text(y++, 2, cols - 2, lines[i]);
}
