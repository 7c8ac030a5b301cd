/* sample_csv.c — CSV header and rows. */
#include "model/sample_csv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample_fields.h"
#include "util/clock.h"
#include "util/fixed.h"
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

/* Room for `need` more bytes and the NUL. */
static bool
reserve(struct line *l, size_t need)
{
	char *np;

	if (l->failed)
		return false;
	if (l->cap - l->len > need)
		return true;
	l->cap = l->cap * 2 + need + 64;
	if ((np = realloc(l->p, l->cap)) == NULL) {
		l->failed = true;
		return false;
	}
	l->p = np;
	return true;
}

/* A comma and `s` (no printf: this runs for every column of every row). */
static void
put_field(struct line *l, const char *s, size_t n)
{
	if (!reserve(l, n + 1))
		return;
	l->p[l->len++] = ',';
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
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
num(struct line *l, bool known, double v, int decimals)
{
	char buf[64];
	int n = 0;

	/* A value that prints as zero is written "0.0", not "-0.0". */
	if (known && isfinite(v))
		n = pt_fmt_fixed(buf, sizeof buf, fabs(v) < 0.5 / pt_pow10(decimals) ? 0.0 : v,
		    decimals);
	put_field(l, buf, n > 0 ? (size_t)n : 0);
}

static void
text(struct line *l, const char *s)
{
	char buf[256];

	san_csv_field(buf, sizeof buf, s);
	put_field(l, buf, strlen(buf));
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

/* Columns of a scope, in their CSV positions (sample_fields.c). */
static void
header_cols(struct line *l, enum pt_scope scope, const char *prefix)
{
	const struct pt_field_def *f;
	int pos;

	for (pos = 1; (f = pt_field_at(PT_LAYOUT_CSV, scope, pos)) != NULL; pos++)
		put(l, ",%s%s", prefix, f->csv);
}

char *
sample_csv_header(const struct csv_layout *lay)
{
	struct line l;
	char prefix[16];
	int m, c;

	if (!start(&l))
		return NULL;
	put(&l, "time,seq,protocol");
	header_cols(&l, PT_SCOPE_STACK, "stack_");
	put(&l, ",alarms");
	for (m = 0; m < lay->n_modules; m++) {
		snprintf(prefix, sizeof prefix, "m%02d_", lay->module_id[m]);
		header_cols(&l, PT_SCOPE_MODULE, prefix);
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

/* The values of a scope, in their CSV positions; empty when unknown. */
static void
row_cols(struct line *l, const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	const struct pt_field_def *f;
	double v;
	int pos;

	for (pos = 1; (f = pt_field_at(PT_LAYOUT_CSV, scope, pos)) != NULL; pos++) {
		if (pt_field_is_text(f, scope))
			text(l, pt_field_text(f, scope, obj));
		else {
			bool known = pt_field_number(f, s, scope, obj, &v);

			num(l, known, v, f->decimals);
		}
	}
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
	const int vdec = pt_field_by_key("voltage")->decimals;
	const int tdec = pt_field_by_key("temperature")->decimals;
	int c;

	if (m == NULL)
		m = &none;	/* empty columns; cells_age_s empty: never read */
	row_cols(l, s, PT_SCOPE_MODULE, m);
	for (c = 0; c < lay->n_temps[idx]; c++)
		num(l, c < m->n_temps, m->temps[c], tdec);
	for (c = 0; c < lay->n_cells[idx]; c++) {
		const struct pt_cell *cell = c < m->n_cells ? &m->cells[c] : NULL;
		num(l, cell != NULL && PT_HAS(cell, PTF_VOLTAGE), cell ? cell->voltage : 0, vdec);
	}
	if (lay->cell_temps[idx])
		for (c = 0; c < lay->n_cells[idx]; c++) {
			const struct pt_cell *cell = c < m->n_cells ? &m->cells[c] : NULL;
			num(l, cell != NULL && PT_HAS(cell, PTF_TEMPERATURE),
			    cell ? cell->temperature : 0, tdec);
		}
}

char *
sample_csv_row(const struct csv_layout *lay, const struct pt_sample *s)
{
	struct line l;
	char iso[40];
	int m;

	if (!start(&l))
		return NULL;
	put(&l, "%s,%lu", clock_iso8601(s->time_ms, 0, iso, sizeof iso),
	    (unsigned long)s->seq);
	text(&l, s->protocol);
	row_cols(&l, s, PT_SCOPE_STACK, &s->stack);
	alarm_names(&l, s);
	for (m = 0; m < lay->n_modules; m++)
		module_row(&l, lay, m, s);
	return finish(&l);
}
