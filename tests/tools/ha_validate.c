/* ha_validate.c — check Home Assistant MQTT discovery messages the way HA
 * would (home-assistant-mqtt.md §12b), without Home Assistant.
 *
 * usage: ha_validate [-s] [PREFIX] < capture
 *   capture: "topic payload" lines, as printed by `mosquitto_sub -v`;
 *   configs are the lines under PREFIX (default homeassistant) ending in
 *   /config, every other JSON line is a state message.
 *   -s: every entity's state topic must be in the capture.
 * Output: one line per violation; exit 1 if any, 2 on bad usage, else 0.
 *
 * Checks: the topic against HA's discovery pattern and prefix; a JSON
 * object; abbreviations expanded first; every key known for its place
 * (HA drops unknown keys silently, so a typo would go unnoticed); device
 * discovery's required device (with identifiers), origin (with name) and
 * components; availability set, not mixed with availability_topic;
 * platform and unique_id on every component, unique_ids unique across
 * everything, device identifiers unique across devices, via_device naming
 * another announced device; device_class x unit x state_class from HA's
 * tables (sensor/const.py), options only with enum; entity_category only
 * diagnostic; non-negative integer expire_after and display precision;
 * URLs where HA wants URLs; entity names that do not repeat the device's.
 * With the states in the capture: each value_template's key exists in
 * its state JSON, numeric sensors get a number or null, text <= 255.
 */
#include <cJSON.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_IDS		8192

static int problems;

static void
bad(const char *where, const char *what, const char *detail)
{
	printf("%s: %s%s%s\n", where, what, detail ? ": " : "", detail ? detail : "");
	problems++;
}

static bool
in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* ---- HA's tables, as data -------------------------------------------- */

/* mqtt/abbreviations.py, the ones a sensor publisher meets. */
static const char *const abbreviations[][2] = {
	{ "avty", "availability" }, { "avty_mode", "availability_mode" },
	{ "avty_t", "availability_topic" }, { "avty_tpl", "availability_template" },
	{ "cmps", "components" }, { "dev", "device" }, { "dev_cla", "device_class" },
	{ "def_ent_id", "default_entity_id" }, { "en", "enabled_by_default" },
	{ "ent_cat", "entity_category" }, { "exp_aft", "expire_after" },
	{ "frc_upd", "force_update" }, { "ic", "icon" }, { "json_attr_t",
	"json_attributes_topic" }, { "json_attr_tpl", "json_attributes_template" },
	{ "lrst_val_tpl", "last_reset_value_template" }, { "o", "origin" },
	{ "obj_id", "object_id" }, { "off_dly", "off_delay" }, { "ops", "options" },
	{ "p", "platform" }, { "pl_avail", "payload_available" },
	{ "pl_not_avail", "payload_not_available" }, { "pl_on", "payload_on" },
	{ "pl_off", "payload_off" }, { "stat_cla", "state_class" },
	{ "stat_t", "state_topic" }, { "sug_dsp_prc", "suggested_display_precision" },
	{ "t", "topic" }, { "uniq_id", "unique_id" }, { "unit_of_meas",
	"unit_of_measurement" }, { "val_tpl", "value_template" }, { "e", "encoding" },
	{ "migr_discvry", "migrate_discovery" }, { "cns", "connections" },
	{ "ids", "identifiers" }, { "mf", "manufacturer" }, { "mdl", "model" },
	{ "mdl_id", "model_id" }, { "sw", "sw_version" }, { "hw", "hw_version" },
	{ "sn", "serial_number" }, { "sa", "suggested_area" },
	{ "cu", "configuration_url" }, { "url", "support_url" },
};

static const char *const root_keys[] = {
	"device", "origin", "components", "availability", "availability_mode",
	"availability_template", "availability_topic", "payload_available",
	"payload_not_available", "state_topic", "command_topic", "qos", "encoding",
	"message_expiry_interval", "migrate_discovery", NULL,
};
static const char *const device_keys[] = {
	"identifiers", "connections", "name", "manufacturer", "model", "model_id",
	"sw_version", "hw_version", "serial_number", "via_device", "suggested_area",
	"configuration_url", NULL,
};
static const char *const origin_keys[] = { "name", "sw_version", "support_url", NULL };
static const char *const avail_keys[] = {
	"topic", "payload_available", "payload_not_available", "value_template", NULL,
};
/* Every MQTT entity; then what each platform adds. */
static const char *const entity_keys[] = {
	"platform", "name", "unique_id", "device_class", "entity_category", "icon",
	"enabled_by_default", "default_entity_id", "object_id", "state_topic",
	"value_template", "availability", "availability_topic", "availability_mode",
	"availability_template", "payload_available", "payload_not_available",
	"json_attributes_topic", "json_attributes_template", "qos", "encoding",
	"entity_picture", "device", "origin", "expire_after", "force_update", NULL,
};
static const char *const sensor_keys[] = {
	"unit_of_measurement", "state_class", "suggested_display_precision", "options",
	"last_reset_value_template", NULL,
};
static const char *const binary_keys[] = { "payload_on", "payload_off", "off_delay", NULL };

static const struct {
	const char *dclass;
	const char *units[9];
	const char *sclasses[4];
} sensor_table[] = {
	{ "voltage", { "V", "mV", "\xc2\xb5V", "kV", "MV", NULL }, { "measurement", NULL } },
	{ "current", { "A", "mA", NULL }, { "measurement", NULL } },
	{ "power", { "mW", "W", "kW", "MW", "GW", "TW", NULL }, { "measurement", NULL } },
	{ "apparent_power", { "mVA", "VA", "kVA", NULL }, { "measurement", NULL } },
	{ "battery", { "%", NULL }, { "measurement", NULL } },
	{ "temperature", { "\xc2\xb0" "C", "\xc2\xb0" "F", "K", NULL }, { "measurement", NULL } },
	{ "energy_storage", { "J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", NULL },
	    { "measurement", NULL } },
	{ "energy", { "J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", NULL },
	    { "total", "total_increasing", NULL } },
	{ "duration", { "d", "h", "min", "s", "ms", "\xc2\xb5s", NULL },
	    { "measurement", "total", "total_increasing", NULL } },
};
static const char *const no_unit_classes[] = { "enum", "timestamp", "date", NULL };
static const char *const state_classes[] = {
	"measurement", "measurement_angle", "total", "total_increasing", NULL,
};
static const char *const binary_classes[] = {
	"battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
	"garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving",
	"occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
	"smoke", "sound", "tamper", "update", "vibration", "window", NULL,
};
static const char *const platforms[] = { "sensor", "binary_sensor", NULL };

/* ---- collected facts ------------------------------------------------- */

struct line {
	char	*topic, *payload;
};

static struct line *lines;
static size_t n_lines;

static char *uids[MAX_IDS];
static int n_uids;

struct device {
	char	*topic, *id, *via, *name;
};
static struct device devices[1024];
static int n_devices;

/* An entity whose state we check once everything is read. */
struct check {
	char	*where, *state_topic, *template;
	bool	 numeric, binary;
};
static struct check checks[MAX_IDS];
static int n_checks;

/* ---- helpers ---------------------------------------------------------- */

static void
expand(cJSON *o)
{
	cJSON *it;
	size_t i;

	cJSON_ArrayForEach(it, o) {
		for (i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++)
			if (strcmp(it->string, abbreviations[i][0]) == 0) {
				free(it->string);
				it->string = strdup(abbreviations[i][1]);
				break;
			}
		if (cJSON_IsObject(it) && strcmp(it->string, "components") != 0)
			expand(it);
		else if (cJSON_IsObject(it))
			for (cJSON *c = it->child; c != NULL; c = c->next)
				expand(c);
		else if (cJSON_IsArray(it))
			for (cJSON *c = it->child; c != NULL; c = c->next)
				if (cJSON_IsObject(c))
					expand(c);
	}
}

static void
known_keys(const char *where, const cJSON *o, const char *const *a, const char *const *b)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o)
		if (!in(it->string, a) && (b == NULL || !in(it->string, b)))
			bad(where, "unknown key (HA drops it silently)", it->string);
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 ||
	    strncmp(s, "homeassistant://", 16) == 0;
}

static bool
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80)
			n = 1;
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 2;
		else if ((*p & 0xf0) == 0xe0)
			n = 3;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 4;
		else
			return false;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

static void
non_negative_int(const char *where, const cJSON *e, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(e, key);

	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble != (double)(long)v->valuedouble))
		bad(where, "not a non-negative integer", key);
}

static void
check_availability(const char *where, const cJSON *o)
{
	const cJSON *av = cJSON_GetObjectItem(o, "availability"), *a;
	const char *mode = str(o, "availability_mode");
	static const char *const modes[] = { "all", "any", "latest", NULL };

	if (av != NULL && cJSON_GetObjectItem(o, "availability_topic") != NULL)
		bad(where, "availability and availability_topic together", NULL);
	if (av != NULL && !cJSON_IsArray(av))
		bad(where, "availability is not a list", NULL);
	cJSON_ArrayForEach(a, av) {
		known_keys(where, a, avail_keys, NULL);
		if (str(a, "topic") == NULL || strpbrk(str(a, "topic"), "+#") != NULL)
			bad(where, "availability entry without a usable topic", NULL);
	}
	if (mode != NULL && !in(mode, modes))
		bad(where, "availability_mode not all/any/latest", mode);
}

/* ---- entities --------------------------------------------------------- */

static void
check_classes(const char *where, const cJSON *e, bool binary)
{
	const char *dc = str(e, "device_class"), *un = str(e, "unit_of_measurement");
	const char *sc = str(e, "state_class");
	const cJSON *opts = cJSON_GetObjectItem(e, "options");
	size_t i;

	if (binary) {
		if (dc != NULL && !in(dc, binary_classes))
			bad(where, "unknown binary_sensor device_class", dc);
		return;
	}
	if (sc != NULL && !in(sc, state_classes))
		bad(where, "unknown state_class", sc);
	if (cJSON_GetObjectItem(e, "last_reset_value_template") != NULL &&
	    (sc == NULL || strcmp(sc, "total") != 0))
		bad(where, "last_reset_value_template without state_class total", NULL);
	if (opts != NULL && (dc == NULL || strcmp(dc, "enum") != 0 || un != NULL || sc != NULL ||
	    !cJSON_IsArray(opts) || cJSON_GetArraySize(opts) == 0))
		bad(where, "options need device_class enum, a non-empty list, no unit and no "
		    "state_class", NULL);
	if (dc == NULL)
		return;
	if (in(dc, no_unit_classes)) {
		if (un != NULL || sc != NULL)
			bad(where, "this device_class takes no unit and no state_class", dc);
		if (strcmp(dc, "enum") == 0 && opts == NULL)
			bad(where, "device_class enum without options", NULL);
		return;
	}
	for (i = 0; i < sizeof sensor_table / sizeof sensor_table[0]; i++) {
		if (strcmp(sensor_table[i].dclass, dc) != 0)
			continue;
		if (un == NULL || !in(un, sensor_table[i].units))
			bad(where, "unit not allowed for the device_class", un ? un : "(none)");
		if (sc != NULL && !in(sc, sensor_table[i].sclasses))
			bad(where, "state_class not allowed for the device_class", sc);
		return;
	}
	bad(where, "device_class not in the table (add it from HA's sensor/const.py)", dc);
}

static void
remember_check(const char *where, const cJSON *e, const char *state_topic, bool binary)
{
	struct check *c;

	if (n_checks >= MAX_IDS || state_topic == NULL || str(e, "value_template") == NULL)
		return;
	c = &checks[n_checks++];
	c->where = strdup(where);
	c->state_topic = strdup(state_topic);
	c->template = strdup(str(e, "value_template"));
	c->binary = binary;
	c->numeric = !binary && (cJSON_GetObjectItem(e, "device_class") != NULL ||
	    cJSON_GetObjectItem(e, "unit_of_measurement") != NULL ||
	    cJSON_GetObjectItem(e, "state_class") != NULL ||
	    cJSON_GetObjectItem(e, "suggested_display_precision") != NULL);
}

static void
check_entity(const char *where, const cJSON *e, const char *device_name,
    const char *root_state_topic)
{
	const char *p = str(e, "platform"), *u = str(e, "unique_id"), *cat, *name;
	bool binary;
	int k;

	if (p == NULL || !in(p, platforms)) {
		bad(where, "platform missing or not sensor/binary_sensor", p);
		return;
	}
	binary = strcmp(p, "binary_sensor") == 0;
	known_keys(where, e, entity_keys, binary ? binary_keys : sensor_keys);
	if (u == NULL || u[0] == '\0')
		bad(where, "unique_id missing", NULL);
	else {
		for (k = 0; k < n_uids; k++)
			if (strcmp(uids[k], u) == 0)
				bad(where, "duplicate unique_id", u);
		if (n_uids < MAX_IDS)
			uids[n_uids++] = strdup(u);
	}
	if (str(e, "value_template") == NULL)
		bad(where, "value_template missing (the state topic is JSON)", NULL);
	if ((cat = str(e, "entity_category")) != NULL && strcmp(cat, "diagnostic") != 0)
		bad(where, "entity_category must be diagnostic for sensors", cat);
	non_negative_int(where, e, "expire_after");
	non_negative_int(where, e, "suggested_display_precision");
	non_negative_int(where, e, "off_delay");
	check_availability(where, e);
	name = str(e, "name");
	if (name != NULL && device_name != NULL && device_name[0] != '\0' &&
	    strncasecmp(name, device_name, strlen(device_name)) == 0)
		bad(where, "entity name repeats the device name (HA warns)", name);
	if (str(e, "default_entity_id") != NULL &&
	    strncmp(str(e, "default_entity_id"), p, strlen(p)) != 0)
		bad(where, "default_entity_id does not start with the platform", NULL);
	check_classes(where, e, binary);
	remember_check(where, e, str(e, "state_topic") ? str(e, "state_topic") :
	    root_state_topic, binary);
}

/* ---- device payloads -------------------------------------------------- */

static void
check_device_block(const char *topic, const cJSON *dev)
{
	const cJSON *ids = cJSON_GetObjectItem(dev, "identifiers"), *it;
	struct device *d;

	known_keys(topic, dev, device_keys, NULL);
	if (!(cJSON_IsArray(ids) && cJSON_GetArraySize(ids) > 0) && !cJSON_IsString(ids) &&
	    cJSON_GetObjectItem(dev, "connections") == NULL) {
		bad(topic, "device without identifiers or connections", NULL);
		return;
	}
	if (str(dev, "configuration_url") && !is_url(str(dev, "configuration_url")))
		bad(topic, "configuration_url is not a URL", NULL);
	it = cJSON_IsArray(ids) ? cJSON_GetArrayItem(ids, 0) : ids;
	if (!cJSON_IsString(it) || n_devices >= 1024)
		return;
	d = &devices[n_devices++];
	d->topic = strdup(topic);
	d->id = strdup(it->valuestring);
	d->via = str(dev, "via_device") ? strdup(str(dev, "via_device")) : NULL;
	d->name = str(dev, "name") ? strdup(str(dev, "name")) : NULL;
}

static void
check_device(const char *topic, cJSON *root)
{
	const cJSON *dev = cJSON_GetObjectItem(root, "device");
	const cJSON *org = cJSON_GetObjectItem(root, "origin");
	const cJSON *cmps = cJSON_GetObjectItem(root, "components"), *c;
	char where[600];

	known_keys(topic, root, root_keys, NULL);
	if (!cJSON_IsObject(dev))
		bad(topic, "device missing", NULL);
	else
		check_device_block(topic, dev);
	if (!cJSON_IsObject(org) || str(org, "name") == NULL)
		bad(topic, "origin with a name missing", NULL);
	else {
		known_keys(topic, org, origin_keys, NULL);
		if (str(org, "support_url") && !is_url(str(org, "support_url")))
			bad(topic, "origin support_url is not a URL", NULL);
	}
	if (cJSON_GetObjectItem(root, "availability") == NULL &&
	    cJSON_GetObjectItem(root, "availability_topic") == NULL)
		bad(topic, "no availability (stale values would look live)", NULL);
	check_availability(topic, root);
	if (!cJSON_IsObject(cmps) || cJSON_GetArraySize(cmps) == 0) {
		bad(topic, "components missing or empty", NULL);
		return;
	}
	cJSON_ArrayForEach(c, cmps) {
		snprintf(where, sizeof where, "%s [%s]", topic, c->string);
		if (!cJSON_IsObject(c)) {
			bad(where, "component is not an object", NULL);
			continue;
		}
		/* {"p": "sensor"} alone: the first step of removing one. */
		if (cJSON_GetArraySize(c) == 1 && str(c, "platform") != NULL)
			continue;
		check_entity(where, c, dev ? str(dev, "name") : NULL, str(root, "state_topic"));
	}
}

/* Single-component discovery: the entity is the root. */
static void
check_single(const char *topic, cJSON *root)
{
	const char *p = strchr(topic, '/');
	char platform[64];
	const cJSON *dev = cJSON_GetObjectItem(root, "device");

	snprintf(platform, sizeof platform, "%.*s", (int)(strchr(p + 1, '/') - p - 1), p + 1);
	if (cJSON_GetObjectItem(root, "platform") == NULL)
		cJSON_AddStringToObject(root, "platform", platform);
	if (cJSON_IsObject(dev))
		check_device_block(topic, dev);
	check_entity(topic, root, dev ? str(dev, "name") : NULL, NULL);
}

/* ---- after everything: devices and states ----------------------------- */

static void
check_devices(void)
{
	int i, j;

	for (i = 0; i < n_devices; i++) {
		bool found = false;

		/* Entities may share a device by repeating its identifier;
		 * two device payloads with one identifier merge two devices. */
		for (j = 0; j < i; j++)
			if (strcmp(devices[i].id, devices[j].id) == 0 &&
			    strcmp(devices[i].topic, devices[j].topic) != 0 &&
			    strstr(devices[i].topic, "/device/") != NULL &&
			    strstr(devices[j].topic, "/device/") != NULL)
				bad(devices[i].topic, "device identifier also used by",
				    devices[j].topic);
		if (devices[i].via == NULL)
			continue;
		if (strcmp(devices[i].via, devices[i].id) == 0) {
			bad(devices[i].topic, "via_device is the device itself", NULL);
			continue;
		}
		for (j = 0; j < n_devices; j++)
			found |= strcmp(devices[j].id, devices[i].via) == 0;
		if (!found)
			bad(devices[i].topic, "via_device names no announced device (HA makes an "
			    "empty placeholder)", devices[i].via);
	}
}

/* A later message on the same topic is an update: check only the last. */
static bool
superseded(size_t i)
{
	size_t j;

	for (j = i + 1; j < n_lines; j++)
		if (strcmp(lines[j].topic, lines[i].topic) == 0)
			return true;
	return false;
}

static const char *
latest_state(const char *topic)
{
	size_t i;

	for (i = n_lines; i-- > 0;)
		if (strcmp(lines[i].topic, topic) == 0)
			return lines[i].payload;
	return NULL;
}

/* The value a template picks: "{{ value_json.KEY }}", "{{ value_json.KEY[N] }}"
 * or "{{ 'ON' if value_json.KEY else 'OFF' }}".  NULL when the key is not
 * there; *unknown_form when the template is not one of these. */
static const cJSON *
pick(const cJSON *state, const char *tpl, bool *unknown_form)
{
	const char *p = strstr(tpl, "value_json.");
	char key[128];
	size_t n;
	const cJSON *v;

	*unknown_form = p == NULL;
	if (p == NULL)
		return NULL;
	p += strlen("value_json.");
	n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (n == 0 || n >= sizeof key) {
		*unknown_form = true;
		return NULL;
	}
	snprintf(key, sizeof key, "%.*s", (int)n, p);
	v = cJSON_GetObjectItem(state, key);
	if (v != NULL && p[n] == '[')
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(p + n + 1)) : NULL;
	return v;
}

static void
check_states(bool require)
{
	int i;

	for (i = 0; i < n_checks; i++) {
		const struct check *c = &checks[i];
		const char *payload = latest_state(c->state_topic);
		const cJSON *v;
		cJSON *state;
		bool odd;

		if (payload == NULL) {
			if (require)
				bad(c->where, "no state message in the capture on", c->state_topic);
			continue;
		}
		if ((state = cJSON_Parse(payload)) == NULL || !cJSON_IsObject(state)) {
			bad(c->state_topic, "state is not a JSON object", NULL);
			cJSON_Delete(state);
			continue;
		}
		v = pick(state, c->template, &odd);
		if (odd)
			bad(c->where, "value_template of an unknown form", c->template);
		else if (v == NULL)
			bad(c->where, "value_template names a key the state does not have",
			    c->template);
		else if (c->numeric && !cJSON_IsNumber(v) && !cJSON_IsNull(v))
			bad(c->where, "numeric sensor, state not a number or null", c->template);
		else if (cJSON_IsString(v) && strlen(v->valuestring) > 255)
			bad(c->where, "text state longer than 255 characters", NULL);
		cJSON_Delete(state);
	}
}

/* ---- input ------------------------------------------------------------ */

static void
read_lines(void)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&buf, &cap, stdin)) > 0) {
		char *sp;

		buf[strcspn(buf, "\n")] = '\0';
		lines = realloc(lines, (n_lines + 1) * sizeof *lines);
		sp = strchr(buf, ' ');
		lines[n_lines].topic = strndup(buf, sp ? (size_t)(sp - buf) : strlen(buf));
		/* An empty payload (a removal) prints as nothing or "(null)". */
		lines[n_lines].payload = strdup(sp == NULL || strcmp(sp + 1, "(null)") == 0 ?
		    "" : sp + 1);
		n_lines++;
	}
	free(buf);
}

int
main(int argc, char **argv)
{
	const char *prefix = "homeassistant";
	char re_text[400];
	bool require = false;
	regex_t re;
	int configs = 0, removals = 0, opt;
	size_t i;

	while ((opt = getopt(argc, argv, "s")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: ha_validate [-s] [PREFIX] < capture\n");
			return 2;
		}
		require = true;
	}
	if (optind < argc)
		prefix = argv[optind];
	snprintf(re_text, sizeof re_text,
	    "^%s/[a-z_]+/([a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config$", prefix);
	if (regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB) != 0)
		return 2;
	read_lines();
	for (i = 0; i < n_lines; i++) {
		const char *topic = lines[i].topic;
		size_t tl = strlen(topic);
		cJSON *root;

		if (strncmp(topic, prefix, strlen(prefix)) != 0 || tl < 7 ||
		    strcmp(topic + tl - 7, "/config") != 0 || superseded(i))
			continue;
		if (lines[i].payload[0] == '\0') {
			removals++;
			continue;
		}
		configs++;
		if (regexec(&re, topic, 0, NULL, 0) != 0 || !valid_utf8(topic))
			bad(topic, "topic does not match HA's discovery pattern", NULL);
		if ((root = cJSON_Parse(lines[i].payload)) == NULL || !cJSON_IsObject(root)) {
			bad(topic, "payload is not a JSON object", NULL);
			cJSON_Delete(root);
			continue;
		}
		expand(root);
		if (strncmp(topic + strlen(prefix), "/device/", 8) == 0)
			check_device(topic, root);
		else
			check_single(topic, root);
		cJSON_Delete(root);
	}
	regfree(&re);
	if (configs == 0) {
		printf("no discovery message read\n");
		return 1;
	}
	check_devices();
	check_states(require);
	printf("%d discovery messages, %d removals, %d devices, %d entities, %d problems\n",
	    configs, removals, n_devices, n_uids, problems);
	return problems ? 1 : 0;
}
