/* energy.c — see energy.h. */
#include "sink/energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_H	3600000.0

void
energy_meter_gap(struct energy_meter *m)
{
	m->have_last = false;
}

/* Wh of the trapezoid from (0, a) to (dt_h, b), split at the zero
 * crossing into its positive and negative parts. */
static void
trapezoid(double a, double b, double dt_h, double *pos_wh, double *neg_wh)
{
	double t0;

	*pos_wh = *neg_wh = 0;
	if (a >= 0 && b >= 0) {
		*pos_wh = (a + b) / 2 * dt_h;
	} else if (a <= 0 && b <= 0) {
		*neg_wh = -(a + b) / 2 * dt_h;
	} else {
		t0 = a / (a - b) * dt_h;	/* where the line crosses zero */
		if (a > 0) {
			*pos_wh = a * t0 / 2;
			*neg_wh = -b * (dt_h - t0) / 2;
		} else {
			*neg_wh = -a * t0 / 2;
			*pos_wh = b * (dt_h - t0) / 2;
		}
	}
}

void
energy_meter_add(struct energy_meter *m, int64_t t_ms, double w, double max_gap_s)
{
	double pos, neg;
	int64_t dt;

	if (!isfinite(w)) {
		m->have_last = false;
		return;
	}
	dt = t_ms - m->last_ms;
	if (m->have_last && dt > 0 && (double)dt <= max_gap_s * 1000.0) {
		trapezoid(m->last_w, w, (double)dt / MS_PER_H, &pos, &neg);
		m->charged_kwh += pos / 1000.0;
		m->discharged_kwh += neg / 1000.0;
	}
	m->have_last = true;
	m->last_ms = t_ms;
	m->last_w = w;
}

void
energy_init(struct energy *e, double max_gap_s)
{
	memset(e, 0, sizeof *e);
	e->max_gap_s = max_gap_s > 0 ? max_gap_s : ENERGY_MAX_GAP_S_DEFAULT;
}

/* Index of module `id`, added at 0 when absent; -1 when full. */
static int
module_index(struct energy *e, const char *id)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->mod[i].id, id) == 0)
			return i;
	if (e->n == ENERGY_MAX_MODULES || id[0] == '\0')
		return -1;
	memset(&e->mod[e->n], 0, sizeof e->mod[e->n]);
	snprintf(e->mod[e->n].id, sizeof e->mod[e->n].id, "%s", id);
	return e->n++;
}

struct energy_meter *
energy_module(struct energy *e, const char *id)
{
	int k = module_index(e, id);

	return k < 0 ? NULL : &e->mod[k].m;
}

double
energy_module_power(const struct pt_module *m)
{
	if (PT_HAS(m, PTF_POWER))
		return m->power;
	if (PT_HAS(m, PTF_VOLTAGE) && PT_HAS(m, PTF_CURRENT))
		return m->voltage * m->current;
	return NAN;
}

double
energy_stack_power(const struct pt_stack *s)
{
	if (PT_HAS(s, PTF_POWER))
		return s->power;
	if (PT_HAS(s, PTF_VOLTAGE) && PT_HAS(s, PTF_CURRENT))
		return s->voltage * s->current;
	return NAN;
}

void
energy_gap_all(struct energy *e)
{
	int i;

	energy_meter_gap(&e->stack);
	for (i = 0; i < e->n; i++)
		energy_meter_gap(&e->mod[i].m);
}

void
energy_feed(struct energy *e, const struct pt_sample *s, const char (*ids)[ENERGY_ID_LEN])
{
	bool fed[ENERGY_MAX_MODULES] = { false };
	int i, k;

	energy_meter_add(&e->stack, s->time_ms, energy_stack_power(&s->stack), e->max_gap_s);
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		if ((k = module_index(e, ids[i])) < 0)
			continue;
		energy_meter_add(&e->mod[k].m, s->time_ms, energy_module_power(&s->modules[i]),
		    e->max_gap_s);
		fed[k] = true;
	}
	/* Absent from this sample: its next point must not bridge the hole. */
	for (i = 0; i < e->n; i++)
		if (!fed[i])
			energy_meter_gap(&e->mod[i].m);
}
