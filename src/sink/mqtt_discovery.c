/* mqtt_discovery.c — Home Assistant device discovery and state JSON. */
#include "autoconfig.h"

#include "sink/mqtt_discovery.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/sample_json.h"
#include "util/clock.h"
#include "util/sanitize.h"

#define DEG_C	"\xc2\xb0" "C"		/* HA compares units exactly: U+00B0 C */

void
mq_names_init(struct mq_names *n, const struct mqtt_config *c)
{
	char id[MQ_ID_LEN - 16];

	memset(n, 0, sizeof *n);
	san_topic(id, sizeof id, c->unique_id[0] ? c->unique_id : "stack");
	snprintf(n->stack_id, sizeof n->stack_id, "pylontop_%s", id);
	if (c->base_topic[0] != '\0')
		snprintf(n->base, sizeof n->base, "%s", c->base_topic);
	else
		snprintf(n->base, sizeof n->base, "pylontop/%s", id);
	snprintf(n->prefix, sizeof n->prefix, "%s",
	    c->discovery_prefix[0] ? c->discovery_prefix : "homeassistant");
	snprintf(n->device_name, sizeof n->device_name, "%s",
	    c->device_name[0] ? c->device_name : "Pylontech stack");
}

void
mq_module_id(const struct mq_names *n, const struct pt_module *m, char *out, size_t size)
{
	char code[PT_TEXT_LEN];

	if (m->barcode[0] != '\0') {
		san_topic(code, sizeof code, m->barcode);
		snprintf(out, size, "pylontech_%s", code);
	} else
		snprintf(out, size, "%s_m%02d", n->stack_id, m->id);
}

void
mq_module_config_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	snprintf(topic, size, "%s/device/%s/config", n->prefix, module_id);
}

static cJSON *
origin(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", "pylontop");
	cJSON_AddStringToObject(o, "sw_version", PACKAGE_VERSION);
	return o;
}

/* One entity.  unit/dclass/sclass may be NULL. */
static cJSON *
entity(cJSON *cmps, const char *key, const char *platform, const char *name,
    const char *dev_id, const char *dclass, const char *unit, const char *sclass,
    int precision, const char *tpl, bool diagnostic, int expire_s)
{
	cJSON *e = cJSON_CreateObject();
	char uid[160];

	snprintf(uid, sizeof uid, "%s_%s", dev_id, key);
	cJSON_AddStringToObject(e, "platform", platform);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "unique_id", uid);
	if (dclass != NULL)
		cJSON_AddStringToObject(e, "device_class", dclass);
	if (unit != NULL)
		cJSON_AddStringToObject(e, "unit_of_measurement", unit);
	if (sclass != NULL)
		cJSON_AddStringToObject(e, "state_class", sclass);
	if (precision >= 0)
		cJSON_AddNumberToObject(e, "suggested_display_precision", precision);
	if (diagnostic)
		cJSON_AddStringToObject(e, "entity_category", "diagnostic");
	if (expire_s > 0)
		cJSON_AddNumberToObject(e, "expire_after", expire_s);
	cJSON_AddStringToObject(e, "value_template", tpl);
	cJSON_AddItemToObject(cmps, key, e);
	return e;
}

static cJSON *
device_root(const struct mq_names *n, const char *dev_id, const char *name,
    const char *model, const char *sw, const char *serial, bool via, const char *state_topic)
{
	cJSON *root = cJSON_CreateObject(), *dev = cJSON_CreateObject(), *ids, *av;
	cJSON *a = cJSON_CreateObject();
	char topic[MQ_TOPIC_LEN + 16];

	ids = cJSON_AddArrayToObject(dev, "identifiers");
	cJSON_AddItemToArray(ids, cJSON_CreateString(dev_id));
	cJSON_AddStringToObject(dev, "name", name);
	cJSON_AddStringToObject(dev, "manufacturer", "Pylontech");
	if (model != NULL && model[0] != '\0')
		cJSON_AddStringToObject(dev, "model", model);
	if (sw != NULL && sw[0] != '\0')
		cJSON_AddStringToObject(dev, "sw_version", sw);
	if (serial != NULL && serial[0] != '\0')
		cJSON_AddStringToObject(dev, "serial_number", serial);
	if (via)
		cJSON_AddStringToObject(dev, "via_device", n->stack_id);
	cJSON_AddItemToObject(root, "device", dev);
	cJSON_AddItemToObject(root, "origin", origin());
	av = cJSON_AddArrayToObject(root, "availability");
	snprintf(topic, sizeof topic, "%s/status", n->base);
	cJSON_AddStringToObject(a, "topic", topic);
	cJSON_AddItemToArray(av, a);
	cJSON_AddStringToObject(root, "state_topic", state_topic);
	return root;
}

/* Entities every device (stack or module) has. */
static void
common_entities(cJSON *c, const char *id, int exp)
{
	entity(c, "voltage", "sensor", "Voltage", id, "voltage", "V", "measurement", 2,
	    "{{ value_json.v }}", false, exp);
	entity(c, "current", "sensor", "Current", id, "current", "A", "measurement", 2,
	    "{{ value_json.i }}", false, exp);
	entity(c, "power", "sensor", "Power", id, "power", "W", "measurement", 0,
	    "{{ value_json.p }}", false, exp);
	entity(c, "soc", "sensor", "State of charge", id, "battery", "%", "measurement", 0,
	    "{{ value_json.soc }}", false, exp);
	entity(c, "temperature", "sensor", "Temperature", id, "temperature", DEG_C,
	    "measurement", 1, "{{ value_json.t }}", false, exp);
	entity(c, "temp_max", "sensor", "Highest temperature", id, "temperature", DEG_C,
	    "measurement", 1, "{{ value_json.t_max }}", false, exp);
	entity(c, "temp_min", "sensor", "Lowest temperature", id, "temperature", DEG_C,
	    "measurement", 1, "{{ value_json.t_min }}", false, exp);
	entity(c, "cycles", "sensor", "Cycle count", id, NULL, NULL, "total_increasing", 0,
	    "{{ value_json.cycles }}", true, exp);
	entity(c, "status", "sensor", "Status", id, NULL, NULL, NULL, -1,
	    "{{ value_json.status }}", false, exp);
	entity(c, "alarm", "binary_sensor", "Alarm", id, "problem", NULL, NULL, -1,
	    "{{ 'ON' if value_json.alarm else 'OFF' }}", false, exp);
}

static char *
print(cJSON *root)
{
	char *text = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	return text;
}

char *
mq_stack_config(const struct mq_names *n, const struct pt_sample *s, int expire_s,
    char *topic, size_t topic_size)
{
	char state[MQ_TOPIC_LEN + 16];
	cJSON *root, *c;

	snprintf(topic, topic_size, "%s/device/%s/config", n->prefix, n->stack_id);
	snprintf(state, sizeof state, "%s/state", n->base);
	root = device_root(n, n->stack_id, n->device_name, s->stack.model, s->stack.firmware,
	    s->stack.barcode, false, state);
	c = cJSON_AddObjectToObject(root, "components");
	common_entities(c, n->stack_id, expire_s);
	entity(c, "cell_spread", "sensor", "Largest cell spread", n->stack_id, "voltage", "mV",
	    "measurement", 0, "{{ value_json.spread }}", false, expire_s);
	entity(c, "link_errors", "sensor", "Link errors", n->stack_id, NULL, NULL,
	    "total_increasing", 0, "{{ value_json.errors }}", true, 0);
	entity(c, "sample_age", "sensor", "Sample age", n->stack_id, "duration", "s",
	    "measurement", 0, "{{ value_json.age }}", true, 0);
	entity(c, "modules", "sensor", "Modules", n->stack_id, NULL, NULL, "measurement", 0,
	    "{{ value_json.modules }}", true, expire_s);
	return print(root);
}

char *
mq_module_config(const struct mq_names *n, const struct pt_sample *s,
    const struct pt_module *m, int expire_s, char *topic, size_t topic_size)
{
	char id[MQ_ID_LEN], state[MQ_TOPIC_LEN + 64], name[64], key[32], ename[48], tpl[64];
	cJSON *root, *c;
	bool temps = false;
	int i;

	mq_module_id(n, m, id, sizeof id);
	mq_module_config_topic(n, id, topic, topic_size);
	snprintf(state, sizeof state, "%s/module/%s/state", n->base, id);
	snprintf(name, sizeof name, "Module %d", m->id);
	root = device_root(n, id, name, m->model, m->firmware, m->barcode, true, state);
	c = cJSON_AddObjectToObject(root, "components");
	common_entities(c, id, expire_s);
	entity(c, "cell_spread", "sensor", "Cell spread", id, "voltage", "mV", "measurement", 0,
	    "{{ value_json.spread }}", false, expire_s);
	for (i = 0; i < m->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_voltage", i + 1);
		snprintf(ename, sizeof ename, "Cell %02d voltage", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cells[%d] }}", i);
		entity(c, key, "sensor", ename, id, "voltage", "V", "measurement", 3, tpl,
		    true, expire_s);
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE))
			temps = true;
	}
	for (i = 0; temps && i < m->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_temperature", i + 1);
		snprintf(ename, sizeof ename, "Cell %02d temperature", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cell_t[%d] }}", i);
		entity(c, key, "sensor", ename, id, "temperature", DEG_C, "measurement", 1,
		    tpl, true, expire_s);
	}
	(void)s;
	return print(root);
}

static void
num(cJSON *o, const char *key, uint32_t valid, uint32_t bit, double v, int decimals)
{
	if ((valid & bit) && isfinite(v))
		cJSON_AddNumberToObject(o, key, sample_round(v, decimals));
	else
		cJSON_AddNullToObject(o, key);
}

static bool
has_alarm(const struct pt_sample *s, int module)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (module < 0 || s->alarms[i].module == module)
			return true;
	return false;
}

static void
common_state(cJSON *o, uint32_t valid, double v, double i, double p, double soc, double t,
    double tmax, double tmin, long cycles, const char *status)
{
	num(o, "v", valid, PTF_VOLTAGE, v, 3);
	num(o, "i", valid, PTF_CURRENT, i, 2);
	num(o, "p", valid, PTF_POWER, p, 1);
	num(o, "soc", valid, PTF_SOC, soc, 0);
	num(o, "t", valid, PTF_TEMPERATURE, t, 1);
	num(o, "t_max", valid, PTF_TEMP_MAX, tmax, 1);
	num(o, "t_min", valid, PTF_TEMP_MIN, tmin, 1);
	num(o, "cycles", valid, PTF_CYCLES, (double)cycles, 0);
	if (status[0] != '\0')
		cJSON_AddStringToObject(o, "status", status);
	else
		cJSON_AddNullToObject(o, "status");
}

char *
mq_stack_state(const struct mq_names *n, const struct pt_sample *s,
    const struct link_stats *ls, int64_t now_ms, char *topic, size_t topic_size)
{
	const struct pt_stack *st = &s->stack;
	cJSON *o = cJSON_CreateObject();
	double spread = -1;
	char iso[40];
	int k;

	snprintf(topic, topic_size, "%s/state", n->base);
	cJSON_AddStringToObject(o, "ts", clock_iso8601(s->time_ms, 0, iso, sizeof iso));
	common_state(o, st->valid, st->voltage, st->current, st->power, st->soc,
	    st->temperature, st->temp_max, st->temp_min, st->cycles, st->status);
	for (k = 0; k < s->n_modules; k++) {
		struct pt_cell_stats cs;
		pt_module_cell_stats(&s->modules[k], &cs);
		if (cs.count >= 2 && cs.spread > spread)
			spread = cs.spread;
	}
	if (spread >= 0)
		cJSON_AddNumberToObject(o, "spread", sample_round(spread * 1000, 0));
	else
		cJSON_AddNullToObject(o, "spread");
	cJSON_AddBoolToObject(o, "alarm", has_alarm(s, -1));
	cJSON_AddNumberToObject(o, "alarms", s->n_alarms);
	cJSON_AddNumberToObject(o, "modules", s->n_modules);
	if (ls != NULL) {
		cJSON_AddNumberToObject(o, "errors", (double)(ls->timeouts + ls->parse_errors +
		    ls->checksum_errors + ls->device_errors));
		cJSON_AddNumberToObject(o, "age", sample_round((double)(now_ms - s->time_ms) /
		    1000.0, 0));
	}
	return print(o);
}

char *
mq_module_state(const struct mq_names *n, const struct pt_sample *s,
    const struct pt_module *m, char *topic, size_t topic_size)
{
	cJSON *o = cJSON_CreateObject(), *cells, *temps = NULL;
	struct pt_cell_stats cs;
	char id[MQ_ID_LEN];
	int i;

	mq_module_id(n, m, id, sizeof id);
	snprintf(topic, topic_size, "%s/module/%s/state", n->base, id);
	common_state(o, m->valid, m->voltage, m->current, m->power, m->soc, m->temperature,
	    m->temp_max, m->temp_min, m->cycles, m->status);
	pt_module_cell_stats(m, &cs);
	if (cs.count >= 2)
		cJSON_AddNumberToObject(o, "spread", sample_round(cs.spread * 1000, 0));
	else
		cJSON_AddNullToObject(o, "spread");
	cJSON_AddBoolToObject(o, "alarm", has_alarm(s, m->id));
	cells = cJSON_AddArrayToObject(o, "cells");
	for (i = 0; i < m->n_cells; i++) {
		const struct pt_cell *c = &m->cells[i];
		cJSON_AddItemToArray(cells, PT_HAS(c, PTF_VOLTAGE) ?
		    cJSON_CreateNumber(sample_round(c->voltage, 3)) : cJSON_CreateNull());
		if (PT_HAS(c, PTF_TEMPERATURE) && temps == NULL)
			temps = cJSON_AddArrayToObject(o, "cell_t");
	}
	for (i = 0; temps != NULL && i < m->n_cells; i++) {
		const struct pt_cell *c = &m->cells[i];
		cJSON_AddItemToArray(temps, PT_HAS(c, PTF_TEMPERATURE) ?
		    cJSON_CreateNumber(sample_round(c->temperature, 1)) : cJSON_CreateNull());
	}
	return print(o);
}
