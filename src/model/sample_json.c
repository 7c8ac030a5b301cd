/* sample_json.c — the JSON sample contract (ARCHITECTURE.md).
 *
 * The contract's fields are always present (null when unknown); extra
 * fields (soh, remaining_ah, ...) appear only when known, so a reader can
 * rely on the contract and still get everything the device said. */
#include "model/sample_json.h"

#include <math.h>
#include <stdlib.h>

#include "util/clock.h"

double
sample_round(double v, int decimals)
{
	double f = pow(10, decimals), r = round(v * f) / f;

	/* -0.04 W rounds to -0: a sign on nothing reads as a discharge. */
	return r == 0 ? 0.0 : r;
}

static void
add_num(cJSON *o, const char *key, uint32_t valid, uint32_t bit, double v, int decimals)
{
	if ((valid & bit) && isfinite(v))
		cJSON_AddNumberToObject(o, key, sample_round(v, decimals));
	else
		cJSON_AddNullToObject(o, key);
}

/* Extra (non-contract) numbers: only when known. */
static void
add_opt(cJSON *o, const char *key, uint32_t valid, uint32_t bit, double v, int decimals)
{
	if ((valid & bit) && isfinite(v))
		cJSON_AddNumberToObject(o, key, sample_round(v, decimals));
}

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s != NULL && s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_opt_str(cJSON *o, const char *key, const char *s)
{
	if (s != NULL && s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
}

static cJSON *
cell_to_cjson(const struct pt_sample *s, const struct pt_cell *c)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "voltage", c->valid, PTF_VOLTAGE, c->voltage, 3);
	add_num(o, "temperature", c->valid, PTF_TEMPERATURE, c->temperature, 1);
	add_num(o, "soc", c->valid, PTF_SOC, c->soc, 0);
	if (PT_HAS(c, PTF_BALANCING))
		cJSON_AddBoolToObject(o, "balancing", c->balancing);
	else
		cJSON_AddNullToObject(o, "balancing");
	add_str(o, "voltage_status", pt_sample_word_text(s, c->voltage_status));
	add_str(o, "temperature_status", pt_sample_word_text(s, c->temperature_status));
	return o;
}

cJSON *
sample_module_to_cjson(const struct pt_sample *s, const struct pt_module *m)
{
	cJSON *o = cJSON_CreateObject(), *cells, *temps;
	int i;

	cJSON_AddNumberToObject(o, "id", m->id);
	add_str(o, "barcode", m->barcode);
	add_num(o, "voltage", m->valid, PTF_VOLTAGE, m->voltage, 3);
	if (PT_HAS(m, PTF_VOLTAGE_DERIVED))
		cJSON_AddBoolToObject(o, "voltage_derived", true);
	add_num(o, "current", m->valid, PTF_CURRENT, m->current, 3);
	add_num(o, "temperature", m->valid, PTF_TEMPERATURE, m->temperature, 1);
	add_num(o, "soc", m->valid, PTF_SOC, m->soc, 0);
	add_str(o, "status", m->status);
	add_num(o, "cycles", m->valid, PTF_CYCLES, (double)m->cycles, 0);
	add_opt_str(o, "model", m->model);
	add_opt_str(o, "firmware", m->firmware);
	add_opt(o, "power", m->valid, PTF_POWER, m->power, 1);
	add_opt(o, "soh", m->valid, PTF_SOH, m->soh, 0);
	add_opt(o, "remaining_ah", m->valid, PTF_REMAINING_AH, m->remaining_ah, 3);
	add_opt(o, "full_ah", m->valid, PTF_FULL_AH, m->full_ah, 3);
	add_opt(o, "design_ah", m->valid, PTF_DESIGN_AH, m->design_ah, 3);
	add_opt(o, "remaining_wh", m->valid, PTF_REMAINING_WH, m->remaining_wh, 1);
	add_opt(o, "temperature_min", m->valid, PTF_TEMP_MIN, m->temp_min, 1);
	add_opt(o, "temperature_max", m->valid, PTF_TEMP_MAX, m->temp_max, 1);
	add_opt(o, "cell_voltage_min", m->valid, PTF_CELL_VMIN, m->cell_vmin, 3);
	add_opt(o, "cell_voltage_max", m->valid, PTF_CELL_VMAX, m->cell_vmax, 3);
	add_opt(o, "mos_temperature", m->valid, PTF_MOS_TEMPERATURE, m->mos_temperature, 1);
	add_opt(o, "error_code", m->valid, PTF_ERROR_CODE, (double)m->error_code, 0);
	add_opt(o, "charge_current_limit", m->valid, PTF_CHARGE_LIMIT, m->charge_limit, 1);
	add_opt(o, "discharge_current_limit", m->valid, PTF_DISCHARGE_LIMIT, m->discharge_limit, 1);
	if (m->n_temps > 0) {
		temps = cJSON_AddArrayToObject(o, "temperatures");
		for (i = 0; i < m->n_temps && i < PT_MAX_TEMPS; i++)
			cJSON_AddItemToArray(temps,
			    cJSON_CreateNumber(sample_round(m->temps[i], 1)));
	}
	/* How old the cells are (read round-robin or kept over a lost
	 * answer); null when never read.  Too old ones are null cells. */
	add_num(o, "cells_age_s", 1, 1, pt_module_cells_age_s(s, m), 1);
	cells = cJSON_AddArrayToObject(o, "cells");
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		cJSON_AddItemToArray(cells, cell_to_cjson(s, &m->cells[i]));
	return o;
}

static cJSON *
stack_to_cjson(const struct pt_stack *st)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "voltage", st->valid, PTF_VOLTAGE, st->voltage, 3);
	add_num(o, "current", st->valid, PTF_CURRENT, st->current, 3);
	add_num(o, "power", st->valid, PTF_POWER, st->power, 1);
	add_num(o, "soc", st->valid, PTF_SOC, st->soc, 0);
	add_num(o, "temperature", st->valid, PTF_TEMPERATURE, st->temperature, 1);
	add_str(o, "status", st->status);
	add_num(o, "error_code", st->valid, PTF_ERROR_CODE, (double)st->error_code, 0);
	add_num(o, "cycles", st->valid, PTF_CYCLES, (double)st->cycles, 0);
	add_opt_str(o, "model", st->model);
	add_opt_str(o, "barcode", st->barcode);
	add_opt_str(o, "firmware", st->firmware);
	add_opt(o, "soh", st->valid, PTF_SOH, st->soh, 0);
	add_opt(o, "remaining_ah", st->valid, PTF_REMAINING_AH, st->remaining_ah, 3);
	add_opt(o, "full_ah", st->valid, PTF_FULL_AH, st->full_ah, 3);
	add_opt(o, "remaining_wh", st->valid, PTF_REMAINING_WH, st->remaining_wh, 1);
	add_opt(o, "temperature_min", st->valid, PTF_TEMP_MIN, st->temp_min, 1);
	add_opt(o, "temperature_max", st->valid, PTF_TEMP_MAX, st->temp_max, 1);
	add_opt(o, "cell_voltage_min", st->valid, PTF_CELL_VMIN, st->cell_vmin, 3);
	add_opt(o, "cell_voltage_max", st->valid, PTF_CELL_VMAX, st->cell_vmax, 3);
	add_opt(o, "charge_current_limit", st->valid, PTF_CHARGE_LIMIT, st->charge_limit, 1);
	add_opt(o, "discharge_current_limit", st->valid, PTF_DISCHARGE_LIMIT, st->discharge_limit, 1);
	add_opt(o, "charge_voltage", st->valid, PTF_CHARGE_VOLTAGE, st->charge_voltage, 3);
	add_opt(o, "module_count", st->valid, PTF_MODULE_COUNT, st->module_count, 0);
	return o;
}

static const char *
level_name(int level)
{
	switch (level) {
	case PT_LEVEL_INFO: return "info";
	case PT_LEVEL_WARNING: return "warning";
	case PT_LEVEL_ALARM: return "alarm";
	case PT_LEVEL_PROTECT: return "protect";
	}
	return "alarm";
}

static const char *
source_name(int source)
{
	switch (source) {
	case PT_ALARM_BMS: return "bms";
	case PT_ALARM_THRESHOLD: return "threshold";
	case PT_ALARM_LINK: return "link";
	}
	return "bms";
}

static cJSON *
alarm_to_cjson(const struct pt_alarm *a)
{
	cJSON *o = cJSON_CreateObject();
	char iso[40];

	cJSON_AddStringToObject(o, "source", source_name(a->source));
	if (a->module > 0)
		cJSON_AddNumberToObject(o, "module", a->module);
	else
		cJSON_AddNullToObject(o, "module");
	if (a->cell >= 0)
		cJSON_AddNumberToObject(o, "cell", a->cell + 1);
	else
		cJSON_AddNullToObject(o, "cell");
	cJSON_AddStringToObject(o, "name", a->name);
	cJSON_AddStringToObject(o, "level", level_name(a->level));
	if (isfinite(a->value))
		cJSON_AddNumberToObject(o, "value", sample_round(a->value, 3));
	if (a->since_ms > 0)
		cJSON_AddStringToObject(o, "since", clock_iso8601(a->since_ms, 0, iso, sizeof iso));
	else
		cJSON_AddNullToObject(o, "since");
	return o;
}

cJSON *
sample_to_cjson(const struct pt_sample *s)
{
	cJSON *o = cJSON_CreateObject(), *mods, *alarms;
	char iso[40];
	int i;

	if (s->time_ms > 0) {
		int64_t age = clock_wall_ms() - s->time_ms;

		cJSON_AddStringToObject(o, "time", clock_iso8601(s->time_ms, 0, iso, sizeof iso));
		/* The sample's age when written: 0 for --once, more when a
		 * consumer is handed an older sample. */
		cJSON_AddNumberToObject(o, "age_s", sample_round(age > 0 ? age / 1000.0 : 0, 1));
	} else {
		cJSON_AddNullToObject(o, "time");
		cJSON_AddNullToObject(o, "age_s");
	}
	add_str(o, "protocol", s->protocol);
	add_opt_str(o, "dialect", s->dialect);
	cJSON_AddItemToObject(o, "stack", stack_to_cjson(&s->stack));
	mods = cJSON_AddArrayToObject(o, "modules");
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++)
		cJSON_AddItemToArray(mods, sample_module_to_cjson(s, &s->modules[i]));
	alarms = cJSON_AddArrayToObject(o, "alarms");
	for (i = 0; i < s->n_alarms && i < PT_MAX_ALARMS; i++)
		cJSON_AddItemToArray(alarms, alarm_to_cjson(&s->alarms[i]));
	return o;
}

char *
sample_to_json(const struct pt_sample *s, bool pretty)
{
	cJSON *o = sample_to_cjson(s);
	char *text;

	if (o == NULL)
		return NULL;
	text = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}
