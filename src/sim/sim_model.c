/* sim_model.c — plausible, deterministic battery values. */
#include "sim/sim_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* LiFePO4 open-circuit voltage, roughly, by state of charge. */
static double
ocv(double soc)
{
	if (soc < 10)
		return 3.00 + soc * 0.019;
	if (soc > 95)
		return 3.35 + (soc - 95) * 0.01;
	return 3.19 + (soc - 10) * 0.0019;
}

static int64_t
utc_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
sim_module_dead(const struct sim_model *m, int i)
{
	return i >= 0 && i < m->modules && m->m[i].dead_at > 0 && now_s() >= m->m[i].dead_at;
}

bool
sim_module_cells_answered(const struct sim_model *m, int i)
{
	return i >= 0 && i < m->modules &&
	    !(m->m[i].batfail && now_s() >= m->m[i].batfail_at) && !sim_module_dead(m, i);
}

int
sim_module_protect_cell(const struct sim_model *m, const struct sim_module *mod)
{
	int c, hi = 0;

	if (!mod->protect)
		return -1;
	for (c = 1; c < m->cells; c++)
		if (mod->cell_v[c] > mod->cell_v[hi])
			hi = c;
	return hi;
}

static double
noise(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return ((double)((*seed >> 16) & 0x7fff) / 32767.0 - 0.5);
}

void
sim_model_init(struct sim_model *m, int modules, int cells, const char *barcode, unsigned seed)
{
	int i;

	memset(m, 0, sizeof *m);
	m->modules = modules;
	m->cells = cells;
	m->seed = seed;
	m->start = now_s();
	m->last_step = -1;
	m->soc = 62;
	m->cycles = 313;
	snprintf(m->barcode, sizeof m->barcode, "%s", barcode);
	for (i = 0; i < modules; i++) {
		struct sim_module *mod = &m->m[i];
		mod->id = i + 1;
		snprintf(mod->barcode, sizeof mod->barcode, "PPTBH02400%06d", 12345 + i * 1111);
		mod->capacity_ah = cells >= 15 ? 50 : 100;
		mod->cycles = 300 + i * 7;
		mod->soc = m->soc - i;
		mod->drift_cell = -1;
	}
	sim_model_step(m);
}

void
sim_model_step(struct sim_model *m)
{
	double t = now_s() - m->start;
	int64_t sec = (int64_t)t;
	double period = 900, sum_v = 0, sum_t = 0, sum_soc = 0;
	int i, c;

	if (sec == m->last_step)
		return;
	m->last_step = sec;
	m->step_ms = utc_ms();
	/* A 15-minute cycle: charge half the time, discharge the other. */
	m->current = 24.0 * sin(2 * M_PI * (double)sec / period);
	for (i = 0; i < m->modules; i++) {
		struct sim_module *mod = &m->m[i];
		double share = m->current / m->modules, mean = 0;
		unsigned seed = m->seed + (unsigned)i * 7919u + (unsigned)sec;

		mod->current = share + 0.05 * noise(&seed);
		mod->soc = 62 - i + 20 * (1 - cos(2 * M_PI * (double)sec / period)) / 2 * 0.5;
		if (mod->soc > 100)
			mod->soc = 100;
		mod->temperature = 24 + i * 0.6 + 2.0 * sin((double)sec / 700.0);
		if (mod->overtemp)
			mod->temperature = mod->overtemp_c;
		mod->voltage = 0;
		for (c = 0; c < m->cells; c++) {
			double v = ocv(mod->soc) + mod->current * 0.0015 + 0.002 * noise(&seed);
			/* One weak cell in the second module (or the first). */
			if (i == (m->modules > 1 ? 1 : 0) && c == m->cells / 2)
				v -= 0.035;
			/* The drift fault; kept within what a cell can show. */
			if (c == mod->drift_cell)
				v = fmin(SIM_CELL_V_MAX, fmax(SIM_CELL_V_MIN,
				    v + mod->drift_v_per_s * (double)sec));
			/* Round to millivolts: that is what every dialect prints. */
			mod->cell_v[c] = round(v * 1000) / 1000;
			mod->cell_t[c] = round((mod->temperature - 1.5 + (c / 5) * 0.5) * 10) / 10;
			mod->voltage += mod->cell_v[c];
			mean += mod->cell_v[c];
		}
		mean /= m->cells > 0 ? m->cells : 1;
		for (c = 0; c < m->cells; c++)
			mod->balancing[c] = m->current > 0.5 && mod->cell_v[c] > mean + 0.002;
		mod->voltage = round(mod->voltage * 1000) / 1000;
		mod->current = round(mod->current * 1000) / 1000;
		mod->temperature = round(mod->temperature * 10) / 10;
		mod->soc = round(mod->soc);
		sum_v += mod->voltage;
		sum_t += mod->temperature;
		sum_soc += mod->soc;
	}
	m->voltage = round(sum_v * 1000) / 1000;	/* HV: modules in series */
	m->temperature = m->modules ? round(sum_t / m->modules * 10) / 10 : 25;
	m->soc = m->modules ? round(sum_soc / m->modules) : 0;
	m->current = round(m->current * 1000) / 1000;
}

void
sim_model_step_now(struct sim_model *m)
{
	m->last_step = -1;
	sim_model_step(m);
}

int
sim_model_write_state(const struct sim_model *m, const char *path, const char *protocol)
{
	char tmp[600];
	FILE *f;
	int i, c;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	/* time_ms: when this file was written; step_ms: when the values last
	 * changed, so a reader's value older than step_ms is not current. */
	fprintf(f, "{\"protocol\":\"%s\",\"time_ms\":%lld,\"step_ms\":%lld,"
	    "\"tbar_count\":%d,\"login_count\":%d,\"write_count\":%d,"
	    "\"stack\":{\"voltage\":%.3f,\"current\":%.3f,\"soc\":%.0f,\"temperature\":%.1f},"
	    "\"modules\":[", protocol, (long long)utc_ms(), (long long)m->step_ms,
	    m->tbar_count, m->login_count, m->write_count, m->voltage, m->current, m->soc, m->temperature);
	for (i = 0; i < m->modules; i++) {
		const struct sim_module *mod = &m->m[i];
		fprintf(f, "%s{\"id\":%d,\"barcode\":\"%s\",\"voltage\":%.3f,\"current\":%.3f,"
		    "\"soc\":%.0f,\"temperature\":%.1f,\"answering\":%s,\"cells_answered\":%s,"
		    "\"protect\":%s,", i ? "," : "", mod->id, mod->barcode, mod->voltage,
		    mod->current, mod->soc, mod->temperature,
		    sim_module_dead(m, i) ? "false" : "true",
		    sim_module_cells_answered(m, i) ? "true" : "false",
		    mod->protect ? "true" : "false");
		/* Cells 1-based, as pylontop numbers them; null: no such fault. */
		if (mod->protect)
			fprintf(f, "\"protect_cell\":%d,", sim_module_protect_cell(m, mod) + 1);
		else
			fprintf(f, "\"protect_cell\":null,");
		if (mod->drift_cell >= 0)
			fprintf(f, "\"drift\":{\"cell\":%d,\"mv_per_s\":%g,\"voltage\":%.3f},",
			    mod->drift_cell + 1, mod->drift_v_per_s * 1000,
			    mod->cell_v[mod->drift_cell]);
		else
			fprintf(f, "\"drift\":null,");
		fprintf(f, "\"overtemp\":%s,\"cells\":[", mod->overtemp ? "true" : "false");
		for (c = 0; c < m->cells; c++)
			fprintf(f, "%s{\"voltage\":%.3f,\"temperature\":%.1f}", c ? "," : "",
			    mod->cell_v[c], mod->cell_t[c]);
		fprintf(f, "]}");
	}
	fprintf(f, "]}\n");
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}
