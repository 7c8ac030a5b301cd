/* sample_json.c — the JSON sample contract (docs/architecture.md).
 *
 * The contract's fields are always present (null when unknown); extra
 * fields (soh, remaining_ah, ...) appear only when known, so a reader can
 * rely on the contract and still get everything the device said.  Which
 * is which, and the decimals, are the rows of sample_fields.c. */
#include "model/sample_json.h"

#include <math.h>
#include <stdlib.h>

#include "model/sample_fields.h"
#include "util/clock.h"
#include "util/fixed.h"
#include "util/json_fast.h"

double
sample_round(double v, int decimals)
{
	double f = pt_pow10(decimals), r = round(v * f) / f;

	/* -0.04 W rounds to -0: a sign on nothing reads as a discharge. */
	return r == 0 ? 0.0 : r;
}

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s != NULL && s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* The fields of one stack, module or cell (sample_fields.c): a contract
 * field always (null when unknown), another one only when known. */
static void
add_fields(cJSON *o, const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		bool contract = (f->contract & scope) != 0;
		const char *text;
		double v;

		if (!contract && !(f->json & scope))
			continue;
		if (pt_field_is_text(f, scope)) {
			text = pt_field_text(f, scope, obj);
			if (text[0] != '\0' || contract)
				add_str(o, f->key, text);
		} else if (pt_field_number(f, s, scope, obj, &v))
			cJSON_AddNumberToObject(o, f->key, pt_field_round(f, v));
		else if (contract)
			cJSON_AddNullToObject(o, f->key);
	}
}

static cJSON *
cell_to_cjson(const struct pt_sample *s, const struct pt_cell *c)
{
	cJSON *o = cJSON_CreateObject();

	add_fields(o, s, PT_SCOPE_CELL, c);
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
	/* cells_age_s: how old the cells are (read round-robin or kept over
	 * a lost answer); null when never read.  Too old ones are null cells. */
	add_fields(o, s, PT_SCOPE_MODULE, m);
	if (PT_HAS(m, PTF_VOLTAGE_DERIVED))
		cJSON_AddBoolToObject(o, "voltage_derived", true);
	if (m->n_temps > 0) {
		temps = cJSON_AddArrayToObject(o, "temperatures");
		for (i = 0; i < m->n_temps && i < PT_MAX_TEMPS; i++)
			cJSON_AddItemToArray(temps,
			    cJSON_CreateNumber(sample_round(m->temps[i], 1)));
	}
	cells = cJSON_AddArrayToObject(o, "cells");
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		cJSON_AddItemToArray(cells, cell_to_cjson(s, &m->cells[i]));
	return o;
}

static cJSON *
stack_to_cjson(const struct pt_sample *s)
{
	cJSON *o = cJSON_CreateObject();

	add_fields(o, s, PT_SCOPE_STACK, &s->stack);
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
	if (s->dialect[0] != '\0')
		cJSON_AddStringToObject(o, "dialect", s->dialect);
	cJSON_AddItemToObject(o, "stack", stack_to_cjson(s));
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
	text = pretty ? cJSON_Print(o) : pt_json_print(o);
	cJSON_Delete(o);
	return text;
}
