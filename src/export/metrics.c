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

/* A metric family: its HELP and TYPE are written before its first series
 * (of whichever stack), once — the format allows a family only once in
 * an exposition, so with several stacks each family loops over them all
 * and a family none of them has a series of is not declared at all. */
struct family {
	const char	*name, *type, *help;
	bool		 head;
};

#define GAUGE(n, h)	((struct family){ .name = (n), .type = "gauge", .help = (h) })

/* `name{stack="..."`, the family's head first — the caller adds further
 * labels and closes. */
static void
open_series(struct metrics_buf *b, struct family *f, const char *stack)
{
	if (!f->head)
		buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
		    f->type);
	f->head = true;
	buf_str(b, f->name);
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
render_stack_fields(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	const struct pt_field_def *f;
	char name[METRIC_NAME_LEN];
	double v;

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_STACK, pos)); pos++) {
		struct family fam;

		metric_name(name, f, PT_SCOPE_STACK);
		fam = GAUGE(name, f->metric.help);
		for (size_t i = 0; i < n; i++) {
			if (in[i].sample == NULL || !field_value(f, in[i].sample,
			    PT_SCOPE_STACK, &in[i].sample->stack, &v))
				continue;
			open_series(b, &fam, in[i].stack);
			close_series(b, v);
		}
	}
}

/* Open a module's series. */
static void
open_module_series(struct metrics_buf *b, struct family *fam, const struct metrics_input *in,
    const struct pt_module *m)
{
	open_series(b, fam, in->stack);
	module_labels(b, m);
}

/* A module's value of a family; false: no series for that module. */
typedef bool module_value_fn(const struct metrics_input *in, const struct pt_module *m,
    const void *arg, double *out);

/* One gauge family with a series per module (of every stack) that has a
 * value; none, not even HELP, when no module has one. */
static void
render_module_family(struct metrics_buf *b, const struct metrics_input *in, size_t n,
    const char *name, const char *help, module_value_fn *value, const void *arg)
{
	struct family fam = GAUGE(name, help);
	double v;

	for (size_t i = 0; i < n; i++) {
		const struct pt_sample *s = in[i].sample;

		for (int k = 0; s != NULL && k < s->n_modules; k++) {
			const struct pt_module *m = &s->modules[k];

			if (!value(&in[i], m, arg, &v))
				continue;
			open_module_series(b, &fam, &in[i], m);
			close_series(b, v);
		}
	}
}

static bool
module_field(const struct metrics_input *in, const struct pt_module *m, const void *arg,
    double *out)
{
	return field_value(arg, in->sample, PT_SCOPE_MODULE, m, out);
}

static void
render_module_fields(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	const struct pt_field_def *f;
	char name[METRIC_NAME_LEN];

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_MODULE, pos)); pos++) {
		metric_name(name, f, PT_SCOPE_MODULE);
		render_module_family(b, in, n, name, f->metric.help, module_field, f);
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
render_info(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	struct family stack = GAUGE("pylontop_stack_info",
	    "Protocol and controller identity of the stack (value 1).");
	struct family module = GAUGE("pylontop_module_info",
	    "Identity and base state of a module (value 1).");

	for (size_t i = 0; i < n; i++) {
		const struct pt_sample *s = in[i].sample;

		if (s == NULL)
			continue;
		open_series(b, &stack, in[i].stack);
		label(b, "protocol", s->protocol);
		if (s->dialect[0] != '\0')
			label(b, "dialect", s->dialect);
		info_labels(b, PT_SCOPE_STACK, &s->stack);
		close_series(b, 1);
	}
	for (size_t i = 0; i < n; i++) {
		const struct pt_sample *s = in[i].sample;

		for (int k = 0; s != NULL && k < s->n_modules; k++) {
			const struct pt_module *m = &s->modules[k];

			open_module_series(b, &module, &in[i], m);
			info_labels(b, PT_SCOPE_MODULE, m);
			close_series(b, 1);
		}
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
render_cell_family(struct metrics_buf *b, const struct metrics_input *in, size_t n,
    const struct pt_field_def *f, const char *name, const char *help)
{
	struct family fam = GAUGE(name, help);
	double v;

	for (size_t j = 0; j < n; j++) {
		const struct pt_sample *s = in[j].sample;

		for (int k = 0; s != NULL && k < s->n_modules; k++) {
			const struct pt_module *m = &s->modules[k];

			for (int i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
				if (!cell_value(f, s, &m->cells[i], &v))
					continue;
				open_module_series(b, &fam, &in[j], m);
				buf_printf(b, ",cell=\"%d\"", i + 1);
				/* Cells are floats: 7 digits are all they hold. */
				close_series_digits(b, v, 7);
			}
		}
	}
}

static void
render_cells(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	const struct pt_field_def *f;
	char name[METRIC_NAME_LEN], help[128];

	for (int pos = 1; (f = pt_field_at(PT_LAYOUT_METRICS, PT_SCOPE_CELL, pos)); pos++) {
		metric_name(name, f, PT_SCOPE_CELL);
		snprintf(help, sizeof help, "Cell %c%s",
		    tolower((unsigned char)f->metric.help[0]), f->metric.help + 1);
		render_cell_family(b, in, n, f, name, help);
	}
	render_cell_family(b, in, n, NULL, "pylontop_cell_balancing",
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
render_alarms(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	struct family active_f = GAUGE("pylontop_alarms_active",
	    "Alarms whose condition holds now.");
	struct family unacked_f = GAUGE("pylontop_alarms_unacknowledged",
	    "Latched alarms nobody acknowledged yet.");
	struct family alarm_f = GAUGE("pylontop_alarm",
	    "A latched alarm: 1 while its condition holds, 0 once cleared but not "
	    "acknowledged.");

	for (size_t j = 0; j < n; j++) {
		size_t active = 0;

		for (size_t i = 0; i < in[j].n_alarms; i++)
			active += in[j].alarms[i].active;
		open_series(b, &active_f, in[j].stack);
		close_series(b, (double)active);
	}
	for (size_t j = 0; j < n; j++) {
		size_t unacked = 0;

		for (size_t i = 0; i < in[j].n_alarms; i++)
			unacked += !in[j].alarms[i].acknowledged;
		open_series(b, &unacked_f, in[j].stack);
		close_series(b, (double)unacked);
	}
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < in[j].n_alarms; i++) {
			const struct pt_alarm *a = &in[j].alarms[i].alarm;

			open_series(b, &alarm_f, in[j].stack);
			label(b, "name", a->name);
			label(b, "level", alarm_level_name(a->level));
			label(b, "source", alarm_source_name(a->source));
			if (a->module > 0)
				buf_printf(b, ",module=\"%d\"", a->module);
			if (a->cell >= 0)
				buf_printf(b, ",cell=\"%d\"", a->cell + 1);
			close_series(b, in[j].alarms[i].active ? 1 : 0);
		}
}

/* ---- link and freshness ---------------------------------------------------- */

/* A stack-wide value of a family; false: no series for that stack. */
typedef bool stack_value_fn(const struct metrics_input *in, double *out);

/* One family with a series per stack that has a value. */
static void
render_stack_family(struct metrics_buf *b, const struct metrics_input *in, size_t n,
    struct family fam, stack_value_fn *value)
{
	double v;

	for (size_t i = 0; i < n; i++) {
		if (!value(&in[i], &v))
			continue;
		open_series(b, &fam, in[i].stack);
		/* Counters are whole numbers: %.0f prints them exactly up to 2^53. */
		close_series(b, v);
	}
}

#define COUNTER(n, h)	((struct family){ .name = (n), .type = "counter", .help = (h) })

/* A value of struct link_stats as a family of its own. */
#define LINK_VALUE(fn, expr, cond) \
static bool \
fn(const struct metrics_input *in, double *out) \
{ \
	const struct link_stats *ls = in->link; \
	*out = (double)(expr); \
	return (cond); \
}

LINK_VALUE(link_samples, ls->samples, true)
LINK_VALUE(link_timeouts, ls->timeouts, true)
LINK_VALUE(link_parse_errors, ls->parse_errors, true)
LINK_VALUE(link_checksum_errors, ls->checksum_errors, true)
LINK_VALUE(link_device_errors, ls->device_errors, true)
LINK_VALUE(link_reconnects, ls->reconnects, true)
LINK_VALUE(link_interval, ls->interval_s, true)
LINK_VALUE(link_cycle, (double)ls->cycle_ms / 1000.0, ls->cycle_ms > 0)
LINK_VALUE(link_modules, ls->modules, ls->modules > 0)
LINK_VALUE(stale_after, (double)ls->stale_after_ms / 1000.0, ls->stale_after_ms > 0)

static void
render_link(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	struct family state = GAUGE("pylontop_link_state",
	    "1 for the state the link to the device is in, 0 for the others.");

	for (size_t i = 0; i < n; i++)
		for (int st = LINK_IDLE; st <= LINK_STOPPED; st++) {
			open_series(b, &state, in[i].stack);
			label(b, "state", link_state_name((enum link_state)st));
			close_series(b, in[i].link->state == (enum link_state)st ? 1 : 0);
		}
	render_stack_family(b, in, n, COUNTER("pylontop_link_samples_total",
	    "Complete samples read."), link_samples);
	render_stack_family(b, in, n, COUNTER("pylontop_link_timeouts_total",
	    "Commands the device did not answer in time."), link_timeouts);
	render_stack_family(b, in, n, COUNTER("pylontop_link_parse_errors_total",
	    "Answers that could not be read."), link_parse_errors);
	render_stack_family(b, in, n, COUNTER("pylontop_link_checksum_errors_total",
	    "Frames with a bad checksum."), link_checksum_errors);
	render_stack_family(b, in, n, COUNTER("pylontop_link_device_errors_total",
	    "Commands the device refused."), link_device_errors);
	render_stack_family(b, in, n, COUNTER("pylontop_link_reconnects_total",
	    "Times the link was opened again after a loss."), link_reconnects);
	render_stack_family(b, in, n, GAUGE("pylontop_link_interval_seconds",
	    "Configured poll interval."), link_interval);
	render_stack_family(b, in, n, GAUGE("pylontop_link_cycle_seconds",
	    "Measured time between samples (median)."), link_cycle);
	render_stack_family(b, in, n, GAUGE("pylontop_link_modules",
	    "Modules the identification found."), link_modules);
}

/* The newest sample's age (ms, not negative); false with no sample. */
static bool
sample_age_ms(const struct metrics_input *in, int64_t *age)
{
	if (in->sample == NULL)
		return false;
	*age = in->now_ms - in->sample->time_ms;
	if (*age < 0)
		*age = 0;
	return true;
}

static bool
sample_timestamp(const struct metrics_input *in, double *out)
{
	if (in->sample == NULL)
		return false;
	*out = (double)in->sample->time_ms / 1000.0;
	return true;
}

static bool
sample_age(const struct metrics_input *in, double *out)
{
	int64_t age;

	if (!sample_age_ms(in, &age))
		return false;
	*out = (double)age / 1000.0;
	return true;
}

/* Stale by the monitor's rule (core/stale.h: the measured cycle, not the
 * interval).  No sample yet: stale — there is nothing current to show. */
static bool
sample_stale(const struct metrics_input *in, double *out)
{
	int64_t age;
	bool stale = true;

	if (sample_age_ms(in, &age))
		stale = in->link->stale_after_ms > 0 && age > in->link->stale_after_ms;
	*out = stale ? 1 : 0;
	return true;
}

static void
render_freshness(struct metrics_buf *b, const struct metrics_input *in, size_t n)
{
	render_stack_family(b, in, n, GAUGE("pylontop_sample_timestamp_seconds",
	    "When the newest sample was complete (Unix time)."), sample_timestamp);
	render_stack_family(b, in, n, GAUGE("pylontop_sample_age_seconds",
	    "Seconds since the newest sample was complete."), sample_age);
	render_stack_family(b, in, n, GAUGE("pylontop_sample_stale_after_seconds",
	    "Age from which the newest sample counts as stale."), stale_after);
	render_stack_family(b, in, n, GAUGE("pylontop_sample_stale",
	    "1 when there is no sample or the newest is older than the stale limit."),
	    sample_stale);
}

int
metrics_render_stacks(const struct metrics_input *in, size_t n, struct metrics_buf *out)
{
	render_freshness(out, in, n);
	render_link(out, in, n);
	render_alarms(out, in, n);
	render_info(out, in, n);
	render_stack_fields(out, in, n);
	render_module_fields(out, in, n);
	render_module_family(out, in, n, "pylontop_module_cells_age_seconds",
	    "Seconds since the device answered with this module's cells.", cells_age, NULL);
	render_cells(out, in, n);
	return out->failed ? -1 : 0;
}

int
metrics_render(const struct metrics_input *in, struct metrics_buf *out)
{
	return metrics_render_stacks(in, 1, out);
}
