/* ha_validate.c — check Home Assistant MQTT discovery messages the way HA
 * would (home-assistant-mqtt.md §12b), without Home Assistant.
 *
 * Input: "topic payload" lines, as printed by `mosquitto_sub -v`.
 * Output: one line per violation; exit 1 if any, 0 otherwise.  Checks:
 * topic form and prefix; JSON object; device discovery's required keys
 * (device with identifiers, origin with name, components); every entity
 * with a valid platform and a unique_id unique across everything;
 * availability set and not mixed with availability_topic; device_class x
 * unit x state_class from HA's tables; entity_category only diagnostic;
 * every key known (HA silently drops unknown ones); value_template set.
 */
#include <cJSON.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int problems;
static char uids[8192][160];
static int n_uids;

static void
bad(const char *topic, const char *what, const char *detail)
{
	printf("%s: %s%s%s\n", topic, what, detail ? ": " : "", detail ? detail : "");
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

/* sensor/const.py, the classes a battery monitor uses. */
static const struct {
	const char *dclass;
	const char *units[8];
	const char *sclasses[4];
} table[] = {
	{ "voltage", { "V", "mV", "\xc2\xb5V", "kV", "MV", NULL }, { "measurement", NULL } },
	{ "current", { "A", "mA", NULL }, { "measurement", NULL } },
	{ "power", { "mW", "W", "kW", "MW", "GW", "TW", NULL }, { "measurement", NULL } },
	{ "battery", { "%", NULL }, { "measurement", NULL } },
	{ "temperature", { "\xc2\xb0" "C", "\xc2\xb0" "F", "K", NULL }, { "measurement", NULL } },
	{ "energy_storage", { "Wh", "kWh", "MWh", NULL }, { "measurement", NULL } },
	{ "energy", { "Wh", "kWh", "MWh", NULL }, { "total", "total_increasing", NULL } },
	{ "duration", { "d", "h", "min", "s", "ms", NULL },
	    { "measurement", "total", "total_increasing", NULL } },
};

static const char *const entity_keys[] = {
	"platform", "name", "unique_id", "device_class", "unit_of_measurement", "state_class",
	"suggested_display_precision", "entity_category", "expire_after", "value_template",
	"state_topic", "availability", "availability_topic", "availability_mode", "icon",
	"enabled_by_default", "default_entity_id", "object_id", "payload_on", "payload_off",
	"json_attributes_topic", "json_attributes_template", "force_update", "off_delay",
	"qos", "options", NULL,
};

static void
check_entity(const char *topic, const char *key, const cJSON *e)
{
	static const char *const platforms[] = { "sensor", "binary_sensor", NULL };
	static const char *const sclasses[] = { "measurement", "total", "total_increasing",
	    "measurement_angle", NULL };
	static const char *const bclasses[] = { "problem", "safety", "heat", "cold", "battery",
	    "connectivity", "running", NULL };
	const cJSON *p = cJSON_GetObjectItem(e, "platform"), *u = cJSON_GetObjectItem(e, "unique_id");
	const cJSON *dc = cJSON_GetObjectItem(e, "device_class");
	const cJSON *un = cJSON_GetObjectItem(e, "unit_of_measurement");
	const cJSON *sc = cJSON_GetObjectItem(e, "state_class");
	const cJSON *cat = cJSON_GetObjectItem(e, "entity_category");
	const cJSON *it;
	char where[300];
	size_t i;
	int k;

	snprintf(where, sizeof where, "%s [%s]", topic, key);
	cJSON_ArrayForEach(it, e)
		if (!in(it->string, entity_keys))
			bad(where, "unknown key (HA drops it silently)", it->string);
	if (!cJSON_IsString(p) || !in(p->valuestring, platforms)) {
		bad(where, "platform missing or not sensor/binary_sensor", NULL);
		return;
	}
	if (!cJSON_IsString(u) || u->valuestring[0] == '\0')
		bad(where, "unique_id missing", NULL);
	else {
		for (k = 0; k < n_uids; k++)
			if (strcmp(uids[k], u->valuestring) == 0)
				bad(where, "duplicate unique_id", u->valuestring);
		if (n_uids < 8192)
			snprintf(uids[n_uids++], sizeof uids[0], "%s", u->valuestring);
	}
	if (!cJSON_IsString(cJSON_GetObjectItem(e, "value_template")))
		bad(where, "value_template missing (the state topic is JSON)", NULL);
	if (cat != NULL && (!cJSON_IsString(cat) || strcmp(cat->valuestring, "diagnostic") != 0))
		bad(where, "entity_category must be diagnostic for sensors", NULL);
	if (cJSON_GetObjectItem(e, "expire_after") != NULL &&
	    cJSON_GetObjectItem(e, "expire_after")->valuedouble < 0)
		bad(where, "negative expire_after", NULL);
	if (strcmp(p->valuestring, "binary_sensor") == 0) {
		if (dc != NULL && !in(dc->valuestring, bclasses))
			bad(where, "unknown binary_sensor device_class", dc->valuestring);
		if (un != NULL || sc != NULL)
			bad(where, "binary_sensor with a unit or state_class", NULL);
		return;
	}
	if (sc != NULL && !in(sc->valuestring, sclasses))
		bad(where, "unknown state_class", sc->valuestring);
	if (dc == NULL)
		return;
	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(table[i].dclass, dc->valuestring) != 0)
			continue;
		if (un == NULL || !in(un->valuestring, table[i].units))
			bad(where, "unit not allowed for the device_class",
			    un ? un->valuestring : "(none)");
		if (sc != NULL && !in(sc->valuestring, table[i].sclasses))
			bad(where, "state_class not allowed for the device_class", sc->valuestring);
		return;
	}
	bad(where, "device_class not in the table", dc->valuestring);
}

static void
check_device(const char *topic, const cJSON *root)
{
	const cJSON *dev = cJSON_GetObjectItem(root, "device");
	const cJSON *org = cJSON_GetObjectItem(root, "origin");
	const cJSON *cmps = cJSON_GetObjectItem(root, "components"), *c;
	const cJSON *ids = dev ? cJSON_GetObjectItem(dev, "identifiers") : NULL;

	if (!cJSON_IsObject(dev))
		bad(topic, "device missing", NULL);
	else if (!(cJSON_IsArray(ids) && cJSON_GetArraySize(ids) > 0) && !cJSON_IsString(ids))
		bad(topic, "device without identifiers", NULL);
	if (!cJSON_IsObject(org) || !cJSON_IsString(cJSON_GetObjectItem(org, "name")))
		bad(topic, "origin with a name missing", NULL);
	if (cJSON_GetObjectItem(root, "availability") == NULL &&
	    cJSON_GetObjectItem(root, "availability_topic") == NULL)
		bad(topic, "no availability", NULL);
	if (cJSON_GetObjectItem(root, "availability") != NULL &&
	    cJSON_GetObjectItem(root, "availability_topic") != NULL)
		bad(topic, "availability and availability_topic together", NULL);
	if (!cJSON_IsString(cJSON_GetObjectItem(root, "state_topic")))
		bad(topic, "no shared state_topic", NULL);
	if (!cJSON_IsObject(cmps) || cJSON_GetArraySize(cmps) == 0) {
		bad(topic, "components missing or empty", NULL);
		return;
	}
	cJSON_ArrayForEach(c, cmps)
		check_entity(topic, c->string, c);
}

int
main(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : "homeassistant";
	char *line = NULL, re_text[300];
	size_t cap = 0;
	ssize_t n;
	regex_t re;
	int configs = 0;

	snprintf(re_text, sizeof re_text,
	    "^%s/[a-z_]+/([a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config$", prefix);
	if (regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB) != 0)
		return 2;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		char *sp, *topic = line, *payload;
		cJSON *root;

		line[strcspn(line, "\n")] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;	/* an empty payload: a removal */
		*sp = '\0';
		payload = sp + 1;
		if (strstr(topic, "/config") == NULL)
			continue;
		configs++;
		if (regexec(&re, topic, 0, NULL, 0) != 0)
			bad(topic, "topic does not match HA's discovery pattern", NULL);
		if ((root = cJSON_Parse(payload)) == NULL || !cJSON_IsObject(root)) {
			bad(topic, "payload is not a JSON object", NULL);
			cJSON_Delete(root);
			continue;
		}
		if (strstr(topic, "/device/") != NULL)
			check_device(topic, root);
		else
			check_entity(topic, "entity", root);
		cJSON_Delete(root);
	}
	free(line);
	regfree(&re);
	if (configs == 0) {
		printf("no discovery message read\n");
		return 1;
	}
	printf("%d discovery messages, %d entities, %d problems\n", configs, n_uids, problems);
	return problems ? 1 : 0;
}
