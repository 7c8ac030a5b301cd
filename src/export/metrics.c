/* metrics.c — the Prometheus text exposition (format 0.0.4) of one
 * sample, its link counters and alarms.  Pure: no clock, no locks, no
 * I/O; metrics_http.c feeds it snapshots.
 *
 * A metric family is written whole (HELP, TYPE, every series) before the
 * next starts, as the format requires, so the loops go family by family
 * and, inside one, module by module and cell by cell. */
#include "autoconfig.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/metrics.h"

#include "model/sample_fields.h"

#define METRICS_INITIAL_CAP	(64 * 1024)	/* a 16 x 16 LV stack: ~110 kB */

/* ---- buffer -------------------------------------------------------------- */

static bool
buf_reserve(struct metrics_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : METRICS_INITIAL_CAP;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void
buf_put(struct metrics_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct metrics_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf_reserve(b, 128))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		if (!buf_reserve(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
metrics_buf_free(struct metrics_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
metrics_escape_label(struct metrics_buf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" :
		    *s == '\n' ? "\\n" : NULL;

		if (esc == NULL)
			continue;
		buf_put(b, run, (size_t)(s - run));
		buf_str(b, esc);
		run = s + 1;
	}
	buf_put(b, run, (size_t)(s - run));
}

/* ---- series -------------------------------------------------------------- */

static void
family(struct metrics_buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* `name{stack="..."` — the caller adds further labels and closes. */
static void
open_series(struct metrics_buf *b, const char *name, const char *stack)
{
	buf_str(b, name);
	buf_str(b, "{stack=\"");
	metrics_escape_label(b, stack);
	buf_str(b, "\"");
}

static void
label(struct metrics_buf *b, const char *key, const char *value)
{
	buf_printf(b, ",%s=\"", key);
	metrics_escape_label(b, value);
	buf_str(b, "\"");
}

/* The labels of a module's series: module id, and the barcode once known. */
static void
module_labels(struct metrics_buf *b, const struct pt_module *m)
{
	buf_printf(b, ",module=\"%d\"", m->id);
	if (m->barcode[0] != '\0')
		label(b, "barcode", m->barcode);
}

/* Close the labels and write the value.  Integers print exactly; others
 * with enough digits for the device's resolution (mV, 0.1 degC). */
static void
close_series_digits(struct metrics_buf *b, double v, int digits)
{
	if (v == floor(v) && fabs(v) < 1e15)
		buf_printf(b, "} %.0f\n", v);
	else
		buf_printf(b, "} %.*g\n", digits, v);
}

static void
close_series(struct metrics_buf *b, double v)
{
	close_series_digits(b, v, 15);	/* ms in a Unix time */
}

/* ---- fields (model/sample_fields.c: each row's .metric) ------------------ */

static const char *const scope_prefix[] = {
	[PT_SCOPE_STACK] = "pylontop_stack_",
	[PT_SCOPE_MODULE] = "pylontop_module_",
	[PT_SCOPE_CELL] = "pylontop_cell_",
};

#define METRIC_NAME_LEN	96

/* pylontop_<scope>_<the row's name>. */
static void
metric_name(char name[METRIC_NAME_LEN], const struct pt_field_def *f, enum pt_scope scope)
{
	snprintf(name, METRIC_NAME_LEN, "%s%s", scope_prefix[scope], f->metric.name);
}

/* A row's gauge value in a scope (none for a text row), scaled to the metric's unit. */
static bool
field_value(const struct pt_field_def *f, const struct pt_sample *s, enum pt_scope scope,
    const void *obj, double *out)
{
	double v;

	if (!pt_field_number(f, s, scope, obj, &v))
		return false;
	v *= f->metric.scale;
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

static void
render_stack_fields(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_field_def *f;
	const struct pt_stack *st = &in->sample->stack;
	char name[METRIC_NAME_LEN];
	double v;

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_STACK, pos)); pos++) {
		if (!field_value(f, in->sample, PT_SCOPE_STACK, st, &v))
			continue;
		metric_name(name, f, PT_SCOPE_STACK);
		family(b, name, "gauge", f->metric.help);
		open_series(b, name, in->stack);
		close_series(b, v);
	}
}

/* Open a module's series, the family's HELP and TYPE first when it is
 * the family's first series (*head false). */
static void
open_module_series(struct metrics_buf *b, const struct metrics_input *in, bool *head,
    const char *name, const char *help, const struct pt_module *m)
{
	if (!*head)
		family(b, name, "gauge", help);
	*head = true;
	open_series(b, name, in->stack);
	module_labels(b, m);
}

/* A module's value of a family; false: no series for that module. */
typedef bool module_value_fn(const struct metrics_input *in, const struct pt_module *m,
    const void *arg, double *out);

/* One gauge family with a series per module that has a value; none, not
 * even HELP, when no module has one. */
static void
render_module_family(struct metrics_buf *b, const struct metrics_input *in, const char *name,
    const char *help, module_value_fn *value, const void *arg)
{
	const struct pt_sample *s = in->sample;
	bool head = false;
	double v;

	for (int k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];

		if (!value(in, m, arg, &v))
			continue;
		open_module_series(b, in, &head, name, help, m);
		close_series(b, v);
	}
}

static bool
module_field(const struct metrics_input *in, const struct pt_module *m, const void *arg,
    double *out)
{
	return field_value(arg, in->sample, PT_SCOPE_MODULE, m, out);
}

static void
render_module_fields(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_field_def *f;
	char name[METRIC_NAME_LEN];

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_MODULE, pos)); pos++) {
		metric_name(name, f, PT_SCOPE_MODULE);
		render_module_family(b, in, name, f->metric.help, module_field, f);
	}
}

/* The text rows of a scope as _info labels, those known. */
static void
info_labels(struct metrics_buf *b, enum pt_scope scope, const void *obj)
{
	const struct pt_field_def *f;
	const char *text;

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, scope, pos)); pos++)
		if (pt_field_is_text(f, scope) && (text = pt_field_text(f, scope, obj))[0] != '\0')
			label(b, f->metric.name, text);
}

/* Identity and state words as labels of a constant 1 (the usual _info
 * pattern), so a dashboard can join them onto the gauges. */
static void
render_info(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_sample *s = in->sample;
	bool head = false;

	family(b, "pylontop_stack_info", "gauge",
	    "Protocol and controller identity of the stack (value 1).");
	open_series(b, "pylontop_stack_info", in->stack);
	label(b, "protocol", s->protocol);
	if (s->dialect[0] != '\0')
		label(b, "dialect", s->dialect);
	info_labels(b, PT_SCOPE_STACK, &s->stack);
	close_series(b, 1);
	for (int k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];

		open_module_series(b, in, &head, "pylontop_module_info",
		    "Identity and base state of a module (value 1).", m);
		info_labels(b, PT_SCOPE_MODULE, m);
		close_series(b, 1);
	}
}

/* How old a module's cells are (seconds): cells read in an earlier
 * cycle (round-robin, one lost answer) are served with their own age. */
static bool
cells_age(const struct metrics_input *in, const struct pt_module *m, const void *arg,
    double *out)
{
	int64_t age = in->now_ms - m->cells_ms;

	(void)arg;
	if (m->cells_ms <= 0)
		return false;
	*out = (double)(age > 0 ? age : 0) / 1000.0;
	return true;
}

/* A cell's value of a row, or with no row its balancing flag (a bool,
 * not a row of the field table, as in the JSON): 1 while balancing. */
static bool
cell_value(const struct pt_field_def *f, const struct pt_sample *s, const struct pt_cell *c,
    double *out)
{
	if (f != NULL)
		return field_value(f, s, PT_SCOPE_CELL, c, out);
	if (!PT_HAS(c, PTF_BALANCING))
		return false;
	*out = c->balancing ? 1 : 0;
	return true;
}

/* One family of cells (f: a row, NULL: balancing). */
static void
render_cell_family(struct metrics_buf *b, const struct metrics_input *in,
    const struct pt_field_def *f, const char *name, const char *help)
{
	const struct pt_sample *s = in->sample;
	bool head = false;
	double v;

	for (int k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];

		for (int i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
			if (!cell_value(f, s, &m->cells[i], &v))
				continue;
			open_module_series(b, in, &head, name, help, m);
			buf_printf(b, ",cell=\"%d\"", i + 1);
			/* Cells are floats: 7 digits are all they hold. */
			close_series_digits(b, v, 7);
		}
	}
}

static void
render_cells(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_field_def *f;
	char name[METRIC_NAME_LEN], help[128];

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_CELL, pos)); pos++) {
		metric_name(name, f, PT_SCOPE_CELL);
		snprintf(help, sizeof help, "Cell %c%s",
		    tolower((unsigned char)f->metric.help[0]), f->metric.help + 1);
		render_cell_family(b, in, f, name, help);
	}
	render_cell_family(b, in, NULL, "pylontop_cell_balancing",
	    "1 while the BMS balances the cell.");
}

/* ---- alarms ---------------------------------------------------------------- */

static const char *
alarm_source_name(int source)
{
	switch (source) {
	case PT_ALARM_BMS: return "bms";
	case PT_ALARM_THRESHOLD: return "threshold";
	case PT_ALARM_LINK: return "link";
	default: return "unknown";
	}
}

static void
render_alarms(struct metrics_buf *b, const struct metrics_input *in)
{
	size_t active = 0, unacked = 0;

	for (size_t i = 0; i < in->n_alarms; i++) {
		active += in->alarms[i].active;
		unacked += !in->alarms[i].acknowledged;
	}
	family(b, "pylontop_alarms_active", "gauge", "Alarms whose condition holds now.");
	open_series(b, "pylontop_alarms_active", in->stack);
	close_series(b, (double)active);
	family(b, "pylontop_alarms_unacknowledged", "gauge",
	    "Latched alarms nobody acknowledged yet.");
	open_series(b, "pylontop_alarms_unacknowledged", in->stack);
	close_series(b, (double)unacked);
	if (in->n_alarms == 0)
		return;
	family(b, "pylontop_alarm", "gauge",
	    "A latched alarm: 1 while its condition holds, 0 once cleared but not "
	    "acknowledged.");
	for (size_t i = 0; i < in->n_alarms; i++) {
		const struct pt_alarm *a = &in->alarms[i].alarm;

		open_series(b, "pylontop_alarm", in->stack);
		label(b, "name", a->name);
		label(b, "level", alarm_level_name(a->level));
		label(b, "source", alarm_source_name(a->source));
		if (a->module > 0)
			buf_printf(b, ",module=\"%d\"", a->module);
		if (a->cell >= 0)
			buf_printf(b, ",cell=\"%d\"", a->cell + 1);
		close_series(b, in->alarms[i].active ? 1 : 0);
	}
}

/* ---- link and freshness ---------------------------------------------------- */

static void
counter(struct metrics_buf *b, const struct metrics_input *in, const char *name,
    uint64_t v, const char *help)
{
	family(b, name, "counter", help);
	open_series(b, name, in->stack);
	buf_printf(b, "} %llu\n", (unsigned long long)v);
}

static void
gauge(struct metrics_buf *b, const struct metrics_input *in, const char *name, double v,
    const char *help)
{
	family(b, name, "gauge", help);
	open_series(b, name, in->stack);
	close_series(b, v);
}

static void
render_link(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct link_stats *ls = in->link;

	family(b, "pylontop_link_state", "gauge",
	    "1 for the state the link to the device is in, 0 for the others.");
	for (int st = LINK_IDLE; st <= LINK_STOPPED; st++) {
		open_series(b, "pylontop_link_state", in->stack);
		label(b, "state", link_state_name((enum link_state)st));
		close_series(b, ls->state == (enum link_state)st ? 1 : 0);
	}
	counter(b, in, "pylontop_link_samples_total", ls->samples, "Complete samples read.");
	counter(b, in, "pylontop_link_timeouts_total", ls->timeouts,
	    "Commands the device did not answer in time.");
	counter(b, in, "pylontop_link_parse_errors_total", ls->parse_errors,
	    "Answers that could not be read.");
	counter(b, in, "pylontop_link_checksum_errors_total", ls->checksum_errors,
	    "Frames with a bad checksum.");
	counter(b, in, "pylontop_link_device_errors_total", ls->device_errors,
	    "Commands the device refused.");
	counter(b, in, "pylontop_link_reconnects_total", ls->reconnects,
	    "Times the link was opened again after a loss.");
	gauge(b, in, "pylontop_link_interval_seconds", ls->interval_s,
	    "Configured poll interval.");
	if (ls->cycle_ms > 0)
		gauge(b, in, "pylontop_link_cycle_seconds", (double)ls->cycle_ms / 1000.0,
		    "Measured time between samples (median).");
	if (ls->modules > 0)
		gauge(b, in, "pylontop_link_modules", ls->modules,
		    "Modules the identification found.");
}

/* Age of the newest sample and whether it is stale by the monitor's rule
 * (core/stale.h: the measured cycle, not the interval).  No sample yet:
 * no age, and stale — there is nothing current to show. */
static void
render_freshness(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct link_stats *ls = in->link;
	bool stale = true;

	if (in->sample != NULL) {
		int64_t age = in->now_ms - in->sample->time_ms;

		if (age < 0)
			age = 0;
		stale = ls->stale_after_ms > 0 && age > ls->stale_after_ms;
		gauge(b, in, "pylontop_sample_timestamp_seconds",
		    (double)in->sample->time_ms / 1000.0,
		    "When the newest sample was complete (Unix time).");
		gauge(b, in, "pylontop_sample_age_seconds", (double)age / 1000.0,
		    "Seconds since the newest sample was complete.");
	}
	if (ls->stale_after_ms > 0)
		gauge(b, in, "pylontop_sample_stale_after_seconds",
		    (double)ls->stale_after_ms / 1000.0,
		    "Age from which the newest sample counts as stale.");
	gauge(b, in, "pylontop_sample_stale", stale ? 1 : 0,
	    "1 when there is no sample or the newest is older than the stale limit.");
}

int
metrics_render(const struct metrics_input *in, struct metrics_buf *out)
{
	render_freshness(out, in);
	render_link(out, in);
	render_alarms(out, in);
	if (in->sample != NULL) {
		render_info(out, in);
		render_stack_fields(out, in);
		render_module_fields(out, in);
		render_module_family(out, in, "pylontop_module_cells_age_seconds",
		    "Seconds since the device answered with this module's cells.", cells_age,
		    NULL);
		render_cells(out, in);
	}
	return out->failed ? -1 : 0;
}
