/* mqtt_diag.c — see mqtt_diag.h. */
#include "sink/mqtt_diag.h"
#include "sink/mqtt_internal.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
mq_energy_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	mq_leaf_topic(n, module_id, "energy", topic, size);
}

void
mq_diag_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	mq_leaf_topic(n, module_id, "diag", topic, size);
}

void
mq_event_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	mq_leaf_topic(n, module_id, "event", topic, size);
}

/* ---- discovery ------------------------------------------------------- */

struct ext_entity {
	const char	*key, *name, *dclass, *unit, *sclass;
	int		 display;	/* -1: none */
	bool		 diagnostic;
	unsigned	 what;		/* MQ_EXT_* */
};

static const struct ext_entity ext[] = {
	{ .key = "energy_charged", .name = "Energy charged", .dclass = "energy", .unit = "kWh",
	  .sclass = "total_increasing", .display = 2, .what = MQ_EXT_ENERGY },
	{ .key = "energy_discharged", .name = "Energy discharged", .dclass = "energy",
	  .unit = "kWh", .sclass = "total_increasing", .display = 2, .what = MQ_EXT_ENERGY },
	{ .key = "bms_soh", .name = "BMS state of health", .unit = "%", .sclass = "measurement",
	  .display = 0, .diagnostic = true, .what = MQ_EXT_DIAG },
	{ .key = "bms_cycles", .name = "BMS cycles", .sclass = "total_increasing", .display = 0,
	  .diagnostic = true, .what = MQ_EXT_DIAG },
	{ .key = "bms_clock_offset", .name = "BMS clock offset", .dclass = "duration",
	  .unit = "s", .sclass = "measurement", .display = 0, .diagnostic = true,
	  .what = MQ_EXT_DIAG },
	{ .key = "weakest_cell", .name = "Weakest cell", .display = 0, .diagnostic = true,
	  .what = MQ_EXT_DIAG },
	{ .key = "weakest_cell_ir_ratio", .name = "Weakest cell resistance ratio",
	  .sclass = "measurement", .display = 2, .diagnostic = true, .what = MQ_EXT_DIAG },
	{ .key = "weakest_cell_load_deviation", .name = "Weakest cell deviation under load",
	  .dclass = "voltage", .unit = "mV", .sclass = "measurement", .display = 0,
	  .diagnostic = true, .what = MQ_EXT_DIAG },
};

#define N_EXT	(sizeof ext / sizeof ext[0])

static void
add_ext(cJSON *cmps, const char *dev, const struct ext_entity *e, const char *state_topic,
    const char *json_key)
{
	char tpl[96];
	const struct mq_entity me = {
		.key = e->key, .platform = "sensor", .name = e->name, .dclass = e->dclass,
		.unit = e->unit, .sclass = e->sclass, .tpl = tpl, .display = e->display,
		.diagnostic = e->diagnostic, .expire_s = 0, .state_topic = state_topic,
	};

	snprintf(tpl, sizeof tpl, "{{ value_json.%s }}", json_key);
	mq_add_entity(cmps, dev, &me);
}

char *
mq_ext_config(const struct mq_names *n, const char *module_id, char *payload, unsigned what)
{
	char energy[MQ_TOPIC_LEN + MQ_ID_LEN], diag[MQ_TOPIC_LEN + MQ_ID_LEN];
	cJSON *root, *cmps;
	const char *dev;
	char *text;
	size_t i;

	if (payload == NULL || what == 0)
		return payload;
	root = cJSON_Parse(payload);
	cmps = cJSON_GetObjectItemCaseSensitive(root, "components");
	if (!cJSON_IsObject(cmps) || (dev = mq_device_id(root)) == NULL) {
		cJSON_Delete(root);
		return payload;
	}
	mq_energy_topic(n, module_id, energy, sizeof energy);
	mq_diag_topic(n, module_id, diag, sizeof diag);
	for (i = 0; i < N_EXT; i++)
		if (ext[i].what & what)
			add_ext(cmps, dev, &ext[i], ext[i].what == MQ_EXT_ENERGY ? energy : diag,
			    ext[i].what == MQ_EXT_ENERGY ? ext[i].key + strlen("energy_") :
			    ext[i].key);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return payload;
	free(payload);
	return text;
}

/* ---- states ---------------------------------------------------------- */

char *
mq_energy_state(const struct energy_meter *m)
{
	cJSON *o = cJSON_CreateObject();

	mq_add_num(o, "charged", true, m->charged_kwh, 4);
	mq_add_num(o, "discharged", true, m->discharged_kwh, 4);
	/* The newest point counted: the totals are up to then. */
	mq_add_num(o, "time_ms", m->have_last, (double)m->last_ms, 0);
	return mq_print(o);
}

int
mq_weakest_cell(const struct health_module_report *h, double *ratio, double *dev_mv)
{
	static const enum health_bin load[] = { HB_HEAVY_DIS, HB_MODERATE_DIS };
	int c, best = -1;
	size_t k;

	*ratio = *dev_mv = NAN;
	for (c = 0; h != NULL && c < h->n_cells && c < PT_MAX_CELLS; c++)
		if (isfinite(h->cells[c].ir_ratio) &&
		    (best < 0 || h->cells[c].ir_ratio > h->cells[best].ir_ratio))
			best = c;
	if (best < 0)
		return -1;
	*ratio = h->cells[best].ir_ratio;
	for (k = 0; k < sizeof load / sizeof load[0] && !isfinite(*dev_mv); k++)
		*dev_mv = h->cells[best].dev_mv[HBAND_MID][load[k]];
	return best;
}

char *
mq_diag_state(const struct pt_rec_unit *u, const struct health_module_report *h)
{
	cJSON *o = cJSON_CreateObject();
	double ratio, dev;
	int weak = mq_weakest_cell(h, &ratio, &dev);
	bool st = u != NULL && u->stat.present;

	mq_add_num(o, "bms_soh", st && u->stat.soh_pct >= 0, (double)(st ? u->stat.soh_pct : 0),
	    0);
	mq_add_num(o, "bms_cycles", st && u->stat.cycles >= 0,
	    (double)(st ? u->stat.cycles : 0), 0);
	mq_add_num(o, "bms_clock_offset", u != NULL && u->clock.present && u->clock.has_offset,
	    u != NULL ? u->clock.offset_s : 0, 0);
	mq_add_num(o, "weakest_cell", weak >= 0, weak + 1, 0);
	mq_add_num(o, "weakest_cell_ir_ratio", weak >= 0, ratio, 2);
	mq_add_num(o, "weakest_cell_load_deviation", weak >= 0, dev, 1);
	return mq_print(o);
}

/* ---- events ---------------------------------------------------------- */

static uint32_t
fnv(uint32_t h, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	h ^= 0x1f;	/* field separator */
	return h * 16777619u;
}

uint32_t
mq_event_fingerprint(const struct pt_rec_event *ev)
{
	char index[24];
	uint32_t h = 2166136261u;

	snprintf(index, sizeof index, "%ld", ev->index);
	h = fnv(h, ev->time, sizeof ev->time);
	h = fnv(h, index, sizeof index);
	h = fnv(h, ev->module, sizeof ev->module);
	h = fnv(h, ev->code, sizeof ev->code);
	return fnv(h, ev->text, sizeof ev->text);
}

static struct mq_event_marks_unit *
marks_unit(struct mq_event_marks *m, const char *id, bool *created)
{
	int i;

	*created = false;
	for (i = 0; i < m->n; i++)
		if (strcmp(m->u[i].id, id) == 0)
			return &m->u[i];
	if (m->n == MQ_EVENT_UNITS)
		return NULL;
	memset(&m->u[m->n], 0, sizeof m->u[m->n]);
	snprintf(m->u[m->n].id, sizeof m->u[m->n].id, "%s", id);
	*created = true;
	return &m->u[m->n++];
}

static bool
marked(const struct mq_event_marks_unit *u, uint32_t fp)
{
	int i;

	for (i = 0; i < u->n; i++)
		if (u->fp[i] == fp)
			return true;
	return false;
}

int
mq_new_events(struct mq_event_marks *marks, const char *dev_id, const struct pt_rec_log *log,
    int *idx, int max, bool *changed)
{
	struct mq_event_marks_unit *u, now;
	bool first;
	int i, n = 0;

	*changed = false;
	if (!log->present || (u = marks_unit(marks, dev_id, &first)) == NULL)
		return 0;
	memset(&now, 0, sizeof now);
	for (i = 0; i < log->n && i < PT_REC_MAX_EVENTS; i++) {
		uint32_t fp = mq_event_fingerprint(&log->ev[i]);

		now.fp[now.n++] = fp;
		if (!first && !marked(u, fp) && n < max)
			idx[n++] = i;
	}
	if (first || u->n != now.n || memcmp(u->fp, now.fp, sizeof now.fp[0] * (size_t)now.n) != 0) {
		memcpy(u->fp, now.fp, sizeof now.fp);
		u->n = now.n;
		*changed = true;
	}
	return n;
}

char *
mq_event_payload(const struct pt_rec_event *ev, int unit_id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "module", unit_id);
	cJSON_AddNumberToObject(o, "index", (double)ev->index);
	mq_add_text_or_null(o, "time", ev->time, sizeof ev->time);
	mq_add_text_or_null(o, "source", ev->module, sizeof ev->module);
	mq_add_text_or_null(o, "code", ev->code, sizeof ev->code);
	mq_add_text_or_null(o, "text", ev->text, sizeof ev->text);
	return mq_print(o);
}

cJSON *
mq_event_marks_to_json(const struct mq_event_marks *m)
{
	cJSON *o = cJSON_CreateObject();
	char hex[12];
	int i, k;

	for (i = 0; i < m->n; i++) {
		cJSON *a = cJSON_AddArrayToObject(o, m->u[i].id);

		for (k = 0; a != NULL && k < m->u[i].n; k++) {
			snprintf(hex, sizeof hex, "%08x", (unsigned)m->u[i].fp[k]);
			cJSON_AddItemToArray(a, cJSON_CreateString(hex));
		}
	}
	return o;
}

void
mq_event_marks_from_json(struct mq_event_marks *m, const cJSON *j)
{
	const cJSON *a, *x;
	bool created;

	memset(m, 0, sizeof *m);
	cJSON_ArrayForEach(a, j) {
		struct mq_event_marks_unit *u;

		if (!cJSON_IsArray(a) || a->string == NULL || a->string[0] == '\0' ||
		    strlen(a->string) >= MQ_ID_LEN || (u = marks_unit(m, a->string, &created)) == NULL)
			continue;
		cJSON_ArrayForEach(x, a) {
			char *end;
			unsigned long v;

			if (!cJSON_IsString(x) || u->n == PT_REC_MAX_EVENTS)
				continue;
			v = strtoul(x->valuestring, &end, 16);
			if (end != x->valuestring && *end == '\0' && v <= 0xffffffffUL)
				u->fp[u->n++] = (uint32_t)v;
		}
	}
}
