/* metrics.c — the Prometheus text exposition (format 0.0.4) of one
 * sample, its link counters and alarms.  Pure: no clock, no locks, no
 * I/O; metrics_http.c feeds it snapshots.
 *
 * A metric family is written whole (HELP, TYPE, every series) before the
 * next starts, as the format requires, so the loops go family by family
 * and, inside one, module by module and cell by cell. */
#include "autoconfig.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/metrics.h"

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

/* ---- stack and module fields --------------------------------------------- */

enum field_kind { FK_DOUBLE, FK_LONG };

/* One numeric field of struct pt_stack / pt_module.  Offsets of -1: the
 * struct has no such field.  `scale` converts to the metric's unit (% to
 * a 0..1 ratio, as Prometheus names ratios). */
struct field_metric {
	const char	*suffix;	/* after pylontop_stack_ / pylontop_module_ */
	uint32_t	bit;
	enum field_kind	kind;
	long		stack_off, module_off;
	double		scale;
	const char	*help;
};

#define SOFF(f)	((long)offsetof(struct pt_stack, f))
#define MOFF(f)	((long)offsetof(struct pt_module, f))

static const struct field_metric fields[] = {
	{ "voltage_volts", PTF_VOLTAGE, FK_DOUBLE, SOFF(voltage), MOFF(voltage), 1,
	    "Voltage (V)." },
	{ "current_amperes", PTF_CURRENT, FK_DOUBLE, SOFF(current), MOFF(current), 1,
	    "Current (A), positive when charging." },
	{ "power_watts", PTF_POWER, FK_DOUBLE, SOFF(power), MOFF(power), 1,
	    "Power (W), positive when charging." },
	{ "state_of_charge_ratio", PTF_SOC, FK_DOUBLE, SOFF(soc), MOFF(soc), 0.01,
	    "State of charge (0 to 1)." },
	{ "state_of_health_ratio", PTF_SOH, FK_DOUBLE, SOFF(soh), MOFF(soh), 0.01,
	    "State of health as the BMS reports it (0 to 1)." },
	{ "temperature_celsius", PTF_TEMPERATURE, FK_DOUBLE, SOFF(temperature),
	    MOFF(temperature), 1, "Temperature (degC)." },
	{ "temperature_min_celsius", PTF_TEMP_MIN, FK_DOUBLE, SOFF(temp_min), MOFF(temp_min),
	    1, "Lowest cell or sensor temperature (degC)." },
	{ "temperature_max_celsius", PTF_TEMP_MAX, FK_DOUBLE, SOFF(temp_max), MOFF(temp_max),
	    1, "Highest cell or sensor temperature (degC)." },
	{ "mos_temperature_celsius", PTF_MOS_TEMPERATURE, FK_DOUBLE, -1,
	    MOFF(mos_temperature), 1, "MOSFET temperature (degC)." },
	{ "cell_voltage_min_volts", PTF_CELL_VMIN, FK_DOUBLE, SOFF(cell_vmin), MOFF(cell_vmin),
	    1, "Lowest cell voltage (V)." },
	{ "cell_voltage_max_volts", PTF_CELL_VMAX, FK_DOUBLE, SOFF(cell_vmax), MOFF(cell_vmax),
	    1, "Highest cell voltage (V)." },
	/* Prometheus wants base units: charge in coulombs (Ah x 3600), energy
	 * in joules (Wh x 3600); promtool rejects "_hours" in a name. */
	{ "remaining_charge_coulombs", PTF_REMAINING_AH, FK_DOUBLE, SOFF(remaining_ah),
	    MOFF(remaining_ah), 3600, "Remaining capacity (C; Ah x 3600)." },
	{ "full_charge_coulombs", PTF_FULL_AH, FK_DOUBLE, SOFF(full_ah), MOFF(full_ah), 3600,
	    "Full-charge capacity (C; Ah x 3600)." },
	{ "design_charge_coulombs", PTF_DESIGN_AH, FK_DOUBLE, -1, MOFF(design_ah), 3600,
	    "Design capacity (C; Ah x 3600)." },
	{ "remaining_energy_joules", PTF_REMAINING_WH, FK_DOUBLE, SOFF(remaining_wh),
	    MOFF(remaining_wh), 3600, "Remaining energy (J; Wh x 3600)." },
	{ "charge_current_limit_amperes", PTF_CHARGE_LIMIT, FK_DOUBLE, SOFF(charge_limit),
	    MOFF(charge_limit), 1, "Maximum charge current the BMS allows (A)." },
	{ "discharge_current_limit_amperes", PTF_DISCHARGE_LIMIT, FK_DOUBLE,
	    SOFF(discharge_limit), MOFF(discharge_limit), 1,
	    "Maximum discharge current the BMS allows (A)." },
	{ "charge_voltage_limit_volts", PTF_CHARGE_VOLTAGE, FK_DOUBLE, SOFF(charge_voltage),
	    MOFF(charge_voltage), 1, "Charge voltage the BMS asks for (V)." },
	{ "cycles", PTF_CYCLES, FK_LONG, SOFF(cycles), MOFF(cycles), 1,
	    "Charge cycles the BMS counted." },
};

static bool
field_value(const struct field_metric *f, const void *obj, long off, uint32_t valid,
    double *out)
{
	const char *base = obj;
	double v;

	if (off < 0 || (valid & f->bit) == 0)
		return false;
	if (f->kind == FK_LONG) {
		long l;

		memcpy(&l, base + off, sizeof l);
		v = (double)l;
	} else {
		memcpy(&v, base + off, sizeof v);
	}
	v *= f->scale;
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

static void
render_stack_fields(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_stack *st = &in->sample->stack;
	char name[96];
	double v;

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field_metric *f = &fields[i];

		if (!field_value(f, st, f->stack_off, st->valid, &v))
			continue;
		snprintf(name, sizeof name, "pylontop_stack_%s", f->suffix);
		family(b, name, "gauge", f->help);
		open_series(b, name, in->stack);
		close_series(b, v);
	}
	if (PT_HAS(st, PTF_MODULE_COUNT)) {
		family(b, "pylontop_stack_modules", "gauge", "Modules the stack reports.");
		open_series(b, "pylontop_stack_modules", in->stack);
		close_series(b, st->module_count);
	}
}

static void
render_module_fields(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_sample *s = in->sample;
	char name[96];
	double v;

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field_metric *f = &fields[i];
		bool head = false;

		snprintf(name, sizeof name, "pylontop_module_%s", f->suffix);
		for (int k = 0; k < s->n_modules; k++) {
			const struct pt_module *m = &s->modules[k];

			if (!field_value(f, m, f->module_off, m->valid, &v))
				continue;
			if (!head)
				family(b, name, "gauge", f->help);
			head = true;
			open_series(b, name, in->stack);
			module_labels(b, m);
			close_series(b, v);
		}
	}
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
	if (s->stack.model[0] != '\0')
		label(b, "model", s->stack.model);
	if (s->stack.barcode[0] != '\0')
		label(b, "barcode", s->stack.barcode);
	if (s->stack.firmware[0] != '\0')
		label(b, "firmware", s->stack.firmware);
	if (s->stack.status[0] != '\0')
		label(b, "status", s->stack.status);
	close_series(b, 1);
	for (int k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];

		if (!head)
			family(b, "pylontop_module_info", "gauge",
			    "Identity and base state of a module (value 1).");
		head = true;
		open_series(b, "pylontop_module_info", in->stack);
		module_labels(b, m);
		if (m->model[0] != '\0')
			label(b, "model", m->model);
		if (m->firmware[0] != '\0')
			label(b, "firmware", m->firmware);
		if (m->status[0] != '\0')
			label(b, "status", m->status);
		close_series(b, 1);
	}
}

/* How old each module's cells are: cells read in an earlier cycle
 * (round-robin, one lost answer) are served with their own age. */
static void
render_cells_age(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_sample *s = in->sample;
	bool head = false;

	for (int k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];
		int64_t age = in->now_ms - m->cells_ms;

		if (m->cells_ms <= 0)
			continue;
		if (!head)
			family(b, "pylontop_module_cells_age_seconds", "gauge",
			    "Seconds since the device answered with this module's cells.");
		head = true;
		open_series(b, "pylontop_module_cells_age_seconds", in->stack);
		module_labels(b, m);
		close_series(b, (double)(age > 0 ? age : 0) / 1000.0);
	}
}

enum cell_metric { CM_VOLTAGE, CM_TEMPERATURE, CM_SOC, CM_BALANCING, CM_N };

static const struct {
	const char	*name;
	uint32_t	bit;
	const char	*help;
} cell_metrics[CM_N] = {
	[CM_VOLTAGE] = { "pylontop_cell_voltage_volts", PTF_VOLTAGE, "Cell voltage (V)." },
	[CM_TEMPERATURE] = { "pylontop_cell_temperature_celsius", PTF_TEMPERATURE,
	    "Cell temperature (degC)." },
	[CM_SOC] = { "pylontop_cell_state_of_charge_ratio", PTF_SOC,
	    "Cell state of charge (0 to 1)." },
	[CM_BALANCING] = { "pylontop_cell_balancing", PTF_BALANCING,
	    "1 while the BMS balances the cell." },
};

static double
cell_value(const struct pt_cell *c, enum cell_metric cm)
{
	switch (cm) {
	case CM_VOLTAGE: return c->voltage;
	case CM_TEMPERATURE: return c->temperature;
	case CM_SOC: return c->soc * 0.01;
	case CM_BALANCING: return c->balancing ? 1 : 0;
	case CM_N: break;
	}
	return NAN;
}

static void
render_cells(struct metrics_buf *b, const struct metrics_input *in)
{
	const struct pt_sample *s = in->sample;

	for (int cm = 0; cm < CM_N; cm++) {
		bool head = false;

		for (int k = 0; k < s->n_modules; k++) {
			const struct pt_module *m = &s->modules[k];

			for (int i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
				double v = cell_value(&m->cells[i], (enum cell_metric)cm);

				if (!PT_HAS(&m->cells[i], cell_metrics[cm].bit) || !isfinite(v))
					continue;
				if (!head)
					family(b, cell_metrics[cm].name, "gauge",
					    cell_metrics[cm].help);
				head = true;
				open_series(b, cell_metrics[cm].name, in->stack);
				module_labels(b, m);
				buf_printf(b, ",cell=\"%d\"", i + 1);
				/* Cells are floats: 7 digits are all they hold. */
				close_series_digits(b, v, 7);
			}
		}
	}
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
		render_cells_age(out, in);
		render_cells(out, in);
	}
	return out->failed ? -1 : 0;
}
