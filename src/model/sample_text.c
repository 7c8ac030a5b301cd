/* sample_text.c — aligned human-readable output of one sample. */
#include "model/sample_text.h"

#include <math.h>
#include <string.h>

#include "util/clock.h"

/* A value that prints as zero prints as "0", not "-0": a sign on
 * nothing (a -0.04 W stack) reads as a discharge. */
static double
unsigned_zero(double v, int decimals)
{
	return fabs(v) < 0.5 / pow(10, decimals) ? 0.0 : v;
}

/* A value or "-" when unknown, right-aligned in `width`. */
static void
num(FILE *f, uint32_t valid, uint32_t bit, double v, int width, int decimals)
{
	if ((valid & bit) && isfinite(v))
		fprintf(f, " %*.*f", width, decimals, unsigned_zero(v, decimals));
	else
		fprintf(f, " %*s", width, "-");
}

static void
stack_line(FILE *f, const char *label, uint32_t valid, uint32_t bit, double v,
    int decimals, const char *unit)
{
	if (!(valid & bit) || !isfinite(v))
		return;
	fprintf(f, "  %-22s %.*f %s\n", label, decimals, unsigned_zero(v, decimals), unit);
}

static void
print_stack(FILE *f, const struct pt_sample *s)
{
	const struct pt_stack *st = &s->stack;
	uint32_t v = st->valid;

	fprintf(f, "Stack\n");
	if (st->model[0] != '\0')
		fprintf(f, "  %-22s %s\n", "model", st->model);
	if (st->barcode[0] != '\0')
		fprintf(f, "  %-22s %s\n", "barcode", st->barcode);
	if (st->status[0] != '\0')
		fprintf(f, "  %-22s %s\n", "status", st->status);
	stack_line(f, "voltage", v, PTF_VOLTAGE, st->voltage, 3, "V");
	stack_line(f, "current", v, PTF_CURRENT, st->current, 3, "A");
	stack_line(f, "power", v, PTF_POWER, st->power, 1, "W");
	stack_line(f, "state of charge", v, PTF_SOC, st->soc, 0, "%");
	stack_line(f, "state of health", v, PTF_SOH, st->soh, 0, "%");
	stack_line(f, "temperature", v, PTF_TEMPERATURE, st->temperature, 1, "C");
	stack_line(f, "temperature min", v, PTF_TEMP_MIN, st->temp_min, 1, "C");
	stack_line(f, "temperature max", v, PTF_TEMP_MAX, st->temp_max, 1, "C");
	stack_line(f, "cell voltage min", v, PTF_CELL_VMIN, st->cell_vmin, 3, "V");
	stack_line(f, "cell voltage max", v, PTF_CELL_VMAX, st->cell_vmax, 3, "V");
	stack_line(f, "remaining charge", v, PTF_REMAINING_AH, st->remaining_ah, 3, "Ah");
	stack_line(f, "full charge", v, PTF_FULL_AH, st->full_ah, 3, "Ah");
	stack_line(f, "remaining energy", v, PTF_REMAINING_WH, st->remaining_wh, 1, "Wh");
	stack_line(f, "cycles", v, PTF_CYCLES, (double)st->cycles, 0, "");
	stack_line(f, "error code", v, PTF_ERROR_CODE, (double)st->error_code, 0, "");
	stack_line(f, "modules", v, PTF_MODULE_COUNT, st->module_count, 0, "");
}

static void
print_modules(FILE *f, const struct pt_sample *s)
{
	bool derived = false;
	int i;

	if (s->n_modules == 0)
		return;
	fprintf(f, "\nModules\n  %3s %9s %8s %6s %5s %7s %7s %7s %-10s %s\n",
	    "id", "volt V", "curr A", "temp C", "SOC%", "cmin V", "cmax V",
	    "cycles", "status", "barcode");
	for (i = 0; i < s->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];

		fprintf(f, "  %3d", m->id);
		num(f, m->valid, PTF_VOLTAGE, m->voltage, 8, 3);
		fputc(PT_HAS(m, PTF_VOLTAGE_DERIVED) ? '*' : ' ', f);
		num(f, m->valid, PTF_CURRENT, m->current, 8, 3);
		num(f, m->valid, PTF_TEMPERATURE, m->temperature, 6, 1);
		num(f, m->valid, PTF_SOC, m->soc, 5, 0);
		num(f, m->valid, PTF_CELL_VMIN, m->cell_vmin, 7, 3);
		num(f, m->valid, PTF_CELL_VMAX, m->cell_vmax, 7, 3);
		num(f, m->valid, PTF_CYCLES, (double)m->cycles, 7, 0);
		fprintf(f, " %-10s %s\n", m->status[0] ? m->status : "-",
		    m->barcode[0] ? m->barcode : "-");
		derived |= PT_HAS(m, PTF_VOLTAGE_DERIVED);
	}
	if (derived)
		fprintf(f, "  * voltage summed from the cells (the device gives none)\n");
}

static void
print_cells(FILE *f, const struct pt_sample *s)
{
	int i, j;

	for (i = 0; i < s->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];
		struct pt_cell_stats cs;
		double age;

		if (m->n_cells == 0)
			continue;
		pt_module_cell_stats(m, &cs);
		fprintf(f, "\nModule %d cells", m->id);
		if (cs.count > 0)
			fprintf(f, " (min %.3f V #%d, max %.3f V #%d, spread %.0f mV)",
			    cs.min, cs.argmin + 1, cs.max, cs.argmax + 1, cs.spread * 1000);
		age = pt_module_cells_age_s(s, m);
		if (isfinite(age))
			fprintf(f, " read %.1f s ago%s", age, cs.count == 0 ?
			    ", too old: unknown" : "");
		else
			fprintf(f, " never read");
		fprintf(f, "\n  %4s %7s %6s %5s %3s %s\n", "cell", "volt V",
		    "temp C", "SOC%", "bal", "status");
		for (j = 0; j < m->n_cells; j++) {
			const struct pt_cell *c = &m->cells[j];
			const char *vs = pt_sample_word_text(s, c->voltage_status);
			const char *ts = pt_sample_word_text(s, c->temperature_status);

			fprintf(f, "  %4d", j + 1);
			num(f, c->valid, PTF_VOLTAGE, c->voltage, 7, 3);
			num(f, c->valid, PTF_TEMPERATURE, c->temperature, 6, 1);
			num(f, c->valid, PTF_SOC, c->soc, 5, 0);
			fprintf(f, " %3s %s%s%s\n",
			    PT_HAS(c, PTF_BALANCING) ? (c->balancing ? "yes" : "no") : "-",
			    vs[0] ? vs : "-", ts[0] ? "/" : "", ts);
		}
	}
}

static void
print_alarms(FILE *f, const struct pt_sample *s)
{
	static const char *const level[] = { "info", "warning", "alarm", "protect" };
	int i;

	if (s->n_alarms == 0)
		return;
	fprintf(f, "\nAlarms\n");
	for (i = 0; i < s->n_alarms; i++) {
		const struct pt_alarm *a = &s->alarms[i];

		fprintf(f, "  %-8s %-24s", a->level < 4 ? level[a->level] : "alarm", a->name);
		if (a->module > 0)
			fprintf(f, " module %d", a->module);
		if (a->cell >= 0)
			fprintf(f, " cell %d", a->cell + 1);
		if (isfinite(a->value))
			fprintf(f, " (%.3f)", a->value);
		fputc('\n', f);
	}
}

void
sample_print_text(FILE *f, const struct pt_sample *s)
{
	char iso[40];

	fprintf(f, "Time      %s\n", s->time_ms > 0 ?
	    clock_iso8601(s->time_ms, 0, iso, sizeof iso) : "-");
	fprintf(f, "Protocol  %s%s%s\n\n", s->protocol[0] ? s->protocol : "-",
	    s->dialect[0] ? " / " : "", s->dialect);
	print_stack(f, s);
	print_modules(f, s);
	print_cells(f, s);
	print_alarms(f, s);
}
