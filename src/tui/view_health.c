/* view_health.c — cell health (issue 15): the ranked findings (or what
 * is not judged yet), a bar per cell of its DC resistance relative to
 * its module's median, and the selected cell's deviation from the module
 * mean per current bin and SOC band.  Left/Right choose the module, [ ]
 * the cell (the same selection as History).  Unknown figures show '-';
 * the figures come from the engine in the monitor, live even while the
 * display is frozen. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A bar is full at this ratio to the module median. */
#define BAR_FULL_RATIO	2.5
#define CELL_COL_MIN_W	24

static int
draw_findings(struct tui *t, const struct health_report *r, int y, int rows, int cols)
{
	int i, used = 0;

	tui_title(t, y, 0, cols, r->n_findings > 0 ? "Findings, strongest first" : "Findings");
	used++;
	for (i = 0; i < r->n_findings && used < rows; i++, used++) {
		const struct health_finding *f = &r->findings[i];
		tui_role(t, f->confidence >= 0.66 ? TR_BAD : TR_WARN);
		tui_printf(y + used, 1, 5, "%3.0f%%", f->confidence * 100);
		attrset(A_NORMAL);
		/* A long finding goes on a second line while there is room
		 * for the rest. */
		if ((int)strlen(f->text) > cols - 7 && used + 1 < rows - (r->n_findings - i - 1)) {
			used += tui_wrap(y + used, 6, cols - 7, 8, cols - 9, 2, f->text) - 1;
		} else
			tui_text(y + used, 6, cols - 7, f->text);
	}
	if (r->n_findings == 0 && used < rows) {
		tui_text(y + used, 1, cols - 2, r->n_notes > 0 ? "None yet." :
		    "None: no cell stands out with the evidence so far.");
		used++;
	}
	for (i = 0; i < r->n_notes && used < rows; i++, used++) {
		tui_role(t, TR_DIM);
		tui_text(y + used, 1, cols - 2, r->notes[i]);
		attrset(A_NORMAL);
	}
	return used;
}

static int
draw_bars(struct tui *t, const struct health_module_report *mr, int y, int rows, int cols)
{
	char title[96], med[16];
	int per_col, ncol, colw, c;

	if (isnan(mr->ir_median_mohm))
		snprintf(med, sizeof med, "-");
	else
		snprintf(med, sizeof med, "%.2f", mr->ir_median_mohm);
	snprintf(title, sizeof title, "Module %d: DC resistance per cell, mOhm (median %s)",
	    mr->id, med);
	tui_title(t, y, 0, cols, title);
	if (rows < 2 || mr->n_cells == 0)
		return 1;
	ncol = cols / CELL_COL_MIN_W;
	if (ncol < 1)
		ncol = 1;
	per_col = (mr->n_cells + ncol - 1) / ncol;
	if (per_col > rows - 1)
		per_col = rows - 1;
	ncol = (mr->n_cells + per_col - 1) / per_col;
	colw = cols / (ncol > 0 ? ncol : 1);
	for (c = 0; c < mr->n_cells; c++) {
		const struct health_cell_report *cr = &mr->cells[c];
		int col = c / per_col, row = c % per_col, x = col * colw;
		bool high;

		if (col >= ncol || x + colw > cols)
			break;
		tui_role(t, c == t->cell ? TR_TITLE : TR_NORMAL);
		tui_printf(y + 1 + row, x, 4, "%c%02d", c == t->cell ? '>' : ' ', c + 1);
		attrset(A_NORMAL);
		if (isnan(cr->ir_mohm)) {
			tui_role(t, TR_DIM);
			tui_printf(y + 1 + row, x + 4, colw - 5, " -   %d steps", cr->ir_steps);
			attrset(A_NORMAL);
			continue;
		}
		tui_printf(y + 1 + row, x + 4, 6, "%5.2f", cr->ir_mohm);
		high = !isnan(cr->ir_ratio) &&
		    cr->ir_ratio >= monitor_config(t->m)->health.ir_ratio;
		if (colw - 12 > 2)
			tui_bar(t, y + 1 + row, x + 10, colw - 12,
			    isnan(cr->ir_ratio) ? 0 : fmin(1, cr->ir_ratio / BAR_FULL_RATIO),
			    high ? TR_BAD : TR_BAR);
	}
	return 1 + per_col;
}

static void
draw_deviation(struct tui *t, const struct health_module_report *mr, int y, int rows,
    int cols)
{
	static const char *const head[HB_N] = { "hvy-", "mod-", "lgt-", "rest", "lgt+",
		"mod+", "hvy+" };
	static const char *const band[HBAND_N] = { "SOC <20%", "20-80%", ">80%" };
	const struct health_cell_report *cr;
	char title[96];
	int b, k;

	if (t->cell >= mr->n_cells || rows < 2)
		return;
	cr = &mr->cells[t->cell];
	snprintf(title, sizeof title, "Cell %d: mV from the module mean by current ([ ] cell)",
	    t->cell + 1);
	tui_title(t, y, 0, cols, title);
	tui_text(y + 1, 1, 9, "");
	for (k = 0; k < HB_N; k++)
		tui_text_right(y + 1, 10 + k * 7, 6, head[k]);
	for (b = 0; b < HBAND_N && b + 2 < rows; b++) {
		tui_text(y + 2 + b, 1, 9, band[b]);
		for (k = 0; k < HB_N; k++) {
			char v[12];
			if (isnan(cr->dev_mv[b][k]))
				snprintf(v, sizeof v, "-");
			else
				snprintf(v, sizeof v, "%+.0f", cr->dev_mv[b][k]);
			tui_text_right(y + 2 + b, 10 + k * 7, 6, v);
		}
	}
}

void
view_health(struct tui *t, int top, int rows, int cols)
{
	static struct health_report r;
	const struct health_module_report *mr = NULL;
	int used, room;

	monitor_health(t->m, &r);
	if (r.n_modules == 0) {
		tui_title(t, top, 0, cols, "Cell health");
		tui_text(top + 1, 1, cols - 2, "No fresh cell readings yet: nothing judged.");
		return;
	}
	/* Findings take what the bars and the deviation table leave. */
	room = rows - 5 - 1 - (r.m[0].n_cells + 1) / 2;
	if (room < 3)
		room = 3;
	used = draw_findings(t, &r, top, room, cols);
	if (t->have_sample && t->module < t->sample->n_modules)
		mr = health_report_module(&r, t->sample->modules[t->module].id);
	if (mr == NULL)
		mr = &r.m[t->module < r.n_modules ? t->module : 0];
	used += draw_bars(t, mr, top + used, rows - used - 5, cols);
	draw_deviation(t, mr, top + used, rows - used, cols);
}
