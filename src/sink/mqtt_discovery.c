/* mqtt_discovery.c — Home Assistant device discovery, state JSON, and the
 * registry of announced devices.  See mqtt_discovery.h. */
#include "autoconfig.h"

#include "sink/mqtt_discovery.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample_fields.h"
#include "model/sample_json.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/sanitize.h"

#define DEG_C		"\xc2\xb0" "C"	/* HA compares units exactly: U+00B0 C */

/* The measured values are the rows of the field table with HA scopes
 * (model/sample_fields.c): a sensor of the stack and/or of each module,
 * the state JSON key, and the decimals of the state payload. */
static enum pt_scope
scope_of(bool stack)
{
	return stack ? PT_SCOPE_STACK : PT_SCOPE_MODULE;
}

/* HA compares units exactly: the table's ASCII "C" is U+00B0 C here. */
static const char *
ha_unit(const struct pt_field_def *f)
{
	if (f->unit == NULL || f->unit[0] == '\0')
		return NULL;
	return strcmp(f->unit, "C") == 0 ? DEG_C : f->unit;
}

/* ---- names and topics ------------------------------------------------ */

void
mq_stack_ident(const struct mqtt_config *c, const struct pt_sample *s, const char *host,
    char *out, size_t size)
{
	const char *from = NULL;
	int i;

	if (c->unique_id[0] != '\0')
		from = c->unique_id;
	else if (s != NULL && s->stack.barcode[0] != '\0')
		from = s->stack.barcode;
	for (i = 0; from == NULL && s != NULL && i < s->n_modules; i++)
		if (s->modules[i].barcode[0] != '\0')
			from = s->modules[i].barcode;
	if (from == NULL)
		from = host != NULL && host[0] != '\0' ? host : "stack";
	san_topic(out, size, from);
}

/* Length of the UTF-8 sequence at p, 0 if it is not valid UTF-8. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
		n = 2;
	else if ((*p & 0xf0) == 0xe0)
		n = 3;
	else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A name the user chose (DEVICE_NAME): UTF-8 is fine in a payload,
 * control bytes and broken sequences are not. */
static void
copy_name(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, n;

	while (*p != '\0' && o + 1 < size) {
		n = utf8_len(p);
		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			dst[o++] = '?';
			p++;
		} else if (o + n < size) {
			memcpy(dst + o, p, n);
			o += n;
			p += n;
		} else
			break;
	}
	dst[o] = '\0';
}

void
mq_names_init(struct mq_names *n, const struct mqtt_config *c, const char *ident)
{
	char id[MQ_ID_LEN - 16];

	memset(n, 0, sizeof *n);
	san_topic(id, sizeof id, ident);
	snprintf(n->stack_id, sizeof n->stack_id, "pylontop_%s", id);
	if (c->base_topic[0] != '\0')
		snprintf(n->base, sizeof n->base, "%s", c->base_topic);
	else
		snprintf(n->base, sizeof n->base, "pylontop/%s", id);
	/* "pylontop/rack1/" would make "pylontop/rack1//status". */
	while (strlen(n->base) > 1 && n->base[strlen(n->base) - 1] == '/')
		n->base[strlen(n->base) - 1] = '\0';
	snprintf(n->prefix, sizeof n->prefix, "%s",
	    c->discovery_prefix[0] ? c->discovery_prefix : "homeassistant");
	copy_name(n->device_name, sizeof n->device_name,
	    c->device_name[0] ? c->device_name : "Pylontech stack");
	n->expire_s = mq_expire_after(c->interval_s);
	n->diag_expire_s = 90;
	n->qos = c->qos;
}

/* A topic we publish to: no wildcards, no empty level at the ends, no
 * control bytes (libmosquitto would refuse it later, less clearly). */
static const char *
bad_topic(const char *t)
{
	const unsigned char *p;

	if (t[0] == '\0')
		return "is empty";
	if (strpbrk(t, "+#") != NULL)
		return "holds a wildcard ('+' or '#')";
	if (t[0] == '/')
		return "starts with '/'";
	for (p = (const unsigned char *)t; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character";
	return NULL;
}

int
mq_check_topics(const struct mqtt_config *c, char *err, size_t errsize)
{
	const char *why;

	if (c->base_topic[0] != '\0' && (why = bad_topic(c->base_topic)) != NULL) {
		snprintf(err, errsize, "MQTT_BASE_TOPIC '%s' %s", c->base_topic, why);
		return PT_ERR_CONFIG;
	}
	if (c->discovery_prefix[0] != '\0' && (why = bad_topic(c->discovery_prefix)) != NULL) {
		snprintf(err, errsize, "HA_DISCOVERY_PREFIX '%s' %s", c->discovery_prefix, why);
		return PT_ERR_CONFIG;
	}
	return 0;
}

int
mq_expire_after(double interval_s)
{
	double e = 3 * interval_s;

	return e < 30 ? 30 : (int)ceil(e);
}

void
mq_status_topic(const struct mq_names *n, char *topic, size_t size)
{
	snprintf(topic, size, "%s/status", n->base);
}

void
mq_config_topic(const struct mq_names *n, const char *device_id, char *topic, size_t size)
{
	snprintf(topic, size, "%s/device/%s/config", n->prefix, device_id);
}

void
mq_avail_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	snprintf(topic, size, "%s/module/%s/avail", n->base, module_id);
}

void
mq_state_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	if (module_id == NULL)
		snprintf(topic, size, "%s/state", n->base);
	else
		snprintf(topic, size, "%s/module/%s/state", n->base, module_id);
}

void
mq_link_topic(const struct mq_names *n, char *topic, size_t size)
{
	snprintf(topic, size, "%s/link", n->base);
}

static void
barcode_id(const char *barcode, char *out, size_t size)
{
	char code[PT_TEXT_LEN * 2];

	san_topic(code, sizeof code, barcode);
	snprintf(out, size, "pylontech_%s", code);
}

void
mq_module_ids(const struct mq_names *n, const struct pt_sample *s, char ids[][MQ_ID_LEN])
{
	int i, j;

	for (i = 0; i < s->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];
		bool unique = m->barcode[0] != '\0';
		char mine[MQ_ID_LEN], other[MQ_ID_LEN];

		if (unique)
			barcode_id(m->barcode, mine, sizeof mine);
		for (j = 0; unique && j < s->n_modules; j++) {
			if (j == i || s->modules[j].barcode[0] == '\0')
				continue;
			barcode_id(s->modules[j].barcode, other, sizeof other);
			unique = strcmp(mine, other) != 0;
		}
		if (unique)
			snprintf(ids[i], MQ_ID_LEN, "%s", mine);
		else
			snprintf(ids[i], MQ_ID_LEN, "%.*s_m%02d", MQ_ID_LEN - 8, n->stack_id,
			    m->id % 1000);
	}
}

/* ---- shapes ---------------------------------------------------------- */

bool
mq_shape_module(struct mq_shape *sh, const struct pt_module *m)
{
	struct mq_shape old = *sh;
	struct pt_cell_stats cs;
	int i;

	sh->valid |= m->valid;
	if (m->n_cells > sh->n_cells)
		sh->n_cells = m->n_cells > PT_MAX_CELLS ? PT_MAX_CELLS : m->n_cells;
	if (m->n_temps > sh->n_temps)
		sh->n_temps = m->n_temps > PT_MAX_TEMPS ? PT_MAX_TEMPS : m->n_temps;
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE))
			sh->cell_temps = true;
	pt_module_cell_stats(m, &cs);
	if (cs.count >= 2)
		sh->spread = true;
	return memcmp(&old, sh, sizeof old) != 0;
}

bool
mq_shape_stack(struct mq_shape *sh, const struct pt_sample *s)
{
	struct mq_shape old = *sh;
	int i;

	sh->valid |= s->stack.valid;
	for (i = 0; i < s->n_modules; i++) {
		struct pt_cell_stats cs;

		pt_module_cell_stats(&s->modules[i], &cs);
		if (cs.count >= 2)
			sh->spread = true;
	}
	return memcmp(&old, sh, sizeof old) != 0;
}

/* ---- discovery payloads ---------------------------------------------- */

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

struct entity {
	const char	*key, *platform, *name, *dclass, *unit, *sclass, *tpl;
	int		 display;	/* -1: none */
	bool		 diagnostic;
	int		 expire_s;	/* 0: none */
	const char	*state_topic;	/* NULL: the device's */
};

static void
add_entity(cJSON *cmps, const char *dev_id, const struct entity *e)
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
		struct entity e = { f->key, "sensor", f->name, f->ha.dclass, ha_unit(f),
		    f->ha.sclass, tpl, f->ha.display, f->ha.diagnostic, expire, NULL };

		if (!(f->ha.scopes & scope_of(stack)) || f->bit == 0 || (valid & f->bit) == 0)
			continue;
		snprintf(tpl, sizeof tpl, "{{ value_json.%s }}", f->key);
		add_entity(cmps, dev_id, &e);
	}
}

/* Status text, the alarm binary sensors and the cell spread: every device. */
static void
add_common_entities(cJSON *cmps, const char *dev_id, const struct mq_shape *sh, int expire)
{
	const struct entity common[] = {
		{ "status", "sensor", "Status", NULL, NULL, NULL,
		    "{{ value_json.status }}", -1, false, expire, NULL },
		{ "alarm", "binary_sensor", "Alarm", "problem", NULL, NULL,
		    "{{ 'ON' if value_json.alarm else 'OFF' }}", -1, false, expire, NULL },
		{ "warning", "binary_sensor", "Warning", "problem", NULL, NULL,
		    "{{ 'ON' if value_json.warning else 'OFF' }}", -1, false, expire, NULL },
		{ "alarms", "sensor", "Active alarms", NULL, NULL, NULL,
		    "{{ value_json.alarms }}", -1, true, expire, NULL },
	};
	const struct entity spread = { "cell_spread", "sensor", "Cell voltage spread",
	    "voltage", "mV", "measurement", "{{ value_json.cell_spread }}", 0, false,
	    expire, NULL };
	size_t i;

	for (i = 0; i < sizeof common / sizeof common[0]; i++)
		add_entity(cmps, dev_id, &common[i]);
	if (sh->spread)
		add_entity(cmps, dev_id, &spread);
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

static char *
print(cJSON *root)
{
	char *text = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	return text;
}

/* Link diagnostics: their own topic, refreshed by the sink even while no
 * sample comes (so the age keeps growing). */
static void
add_link_entities(cJSON *cmps, const struct mq_names *n)
{
	char topic[MQ_TOPIC_LEN + 8];
	const struct entity link[] = {
		{ "link_errors", "sensor", "Link errors", NULL, NULL, "total_increasing",
		    "{{ value_json.errors }}", 0, true, n->diag_expire_s, topic },
		{ "link_reconnects", "sensor", "Link reconnects", NULL, NULL, "total_increasing",
		    "{{ value_json.reconnects }}", 0, true, n->diag_expire_s, topic },
		{ "sample_age", "sensor", "Sample age", "duration", "s", "measurement",
		    "{{ value_json.age }}", 0, true, n->diag_expire_s, topic },
		{ "link_state", "sensor", "Link state", NULL, NULL, NULL,
		    "{{ value_json.state }}", -1, true, n->diag_expire_s, topic },
	};
	size_t i;

	mq_link_topic(n, topic, sizeof topic);
	for (i = 0; i < sizeof link / sizeof link[0]; i++)
		add_entity(cmps, n->stack_id, &link[i]);
}

char *
mq_stack_config(const struct mq_names *n, const struct pt_sample *s,
    const struct mq_shape *sh, char *topic, size_t topic_size)
{
	const struct entity modules = { "modules", "sensor", "Modules", NULL, NULL,
	    "measurement", "{{ value_json.modules }}", 0, true, n->expire_s, NULL };
	cJSON *root, *cmps;

	mq_config_topic(n, n->stack_id, topic, topic_size);
	root = device_root(n, n->stack_id, n->device_name,
	    s->stack.model[0] ? s->stack.model : "Battery stack", s->stack.firmware,
	    s->stack.barcode, NULL);
	cmps = cJSON_AddObjectToObject(root, "components");
	add_value_entities(cmps, n->stack_id, sh->valid, true, n->expire_s);
	add_common_entities(cmps, n->stack_id, sh, n->expire_s);
	add_entity(cmps, n->stack_id, &modules);
	add_link_entities(cmps, n);
	return print(root);
}

static void
add_cell_entities(cJSON *cmps, const char *id, const struct mq_shape *sh, int expire)
{
	char key[32], name[48], tpl[64];
	struct entity e = { key, "sensor", name, NULL, NULL, "measurement", tpl, 0, true,
	    expire, NULL };
	int i;

	for (i = 0; i < sh->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_voltage", i + 1);
		snprintf(name, sizeof name, "Cell %02d voltage", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cell_voltages[%d] }}", i);
		e.dclass = "voltage", e.unit = "V", e.display = 3;
		add_entity(cmps, id, &e);
	}
	for (i = 0; sh->cell_temps && i < sh->n_cells; i++) {
		snprintf(key, sizeof key, "cell_%02d_temperature", i + 1);
		snprintf(name, sizeof name, "Cell %02d temperature", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.cell_temperatures[%d] }}", i);
		e.dclass = "temperature", e.unit = DEG_C, e.display = 1;
		add_entity(cmps, id, &e);
	}
	for (i = 0; i < sh->n_temps; i++) {
		snprintf(key, sizeof key, "sensor_%d_temperature", i + 1);
		snprintf(name, sizeof name, "Sensor %d temperature", i + 1);
		snprintf(tpl, sizeof tpl, "{{ value_json.temperatures[%d] }}", i);
		e.dclass = "temperature", e.unit = DEG_C, e.display = 1;
		add_entity(cmps, id, &e);
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
	return print(root);
}

/* ---- state payloads -------------------------------------------------- */

static void
add_num(cJSON *o, const char *key, bool known, double v, int decimals)
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

		if (!(f->ha.scopes & scope_of(stack)) || f->bit == 0 || (announced & f->bit) == 0)
			continue;
		if (pt_field_number(f, s, scope_of(stack), obj, &v))
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

		if (!(f->ha.scopes & scope_of(stack)))
			continue;
		x = cJSON_GetObjectItemCaseSensitive(json, f->key);
		/* null or absent: unknown; beyond any real value (the broker's
		 * bytes are untrusted, and casting those is undefined): unknown */
		if (!cJSON_IsNumber(x) || !(fabs(x->valuedouble) < 1e15))
			continue;
		pt_field_store(f, scope_of(stack), obj, x->valuedouble);
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

static void
add_text_or_null(cJSON *o, const char *key, const char *text, size_t size)
{
	char clean[PT_TEXT_LEN * 2];

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
		add_text_or_null(x, "name", a->name, sizeof a->name);
		add_num(x, "value", true, a->value, 3);
		add_num(x, "since_ms", a->since_ms > 0, (double)a->since_ms, 0);
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
	add_text_or_null(o, "dialect", s->dialect, sizeof s->dialect);
	add_text_or_null(o, "model", s->stack.model, sizeof s->stack.model);
	add_text_or_null(o, "barcode", s->stack.barcode, sizeof s->stack.barcode);
	add_text_or_null(o, "firmware", s->stack.firmware, sizeof s->stack.firmware);
	return print(o);
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
	add_text_or_null(o, "barcode", m->barcode, sizeof m->barcode);
	add_text_or_null(o, "model", m->model, sizeof m->model);
	add_text_or_null(o, "firmware", m->firmware, sizeof m->firmware);
	add_values(o, s, m, sh->valid, false);
	if (PT_HAS(m, PTF_VOLTAGE_DERIVED))
		cJSON_AddBoolToObject(o, "voltage_derived", true);
	/* How many cells this module has now (the arrays are as long as
	 * announced), and how old they are: a remote view must not show
	 * cells kept from an earlier cycle as new. */
	cJSON_AddNumberToObject(o, "cells", m->n_cells);
	add_num(o, "cells_age", true, pt_module_cells_age_s(s, m), 1);
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
	return print(o);
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
	add_num(o, "age", ls->last_sample_ms > 0, (double)(now_ms - ls->last_sample_ms) / 1000.0,
	    0);
	cJSON_AddStringToObject(o, "state", link_state_name(ls->state));
	return print(o);
}

/* ---- registry -------------------------------------------------------- */

void
mq_registry_init(struct mq_registry *r)
{
	memset(r, 0, sizeof *r);
}

void
mq_registry_forget(struct mq_registry *r)
{
	int i;

	r->stack_announced = false;
	for (i = 0; i < r->n; i++) {
		r->k[i].announced = false;
		r->k[i].avail = -1;
	}
}

struct mq_known *
mq_registry_find(struct mq_registry *r, const char *id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->k[i].id, id) == 0)
			return &r->k[i];
	return NULL;
}

static struct mq_known *
registry_add(struct mq_registry *r, const char *id)
{
	struct mq_known *k;

	if (r->n >= MQ_MAX_KNOWN)
		return NULL;
	k = &r->k[r->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->id, sizeof k->id, "%s", id);
	k->avail = -1;
	return k;
}

bool
mq_registry_learn(struct mq_registry *r, const char *id)
{
	struct mq_known *k;

	if (mq_registry_find(r, id) != NULL || (k = registry_add(r, id)) == NULL)
		return false;
	k->announced = true;	/* its config is on the broker already */
	return true;
}

bool
mq_retained_module(const char *prefix, const char *stack_id, const char *topic,
    const void *payload, size_t len, char dev[MQ_ID_LEN])
{
	static const char device[] = "/device/";
	size_t plen = strlen(prefix);
	const char *id, *end;
	cJSON *root, *via;
	bool ours;

	if (len == 0 || strncmp(topic, prefix, plen) != 0 ||
	    strncmp(topic + plen, device, sizeof device - 1) != 0)
		return false;
	id = topic + plen + sizeof device - 1;
	if ((end = strchr(id, '/')) == NULL || end == id || (size_t)(end - id) >= MQ_ID_LEN)
		return false;
	if ((root = cJSON_ParseWithLength(payload, len)) == NULL)
		return false;
	via = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "device"), "via_device");
	ours = cJSON_IsString(via) && via->valuestring != NULL &&
	    strcmp(via->valuestring, stack_id) == 0;
	cJSON_Delete(root);
	if (ours)
		snprintf(dev, MQ_ID_LEN, "%.*s", (int)(end - id), id);
	return ours;
}

static int
push(struct mq_action *out, int n, int max, enum mq_verb verb, int module, const char *id)
{
	if (n >= max)
		return n;
	out[n].verb = verb;
	out[n].module = module;
	snprintf(out[n].id, sizeof out[n].id, "%s", id);
	return n + 1;
}

static bool
in_sample(char ids[][MQ_ID_LEN], int n_ids, const char *id)
{
	int i;

	for (i = 0; i < n_ids; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* Missing from this sample: unavailable now, removed when it stays away. */
static int
plan_missing(struct mq_registry *r, int i, int64_t now_ms, int64_t remove_after_ms,
    struct mq_action *out, int n, int max)
{
	struct mq_known *k = &r->k[i];

	if (k->missing++ == 0)
		k->missing_since_ms = now_ms;
	if (k->missing >= MQ_REMOVE_SAMPLES && (!k->seen ||
	    now_ms - k->missing_since_ms >= remove_after_ms)) {
		n = push(out, n, max, MQ_REMOVE, -1, k->id);
		r->k[i] = r->k[--r->n];
		return n;
	}
	if (k->avail != 0) {
		k->avail = 0;
		n = push(out, n, max, MQ_OFFLINE, -1, k->id);
	}
	return n;
}

int
mq_registry_plan(struct mq_registry *r, const struct pt_sample *s, char ids[][MQ_ID_LEN],
    int64_t now_ms, int64_t remove_after_ms, struct mq_action *out, int max)
{
	int i, n = 0, n_mod = s->n_modules < PT_MAX_MODULES ? s->n_modules : PT_MAX_MODULES;

	if (mq_shape_stack(&r->stack, s) || !r->stack_announced) {
		r->stack_announced = true;
		n = push(out, n, max, MQ_ANNOUNCE_STACK, -1, "");
	}
	for (i = 0; i < n_mod; i++) {
		struct mq_known *k = mq_registry_find(r, ids[i]);

		if (k == NULL && (k = registry_add(r, ids[i])) == NULL)
			continue;	/* cannot happen with 16 modules and 48 slots */
		if (mq_shape_module(&k->shape, &s->modules[i]))
			k->announced = false;
		k->seen = true;
		k->missing = 0;
		if (!k->announced) {
			k->announced = true;
			n = push(out, n, max, MQ_ANNOUNCE, i, k->id);
		}
		if (k->avail != 1) {
			k->avail = 1;
			n = push(out, n, max, MQ_ONLINE, i, k->id);
		}
	}
	/* Backwards: a removal moves the last entry into the freed slot. */
	for (i = r->n - 1; i >= 0; i--)
		if (!in_sample(ids, n_mod, r->k[i].id))
			n = plan_missing(r, i, now_ms, remove_after_ms, out, n, max);
	return n;
}
