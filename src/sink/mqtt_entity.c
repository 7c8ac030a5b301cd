/* mqtt_entity.c — see mqtt_entity.h. */
#include "sink/mqtt_entity.h"
#include "sink/mqtt_internal.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The device's keys every entity message repeats. */
static const char *const inherited[] = {
	"device", "origin", "availability", "availability_mode", "state_topic", "qos",
};

static char *
entity_payload(const cJSON *root, const cJSON *cmp)
{
	cJSON *o = cJSON_Duplicate(cmp, true);
	char *text;
	size_t i;

	if (o == NULL)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(o, "platform");	/* in the topic */
	for (i = 0; i < sizeof inherited / sizeof inherited[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, inherited[i]);

		if (v != NULL && cJSON_GetObjectItemCaseSensitive(o, inherited[i]) == NULL)
			cJSON_AddItemToObject(o, inherited[i], cJSON_Duplicate(v, true));
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

const char *
mq_device_id(const cJSON *root)
{
	const cJSON *dev = cJSON_GetObjectItemCaseSensitive(root, "device");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(dev, "identifiers");
	const cJSON *first = cJSON_IsArray(ids) ? cJSON_GetArrayItem(ids, 0) : NULL;

	return cJSON_IsString(first) ? first->valuestring : NULL;
}

int
mq_entity_split(const char *prefix, const char *device_payload,
    void (*emit)(void *ctx, const char *topic, char *payload), void *ctx)
{
	cJSON *root = cJSON_Parse(device_payload);
	const cJSON *cmps = cJSON_GetObjectItemCaseSensitive(root, "components"), *c;
	const char *dev = mq_device_id(root);
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN + 64];
	int n = 0;

	if (!cJSON_IsObject(cmps) || dev == NULL) {
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(c, cmps) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "platform");

		if (!cJSON_IsString(p) || c->string == NULL)
			continue;
		snprintf(topic, sizeof topic, "%s/%s/%s/%s/config", prefix, p->valuestring, dev,
		    c->string);
		emit(ctx, topic, entity_payload(root, c));
		n++;
	}
	cJSON_Delete(root);
	return n;
}

/* The levels after "<prefix>/": "device/<id>/config" (device mode) or
 * "<platform>/<id>/<key>/config" (entity mode); the id is copied. */
static bool
split_topic(const char *prefix, const char *topic, enum mq_discovery_mode *mode,
    char dev[MQ_ID_LEN])
{
	size_t plen = strlen(prefix);
	const char *lv[5], *p;
	int n = 0;

	if (strncmp(topic, prefix, plen) != 0 || topic[plen] != '/')
		return false;
	for (p = topic + plen + 1; n < 5; n++) {
		lv[n] = p;
		if ((p = strchr(p, '/')) == NULL) {
			n++;
			break;
		}
		p++;
	}
	if (p != NULL || strcmp(lv[n - 1], "config") != 0)
		return false;
	if (n == 3 && strncmp(lv[0], "device/", 7) == 0)
		*mode = MQ_MODE_DEVICE;
	else if (n == 4)
		*mode = MQ_MODE_ENTITY;
	else
		return false;
	if ((size_t)(lv[2] - lv[1] - 1) >= MQ_ID_LEN || lv[2] - lv[1] < 2)
		return false;
	memcpy(dev, lv[1], (size_t)(lv[2] - lv[1] - 1));
	dev[lv[2] - lv[1] - 1] = '\0';
	return true;
}

bool
mq_retained_config(const char *prefix, const char *stack_id, const char *topic,
    const void *payload, size_t len, enum mq_discovery_mode *mode, char dev[MQ_ID_LEN])
{
	const cJSON *d, *via;
	const char *id;
	cJSON *root;
	bool ours;

	if (len == 0 || !split_topic(prefix, topic, mode, dev))
		return false;
	/* Not one of our ids: do not even parse it (a broker may hold
	 * thousands of other integrations' configs). */
	if (strcmp(dev, stack_id) != 0 && strncmp(dev, "pylontech_", 10) != 0 &&
	    strncmp(dev, stack_id, strlen(stack_id)) != 0)
		return false;
	if ((root = cJSON_ParseWithLength(payload, len)) == NULL)
		return false;
	d = cJSON_GetObjectItemCaseSensitive(root, "device");
	via = cJSON_GetObjectItemCaseSensitive(d, "via_device");
	id = mq_device_id(root);
	ours = id != NULL && strcmp(id, dev) == 0 && (strcmp(id, stack_id) == 0 ||
	    (cJSON_IsString(via) && strcmp(via->valuestring, stack_id) == 0));
	cJSON_Delete(root);
	return ours;
}
