/* mqtt_discovery.c — the Home Assistant discovery configs: one device
 * for the stack, one per module, their entities as components.  See
 * mqtt_discovery.h; the names are mqtt_names.c's, the state payloads the
 * templates read are mqtt_payload.c's. */
#include "autoconfig.h"

#include "sink/mqtt_internal.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "model/sample_fields.h"
#include "util/sanitize.h"

#define DEG_C		"\xc2\xb0" "C"	/* HA compares units exactly: U+00B0 C */

/* HA compares units exactly: the table's ASCII "C" is U+00B0 C here. */
static const char *
ha_unit(const struct pt_field_def *f)
{
	if (f->unit == NULL || f->unit[0] == '\0')
		return NULL;
	return strcmp(f->unit, "C") == 0 ? DEG_C : f->unit;
}

static cJSON *
origin(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", "pylontop");
	cJSON_AddStringToObject(o, "sw_version", PACKAGE_VERSION);
	if (strncmp(PACKAGE_URL, "http", 4) == 0)
		cJSON_AddStringToObject(o, "support_url", PACKAGE_URL);
	return o;
}

/* Device text is sanitised at parse time; again here, because a payload
 * must never carry control bytes whatever a caller passes. */
static void
add_text(cJSON *o, const char *key, const char *text)
{
	char clean[PT_TEXT_LEN * 2];

	if (text == NULL || text[0] == '\0')
		return;
	san_text(clean, sizeof clean, text, strlen(text));
	if (clean[0] != '\0')
		cJSON_AddStringToObject(o, key, clean);
}

void
mq_add_entity(cJSON *cmps, const char *dev_id, const struct mq_entity *e)
{
	cJSON *o = cJSON_CreateObject();
	char uid[MQ_ID_LEN + 48], eid[MQ_ID_LEN + 64];

	snprintf(uid, sizeof uid, "%s_%s", dev_id, e->key);
	snprintf(eid, sizeof eid, "%s.%s", e->platform, uid);
	cJSON_AddStringToObject(o, "platform", e->platform);
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddStringToObject(o, "unique_id", uid);
	cJSON_AddStringToObject(o, "default_entity_id", eid);
	if (e->dclass != NULL)
		cJSON_AddStringToObject(o, "device_class", e->dclass);
	if (e->unit != NULL)
		cJSON_AddStringToObject(o, "unit_of_measurement", e->unit);
	if (e->sclass != NULL)
		cJSON_AddStringToObject(o, "state_class", e->sclass);
	if (e->display >= 0)
		cJSON_AddNumberToObject(o, "suggested_display_precision", e->display);
	if (e->diagnostic)
		cJSON_AddStringToObject(o, "entity_category", "diagnostic");
	if (e->expire_s > 0)
		cJSON_AddNumberToObject(o, "expire_after", e->expire_s);
	if (e->state_topic != NULL)
		cJSON_AddStringToObject(o, "state_topic", e->state_topic);
	cJSON_AddStringToObject(o, "value_template", e->tpl);
	cJSON_AddItemToObject(cmps, e->key, o);
}

static void
add_value_entities(cJSON *cmps, const char *dev_id, uint32_t valid, bool stack, int expire)
{
	char tpl[64];
	size_t i;

	for (i = 0; i < pt_n_fields; i++) {
		const struct pt_field_def *f = &pt_fields[i];
		struct mq_entity e = { .key = f->key, .platform = "sensor", .name = f->name,
		    .dclass = f->ha.dclass, .unit = ha_unit(f), .sclass = f->ha.sclass,
		    .tpl = tpl, .display = f->ha.display, .diagnostic = f->ha.diagnostic,
		    .expire_s = expire };

		if (!(f->ha.scopes & mq_scope(stack)) || f->bit == 0 || (valid & f->bit) == 0)
			continue;
		snprintf(tpl, sizeof tpl, "{{ value_json.%s }}", f->key);
		mq_add_entity(cmps, dev_id, &e);
	}
}

/* Status text, the alarm binary sensors and the cell spread: every device. */
static void
add_common_entities(cJSON *cmps, const char *dev_id, const struct mq_shape *sh, int expire)
{
	const struct mq_entity common[] = {
		{ .key = "status", .platform = "sensor", .name = "Status",
		  .tpl = "{{ value_json.status }}", .display = -1, .expire_s = expire },
		{ .key = "alarm", .platform = "binary_sensor", .name = "Alarm",
		  .dclass = "problem", .tpl = "{{ 'ON' if value_json.alarm else 'OFF' }}",
		  .display = -1, .expire_s = expire },
		{ .key = "warning", .platform = "binary_sensor", .name = "Warning",
		  .dclass = "problem", .tpl = "{{ 'ON' if value_json.warning else 'OFF' }}",
		  .display = -1, .expire_s = expire },
		{ .key = "alarms", .platform = "sensor", .name = "Active alarms",
		  .tpl = "{{ value_json.alarms }}", .display = -1, .diagnostic = true,
		  .expire_s = expire },
	};
	const struct mq_entity spread = { .key = "cell_spread", .platform = "sensor",
	    .name = "Cell voltage spread", .dclass = "voltage", .unit = "mV",
	    .sclass = "measurement", .tpl = "{{ value_json.cell_spread }}", .display = 0,
	    .expire_s = expire };
	size_t i;

	for (i = 0; i < sizeof common / sizeof common[0]; i++)
		mq_add_entity(cmps, dev_id, &common[i]);
	if (sh->spread)
		mq_add_entity(cmps, dev_id, &spread);
}

static cJSON *
device_root(const struct mq_names *n, const char *dev_id, const char *name,
    const char *model, const char *sw, const char *serial, const char *module_id)
{
	cJSON *root = cJSON_CreateObject(), *dev = cJSON_CreateObject(), *ids, *av, *a;
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN];

	ids = cJSON_AddArrayToObject(dev, "identifiers");
	cJSON_AddItemToArray(ids, cJSON_CreateString(dev_id));
	add_text(dev, "name", name);
	cJSON_AddStringToObject(dev, "manufacturer", "Pylontech");
	add_text(dev, "model", model);
	add_text(dev, "sw_version", sw);
	add_text(dev, "serial_number", serial);
	if (module_id != NULL)
		cJSON_AddStringToObject(dev, "via_device", n->stack_id);
	cJSON_AddItemToObject(root, "device", dev);
	cJSON_AddItemToObject(root, "origin", origin());
	/* Available while pylontop is connected, and for a module, while it
	 * answers (home-assistant-mqtt.md §5). */
	av = cJSON_AddArrayToObject(root, "availability");
	a = cJSON_CreateObject();
	mq_status_topic(n, topic, sizeof topic);
	cJSON_AddStringToObject(a, "topic", topic);
	cJSON_AddItemToArray(av, a);
	if (module_id != NULL) {
		a = cJSON_CreateObject();
		mq_avail_topic(n, module_id, topic, sizeof topic);
		cJSON_AddStringToObject(a, "topic", topic);
		cJSON_AddItemToArray(av, a);
		cJSON_AddStringToObject(root, "availability_mode", "all");
	}
	mq_state_topic(n, module_id, topic, sizeof topic);
	cJSON_AddStringToObject(root, "state_topic", topic);
	cJSON_AddNumberToObject(root, "qos", n->qos);
	return root;
}

/* Link diagnostics: their own topic, refreshed by the sink even while no
 * sample comes (so the age keeps growing). */
static void
add_link_entities(cJSON *cmps, const struct mq_names *n)
{
	char topic[MQ_TOPIC_LEN + 8];
	const struct mq_entity link[] = {
		{ .key = "link_errors", .platform = "sensor", .name = "Link errors",
		  .sclass = "total_increasing", .tpl = "{{ value_json.errors }}", .display = 0,
		  .diagnostic = true, .expire_s = n->diag_expire_s, .state_topic = topic },
		{ .key = "link_reconnects", .platform = "sensor", .name = "Link reconnects",
		  .sclass = "total_increasing", .tpl = "{{ value_json.reconnects }}",
		  .display = 0, .diagnostic = true, .expire_s = n->diag_expire_s,
		  .state_topic = topic },
		{ .key = "sample_age", .platform = "sensor", .name = "Sample age",
		  .dclass = "duration", .unit = "s", .sclass = "measurement",
		  .tpl = "{{ value_json.age }}", .display = 0, .diagnostic = true,
		  .expire_s = n->diag_expire_s, .state_topic = topic },
		{ .key = "link_state", .platform = "sensor", .name = "Link state",
		  .tpl = "{{ value_json.state }}", .display = -1, .diagnostic = true,
		  .expire_s = n->diag_expire_s, .state_topic = topic },
	};
	size_t i;

	mq_link_topic(n, topic, sizeof topic);
	for (i = 0; i < sizeof link / sizeof link[0]; i++)
		mq_add_entity(cmps, n->stack_id, &link[i]);
}

char *
mq_stack_config(const struct mq_names *n, const struct pt_sample *s,
    const struct mq_shape *sh, char *topic, size_t topic_size)
{
	const struct mq_entity modules = { .key = "modules", .platform = "sensor",
	    .name = "Modules", .sclass = "measurement", .tpl = "{{ value_json.modules }}",
	    .display = 0, .diagnostic = true, .expire_s = n->expire_s };
	cJSON *root, *cmps;

	mq_config_topic(n, n->stack_id, topic, topic_size);
	root = device_root(n, n->stack_id, n->device_name,
	    s->stack.model[0] ? s->stack.model : "Battery stack", s->stack.firmware,
	    s->stack.barcode, NULL);
	cmps = cJSON_AddObjectToObject(root, "components");
	add_value_entities(cmps, n->stack_id, sh->valid, true, n->expire_s);
	add_common_entities(cmps, n->stack_id, sh, n->expire_s);
	mq_add_entity(cmps, n->stack_id, &modules);
	add_link_entities(cmps, n);
	return mq_print(root);
}

static void
add_cell_entities(cJSON *cmps, const char *id, const struct mq_shape *sh, int expire)
{
	char key[32], name[48], tpl[64];
	struct mq_entity e = { .key = key, .platform = "sensor", .name = name,
	    .sclass = "measurement", .tpl = tpl, .display = 0, .diagnostic = true,
	    .expire_s = expire };
	int i;

	for (i = 0; i < sh->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_voltage", i + 1);
		snprintf(name, sizeof name, "Cell %02d voltage", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cell_voltages[%d] }}", i);
		e.dclass = "voltage", e.unit = "V", e.display = 3;
		mq_add_entity(cmps, id, &e);
	}
	for (i = 0; sh->cell_temps && i < sh->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_temperature", i + 1);
		snprintf(name, sizeof name, "Cell %02d temperature", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cell_temperatures[%d] }}", i);
		e.dclass = "temperature", e.unit = DEG_C, e.display = 1;
		mq_add_entity(cmps, id, &e);
	}
	for (i = 0; i < sh->n_temps; i++) {
		snprintf(key, sizeof key, "sensor_%d_temperature", i + 1);
		snprintf(name, sizeof name, "Sensor %d temperature", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.temperatures[%d] }}", i);
		e.dclass = "temperature", e.unit = DEG_C, e.display = 1;
		mq_add_entity(cmps, id, &e);
	}
}

char *
mq_module_config(const struct mq_names *n, const struct pt_module *m, const char *id,
    const struct mq_shape *sh, char *topic, size_t topic_size)
{
	char name[32];
	cJSON *root, *cmps;

	mq_config_topic(n, id, topic, topic_size);
	snprintf(name, sizeof name, "Module %d", m->id);
	root = device_root(n, id, name, m->model, m->firmware, m->barcode, id);
	cmps = cJSON_AddObjectToObject(root, "components");
	add_value_entities(cmps, id, sh->valid, false, n->expire_s);
	add_common_entities(cmps, id, sh, n->expire_s);
	add_cell_entities(cmps, id, sh, n->expire_s);
	return mq_print(root);
}
