/* mqtt_payload.c — the state payloads of every sample (stack, module,
 * link) that the discovery templates read, and their inverse for a
 * remote view.  See mqtt_discovery.h. */
#include "sink/mqtt_internal.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/records.h"
#include "model/sample_fields.h"
#include "model/sample_json.h"
#include "util/clock.h"
#include "util/json_fast.h"
#include "util/sanitize.h"

/* The payloads go out once per module per sample: printed without
 * printf, byte for byte as cJSON_PrintUnformatted() (json_fast.h). */
char *
mq_print(cJSON *root)
{
	char *text = pt_json_print(root);

	cJSON_Delete(root);
	return text;
}

void
mq_add_num(cJSON *o, const char *key, bool known, double v, int decimals)
{
	if (known && isfinite(v))
		cJSON_AddNumberToObject(o, key, sample_round(v, decimals));
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_values(cJSON *o, const struct pt_sample *s, const void *obj, uint32_t announced,
    bool stack)
{
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		double v;

		if (!(f->ha.scopes & mq_scope(stack)) || f->bit == 0 || (announced & f->bit) == 0)
			continue;
		if (pt_field_number(f, s, mq_scope(stack), obj, &v))
			cJSON_AddNumberToObject(o, f->key, pt_field_round(f, v));
		else
			cJSON_AddNullToObject(o, f->key);
	}
}

void
mq_read_values(const struct cJSON *json, void *obj, bool stack)
{
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		const cJSON *x;

		if (!(f->ha.scopes & mq_scope(stack)))
			continue;
		x = cJSON_GetObjectItemCaseSensitive(json, f->key);
		/* null or absent: unknown; beyond any real value (the broker's
		 * bytes are untrusted, and casting those is undefined): unknown */
		if (!cJSON_IsNumber(x) || !(fabs(x->valuedouble) < 1e15))
			continue;
		pt_field_store(f, mq_scope(stack), obj, x->valuedouble);
	}
}

/* Alarms of one module (module >= 1) or of the whole stack (module 0):
 * "alarm" for level alarm/protect, "warning" for warnings, and their
 * names for humans (HA text states stop at 255 characters). */
static void
add_alarms(cJSON *o, const struct pt_sample *s, int module)
{
	char text[256];
	size_t len = 0;
	bool alarm = false, warning = false;
	int i;

	text[0] = '\0';
	for (i = 0; i < s->n_alarms && i < PT_MAX_ALARMS; i++) {
		const struct pt_alarm *a = &s->alarms[i];
		char name[48];
		int n;

		if (module != 0 && a->module != module)
			continue;
		if (a->level >= PT_LEVEL_ALARM)
			alarm = true;
		else if (a->level == PT_LEVEL_WARNING)
			warning = true;
		else
			continue;
		san_text(name, sizeof name, a->name, strnlen(a->name, sizeof a->name));
		if (module == 0 && a->module > 0)
			n = snprintf(text + len, sizeof text - len, "%smodule %d %s",
			    len ? ", " : "", a->module, name);
		else
			n = snprintf(text + len, sizeof text - len, "%s%s", len ? ", " : "", name);
		if (n < 0 || (size_t)n >= sizeof text - len) {
			/* Cut at the last whole name. */
			text[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	cJSON_AddBoolToObject(o, "alarm", alarm);
	cJSON_AddBoolToObject(o, "warning", warning);
	cJSON_AddStringToObject(o, "alarms", len ? text : "none");
}

static void
add_status(cJSON *o, const char *status)
{
	char clean[PT_STATUS_LEN * 2];

	san_text(clean, sizeof clean, status, strnlen(status, PT_STATUS_LEN));
	if (clean[0] != '\0')
		cJSON_AddStringToObject(o, "status", clean);
	else
		cJSON_AddNullToObject(o, "status");
}

/* "time" for humans and templates; "time_ms" and "seq" so that a remote
 * view (session_remote.c) knows which module states belong to which
 * stack state and how old the sample is, to the millisecond. */
static void
add_time(cJSON *o, const struct pt_sample *s)
{
	char iso[40];

	cJSON_AddStringToObject(o, "time", clock_iso8601(s->time_ms, 0, iso, sizeof iso));
	cJSON_AddNumberToObject(o, "time_ms", (double)s->time_ms);
	cJSON_AddNumberToObject(o, "seq", s->seq);
}

void
mq_add_text_or_null(cJSON *o, const char *key, const char *text, size_t size)
{
	/* The longest text: a record's (mqtt_diag.c), else a sample's. */
	char clean[(PT_REC_TEXT_LEN > PT_TEXT_LEN ? PT_REC_TEXT_LEN : PT_TEXT_LEN) * 2];

	san_text(clean, sizeof clean, text, strnlen(text, size));
	if (clean[0] != '\0')
		cJSON_AddStringToObject(o, key, clean);
	else
		cJSON_AddNullToObject(o, key);
}

/* Every alarm of the sample, structured (the "alarms" text is for
 * humans): source and level as their enum numbers, module 0 = stack,
 * cell -1 = none, value and since_ms null when unknown. */
static void
add_alarm_list(cJSON *o, const struct pt_sample *s)
{
	cJSON *list = cJSON_AddArrayToObject(o, "alarm_list");
	int i;

	for (i = 0; i < s->n_alarms && i < PT_MAX_ALARMS; i++) {
		const struct pt_alarm *a = &s->alarms[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "source", a->source);
		cJSON_AddNumberToObject(x, "level", a->level);
		cJSON_AddNumberToObject(x, "module", a->module);
		cJSON_AddNumberToObject(x, "cell", a->cell);
		mq_add_text_or_null(x, "name", a->name, sizeof a->name);
		mq_add_num(x, "value", true, a->value, 3);
		mq_add_num(x, "since_ms", a->since_ms > 0, (double)a->since_ms, 0);
		cJSON_AddItemToArray(list, x);
	}
}

/* The cell spread (its entity is announced by the shape, once a module
 * has two known cells): the field table's value, null while unknown. */
static void
add_spread(cJSON *o, const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	const struct pt_field_def *f = pt_field_by_key("cell_spread");
	double v;

	if (f != NULL && pt_field_number(f, s, scope, obj, &v))
		cJSON_AddNumberToObject(o, f->key, pt_field_round(f, v));
	else
		cJSON_AddNullToObject(o, "cell_spread");
}

char *
mq_stack_state(const struct mq_names *n, const struct pt_sample *s,
    const struct mq_shape *sh, char *topic, size_t topic_size)
{
	cJSON *o = cJSON_CreateObject();

	mq_state_topic(n, NULL, topic, topic_size);
	add_time(o, s);
	add_values(o, s, &s->stack, sh->valid, true);
	add_status(o, s->stack.status);
	add_alarms(o, s, 0);
	if (sh->spread)
		add_spread(o, s, PT_SCOPE_STACK, &s->stack);
	cJSON_AddNumberToObject(o, "modules", s->n_modules);
	add_alarm_list(o, s);
	cJSON_AddStringToObject(o, "protocol", s->protocol);
	mq_add_text_or_null(o, "dialect", s->dialect, sizeof s->dialect);
	mq_add_text_or_null(o, "model", s->stack.model, sizeof s->stack.model);
	mq_add_text_or_null(o, "barcode", s->stack.barcode, sizeof s->stack.barcode);
	mq_add_text_or_null(o, "firmware", s->stack.firmware, sizeof s->stack.firmware);
	return mq_print(o);
}

/* Per cell, only when the device gave them: balancing flags, cell SOC
 * and the status words (voltage, temperature), null where unknown. */
static void
add_cell_extras(cJSON *o, const struct pt_sample *s, const struct pt_module *m)
{
	uint32_t any = 0;
	int i;

	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		any |= m->cells[i].valid | (m->cells[i].voltage_status ? 1u << 30 : 0) |
		    (m->cells[i].temperature_status ? 1u << 31 : 0);
	if (any & PTF_BALANCING) {
		cJSON *b = cJSON_AddArrayToObject(o, "cell_balancing");

		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
			cJSON_AddItemToArray(b, PT_HAS(&m->cells[i], PTF_BALANCING) ?
			    cJSON_CreateBool(m->cells[i].balancing) : cJSON_CreateNull());
	}
	if (any & PTF_SOC) {
		cJSON *b = cJSON_AddArrayToObject(o, "cell_socs");

		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
			cJSON_AddItemToArray(b, PT_HAS(&m->cells[i], PTF_SOC) &&
			    isfinite(m->cells[i].soc) ? cJSON_CreateNumber(sample_round(
			    m->cells[i].soc, 0)) : cJSON_CreateNull());
	}
	if (any & (3u << 30)) {
		cJSON *v = cJSON_AddArrayToObject(o, "cell_voltage_status");
		cJSON *t = cJSON_AddArrayToObject(o, "cell_temperature_status");

		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
			const char *a = pt_sample_word_text(s, m->cells[i].voltage_status);
			const char *b = pt_sample_word_text(s, m->cells[i].temperature_status);

			cJSON_AddItemToArray(v, a[0] ? cJSON_CreateString(a) : cJSON_CreateNull());
			cJSON_AddItemToArray(t, b[0] ? cJSON_CreateString(b) : cJSON_CreateNull());
		}
	}
}

char *
mq_module_state(const struct mq_names *n, const struct pt_sample *s,
    const struct pt_module *m, const char *id, const struct mq_shape *sh,
    char *topic, size_t topic_size)
{
	cJSON *o = cJSON_CreateObject(), *v, *t = NULL, *x;
	int i;

	mq_state_topic(n, id, topic, topic_size);
	add_time(o, s);
	cJSON_AddNumberToObject(o, "id", m->id);
	mq_add_text_or_null(o, "barcode", m->barcode, sizeof m->barcode);
	mq_add_text_or_null(o, "model", m->model, sizeof m->model);
	mq_add_text_or_null(o, "firmware", m->firmware, sizeof m->firmware);
	add_values(o, s, m, sh->valid, false);
	if (PT_HAS(m, PTF_VOLTAGE_DERIVED))
		cJSON_AddBoolToObject(o, "voltage_derived", true);
	/* How many cells this module has now (the arrays are as long as
	 * announced), and how old they are: a remote view must not show
	 * cells kept from an earlier cycle as new. */
	cJSON_AddNumberToObject(o, "cells", m->n_cells);
	mq_add_num(o, "cells_age", true, pt_module_cells_age_s(s, m), 1);
	add_status(o, m->status);
	add_alarms(o, s, m->id);
	if (sh->spread)
		add_spread(o, s, PT_SCOPE_MODULE, m);
	/* Arrays as long as announced: a template past the end would make HA
	 * log an error on every message; a missing cell is null (unknown). */
	v = cJSON_AddArrayToObject(o, "cell_voltages");
	if (sh->cell_temps)
		t = cJSON_AddArrayToObject(o, "cell_temperatures");
	for (i = 0; i < sh->n_cells; i++) {
		const struct pt_cell *c = i < m->n_cells ? &m->cells[i] : NULL;

		cJSON_AddItemToArray(v, c != NULL && PT_HAS(c, PTF_VOLTAGE) &&
		    isfinite(c->voltage) ? cJSON_CreateNumber(sample_round(c->voltage, 3)) :
		    cJSON_CreateNull());
		if (t != NULL)
			cJSON_AddItemToArray(t, c != NULL && PT_HAS(c, PTF_TEMPERATURE) &&
			    isfinite(c->temperature) ?
			    cJSON_CreateNumber(sample_round(c->temperature, 1)) :
			    cJSON_CreateNull());
	}
	add_cell_extras(o, s, m);
	if (sh->n_temps > 0) {
		x = cJSON_AddArrayToObject(o, "temperatures");
		for (i = 0; i < sh->n_temps; i++)
			cJSON_AddItemToArray(x, i < m->n_temps && isfinite(m->temps[i]) ?
			    cJSON_CreateNumber(sample_round(m->temps[i], 1)) :
			    cJSON_CreateNull());
	}
	return mq_print(o);
}

char *
mq_link_state(const struct mq_names *n, const struct link_stats *ls, int64_t now_ms,
    char *topic, size_t topic_size)
{
	cJSON *o = cJSON_CreateObject();

	mq_link_topic(n, topic, topic_size);
	cJSON_AddNumberToObject(o, "errors", (double)(ls->timeouts + ls->parse_errors +
	    ls->checksum_errors + ls->device_errors));
	cJSON_AddNumberToObject(o, "timeouts", (double)ls->timeouts);
	cJSON_AddNumberToObject(o, "reconnects", (double)ls->reconnects);
	cJSON_AddNumberToObject(o, "samples", (double)ls->samples);
	mq_add_num(o, "age", ls->last_sample_ms > 0, (double)(now_ms - ls->last_sample_ms) / 1000.0,
	    0);
	cJSON_AddStringToObject(o, "state", link_state_name(ls->state));
	return mq_print(o);
}
