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

/* ---- the per-sample payloads, written member by member ------------------
 * Byte for byte what the cJSON tree of the same members printed (the
 * remote view and Home Assistant read them), without a tree: json_fast.h. */

static void
jw_num(struct pt_jw *w, const char *key, bool known, double v, int decimals)
{
	if (known && isfinite(v))
		pt_jw_num(w, key, sample_round(v, decimals));
	else
		pt_jw_null(w, key);
}

static void
jw_text_or_null(struct pt_jw *w, const char *key, const char *text, size_t size)
{
	/* The longest text: a record's (mqtt_diag.c), else a sample's. */
	char clean[(PT_REC_TEXT_LEN > PT_TEXT_LEN ? PT_REC_TEXT_LEN : PT_TEXT_LEN) * 2];

	san_text(clean, sizeof clean, text, strnlen(text, size));
	if (clean[0] != '\0')
		pt_jw_str(w, key, clean);
	else
		pt_jw_null(w, key);
}

static void
jw_values(struct pt_jw *w, const struct pt_sample *s, const void *obj, uint32_t announced,
    bool stack)
{
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		double v;

		if (!(f->ha.scopes & mq_scope(stack)) || f->bit == 0 || (announced & f->bit) == 0)
			continue;
		if (pt_field_number(f, s, mq_scope(stack), obj, &v))
			pt_jw_num(w, f->key, pt_field_round(f, v));
		else
			pt_jw_null(w, f->key);
	}
}

/* Alarms of one module (module >= 1) or of the whole stack (module 0):
 * "alarm" for level alarm/protect, "warning" for warnings, and their
 * names for humans (HA text states stop at 255 characters). */
static void
jw_alarms(struct pt_jw *w, const struct pt_sample *s, int module)
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
	pt_jw_bool(w, "alarm", alarm);
	pt_jw_bool(w, "warning", warning);
	pt_jw_str(w, "alarms", len ? text : "none");
}

static void
jw_status(struct pt_jw *w, const char *status)
{
	char clean[PT_STATUS_LEN * 2];

	san_text(clean, sizeof clean, status, strnlen(status, PT_STATUS_LEN));
	if (clean[0] != '\0')
		pt_jw_str(w, "status", clean);
	else
		pt_jw_null(w, "status");
}

/* "time" for humans and templates; "time_ms" and "seq" so that a remote
 * view (session_remote.c) knows which module states belong to which
 * stack state and how old the sample is, to the millisecond. */
static void
jw_time(struct pt_jw *w, const struct pt_sample *s)
{
	char iso[40];

	pt_jw_str(w, "time", clock_iso8601(s->time_ms, 0, iso, sizeof iso));
	pt_jw_num(w, "time_ms", (double)s->time_ms);
	pt_jw_num(w, "seq", s->seq);
}

/* Every alarm of the sample, structured (the "alarms" text is for
 * humans): source and level as their enum numbers, module 0 = stack,
 * cell -1 = none, value and since_ms null when unknown. */
static void
jw_alarm_list(struct pt_jw *w, const struct pt_sample *s)
{
	int i;

	pt_jw_open(w, "alarm_list", '[');
	for (i = 0; i < s->n_alarms && i < PT_MAX_ALARMS; i++) {
		const struct pt_alarm *a = &s->alarms[i];

		pt_jw_open(w, NULL, '{');
		pt_jw_num(w, "source", a->source);
		pt_jw_num(w, "level", a->level);
		pt_jw_num(w, "module", a->module);
		pt_jw_num(w, "cell", a->cell);
		jw_text_or_null(w, "name", a->name, sizeof a->name);
		jw_num(w, "value", true, a->value, 3);
		jw_num(w, "since_ms", a->since_ms > 0, (double)a->since_ms, 0);
		pt_jw_close(w, '}');
	}
	pt_jw_close(w, ']');
}

/* The cell spread (its entity is announced by the shape, once a module
 * has two known cells): the field table's value, null while unknown. */
static void
jw_spread(struct pt_jw *w, const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	const struct pt_field_def *f = pt_field_by_key("cell_spread");
	double v;

	if (f != NULL && pt_field_number(f, s, scope, obj, &v))
		pt_jw_num(w, f->key, pt_field_round(f, v));
	else
		pt_jw_null(w, "cell_spread");
}

char *
mq_stack_state(const struct mq_names *n, const struct pt_sample *s,
    const struct mq_shape *sh, char *topic, size_t topic_size)
{
	struct pt_jw w = PT_JW_INIT;

	mq_state_topic(n, NULL, topic, topic_size);
	pt_jw_open(&w, NULL, '{');
	jw_time(&w, s);
	jw_values(&w, s, &s->stack, sh->valid, true);
	jw_status(&w, s->stack.status);
	jw_alarms(&w, s, 0);
	if (sh->spread)
		jw_spread(&w, s, PT_SCOPE_STACK, &s->stack);
	pt_jw_num(&w, "modules", s->n_modules);
	jw_alarm_list(&w, s);
	pt_jw_str(&w, "protocol", s->protocol);
	jw_text_or_null(&w, "dialect", s->dialect, sizeof s->dialect);
	jw_text_or_null(&w, "model", s->stack.model, sizeof s->stack.model);
	jw_text_or_null(&w, "barcode", s->stack.barcode, sizeof s->stack.barcode);
	jw_text_or_null(&w, "firmware", s->stack.firmware, sizeof s->stack.firmware);
	pt_jw_close(&w, '}');
	return pt_jw_finish(&w);
}

/* Per cell, only when the device gave them: balancing flags, cell SOC
 * and the status words (voltage, temperature), null where unknown. */
static void
jw_cell_extras(struct pt_jw *w, const struct pt_sample *s, const struct pt_module *m)
{
	uint32_t any = 0;
	int i;

	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		any |= m->cells[i].valid | (m->cells[i].voltage_status ? 1u << 30 : 0) |
		    (m->cells[i].temperature_status ? 1u << 31 : 0);
	if (any & PTF_BALANCING) {
		pt_jw_open(w, "cell_balancing", '[');
		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
			if (PT_HAS(&m->cells[i], PTF_BALANCING))
				pt_jw_bool(w, NULL, m->cells[i].balancing);
			else
				pt_jw_null(w, NULL);
		pt_jw_close(w, ']');
	}
	if (any & PTF_SOC) {
		pt_jw_open(w, "cell_socs", '[');
		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
			jw_num(w, NULL, PT_HAS(&m->cells[i], PTF_SOC), m->cells[i].soc, 0);
		pt_jw_close(w, ']');
	}
	if (any & (3u << 30)) {
		/* Two arrays, one after the other (the tree filled both in one loop). */
		pt_jw_open(w, "cell_voltage_status", '[');
		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
			const char *a = pt_sample_word_text(s, m->cells[i].voltage_status);

			if (a[0])
				pt_jw_str(w, NULL, a);
			else
				pt_jw_null(w, NULL);
		}
		pt_jw_close(w, ']');
		pt_jw_open(w, "cell_temperature_status", '[');
		for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
			const char *b = pt_sample_word_text(s, m->cells[i].temperature_status);

			if (b[0])
				pt_jw_str(w, NULL, b);
			else
				pt_jw_null(w, NULL);
		}
		pt_jw_close(w, ']');
	}
}

char *
mq_module_state(const struct mq_names *n, const struct pt_sample *s,
    const struct pt_module *m, const char *id, const struct mq_shape *sh,
    char *topic, size_t topic_size)
{
	struct pt_jw w = PT_JW_INIT;
	int i;

	mq_state_topic(n, id, topic, topic_size);
	pt_jw_open(&w, NULL, '{');
	jw_time(&w, s);
	pt_jw_num(&w, "id", m->id);
	jw_text_or_null(&w, "barcode", m->barcode, sizeof m->barcode);
	jw_text_or_null(&w, "model", m->model, sizeof m->model);
	jw_text_or_null(&w, "firmware", m->firmware, sizeof m->firmware);
	jw_values(&w, s, m, sh->valid, false);
	if (PT_HAS(m, PTF_VOLTAGE_DERIVED))
		pt_jw_bool(&w, "voltage_derived", true);
	/* How many cells this module has now (the arrays are as long as
	 * announced), and how old they are: a remote view must not show
	 * cells kept from an earlier cycle as new. */
	pt_jw_num(&w, "cells", m->n_cells);
	jw_num(&w, "cells_age", true, pt_module_cells_age_s(s, m), 1);
	jw_status(&w, m->status);
	jw_alarms(&w, s, m->id);
	if (sh->spread)
		jw_spread(&w, s, PT_SCOPE_MODULE, m);
	/* Arrays as long as announced: a template past the end would make HA
	 * log an error on every message; a missing cell is null (unknown).
	 * Voltages, then temperatures (the tree filled both in one loop). */
	pt_jw_open(&w, "cell_voltages", '[');
	for (i = 0; i < sh->n_cells; i++) {
		const struct pt_cell *c = i < m->n_cells ? &m->cells[i] : NULL;

		jw_num(&w, NULL, c != NULL && PT_HAS(c, PTF_VOLTAGE), c ? c->voltage : 0, 3);
	}
	pt_jw_close(&w, ']');
	if (sh->cell_temps) {
		pt_jw_open(&w, "cell_temperatures", '[');
		for (i = 0; i < sh->n_cells; i++) {
			const struct pt_cell *c = i < m->n_cells ? &m->cells[i] : NULL;

			jw_num(&w, NULL, c != NULL && PT_HAS(c, PTF_TEMPERATURE),
			    c ? c->temperature : 0, 1);
		}
		pt_jw_close(&w, ']');
	}
	jw_cell_extras(&w, s, m);
	if (sh->n_temps > 0) {
		pt_jw_open(&w, "temperatures", '[');
		for (i = 0; i < sh->n_temps; i++)
			jw_num(&w, NULL, i < m->n_temps, i < m->n_temps ? m->temps[i] : 0, 1);
		pt_jw_close(&w, ']');
	}
	pt_jw_close(&w, '}');
	return pt_jw_finish(&w);
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
