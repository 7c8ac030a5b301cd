/* sample_text.c — aligned human-readable output of one sample. */
#include "model/sample_text.h"

#include <math.h>
#include <string.h>

#include "model/sample_fields.h"
#include "util/clock.h"
#include "util/fixed.h"

/* A value that prints as zero prints as "0", not "-0": a sign on
 * nothing (a -0.04 W stack) reads as a discharge. */
static double
unsigned_zero(double v, int decimals)
{
	return fabs(v) < 0.5 / pt_pow10(decimals) ? 0.0 : v;
}

/* A value or "-" when unknown, right-aligned in `width`. */
static void
num(FILE *f, bool known, double v, int width, int decimals)
{
	if (known && isfinite(v))
		fprintf(f, " %*.*f", width, decimals, unsigned_zero(v, decimals));
	else
		fprintf(f, " %*s", width, "-");
}

/* The stack's known fields, a line each, in their text positions
 * (sample_fields.c). */
static void
print_stack(FILE *f, const struct pt_sample *s)
{
	const struct pt_field_def *fd;
	double v;
	int pos;

	fprintf(f, "Stack\n");
	for (pos = 1; (fd = pt_field_at(PT_LAYOUT_TEXT, PT_SCOPE_STACK, pos)) != NULL; pos++) {
		if (pt_field_is_text(fd, PT_SCOPE_STACK)) {
			const char *t = pt_field_text(fd, PT_SCOPE_STACK, &s->stack);

			if (t[0] != '\0')
				fprintf(f, "  %-22s %s\n", fd->label, t);
		} else if (pt_field_number(fd, s, PT_SCOPE_STACK, &s->stack, &v))
			fprintf(f, "  %-22s %.*f %s\n", fd->label, fd->decimals,
			    unsigned_zero(v, fd->decimals), fd->unit);
	}
}

/* The module table's columns are the rows with a module text position;
 * the voltage column carries a '*' when it was summed from the cells. */
static bool
marked(const struct pt_field_def *fd)
{
	return fd->bit == PTF_VOLTAGE;
}

static void
print_modules(FILE *f, const struct pt_sample *s)
{
	const struct pt_field_def *fd;
	bool derived = false;
	double v;
	int i, pos;

	if (s->n_modules == 0)
		return;
	fprintf(f, "\nModules\n  %3s", "id");
	for (pos = 1; (fd = pt_field_at(PT_LAYOUT_TEXT, PT_SCOPE_MODULE, pos)) != NULL; pos++)
		fprintf(f, " %*s", fd->text_width + marked(fd), fd->text_head);
	fprintf(f, " %-10s %s\n", "status", "barcode");
	for (i = 0; i < s->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];

		fprintf(f, "  %3d", m->id);
		for (pos = 1; (fd = pt_field_at(PT_LAYOUT_TEXT, PT_SCOPE_MODULE, pos)) != NULL;
		    pos++) {
			bool known = pt_field_number(fd, s, PT_SCOPE_MODULE, m, &v);

			num(f, known, v, fd->text_width, fd->decimals);
			if (marked(fd))
				fputc(PT_HAS(m, PTF_VOLTAGE_DERIVED) ? '*' : ' ', f);
		}
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
			num(f, PT_HAS(c, PTF_VOLTAGE), c->voltage, 7, 3);
			num(f, PT_HAS(c, PTF_TEMPERATURE), c->temperature, 6, 1);
			num(f, PT_HAS(c, PTF_SOC), c->soc, 5, 0);
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
