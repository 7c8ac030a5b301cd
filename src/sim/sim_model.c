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

/* LiFePO4 open-circuit voltage for the per-cell physics: flat between
 * about 20 and 80 %, steep at both ends, so a cell with less capacity
 * shows first at the knees (points from published LFP curves). */
static double
ocv_lfp(double soc)
{
	static const double pt[][2] = {
		{ 0, 2.900 }, { 5, 3.100 }, { 10, 3.200 }, { 20, 3.260 }, { 30, 3.285 },
		{ 40, 3.295 }, { 50, 3.300 }, { 60, 3.305 }, { 70, 3.315 }, { 80, 3.330 },
		{ 90, 3.340 }, { 95, 3.355 }, { 100, 3.450 },
	};
	size_t i, n = sizeof pt / sizeof pt[0];

	if (soc <= pt[0][0])
		return pt[0][1];
	for (i = 1; i < n; i++)
		if (soc <= pt[i][0])
			return pt[i - 1][1] + (soc - pt[i - 1][0]) *
			    (pt[i][1] - pt[i - 1][1]) / (pt[i][0] - pt[i - 1][0]);
	return pt[n - 1][1];
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

/* The energy left runs a little below the charge left (the voltage falls
 * as the charge does), so it differs from the SOC a parser could mix up. */
int
sim_module_energy_soc(const struct sim_module *mod)
{
	return (int)(mod->soc * 0.97);
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

static const struct {
	const char *lv, *hv, *key;
} counter_names[SC_N] = {
	[SC_CHARGE_TIMES] = { "Charge Times", "Charge Times", "charge_times" },
	[SC_COC] = { "COC Times", "COC Times", "coc" },
	[SC_DOC] = { "DOC Times", "DOC Times", "doc" },
	[SC_SC] = { "SC Times", "SC Times", "sc" },
	[SC_BOV] = { "Bat OV Times", "Bat OV Times", "bov" },
	[SC_BHV] = { "Bat HV Times", "Bat HV Times", "bhv" },
	[SC_BLV] = { "Bat LV Times", "Bat LV Times", "blv" },
	[SC_BUV] = { "Bat UV Times", "Bat UV Times", "buv" },
	[SC_COT] = { "COT Times", "Bat OT Times", "cot" },
	[SC_DOT] = { "DOT Times", "Board OT Times", "dot" },
	[SC_CUT] = { "CUT Times", "Bat UT Times", "cut" },
	[SC_DUT] = { "DUT Times", "Board UT Times", "dut" },
	[SC_SHUT] = { "Shut Times", "Shut Times", "shutdowns" },
	[SC_RESET] = { "Reset Times", "Reset Times", "reset" },
	[SC_SOH_PCT] = { "SOH", "SOH Percent", "soh_pct" },
	/* A label pylontop does not know: it must be kept, not dropped. */
	[SC_MYSTERY] = { "Mystery@1C Cnt", "Mystery@1C Cnt", "mystery" },
};

const char *
sim_counter_label(enum sim_counter c, bool hv)
{
	return hv ? counter_names[c].hv : counter_names[c].lv;
}

const char *
sim_counter_key(enum sim_counter c)
{
	return counter_names[c].key;
}

/* Distinct, deterministic counters for unit k (0 = controller). */
static void
counters_init(struct sim_counters *r, int k, int cycles, int cells)
{
	int c;

	memset(r, 0, sizeof *r);
	r->v[SC_CHARGE_TIMES] = cycles * 30L + k;
	r->v[SC_COC] = k % 3;
	r->v[SC_DOC] = (k * 2) % 5;
	r->v[SC_SC] = k == 3 ? 1 : 0;
	r->v[SC_BOV] = k % 2;
	r->v[SC_BHV] = 10 + k;
	r->v[SC_BLV] = k % 4;
	r->v[SC_BUV] = k == 5 ? 2 : 0;
	r->v[SC_COT] = k % 2;
	r->v[SC_DOT] = 1;
	r->v[SC_CUT] = 0;
	r->v[SC_DUT] = k % 3;
	r->v[SC_SHUT] = 12 + k;
	r->v[SC_RESET] = 3 + k;
	r->v[SC_SOH_PCT] = 100 - k;
	r->v[SC_MYSTERY] = 1000 + k;
	for (c = 0; c < cells && c < SIM_MAX_CELLS * SIM_MAX_MODULES; c++)
		r->soh_count[c] = c == k % cells ? 3 * k + 1 : 0;
}

void
sim_log_entry(const struct sim_model *m, int i, int64_t *t, char *code, size_t csize,
    const char **text)
{
	static const char *const texts[] = {
		"The device start charging.", "The device start discharging.",
		"The coulomb of device is low.", "The coulomb of device is normal.",
	};

	*t = m->log_t0 + (int64_t)i * 617;
	if (i % 4 == 0)
		snprintf(code, csize, "%x", 0x2c40 + i);
	else
		snprintf(code, csize, "0");
	*text = texts[i % 4];
}

void
sim_log_time_text(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(buf, size, "%02d-%02d-%02d %02d:%02d:%02d", tm.tm_year % 100, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
sim_count_command(struct sim_model *m, const char *cmd, bool known)
{
	m->commands++;
	if (known)
		return;
	if (m->refused < SIM_REFUSED_KEEP) {
		char *n = m->refused_names[m->refused];
		size_t i;

		snprintf(n, sizeof m->refused_names[0], "%s", cmd);
		for (i = 0; n[i] != '\0'; i++)	/* JSON-safe in the state file */
			if (n[i] == '"' || n[i] == '\\')
				n[i] = '?';
	}
	m->refused++;
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
	m->time_scale = 1;
	m->phys_tick = -1;
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
		counters_init(&mod->rec, i + 1, mod->cycles, cells);
	}
	counters_init(&m->rec, 0, m->cycles, modules * cells);
	m->log_n = 40;
	m->log_t0 = (int64_t)time(NULL) - 40 * 617 - 3600;
	sim_model_step(m);
}

/* Typical DC resistance of a healthy large-format LFP cell, ohm. */
#define SIM_CELL_R_OHM		0.0008
/* Typical self-discharge, % per day. */
#define SIM_SELF_DISCHARGE	0.03
/* cycle: where the profile turns (module SOC, %). */
#define SIM_CYCLE_LOW		12
#define SIM_CYCLE_HIGH		92

void
sim_model_physics(struct sim_model *m, enum sim_profile p, double time_scale, double start_soc)
{
	unsigned seed = m->seed * 2654435761u + 17u;
	int i, c;

	m->profile = p;
	m->time_scale = time_scale > 0 ? time_scale : 1;
	m->direction = -1;
	m->phys_tick = -1;
	if (p == SIM_PROFILE_SINE)
		return;
	for (i = 0; i < m->modules; i++)
		for (c = 0; c < m->cells; c++) {
			struct sim_cell_phys *ph = &m->m[i].phys[c];
			/* Cells of one batch differ a little: +-1 % capacity,
			 * +-10 % resistance, +-50 % self-discharge. */
			ph->soc = start_soc;
			ph->capacity_ah = m->m[i].capacity_ah * (1 + 0.02 * noise(&seed));
			ph->r_ohm = SIM_CELL_R_OHM * (1 + 0.2 * noise(&seed));
			ph->self_discharge = SIM_SELF_DISCHARGE * (1 + noise(&seed));
		}
}

void
sim_model_weaken(struct sim_model *m, int i, int c, double ir, double cap)
{
	if (i < 0 || i >= m->modules || c < 0 || c >= m->cells)
		return;
	m->m[i].phys[c].r_ohm *= ir;
	m->m[i].phys[c].capacity_ah *= cap;
}

/* The module current the profile asks for at simulated time t. */
static double
profile_current(struct sim_model *m, double t)
{
	static const double steps[] = { 0, -20, 0, -35, -10, 10, 35, 0, 20, -30, 30, 0 };
	static const double cycle[] = { 20, 35, 10, 30, 0, 25 };
	long k = (long)(t / SIM_STEP_HOLD_S);
	double soc = 0;
	int i;

	switch (m->profile) {
	case SIM_PROFILE_STEPS:
		return steps[k % (long)(sizeof steps / sizeof steps[0])];
	case SIM_PROFILE_CYCLE:
		for (i = 0; i < m->modules; i++)
			soc += m->m[i].soc;
		soc /= m->modules;
		if (soc <= SIM_CYCLE_LOW)
			m->direction = 1;
		else if (soc >= SIM_CYCLE_HIGH)
			m->direction = -1;
		return m->direction * cycle[k % (long)(sizeof cycle / sizeof cycle[0])];
	default:
		return 0;
	}
}

/* One tick of the per-cell model: charge moved with the current held
 * since the last tick, then the new current; V = OCV(SOC) + I x R. */
static void
step_physics(struct sim_model *m, int64_t sec)
{
	double dt = m->phys_tick < 0 ? 0 : (double)(sec - m->phys_tick) * m->time_scale;
	double sum_v = 0, sum_t = 0, sum_soc = 0;
	int i, c;

	if (sec == m->phys_tick)
		return;
	m->phys_tick = sec;
	m->sim_s += dt;
	for (i = 0; i < m->modules; i++) {
		struct sim_module *mod = &m->m[i];
		for (c = 0; c < m->cells; c++) {
			struct sim_cell_phys *ph = &mod->phys[c];
			double amps = m->module_current - (mod->balancing[c] ? SIM_BALANCE_A : 0);
			ph->soc += amps * dt / 3600 / ph->capacity_ah * 100 -
			    ph->self_discharge * dt / 86400;
			ph->soc = fmin(100, fmax(0, ph->soc));
		}
	}
	m->module_current = profile_current(m, m->sim_s);
	for (i = 0; i < m->modules; i++) {
		struct sim_module *mod = &m->m[i];
		unsigned seed = m->seed + (unsigned)i * 7919u + (unsigned)sec;
		double mean_soc = 0;

		mod->current = m->module_current;
		mod->temperature = 25 + i * 0.3 + 0.5 * sin(m->sim_s / 20000.0);
		if (mod->overtemp)
			mod->temperature = mod->overtemp_c;
		mod->voltage = 0;
		for (c = 0; c < m->cells; c++)
			mean_soc += mod->phys[c].soc;
		mean_soc /= m->cells;
		for (c = 0; c < m->cells; c++) {
			const struct sim_cell_phys *ph = &mod->phys[c];
			double v = ocv_lfp(ph->soc) + mod->current * ph->r_ohm +
			    0.0006 * noise(&seed);
			if (c == mod->drift_cell)
				v = fmin(SIM_CELL_V_MAX, fmax(SIM_CELL_V_MIN,
				    v + mod->drift_v_per_s * m->sim_s));
			mod->cell_v[c] = round(v * 1000) / 1000;
			mod->cell_t[c] = round((mod->temperature - 1.5 + (c / 5) * 0.5) * 10) / 10;
			mod->voltage += mod->cell_v[c];
			/* Top balancing: while charging above 85 %, bleed the
			 * cells ahead of the others. */
			mod->balancing[c] = mod->current > 0.5 && mean_soc >= 85 &&
			    ph->soc > mean_soc + 0.5;
		}
		mod->soc = round(mean_soc);
		mod->voltage = round(mod->voltage * 1000) / 1000;
		mod->temperature = round(mod->temperature * 10) / 10;
		sum_v += mod->voltage;
		sum_t += mod->temperature;
		sum_soc += mod->soc;
	}
	m->current = m->module_current * m->modules;
	m->voltage = round(sum_v * 1000) / 1000;
	m->temperature = round(sum_t / m->modules * 10) / 10;
	m->soc = round(sum_soc / m->modules);
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
	if (m->profile != SIM_PROFILE_SINE) {
		step_physics(m, sec);
		return;
	}
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

static void
write_counters(FILE *f, const struct sim_counters *r, int cells, int cycles)
{
	int c;

	fprintf(f, "{\"cycles\":%d", cycles);
	for (c = 0; c < SC_N; c++)
		fprintf(f, ",\"%s\":%ld", sim_counter_key(c), r->v[c]);
	fprintf(f, ",\"soh_counts\":[");
	for (c = 0; c < cells; c++)
		fprintf(f, "%s%d", c ? "," : "", r->soh_count[c]);
	fprintf(f, "]}");
}

/* The controller's counters (HV), the log, the clock, the commands. */
static void
write_records(FILE *f, const struct sim_model *m)
{
	char code[16];
	const char *text;
	int64_t t;
	int i;

	fprintf(f, "\"controller_records\":");
	write_counters(f, &m->rec, m->modules * m->cells, m->cycles);
	fprintf(f, ",\"clock_offset_s\":%ld,\"log\":[", m->clock_offset_s);
	for (i = m->log_n - 1; i >= 0; i--) {
		char when[32];

		sim_log_entry(m, i, &t, code, sizeof code, &text);
		sim_log_time_text(t, when, sizeof when);
		fprintf(f, "%s{\"index\":%d,\"time\":\"%s\",\"module\":\"BMM\","
		    "\"code\":\"%s\",\"text\":\"%s\"}", i == m->log_n - 1 ? "" : ",", i,
		    when, code, text);
	}
	fprintf(f, "],\"commands\":%u,\"refused_commands\":%u,\"refused_names\":[",
	    m->commands, m->refused);
	for (i = 0; i < (int)m->refused && i < SIM_REFUSED_KEEP; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", m->refused_names[i]);
	fprintf(f, "]");
}

int
sim_model_write_state(const struct sim_model *m, const char *path, const char *protocol)
{
	char tmp[600];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	sim_model_print_state(m, f, protocol);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

void
sim_model_print_state(const struct sim_model *m, FILE *f, const char *protocol)
{
	int i, c;

	/* time_ms: when this file was written; step_ms: when the values last
	 * changed, so a reader's value older than step_ms is not current. */
	fputc('{', f);
	if (m->profile != SIM_PROFILE_SINE)
		fprintf(f, "\"time_scale\":%g,\"sim_s\":%.0f,", m->time_scale, m->sim_s);
	fprintf(f, "\"protocol\":\"%s\",\"time_ms\":%lld,\"step_ms\":%lld,"
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
		fprintf(f, "\"energy_soc\":%d,", sim_module_energy_soc(mod));
		fprintf(f, "\"overtemp\":%s,\"cells\":[", mod->overtemp ? "true" : "false");
		for (c = 0; c < m->cells; c++) {
			fprintf(f, "%s{\"voltage\":%.3f,\"temperature\":%.1f", c ? "," : "",
			    mod->cell_v[c], mod->cell_t[c]);
			/* The physics' truth: what the health engine estimates. */
			if (m->profile != SIM_PROFILE_SINE)
				fprintf(f, ",\"r_mohm\":%.4f,\"capacity_ah\":%.3f,\"soc\":%.2f",
				    mod->phys[c].r_ohm * 1000, mod->phys[c].capacity_ah,
				    mod->phys[c].soc);
			fprintf(f, "}");
		}
		fprintf(f, "],\"records\":");
		write_counters(f, &mod->rec, m->cells, mod->cycles);
		fprintf(f, "}");
	}
	fprintf(f, "],");
	write_records(f, m);
	fprintf(f, "}\n");
}
