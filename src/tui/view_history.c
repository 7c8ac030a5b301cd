/* view_history.c — one chart from the multi-resolution history: a stack
 * series, a module series or one cell's voltage, at seconds, minutes or
 * hours, with 1..60 buckets per dot.  The points come straight from
 * history_series(); a bucket without samples is a gap and stays one. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"

const enum hist_metric tui_metrics[] = {
	HM_STACK_VOLTAGE, HM_STACK_CURRENT, HM_STACK_POWER, HM_STACK_SOC, HM_STACK_TEMP_MAX,
	HM_STACK_CELL_SPREAD, HM_MODULE_VOLTAGE, HM_MODULE_CURRENT, HM_MODULE_SOC,
	HM_MODULE_TEMP_MAX, HM_MODULE_CELL_SPREAD, HM_CELL_VOLTAGE,
};
const int tui_n_metrics = (int)(sizeof tui_metrics / sizeof tui_metrics[0]);
_Static_assert(sizeof tui_metrics / sizeof tui_metrics[0] == HM_NMETRICS,
    "every history metric can be shown");
const int tui_zooms[] = { 1, 2, 5, 10, 30, 60 };
const int tui_n_zooms = (int)(sizeof tui_zooms / sizeof tui_zooms[0]);

static const char *const short_names[] = {
	"V", "I", "P", "SOC", "Tmax", "spread", "V", "I", "SOC", "Tmax", "spread", "V",
};
_Static_assert(sizeof short_names / sizeof short_names[0] == HM_NMETRICS,
    "a short name per history metric");
static const char *const res_names[HIST_NRES] = { "seconds", "minutes", "hours" };

/* Fold groups of `z` points (aligned to the newest) into one. */
static size_t
fold(struct hist_point *p, size_t n, int z)
{
	size_t out = 0, start = n % (size_t)z, i, j;

	if (z <= 1)
		return n;
	for (i = start; i + (size_t)z <= n; i += (size_t)z) {
		struct hist_point g = { .t_ms = p[i].t_ms, .min = INFINITY, .max = -INFINITY };
		double sum = 0;
		int valid = 0;

		for (j = i; j < i + (size_t)z; j++) {
			if (!p[j].valid)
				continue;
			g.min = fminf(g.min, p[j].min);
			g.max = fmaxf(g.max, p[j].max);
			sum += p[j].avg;
			valid++;
		}
		g.valid = valid > 0;
		g.avg = valid > 0 ? (float)(sum / valid) : 0;
		p[out++] = g;
	}
	return out;
}

static enum hist_metric
current_metric(struct tui *t)
{
	return tui_metrics[(t->metric % tui_n_metrics + tui_n_metrics) % tui_n_metrics];
}

static void
heading(struct tui *t, int y, int cols, enum hist_metric m)
{
	const struct pt_sample *s = t->sample;
	int id = t->module + 1, x;
	char buf[128];

	if (t->have_sample && t->module < s->n_modules)
		id = s->modules[t->module].id;
	if (m == HM_CELL_VOLTAGE)
		snprintf(buf, sizeof buf, "%s, module %d cell %d (%s)", history_metric_name(m), id,
		    t->cell + 1, history_metric_unit(m));
	else if (m >= HM_MODULE_VOLTAGE)
		snprintf(buf, sizeof buf, "%s, module %d (%s)", history_metric_name(m), id,
		    history_metric_unit(m));
	else
		snprintf(buf, sizeof buf, "%s (%s)", history_metric_name(m), history_metric_unit(m));
	tui_role(t, TR_TITLE);
	x = 1 + tui_text(y, 1, cols - 1, buf) + 2;
	attrset(A_NORMAL);
	if (t->old) {		/* no new point since then: say so first */
		tui_old_text(t, buf, sizeof buf);
		tui_role(t, TR_WARN);
		x += tui_text(y, x, cols - x, buf) + 2;
		attrset(A_NORMAL);
	}
	tui_printf(y, x, cols - x, "[%s, %d per dot]", res_names[t->res], tui_zooms[t->zoom]);
}

/* The metric menu: stack ones, then module ones, then the cell. */
static void
menu(struct tui *t, int y, int cols)
{
	int i, x = 1;

	for (i = 0; i < tui_n_metrics && x < cols; i++) {
		if (i == 0 || i == 6 || i == 11) {
			tui_role(t, TR_DIM);
			x += tui_text(y, x, cols - x, i == 0 ? "stack" : i == 6 ? " module" : " cell");
			attrset(A_NORMAL);
		}
		attrset(i == t->metric ? tui_role_attr(t, TR_TAB_ON) : A_NORMAL);
		x += tui_printf(y, x + 1, cols - x - 1, " %s ", short_names[i]) + 1;
		attrset(A_NORMAL);
	}
}

/* Decimals worth showing for a unit. */
static int
unit_decimals(const char *unit)
{
	if (strcmp(unit, "V") == 0)
		return 3;
	if (strcmp(unit, "A") == 0)
		return 2;
	if (strcmp(unit, "C") == 0)
		return 1;
	return 0;
}

static void
summary(struct tui *t, int y, int cols, const struct tui_series *s)
{
	int d = unit_decimals(s->unit);
	double lo = INFINITY, hi = -INFINITY, sum = 0, last = NAN;
	char span[32];
	size_t i;
	int n = 0;

	for (i = 0; i < s->n; i++) {
		if (!s->p[i].valid)
			continue;
		lo = fmin(lo, s->p[i].min);
		hi = fmax(hi, s->p[i].max);
		sum += s->p[i].avg;
		last = s->p[i].avg;
		n++;
	}
	layout_age(span, sizeof span, (int64_t)s->n * s->dot_ms);
	if (n == 0) {
		tui_role(t, TR_DIM);
		tui_printf(y, 1, cols - 1, "no samples in the last %s", span);
		attrset(A_NORMAL);
		return;
	}
	tui_printf(y, 1, cols - 1, "last %.*f  min %.*f  avg %.*f  max %.*f %s   over %s, %d of %zu "
	    "dots with data", d, last, d, lo, d, sum / n, d, hi, s->unit, span, n, s->n);
}

void
view_history(struct tui *t, int top, int rows, int cols)
{
	enum hist_metric m = current_metric(t);
	int64_t res_ms = history_res_ms(t->res);
	int z = tui_zooms[t->zoom], dots = tui_chart_dots(t, cols - 1);
	size_t want = (size_t)dots * (size_t)z, n;
	struct tui_series s;

	if (t->have_sample && t->module >= t->sample->n_modules)
		t->module = 0;
	if (want > TUI_MAX_POINTS)
		want = TUI_MAX_POINTS;
	if (want > history_res_len(t->res))
		want = history_res_len(t->res);
	heading(t, top, cols, m);
	menu(t, top + 1, cols);
	n = history_series(monitor_history(t->m), t->res, m, t->module, t->cell, t->data_ms,
	    t->points, want);
	memset(&s, 0, sizeof s);
	s.unit = history_metric_unit(m);
	s.dot_ms = res_ms * z;
	s.end_ms = n > 0 ? t->points[n - 1].t_ms + res_ms : t->data_ms;
	s.n = fold(t->points, n, z);
	s.p = t->points;
	summary(t, top + 2, cols, &s);
	if (n == 0) {
		tui_role(t, TR_DIM);
		tui_printf(top + 4, 2, cols - 2, "%s is not kept at %s", history_metric_name(m),
		    res_names[t->res]);
		attrset(A_NORMAL);
	} else
		tui_chart(t, top + 3, 0, rows - 4, cols - 1, &s);
	if (t->old) {
		tui_text(top + 2, 0, 1, TUI_OLD_MARK);
		tui_dim(top + 2, 0, rows - 3, cols);
	}
	tui_role(t, TR_DIM);
	tui_text(top + rows - 1, 1, cols - 1,
	    "Up/Down metric  Left/Right module  [ ] cell  r resolution  + - time per dot");
	attrset(A_NORMAL);
}
