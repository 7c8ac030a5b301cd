/* sample.c — building and deriving samples. */
#include "model/sample.h"

#include <math.h>
#include <string.h>

#include "util/sanitize.h"

void
pt_sample_init(struct pt_sample *s, const char *protocol)
{
	memset(s, 0, sizeof *s);
	s->n_words = 1;		/* words[0] = "" means unknown */
	if (protocol != NULL)
		pt_copy_text(s->protocol, sizeof s->protocol, protocol, strlen(protocol));
}

struct pt_module *
pt_sample_find_module(struct pt_sample *s, int id)
{
	int i;

	for (i = 0; i < s->n_modules; i++)
		if (s->modules[i].id == id)
			return &s->modules[i];
	return NULL;
}

struct pt_module *
pt_sample_module(struct pt_sample *s, int id)
{
	struct pt_module *m = pt_sample_find_module(s, id);

	if (m != NULL)
		return m;
	if (s->n_modules >= PT_MAX_MODULES)
		return NULL;
	m = &s->modules[s->n_modules++];
	memset(m, 0, sizeof *m);
	m->id = id;
	return m;
}

struct pt_cell *
pt_module_cell(struct pt_module *m, int index)
{
	if (index < 0 || index >= PT_MAX_CELLS)
		return NULL;
	while (m->n_cells <= index)
		memset(&m->cells[m->n_cells++], 0, sizeof m->cells[0]);
	return &m->cells[index];
}

uint8_t
pt_sample_word(struct pt_sample *s, const char *word)
{
	char clean[PT_WORD_LEN];
	int i;

	if (word == NULL)
		return 0;
	san_text(clean, sizeof clean, word, strlen(word));
	if (clean[0] == '\0')
		return 0;
	if (s->n_words < 1)
		s->n_words = 1;
	for (i = 1; i < s->n_words; i++)
		if (strcmp(s->words[i], clean) == 0)
			return (uint8_t)i;
	if (s->n_words >= PT_MAX_WORDS)
		return 0;
	memcpy(s->words[s->n_words], clean, sizeof clean);
	return (uint8_t)s->n_words++;
}

const char *
pt_sample_word_text(const struct pt_sample *s, uint8_t index)
{
	if (index == 0 || index >= s->n_words || index >= PT_MAX_WORDS)
		return "";
	return s->words[index];
}

struct pt_alarm *
pt_sample_add_alarm(struct pt_sample *s, enum pt_alarm_source src,
    enum pt_alarm_level level, int module, int cell, const char *name, double value)
{
	struct pt_alarm *a;

	if (s->n_alarms >= PT_MAX_ALARMS)
		return NULL;
	a = &s->alarms[s->n_alarms++];
	memset(a, 0, sizeof *a);
	a->source = (uint8_t)src;
	a->level = (uint8_t)level;
	a->module = (int16_t)module;
	a->cell = (int16_t)cell;
	san_topic(a->name, sizeof a->name, name);
	a->value = value;
	a->since_ms = s->time_ms;
	return a;
}

void
pt_normalise_state(char *out, const char *word)
{
	static const struct { const char *dev, *norm; } map[] = {
		{ "Dischg", "Discharge" }, { "Dsg", "Discharge" },
		{ "Discharging", "Discharge" }, { "Chg", "Charge" },
		{ "Charging", "Charge" }, { "Ballance", "Balance" },
		{ "idle", "Idle" }, { "charge", "Charge" }, { "discharge", "Discharge" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(word, map[i].dev) == 0) {
			pt_copy_text(out, PT_STATUS_LEN, map[i].norm, strlen(map[i].norm));
			return;
		}
	pt_copy_text(out, PT_STATUS_LEN, word, strlen(word));
}

void
pt_copy_text(char *dst, size_t size, const char *src, size_t len)
{
	san_text(dst, size, src, len);
}

void
pt_module_cell_stats(const struct pt_module *m, struct pt_cell_stats *out)
{
	double sum = 0;
	int i;

	memset(out, 0, sizeof *out);
	out->argmin = out->argmax = -1;
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
		const struct pt_cell *c = &m->cells[i];
		double v;

		if (!PT_HAS(c, PTF_VOLTAGE))
			continue;
		v = c->voltage;
		if (out->count == 0 || v < out->min) {
			out->min = v;
			out->argmin = i;
		}
		if (out->count == 0 || v > out->max) {
			out->max = v;
			out->argmax = i;
		}
		sum += v;
		out->count++;
	}
	if (out->count > 0) {
		out->mean = sum / out->count;
		out->spread = out->max - out->min;
	}
}

/* Cells of one module are in series: with every cell known, their sum
 * is the module's voltage (SC0500 getpwr gives no module voltage). */
static void
derive_module_voltage(struct pt_module *m, const struct pt_cell_stats *st)
{
	if (PT_HAS(m, PTF_VOLTAGE) || st->count == 0 || st->count != m->n_cells)
		return;
	PT_SET(m, voltage, PTF_VOLTAGE, st->mean * st->count);
	m->valid |= PTF_VOLTAGE_DERIVED;
}

static void
derive_module(struct pt_module *m)
{
	struct pt_cell_stats st;
	int i;

	/* Cells of an earlier cycle keep their own age (cells_ms); a module
	 * value made from them would look as new as the sample. */
	if (PT_HAS(m, PTF_CELLS_CARRIED)) {
		if (!PT_HAS(m, PTF_POWER) && PT_HAS(m, PTF_VOLTAGE) && PT_HAS(m, PTF_CURRENT))
			PT_SET(m, power, PTF_POWER, m->voltage * m->current);
		return;
	}
	pt_module_cell_stats(m, &st);
	derive_module_voltage(m, &st);
	if (!PT_HAS(m, PTF_POWER) && PT_HAS(m, PTF_VOLTAGE) && PT_HAS(m, PTF_CURRENT))
		PT_SET(m, power, PTF_POWER, m->voltage * m->current);
	if (st.count > 0) {
		if (!PT_HAS(m, PTF_CELL_VMIN))
			PT_SET(m, cell_vmin, PTF_CELL_VMIN, st.min);
		if (!PT_HAS(m, PTF_CELL_VMAX))
			PT_SET(m, cell_vmax, PTF_CELL_VMAX, st.max);
	}
	for (i = 0; i < m->n_cells; i++) {
		const struct pt_cell *c = &m->cells[i];
		if (!PT_HAS(c, PTF_TEMPERATURE))
			continue;
		if (!PT_HAS(m, PTF_TEMP_MIN) || c->temperature < m->temp_min)
			PT_SET(m, temp_min, PTF_TEMP_MIN, c->temperature);
		if (!PT_HAS(m, PTF_TEMP_MAX) || c->temperature > m->temp_max)
			PT_SET(m, temp_max, PTF_TEMP_MAX, c->temperature);
	}
}

/* LV modules and RS485 packs stand in parallel: the stack's voltage is
 * theirs, its current their sum, its SOC their mean. */
static void
derive_parallel(struct pt_sample *s)
{
	struct pt_stack *st = &s->stack;
	double v = 0, i_sum = 0, soc = 0, t = 0;
	int nv = 0, ni = 0, ns = 0, nt = 0, k;

	for (k = 0; k < s->n_modules; k++) {
		const struct pt_module *m = &s->modules[k];
		if (PT_HAS(m, PTF_VOLTAGE)) { v += m->voltage; nv++; }
		if (PT_HAS(m, PTF_CURRENT)) { i_sum += m->current; ni++; }
		if (PT_HAS(m, PTF_SOC)) { soc += m->soc; ns++; }
		if (PT_HAS(m, PTF_TEMPERATURE)) { t += m->temperature; nt++; }
	}
	if (!PT_HAS(st, PTF_VOLTAGE) && nv > 0)
		PT_SET(st, voltage, PTF_VOLTAGE, v / nv);
	if (!PT_HAS(st, PTF_CURRENT) && ni > 0 && ni == s->n_modules)
		PT_SET(st, current, PTF_CURRENT, i_sum);
	if (!PT_HAS(st, PTF_SOC) && ns > 0)
		PT_SET(st, soc, PTF_SOC, soc / ns);
	if (!PT_HAS(st, PTF_TEMPERATURE) && nt > 0)
		PT_SET(st, temperature, PTF_TEMPERATURE, t / nt);
	if (st->status[0] == '\0' && PT_HAS(st, PTF_CURRENT)) {
		const char *w = st->current > 0.5 ? "Charge" : st->current < -0.5 ?
		    "Discharge" : "Idle";
		pt_copy_text(st->status, sizeof st->status, w, strlen(w));
	}
}

void
pt_sample_derive(struct pt_sample *s)
{
	struct pt_stack *st = &s->stack;
	int i;

	for (i = 0; i < s->n_modules; i++)
		derive_module(&s->modules[i]);
	if (strcmp(s->protocol, "lv") == 0 || strcmp(s->protocol, "rs485") == 0)
		derive_parallel(s);
	if (!PT_HAS(st, PTF_MODULE_COUNT) && s->n_modules > 0)
		PT_SET(st, module_count, PTF_MODULE_COUNT, s->n_modules);
	if (!PT_HAS(st, PTF_POWER) && PT_HAS(st, PTF_VOLTAGE) && PT_HAS(st, PTF_CURRENT))
		PT_SET(st, power, PTF_POWER, st->voltage * st->current);
	for (i = 0; i < s->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];

		if (PT_HAS(m, PTF_CELL_VMIN) &&
		    (!PT_HAS(st, PTF_CELL_VMIN) || m->cell_vmin < st->cell_vmin))
			PT_SET(st, cell_vmin, PTF_CELL_VMIN, m->cell_vmin);
		if (PT_HAS(m, PTF_CELL_VMAX) &&
		    (!PT_HAS(st, PTF_CELL_VMAX) || m->cell_vmax > st->cell_vmax))
			PT_SET(st, cell_vmax, PTF_CELL_VMAX, m->cell_vmax);
		if (PT_HAS(m, PTF_TEMP_MIN) &&
		    (!PT_HAS(st, PTF_TEMP_MIN) || m->temp_min < st->temp_min))
			PT_SET(st, temp_min, PTF_TEMP_MIN, m->temp_min);
		if (PT_HAS(m, PTF_TEMP_MAX) &&
		    (!PT_HAS(st, PTF_TEMP_MAX) || m->temp_max > st->temp_max))
			PT_SET(st, temp_max, PTF_TEMP_MAX, m->temp_max);
	}
}

bool
pt_status_is_normal(const char *word)
{
	static const char *const ok[] = {
		"", "Normal", "normal", "Idle", "Charge", "Discharge", "Balance",
		"Full", "OFF", "Off", "ON", "On", "N",
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(word, ok[i]) == 0)
			return true;
	return false;
}

int64_t
pt_cells_max_age_ms(int64_t cycle_ms, int cycles_per_round)
{
	if (cycle_ms < 0)
		cycle_ms = 0;
	if (cycles_per_round < 1)
		cycles_per_round = 1;
	return (int64_t)(cycles_per_round + 2) * cycle_ms + PT_CELLS_AGE_MARGIN_MS;
}

void
pt_module_copy_cells(struct pt_sample *dst, struct pt_module *dm, const struct pt_sample *src,
    const struct pt_module *sm)
{
	int i;

	dm->n_cells = 0;
	for (i = 0; i < sm->n_cells && i < PT_MAX_CELLS; i++) {
		struct pt_cell *c = pt_module_cell(dm, i);

		*c = sm->cells[i];
		/* Status words are indices into each sample's own table. */
		c->voltage_status = pt_sample_word(dst,
		    pt_sample_word_text(src, sm->cells[i].voltage_status));
		c->temperature_status = pt_sample_word(dst,
		    pt_sample_word_text(src, sm->cells[i].temperature_status));
	}
	dm->cells_ms = sm->cells_ms;
}

/* Known count of cells, values unknown: the shape stays, nothing is
 * repeated. */
static void
unknown_cells(struct pt_module *m, int n)
{
	m->n_cells = 0;
	if (n > 0)
		pt_module_cell(m, n - 1);
}

double
pt_module_cells_age_s(const struct pt_sample *s, const struct pt_module *m)
{
	if (m->cells_ms <= 0 || s->time_ms <= 0)
		return NAN;
	return s->time_ms > m->cells_ms ? (double)(s->time_ms - m->cells_ms) / 1000.0 : 0.0;
}

int
pt_sample_merge_cached(struct pt_sample *out, struct pt_sample *cache, int64_t now_ms,
    int64_t max_age_ms)
{
	int i, dropped = 0;

	for (i = 0; i < out->n_modules; i++) {
		struct pt_module *m = &out->modules[i];
		struct pt_module *cm = pt_sample_find_module(cache, m->id);

		if (m->cells_ms != 0 || cm == NULL || cm->cells_ms == 0 || cm->n_cells == 0)
			continue;
		if (now_ms - cm->cells_ms <= max_age_ms) {
			pt_module_copy_cells(out, m, cache, cm);
			m->valid |= PTF_CELLS_CARRIED;
			continue;
		}
		unknown_cells(m, m->n_cells > cm->n_cells ? m->n_cells : cm->n_cells);
		unknown_cells(cm, cm->n_cells);
		m->cells_ms = cm->cells_ms;
		dropped++;
	}
	return dropped;
}

/* A string field that `dst` lacks, from `src`. */
#define MERGE_TEXT(dst, src, f) do {						\
	if ((dst)->f[0] == '\0')							\
		memcpy((dst)->f, (src)->f, sizeof (dst)->f);			\
} while (0)
/* A value that `dst` lacks (its validity bit), from `src` when known. */
#define MERGE_VALUE(dst, src, f, bit) do {					\
	if (!PT_HAS(dst, bit) && PT_HAS(src, bit))				\
		PT_SET(dst, f, bit, (src)->f);					\
} while (0)

void
pt_module_merge_slow(struct pt_module *dst, const struct pt_module *src)
{
	MERGE_TEXT(dst, src, barcode);
	MERGE_TEXT(dst, src, model);
	MERGE_TEXT(dst, src, firmware);
	MERGE_VALUE(dst, src, cycles, PTF_CYCLES);
	MERGE_VALUE(dst, src, soh, PTF_SOH);
	MERGE_VALUE(dst, src, design_ah, PTF_DESIGN_AH);
	MERGE_VALUE(dst, src, full_ah, PTF_FULL_AH);
	/* The limits are the BMS's answer to its state: not for a module
	 * that did not answer this cycle (its identity above still holds). */
	if (!PT_HAS(dst, PTF_VOLTAGE))
		return;
	MERGE_VALUE(dst, src, charge_limit, PTF_CHARGE_LIMIT);
	MERGE_VALUE(dst, src, discharge_limit, PTF_DISCHARGE_LIMIT);
	MERGE_VALUE(dst, src, charge_voltage, PTF_CHARGE_VOLTAGE);
}

void
pt_sample_merge_slow(struct pt_sample *out, const struct pt_sample *slow)
{
	struct pt_stack *d = &out->stack;
	const struct pt_stack *c = &slow->stack;
	int i;

	MERGE_TEXT(d, c, model);
	MERGE_TEXT(d, c, barcode);
	MERGE_TEXT(d, c, firmware);
	MERGE_VALUE(d, c, cycles, PTF_CYCLES);
	MERGE_VALUE(d, c, soh, PTF_SOH);
	for (i = 0; i < out->n_modules; i++) {
		struct pt_module *m = &out->modules[i];
		const struct pt_module *sm = pt_sample_find_module((struct pt_sample *)slow,
		    m->id);

		if (sm != NULL)
			pt_module_merge_slow(m, sm);
	}
}
