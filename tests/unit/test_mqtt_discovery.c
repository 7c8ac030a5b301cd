/* test_mqtt_discovery.c — Home Assistant discovery and state payloads,
 * without a broker: ids and topics (hostile barcodes too), unique
 * unique_ids, device classes and units, state values equal to the
 * sample's, and the registry's announce / offline / remove decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/mqtt_discovery.h"

#define DEG_C	"\xc2\xb0" "C"

static struct mqtt_config cfg;
static struct mq_names names;

static void
config(const char *unique_id)
{
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.discovery_prefix, "homeassistant");
	cfg.discovery = true;
	snprintf(cfg.unique_id, sizeof cfg.unique_id, "%s", unique_id);
	mq_names_init(&names, &cfg, unique_id);
}

/* A stack of `n` modules with `cells` cells each; module k has barcode
 * PPTBH0240001000k; cell temperatures only when asked. */
static struct pt_sample *
stack(int n, int cells, bool cell_temps)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	int i, j;

	pt_sample_init(s, "lv");
	s->time_ms = 1795449600000LL;
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 49.12345);
	PT_SET(&s->stack, current, PTF_CURRENT, -12.3456);
	PT_SET(&s->stack, power, PTF_POWER, -606.4321);
	PT_SET(&s->stack, soc, PTF_SOC, 57.4);
	PT_SET(&s->stack, temperature, PTF_TEMPERATURE, 24.56);
	snprintf(s->stack.status, sizeof s->stack.status, "Discharge");
	for (i = 1; i <= n; i++) {
		struct pt_module *m = pt_sample_module(s, i);

		snprintf(m->barcode, sizeof m->barcode, "PPTBH0240001000%d", i);
		snprintf(m->model, sizeof m->model, "US3000C");
		snprintf(m->status, sizeof m->status, "Discharge");
		PT_SET(m, voltage, PTF_VOLTAGE, 49.0 + i * 0.0111);
		PT_SET(m, current, PTF_CURRENT, -4.1049);
		PT_SET(m, power, PTF_POWER, -201.16);
		PT_SET(m, soc, PTF_SOC, 56.6);
		PT_SET(m, temperature, PTF_TEMPERATURE, 23.04);
		PT_SET(m, cycles, PTF_CYCLES, 300 + i);
		for (j = 0; j < cells; j++) {
			struct pt_cell *c = pt_module_cell(m, j);
			PT_SET(c, voltage, PTF_VOLTAGE, 3.2f + 0.001f * (float)j);
			if (cell_temps)
				PT_SET(c, temperature, PTF_TEMPERATURE, 20.0f + (float)j);
		}
	}
	return s;
}

static cJSON *
parse(char *text)
{
	cJSON *j;

	assert_non_null(text);
	j = cJSON_Parse(text);
	assert_non_null(j);
	free(text);
	return j;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
topic_safe(const char *t)
{
	const unsigned char *p;

	for (p = (const unsigned char *)t; *p != '\0'; p++)
		if (*p == '+' || *p == '#' || *p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* HA's discovery topic pattern (home-assistant-mqtt.md §1). */
static bool
discovery_topic_ok(const char *t)
{
	regex_t re;
	bool ok;

	assert_int_equal(regcomp(&re, "^homeassistant/device/[a-zA-Z0-9_-]+/config$",
	    REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&re, t, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* ---- names and ids ----------------------------------------------------- */

static void
test_names(void **state)
{
	(void)state;
	config("Rack 1/a+b");
	assert_string_equal(names.stack_id, "pylontop_rack_1_a_b");
	assert_string_equal(names.base, "pylontop/rack_1_a_b");
	assert_string_equal(names.prefix, "homeassistant");
	assert_string_equal(names.device_name, "Pylontech stack");

	strcpy(cfg.base_topic, "site/battery/");
	strcpy(cfg.device_name, "Garage \x1b[31mK\xc3\xbc" "che\x01");
	mq_names_init(&names, &cfg, "x");
	assert_string_equal(names.base, "site/battery");
	/* UTF-8 kept, control bytes replaced. */
	assert_string_equal(names.device_name, "Garage ?[31mK\xc3\xbc" "che?");
}

static void
test_stack_ident(void **state)
{
	struct pt_sample *s = stack(2, 4, false);
	char id[MQ_ID_LEN];

	(void)state;
	config("");
	mq_stack_ident(&cfg, s, "host", id, sizeof id);
	assert_string_equal(id, "pptbh02400010001");	/* the first module's barcode */
	strcpy(s->stack.barcode, "HV-CTRL#9");
	mq_stack_ident(&cfg, s, "host", id, sizeof id);
	assert_string_equal(id, "hv-ctrl_9");
	s->stack.barcode[0] = s->modules[0].barcode[0] = s->modules[1].barcode[0] = '\0';
	mq_stack_ident(&cfg, s, "Pi.local", id, sizeof id);
	assert_string_equal(id, "pi_local");
	mq_stack_ident(&cfg, NULL, "", id, sizeof id);
	assert_string_equal(id, "stack");
	strcpy(cfg.unique_id, "rack1");
	mq_stack_ident(&cfg, s, "host", id, sizeof id);
	assert_string_equal(id, "rack1");
	free(s);
}

static void
test_module_ids_hostile_and_duplicate(void **state)
{
	struct pt_sample *s = stack(4, 2, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	int i;

	(void)state;
	config("rack1");
	/* Straight into the struct, past pt_copy_text: the worst a caller
	 * could hand over. */
	strcpy(s->modules[0].barcode, "a/b+#\x1b[31m");
	strcpy(s->modules[2].barcode, "SAME");
	strcpy(s->modules[3].barcode, "same");		/* same id once lower-cased */
	s->modules[1].barcode[0] = '\0';
	mq_module_ids(&names, s, ids);
	assert_string_equal(ids[0], "pylontech_a_b____31m");
	assert_string_equal(ids[1], "pylontop_rack1_m02");
	assert_string_equal(ids[2], "pylontop_rack1_m03");
	assert_string_equal(ids[3], "pylontop_rack1_m04");
	for (i = 0; i < 4; i++) {
		mq_config_topic(&names, ids[i], topic, sizeof topic);
		assert_true(discovery_topic_ok(topic));
		mq_state_topic(&names, ids[i], topic, sizeof topic);
		assert_true(topic_safe(topic));
		assert_int_equal(strchr(topic + strlen(names.base) + 8, '/') -
		    (topic + strlen(names.base) + 8), (long)strlen(ids[i]));
		mq_avail_topic(&names, ids[i], topic, sizeof topic);
		assert_true(topic_safe(topic));
	}
	free(s);
}

static void
test_check_topics(void **state)
{
	char err[200];

	(void)state;
	config("x");
	assert_int_equal(mq_check_topics(&cfg, err, sizeof err), 0);
	strcpy(cfg.base_topic, "a/+/b");
	assert_int_not_equal(mq_check_topics(&cfg, err, sizeof err), 0);
	assert_non_null(strstr(err, "MQTT_BASE_TOPIC"));
	strcpy(cfg.base_topic, "ok/base");
	strcpy(cfg.discovery_prefix, "ha#");
	assert_int_not_equal(mq_check_topics(&cfg, err, sizeof err), 0);
	assert_non_null(strstr(err, "HA_DISCOVERY_PREFIX"));
}

static void
test_expire_after(void **state)
{
	(void)state;
	assert_int_equal(mq_expire_after(0), 30);
	assert_int_equal(mq_expire_after(2), 30);
	assert_int_equal(mq_expire_after(10), 30);
	assert_int_equal(mq_expire_after(10.5), 32);
	assert_int_equal(mq_expire_after(60), 180);
}

/* ---- discovery payloads ------------------------------------------------ */

struct uids {
	char	v[600][MQ_ID_LEN + 48];
	int	n;
};

static void
collect(struct uids *u, const cJSON *cmps, const char *dev_id)
{
	const cJSON *c;
	int i;

	cJSON_ArrayForEach(c, cmps) {
		const char *uid = str(c, "unique_id"), *p = str(c, "platform");

		assert_non_null(uid);
		assert_non_null(p);
		assert_true(strcmp(p, "sensor") == 0 || strcmp(p, "binary_sensor") == 0);
		assert_non_null(str(c, "value_template"));
		assert_non_null(str(c, "name"));
		assert_int_equal(strncmp(uid, dev_id, strlen(dev_id)), 0);
		for (i = 0; i < u->n; i++)
			if (strcmp(u->v[i], uid) == 0)
				fail_msg("duplicate unique_id %s", uid);
		assert_true(u->n < 600);
		snprintf(u->v[u->n++], sizeof u->v[0], "%s", uid);
	}
}

static void
expect_entity(const cJSON *cmps, const char *key, const char *platform, const char *dclass,
    const char *unit, const char *sclass, const char *name)
{
	const cJSON *e = cJSON_GetObjectItem(cmps, key);

	if (e == NULL)
		fail_msg("no component %s", key);
	assert_string_equal(str(e, "platform"), platform);
	if (dclass != NULL)
		assert_string_equal(str(e, "device_class"), dclass);
	else
		assert_null(cJSON_GetObjectItem(e, "device_class"));
	if (unit != NULL)
		assert_string_equal(str(e, "unit_of_measurement"), unit);
	else
		assert_null(cJSON_GetObjectItem(e, "unit_of_measurement"));
	if (sclass != NULL)
		assert_string_equal(str(e, "state_class"), sclass);
	else
		assert_null(cJSON_GetObjectItem(e, "state_class"));
	if (name != NULL)
		assert_string_equal(str(e, "name"), name);
	/* entity_category config is refused for sensors (§9). */
	if (cJSON_GetObjectItem(e, "entity_category") != NULL)
		assert_string_equal(str(e, "entity_category"), "diagnostic");
}

static void
test_configs_unique_ids_and_classes(void **state)
{
	struct pt_sample *s = stack(3, 15, true);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 }, msh[3];
	struct uids *u = calloc(1, sizeof *u);
	cJSON *root, *cmps, *dev, *av;
	int i;

	(void)state;
	config("rack1");
	names.expire_s = 45;
	mq_shape_stack(&sh, s);
	root = parse(mq_stack_config(&names, s, &sh, topic, sizeof topic));
	assert_string_equal(topic, "homeassistant/device/pylontop_rack1/config");
	dev = cJSON_GetObjectItem(root, "device");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(dev,
	    "identifiers"), 0)), "pylontop_rack1");
	assert_null(cJSON_GetObjectItem(dev, "via_device"));
	assert_string_equal(str(cJSON_GetObjectItem(root, "origin"), "name"), "pylontop");
	assert_string_equal(str(root, "state_topic"), "pylontop/rack1/state");
	cmps = cJSON_GetObjectItem(root, "components");
	collect(u, cmps, "pylontop_rack1");
	expect_entity(cmps, "voltage", "sensor", "voltage", "V", "measurement", "Voltage");
	expect_entity(cmps, "current", "sensor", "current", "A", "measurement", "Current");
	expect_entity(cmps, "power", "sensor", "power", "W", "measurement", "Power");
	expect_entity(cmps, "soc", "sensor", "battery", "%", "measurement", "State of charge");
	expect_entity(cmps, "temperature", "sensor", "temperature", DEG_C, "measurement", NULL);
	expect_entity(cmps, "alarm", "binary_sensor", "problem", NULL, NULL, "Alarm");
	expect_entity(cmps, "status", "sensor", NULL, NULL, NULL, "Status");
	expect_entity(cmps, "link_errors", "sensor", NULL, NULL, "total_increasing", NULL);
	expect_entity(cmps, "sample_age", "sensor", "duration", "s", "measurement", NULL);
	assert_string_equal(str(cJSON_GetObjectItem(cmps, "sample_age"), "state_topic"),
	    "pylontop/rack1/link");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cmps, "voltage"),
	    "expire_after")->valueint, 45);
	/* Never announced what the stack did not give. */
	assert_null(cJSON_GetObjectItem(cmps, "cycles"));
	assert_null(cJSON_GetObjectItem(cmps, "soh"));
	cJSON_Delete(root);

	mq_module_ids(&names, s, ids);
	for (i = 0; i < 3; i++) {
		char want[64];

		memset(&msh[i], 0, sizeof msh[i]);
		mq_shape_module(&msh[i], &s->modules[i]);
		root = parse(mq_module_config(&names, &s->modules[i], ids[i], &msh[i], topic,
		    sizeof topic));
		assert_true(discovery_topic_ok(topic));
		dev = cJSON_GetObjectItem(root, "device");
		assert_string_equal(str(dev, "via_device"), "pylontop_rack1");
		snprintf(want, sizeof want, "Module %d", i + 1);
		assert_string_equal(str(dev, "name"), want);
		assert_string_equal(str(dev, "serial_number"), s->modules[i].barcode);
		av = cJSON_GetObjectItem(root, "availability");
		assert_int_equal(cJSON_GetArraySize(av), 2);
		assert_string_equal(str(cJSON_GetArrayItem(av, 0), "topic"), "pylontop/rack1/status");
		assert_string_equal(str(root, "availability_mode"), "all");
		assert_null(cJSON_GetObjectItem(root, "availability_topic"));
		cmps = cJSON_GetObjectItem(root, "components");
		collect(u, cmps, ids[i]);
		expect_entity(cmps, "cell_07_voltage", "sensor", "voltage", "V", "measurement",
		    "Cell 07 voltage");
		expect_entity(cmps, "cell_15_temperature", "sensor", "temperature", DEG_C,
		    "measurement", "Cell 15 temperature");
		assert_null(cJSON_GetObjectItem(cmps, "cell_16_voltage"));
		expect_entity(cmps, "cycles", "sensor", NULL, NULL, "total_increasing", NULL);
		assert_string_equal(str(cJSON_GetObjectItem(cmps, "cell_07_voltage"),
		    "value_template"), "{{ value_json.cell_voltages[6] }}");
		assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cmps, "cell_07_voltage"),
		    "suggested_display_precision")->valueint, 3);
		cJSON_Delete(root);
	}
	/* Stack: 4 common + 5 values + modules + spread + 4 link = 15;
	 * modules: 30 cells + 6 values + 4 common + spread = 41 each. */
	assert_int_equal(u->n, 15 + 3 * 41);
	free(u);
	free(s);
}

static void
test_no_cell_temperatures_when_absent(void **state)
{
	struct pt_sample *s = stack(1, 16, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 };
	cJSON *root, *cmps;

	(void)state;
	config("rack1");
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, &s->modules[0]);
	root = parse(mq_module_config(&names, &s->modules[0], ids[0], &sh, topic, sizeof topic));
	cmps = cJSON_GetObjectItem(root, "components");
	assert_non_null(cJSON_GetObjectItem(cmps, "cell_16_voltage"));
	assert_null(cJSON_GetObjectItem(cmps, "cell_01_temperature"));
	cJSON_Delete(root);
	free(s);
}

static void
test_hostile_strings_in_payload(void **state)
{
	struct pt_sample *s = stack(1, 2, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 };
	char *text;
	size_t i;

	(void)state;
	config("rack1");
	strcpy(s->modules[0].barcode, "a/b+#\x1b[31m\"q\\");
	strcpy(s->modules[0].firmware, "B69\x07\x1b]0;pwned\x07");
	strcpy(s->modules[0].status, "Dis\x1b[2J");
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, &s->modules[0]);
	text = mq_module_config(&names, &s->modules[0], ids[0], &sh, topic, sizeof topic);
	assert_non_null(text);
	assert_true(discovery_topic_ok(topic));
	/* No control byte; the only non-ASCII is the degree sign of "°C". */
	for (i = 0; text[i] != '\0'; i++) {
		unsigned char c = (unsigned char)text[i];

		assert_true(c >= 0x20 && c != 0x7f);
		if (c >= 0x80)
			assert_true(c == 0xc2 ? (unsigned char)text[i + 1] == 0xb0 :
			    c == 0xb0 && (unsigned char)text[i - 1] == 0xc2);
	}
	assert_null(strstr(text, "\\u001b"));	/* not even escaped: replaced */
	assert_non_null(strstr(text, "\"serial_number\":\"a/b+#?[31m\\\"q\\\\\""));
	cJSON_Delete(parse(text));	/* still valid JSON */
	text = mq_module_state(&names, s, &s->modules[0], ids[0], &sh, topic, sizeof topic);
	assert_true(topic_safe(topic));
	assert_null(strchr(text, '\x1b'));
	assert_non_null(strstr(text, "\"status\":\"Dis?[2J\""));
	free(text);
	free(s);
}

/* ---- state payloads ---------------------------------------------------- */

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", key);
	return v->valuedouble;
}

/* A field added by one row of the field table (state of energy) is an
 * entity of the modules that give it, a state key, and read back. */
static void
test_new_field_state_of_energy(void **state)
{
	struct pt_sample *s = stack(2, 15, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 }, ssh = { 0 };
	struct pt_module *m = &s->modules[1], back;
	cJSON *root, *o;

	(void)state;
	config("rack1");
	PT_SET(m, energy_soc, PTF_ENERGY_SOC, 77.4);
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, m);
	root = parse(mq_module_config(&names, m, ids[1], &sh, topic, sizeof topic));
	expect_entity(cJSON_GetObjectItem(root, "components"), "energy_soc", "sensor", NULL,
	    "%", "measurement", "State of energy");
	cJSON_Delete(root);
	o = parse(mq_module_state(&names, s, m, ids[1], &sh, topic, sizeof topic));
	assert_true(num(o, "energy_soc") == 77);
	memset(&back, 0, sizeof back);
	mq_read_values(o, &back, false);
	assert_true(PT_HAS(&back, PTF_ENERGY_SOC) && back.energy_soc == 77);
	cJSON_Delete(o);
	/* A per-module field: not an entity of the stack. */
	mq_shape_stack(&ssh, s);
	root = parse(mq_stack_config(&names, s, &ssh, topic, sizeof topic));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "components"), "energy_soc"));
	cJSON_Delete(root);
	free(s);
}

static void
test_state_equals_sample(void **state)
{
	struct pt_sample *s = stack(2, 15, true);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 }, ssh = { 0 };
	const struct pt_module *m = &s->modules[1];
	cJSON *o, *cells;
	int i;

	(void)state;
	config("rack1");
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, m);
	o = parse(mq_module_state(&names, s, m, ids[1], &sh, topic, sizeof topic));
	assert_string_equal(topic, "pylontop/rack1/module/pylontech_pptbh02400010002/state");
	/* V 3 decimals, A 3 (as in the JSON contract), W 1, degC 1, % 0. */
	assert_true(num(o, "voltage") == 49.022);
	assert_true(num(o, "current") == -4.105);
	assert_true(num(o, "power") == -201.2);
	assert_true(num(o, "temperature") == 23.0);
	assert_true(num(o, "soc") == 57);
	assert_true(num(o, "cycles") == 302);
	assert_true(num(o, "id") == 2);
	assert_string_equal(str(o, "status"), "Discharge");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "alarm")));
	cells = cJSON_GetObjectItem(o, "cell_voltages");
	assert_int_equal(cJSON_GetArraySize(cells), 15);
	for (i = 0; i < 15; i++)
		assert_true(fabs(cJSON_GetArrayItem(cells, i)->valuedouble -
		    m->cells[i].voltage) < 0.0005);
	assert_true(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "cell_temperatures"), 14)->valuedouble
	    == 34.0);
	assert_true(num(o, "cell_spread") == 14);	/* mV */
	cJSON_Delete(o);

	mq_shape_stack(&ssh, s);
	o = parse(mq_stack_state(&names, s, &ssh, topic, sizeof topic));
	assert_string_equal(topic, "pylontop/rack1/state");
	assert_true(num(o, "voltage") == 49.123);
	assert_true(num(o, "current") == -12.346);
	assert_true(num(o, "power") == -606.4);
	assert_true(num(o, "soc") == 57);
	assert_true(num(o, "temperature") == 24.6);
	assert_true(num(o, "modules") == 2);
	assert_string_equal(str(o, "time"), "2026-11-23T16:00:00Z");
	cJSON_Delete(o);
	free(s);
}

/* Unknown is null (HA: unknown), never 0; arrays stay as long as announced. */
static void
test_state_unknown_is_null(void **state)
{
	struct pt_sample *s = stack(1, 15, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 };
	struct pt_module *m = &s->modules[0];
	cJSON *o, *cells;

	(void)state;
	config("rack1");
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, m);
	m->valid &= ~(uint32_t)PTF_CURRENT;
	m->cells[3].valid = 0;
	m->n_cells = 10;	/* a partial answer */
	assert_false(mq_shape_module(&sh, m));	/* the shape does not shrink */
	o = parse(mq_module_state(&names, s, m, ids[0], &sh, topic, sizeof topic));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "current")));
	cells = cJSON_GetObjectItem(o, "cell_voltages");
	assert_int_equal(cJSON_GetArraySize(cells), 15);
	assert_true(cJSON_IsNull(cJSON_GetArrayItem(cells, 3)));
	assert_true(cJSON_IsNull(cJSON_GetArrayItem(cells, 12)));
	assert_true(cJSON_IsNumber(cJSON_GetArrayItem(cells, 9)));
	cJSON_Delete(o);
	free(s);
}

/* What a remote view needs (issue 16.2): the sample's time and sequence,
 * identity, cell count and age, BMS alarms structured; read back through
 * the same table, known values come back and unknown ones stay unknown. */
static void
test_state_for_remote_view(void **state)
{
	struct pt_sample *s = stack(2, 15, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 }, ssh = { 0 };
	struct pt_module *m = &s->modules[1], back;
	struct pt_stack sback;
	struct pt_alarm *a;
	cJSON *o, *x;

	(void)state;
	config("rack1");
	s->seq = 42;
	m->cells_ms = s->time_ms - 2500;	/* cells read 2.5 s before */
	m->valid &= ~(uint32_t)PTF_CURRENT;
	m->cells[1].balancing = true;
	m->cells[1].valid |= PTF_BALANCING;
	a = pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_PROTECT, 2, 4, "cell_overvoltage", 3.65);
	a->since_ms = s->time_ms - 1000;
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, m);
	o = parse(mq_module_state(&names, s, m, ids[1], &sh, topic, sizeof topic));
	assert_true(num(o, "time_ms") == 1795449600000.0);
	assert_true(num(o, "seq") == 42);
	assert_string_equal(str(o, "barcode"), "PPTBH02400010002");
	assert_string_equal(str(o, "model"), "US3000C");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "firmware")));	/* unknown */
	assert_true(num(o, "cells") == 15);
	assert_true(num(o, "cells_age") == 2.5);
	x = cJSON_GetObjectItem(o, "cell_balancing");
	assert_true(cJSON_IsTrue(cJSON_GetArrayItem(x, 1)));
	assert_true(cJSON_IsNull(cJSON_GetArrayItem(x, 0)));
	memset(&back, 0, sizeof back);
	mq_read_values(o, &back, false);
	assert_true(PT_HAS(&back, PTF_VOLTAGE) && back.voltage == 49.022);
	assert_false(PT_HAS(&back, PTF_CURRENT));	/* null: unknown, not 0 */
	assert_true(PT_HAS(&back, PTF_CYCLES) && back.cycles == 302);
	assert_false(PT_HAS(&back, PTF_SOH));		/* never given */
	cJSON_Delete(o);

	m->cells_ms = 0;		/* never read: age unknown */
	o = parse(mq_module_state(&names, s, m, ids[1], &sh, topic, sizeof topic));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "cells_age")));
	cJSON_Delete(o);

	mq_shape_stack(&ssh, s);
	o = parse(mq_stack_state(&names, s, &ssh, topic, sizeof topic));
	assert_true(num(o, "seq") == 42);
	assert_string_equal(str(o, "protocol"), "lv");
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "alarm_list"), 0);
	assert_non_null(x);
	assert_true(num(x, "source") == PT_ALARM_BMS && num(x, "level") == PT_LEVEL_PROTECT);
	assert_true(num(x, "module") == 2 && num(x, "cell") == 4);
	assert_string_equal(str(x, "name"), "cell_overvoltage");
	assert_true(num(x, "since_ms") == 1795449599000.0);
	memset(&sback, 0, sizeof sback);
	mq_read_values(o, &sback, true);
	assert_true(PT_HAS(&sback, PTF_CURRENT) && sback.current == -12.346);
	cJSON_Delete(o);
	free(s);
}

static void
test_state_alarms(void **state)
{
	struct pt_sample *s = stack(3, 4, false);
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_shape sh = { 0 };
	cJSON *o;

	(void)state;
	config("rack1");
	pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_ALARM, 2, 3, "cell_overvoltage", 3.65);
	pt_sample_add_alarm(s, PT_ALARM_THRESHOLD, PT_LEVEL_WARNING, 3, -1, "module_hot", 45);
	mq_module_ids(&names, s, ids);
	mq_shape_module(&sh, &s->modules[1]);
	o = parse(mq_module_state(&names, s, &s->modules[1], ids[1], &sh, topic, sizeof topic));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "alarm")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "warning")));
	assert_string_equal(str(o, "alarms"), "cell_overvoltage");
	cJSON_Delete(o);
	o = parse(mq_module_state(&names, s, &s->modules[0], ids[0], &sh, topic, sizeof topic));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "alarm")));
	assert_string_equal(str(o, "alarms"), "none");
	cJSON_Delete(o);
	mq_shape_stack(&sh, s);
	o = parse(mq_stack_state(&names, s, &sh, topic, sizeof topic));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "alarm")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "warning")));
	assert_string_equal(str(o, "alarms"), "module 2 cell_overvoltage, module 3 module_hot");
	cJSON_Delete(o);
	free(s);
}

static void
test_link_state(void **state)
{
	struct link_stats ls;
	char topic[MQ_TOPIC_LEN];
	cJSON *o;

	(void)state;
	config("rack1");
	memset(&ls, 0, sizeof ls);
	ls.state = LINK_POLLING;
	ls.timeouts = 3;
	ls.parse_errors = 2;
	ls.reconnects = 1;
	o = parse(mq_link_state(&names, &ls, 1000000, topic, sizeof topic));
	assert_string_equal(topic, "pylontop/rack1/link");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "age")));
	assert_true(num(o, "errors") == 5);
	assert_true(num(o, "reconnects") == 1);
	cJSON_Delete(o);
	ls.last_sample_ms = 1000000 - 61400;
	o = parse(mq_link_state(&names, &ls, 1000000, topic, sizeof topic));
	assert_true(num(o, "age") == 61);
	cJSON_Delete(o);
}

/* ---- the registry ------------------------------------------------------ */

static int
count(const struct mq_action *a, int n, enum mq_verb v, const char *id)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		if (a[i].verb == v && (id == NULL || strcmp(a[i].id, id) == 0))
			c++;
	return c;
}

static int
plan(struct mq_registry *r, const struct pt_sample *s, int64_t now, struct mq_action *a)
{
	char ids[PT_MAX_MODULES][MQ_ID_LEN];

	mq_module_ids(&names, s, ids);
	return mq_registry_plan(r, s, ids, now, 600000, a, 100);
}

static void
test_registry_announce_once_and_again(void **state)
{
	struct pt_sample *s = stack(3, 15, false);
	struct mq_registry *r = malloc(sizeof *r);
	struct mq_action a[100];
	int n;

	(void)state;
	config("rack1");
	mq_registry_init(r);
	n = plan(r, s, 1000, a);
	assert_int_equal(n, 1 + 3 + 3);
	assert_int_equal(a[0].verb, MQ_ANNOUNCE_STACK);		/* via_device target first */
	assert_int_equal(count(a, n, MQ_ANNOUNCE, NULL), 3);
	assert_int_equal(count(a, n, MQ_ONLINE, NULL), 3);
	assert_int_equal(plan(r, s, 2000, a), 0);
	/* Partial answer: nothing to re-announce. */
	s->modules[1].n_cells = 5;
	assert_int_equal(plan(r, s, 3000, a), 0);
	/* More cells than before: that module again, nothing else. */
	s->modules[1].n_cells = 16;
	PT_SET(&s->modules[1].cells[15], voltage, PTF_VOLTAGE, 3.3f);
	n = plan(r, s, 4000, a);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verb, MQ_ANNOUNCE);
	assert_int_equal(a[0].module, 1);
	assert_int_equal(mq_registry_find(r, a[0].id)->shape.n_cells, 16);
	/* Reconnect / HA birth: everything again. */
	mq_registry_forget(r);
	n = plan(r, s, 5000, a);
	assert_int_equal(n, 7);
	free(r);
	free(s);
}

static void
test_registry_vanished_module_removed(void **state)
{
	struct pt_sample *s = stack(3, 4, false);
	struct mq_registry *r = malloc(sizeof *r);
	struct mq_action a[100];
	char gone[MQ_ID_LEN], ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	int n, i;

	(void)state;
	config("rack1");
	mq_registry_init(r);
	plan(r, s, 0, a);
	mq_module_ids(&names, s, ids);
	snprintf(gone, sizeof gone, "%s", ids[2]);
	s->n_modules = 2;
	/* Missing: unavailable at once, once. */
	n = plan(r, s, 1000, a);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verb, MQ_OFFLINE);
	assert_string_equal(a[0].id, gone);
	for (i = 2; i <= 5; i++)
		assert_int_equal(plan(r, s, i * 1000, a), 0);	/* not yet: 10 min */
	n = plan(r, s, 601000, a);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verb, MQ_REMOVE);
	assert_string_equal(a[0].id, gone);
	assert_null(mq_registry_find(r, gone));
	/* The removal is an empty retained message on exactly this topic. */
	mq_config_topic(&names, a[0].id, topic, sizeof topic);
	assert_string_equal(topic, "homeassistant/device/pylontech_pptbh02400010003/config");
	assert_int_equal(plan(r, s, 602000, a), 0);
	/* It comes back: announced and online again. */
	s->n_modules = 3;
	n = plan(r, s, 603000, a);
	assert_int_equal(count(a, n, MQ_ANNOUNCE, gone), 1);
	assert_int_equal(count(a, n, MQ_ONLINE, gone), 1);
	free(r);
	free(s);
}

/* A module back within the grace time is only unavailable for a while. */
static void
test_registry_absent_then_back(void **state)
{
	struct pt_sample *s = stack(2, 4, false);
	struct mq_registry *r = malloc(sizeof *r);
	struct mq_action a[100];
	int n;

	(void)state;
	config("rack1");
	mq_registry_init(r);
	plan(r, s, 0, a);
	s->n_modules = 1;
	assert_int_equal(count(a, plan(r, s, 1000, a), MQ_OFFLINE, NULL), 1);
	s->n_modules = 2;
	n = plan(r, s, 2000, a);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verb, MQ_ONLINE);
	free(r);
	free(s);
}

/* Known only from an earlier run's retained config: removed after
 * MQ_REMOVE_SAMPLES samples without it, no grace time. */
static void
test_registry_learned_module_removed(void **state)
{
	struct pt_sample *s = stack(2, 4, false);
	struct mq_registry *r = malloc(sizeof *r);
	struct mq_action a[100];
	int i, n = 0;

	(void)state;
	config("rack1");
	mq_registry_init(r);
	assert_true(mq_registry_learn(r, "pylontech_old"));
	assert_false(mq_registry_learn(r, "pylontech_old"));
	for (i = 0; i < MQ_REMOVE_SAMPLES; i++) {
		n = plan(r, s, i * 1000, a);
		assert_int_equal(count(a, n, MQ_REMOVE, NULL), i == MQ_REMOVE_SAMPLES - 1);
	}
	assert_int_equal(count(a, n, MQ_REMOVE, "pylontech_old"), 1);
	/* Our own config coming back from the broker changes nothing. */
	assert_false(mq_registry_learn(r, "pylontech_pptbh02400010001"));
	assert_int_equal(plan(r, s, 9000, a), 0);
	free(r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_stack_ident),
		cmocka_unit_test(test_module_ids_hostile_and_duplicate),
		cmocka_unit_test(test_check_topics),
		cmocka_unit_test(test_expire_after),
		cmocka_unit_test(test_configs_unique_ids_and_classes),
		cmocka_unit_test(test_no_cell_temperatures_when_absent),
		cmocka_unit_test(test_hostile_strings_in_payload),
		cmocka_unit_test(test_state_equals_sample),
		cmocka_unit_test(test_new_field_state_of_energy),
		cmocka_unit_test(test_state_unknown_is_null),
		cmocka_unit_test(test_state_alarms),
		cmocka_unit_test(test_state_for_remote_view),
		cmocka_unit_test(test_link_state),
		cmocka_unit_test(test_registry_announce_once_and_again),
		cmocka_unit_test(test_registry_vanished_module_removed),
		cmocka_unit_test(test_registry_absent_then_back),
		cmocka_unit_test(test_registry_learned_module_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
