/* sample_csv.c — CSV header and rows. */
#include "model/sample_csv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/sanitize.h"

/* A growing line. */
struct line {
	char	*p;
	size_t	 len, cap;
	bool	 failed;
};

static void
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			l->failed = true;
			return;
		}
		if ((size_t)n < l->cap - l->len) {
			l->len += (size_t)n;
			return;
		}
		l->cap = l->cap * 2 + (size_t)n + 64;
		char *np = realloc(l->p, l->cap);
		if (np == NULL) {
			l->failed = true;
			return;
		}
		l->p = np;
	}
}

static char *
finish(struct line *l)
{
	if (l->failed) {
		free(l->p);
		return NULL;
	}
	return l->p;
}

static bool
start(struct line *l)
{
	l->cap = 4096;
	l->len = 0;
	l->failed = false;
	l->p = malloc(l->cap);
	if (l->p == NULL)
		return false;
	l->p[0] = '\0';
	return true;
}

/* Numbers are written by us: "%.*f" in the C locale (pylontop never sets
 * LC_NUMERIC), empty when unknown. */
static void
num(struct line *l, uint32_t valid, uint32_t bit, double v, int decimals)
{
	/* A value that prints as zero is written "0.0", not "-0.0". */
	if ((valid & bit) && isfinite(v))
		put(l, ",%.*f", decimals, fabs(v) < 0.5 / pow(10, decimals) ? 0.0 : v);
	else
		put(l, ",");
}

static void
text(struct line *l, const char *s)
{
	char buf[256];

	san_csv_field(buf, sizeof buf, s);
	put(l, ",%s", buf);
}

void
csv_layout_from_sample(struct csv_layout *l, const struct pt_sample *s)
{
	int i, j;

	memset(l, 0, sizeof *l);
	l->n_modules = s->n_modules;
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		const struct pt_module *m = &s->modules[i];

		l->module_id[i] = m->id;
		l->n_cells[i] = m->n_cells;
		l->n_temps[i] = m->n_temps < PT_MAX_TEMPS ? m->n_temps : PT_MAX_TEMPS;
		for (j = 0; j < m->n_cells; j++)
			if (PT_HAS(&m->cells[j], PTF_TEMPERATURE))
				l->cell_temps[i] = true;
	}
}

static const char *const stack_cols[] = {
	"stack_voltage_V", "stack_current_A", "stack_power_W", "stack_soc_pct",
	"stack_temperature_C", "stack_temp_min_C", "stack_temp_max_C",
	"stack_cell_min_V", "stack_cell_max_V", "stack_cycles", "stack_error_code",
	"stack_status", "alarms",
};

static const char *const module_cols[] = {
	"voltage_V", "current_A", "temperature_C", "soc_pct", "temp_min_C",
	"temp_max_C", "cell_min_V", "cell_max_V", "cell_spread_mV", "cycles", "status",
	"cells_age_s",
};

char *
sample_csv_header(const struct csv_layout *lay)
{
	struct line l;
	size_t i;
	int m, c;

	if (!start(&l))
		return NULL;
	put(&l, "time,seq,protocol");
	for (i = 0; i < sizeof stack_cols / sizeof stack_cols[0]; i++)
		put(&l, ",%s", stack_cols[i]);
	for (m = 0; m < lay->n_modules; m++) {
		for (i = 0; i < sizeof module_cols / sizeof module_cols[0]; i++)
			put(&l, ",m%02d_%s", lay->module_id[m], module_cols[i]);
		for (c = 0; c < lay->n_temps[m]; c++)
			put(&l, ",m%02d_t%d_C", lay->module_id[m], c + 1);
		for (c = 0; c < lay->n_cells[m]; c++)
			put(&l, ",m%02d_c%02d_V", lay->module_id[m], c + 1);
		if (lay->cell_temps[m])
			for (c = 0; c < lay->n_cells[m]; c++)
				put(&l, ",m%02d_c%02d_C", lay->module_id[m], c + 1);
	}
	return finish(&l);
}

static void
alarm_names(struct line *l, const struct pt_sample *s)
{
	char all[512] = "";
	size_t o = 0;
	int i;

	for (i = 0; i < s->n_alarms; i++) {
		const struct pt_alarm *a = &s->alarms[i];
		int n;

		if (a->module > 0 && a->cell >= 0)
			n = snprintf(all + o, sizeof all - o, "%s%s@m%d.c%d", o ? " " : "",
			    a->name, a->module, a->cell + 1);
		else if (a->module > 0)
			n = snprintf(all + o, sizeof all - o, "%s%s@m%d", o ? " " : "",
			    a->name, a->module);
		else
			n = snprintf(all + o, sizeof all - o, "%s%s", o ? " " : "", a->name);
		if (n < 0 || (size_t)n >= sizeof all - o)
			break;
		o += (size_t)n;
	}
	text(l, all);
}

static void
module_row(struct line *l, const struct csv_layout *lay, int idx, const struct pt_sample *s)
{
	static const struct pt_module none;
	const struct pt_module *m = pt_sample_find_module((struct pt_sample *)s,
	    lay->module_id[idx]);
	struct pt_cell_stats cs;
	int c;

	if (m == NULL)
		m = &none;
	pt_module_cell_stats(m, &cs);
	num(l, m->valid, PTF_VOLTAGE, m->voltage, 3);
	num(l, m->valid, PTF_CURRENT, m->current, 3);
	num(l, m->valid, PTF_TEMPERATURE, m->temperature, 1);
	num(l, m->valid, PTF_SOC, m->soc, 0);
	num(l, m->valid, PTF_TEMP_MIN, m->temp_min, 1);
	num(l, m->valid, PTF_TEMP_MAX, m->temp_max, 1);
	num(l, m->valid, PTF_CELL_VMIN, m->cell_vmin, 3);
	num(l, m->valid, PTF_CELL_VMAX, m->cell_vmax, 3);
	num(l, cs.count > 1 ? 1 : 0, 1, cs.spread * 1000, 0);
	num(l, m->valid, PTF_CYCLES, (double)m->cycles, 0);
	text(l, m->status);
	/* Empty: never read (or no such module in this sample). */
	num(l, 1, 1, pt_module_cells_age_s(s, m), 1);
	for (c = 0; c < lay->n_temps[idx]; c++)
		num(l, c < m->n_temps ? 1 : 0, 1, m->temps[c], 1);
	for (c = 0; c < lay->n_cells[idx]; c++) {
		const struct pt_cell *cell = c < m->n_cells ? &m->cells[c] : NULL;
		num(l, cell ? cell->valid : 0, PTF_VOLTAGE, cell ? cell->voltage : 0, 3);
	}
	if (lay->cell_temps[idx])
		for (c = 0; c < lay->n_cells[idx]; c++) {
			const struct pt_cell *cell = c < m->n_cells ? &m->cells[c] : NULL;
			num(l, cell ? cell->valid : 0, PTF_TEMPERATURE,
			    cell ? cell->temperature : 0, 1);
		}
}

char *
sample_csv_row(const struct csv_layout *lay, const struct pt_sample *s)
{
	const struct pt_stack *st = &s->stack;
	struct line l;
	char iso[40];
	int m;

	if (!start(&l))
		return NULL;
	put(&l, "%s,%lu", clock_iso8601(s->time_ms, 0, iso, sizeof iso),
	    (unsigned long)s->seq);
	text(&l, s->protocol);
	num(&l, st->valid, PTF_VOLTAGE, st->voltage, 3);
	num(&l, st->valid, PTF_CURRENT, st->current, 3);
	num(&l, st->valid, PTF_POWER, st->power, 1);
	num(&l, st->valid, PTF_SOC, st->soc, 0);
	num(&l, st->valid, PTF_TEMPERATURE, st->temperature, 1);
	num(&l, st->valid, PTF_TEMP_MIN, st->temp_min, 1);
	num(&l, st->valid, PTF_TEMP_MAX, st->temp_max, 1);
	num(&l, st->valid, PTF_CELL_VMIN, st->cell_vmin, 3);
	num(&l, st->valid, PTF_CELL_VMAX, st->cell_vmax, 3);
	num(&l, st->valid, PTF_CYCLES, (double)st->cycles, 0);
	num(&l, st->valid, PTF_ERROR_CODE, (double)st->error_code, 0);
	text(&l, st->status);
	alarm_names(&l, s);
	for (m = 0; m < lay->n_modules; m++)
		module_row(&l, lay, m, s);
	return finish(&l);
}
