/* mqtt_names.c — the names the MQTT sink publishes under: the stack's
 * identity, base topic and discovery prefix, the topics of each message,
 * and the device ids of modules.  See mqtt_discovery.h. */
#include "sink/mqtt_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/sanitize.h"

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
mq_leaf_topic(const struct mq_names *n, const char *module_id, const char *leaf, char *topic,
    size_t size)
{
	if (module_id == NULL)
		snprintf(topic, size, "%s/%s", n->base, leaf);
	else
		snprintf(topic, size, "%s/module/%s/%s", n->base, module_id, leaf);
}

void
mq_status_topic(const struct mq_names *n, char *topic, size_t size)
{
	mq_leaf_topic(n, NULL, "status", topic, size);
}

void
mq_config_topic(const struct mq_names *n, const char *device_id, char *topic, size_t size)
{
	snprintf(topic, size, "%s/device/%s/config", n->prefix, device_id);
}

void
mq_avail_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	mq_leaf_topic(n, module_id, "avail", topic, size);
}

void
mq_state_topic(const struct mq_names *n, const char *module_id, char *topic, size_t size)
{
	mq_leaf_topic(n, module_id, "state", topic, size);
}

void
mq_link_topic(const struct mq_names *n, char *topic, size_t size)
{
	mq_leaf_topic(n, NULL, "link", topic, size);
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
	/* Each barcode's id made once, then compared: this runs every sample. */
	char codes[PT_MAX_MODULES][MQ_ID_LEN];
	int i, j, nm = s->n_modules < PT_MAX_MODULES ? s->n_modules : PT_MAX_MODULES;

	for (i = 0; i < nm; i++)
		if (s->modules[i].barcode[0] != '\0')
			barcode_id(s->modules[i].barcode, codes[i], sizeof codes[i]);
	for (i = 0; i < nm; i++) {
		const struct pt_module *m = &s->modules[i];
		bool unique = m->barcode[0] != '\0';

		for (j = 0; unique && j < nm; j++) {
			if (j == i || s->modules[j].barcode[0] == '\0')
				continue;
			unique = strcmp(codes[i], codes[j]) != 0;
		}
		if (unique)
			snprintf(ids[i], MQ_ID_LEN, "%s", codes[i]);
		else
			snprintf(ids[i], MQ_ID_LEN, "%.*s_m%02d", MQ_ID_LEN - 8, n->stack_id,
			    m->id % 1000);
	}
}
