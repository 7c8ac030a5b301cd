/* mqtt_internal.h — what the MQTT payload builders share among
 * themselves (mqtt_names.c, mqtt_discovery.c, mqtt_payload.c,
 * mqtt_registry.c, mqtt_entity.c, mqtt_diag.c).  Not for the sink's
 * users: they include mqtt_discovery.h. */
#ifndef PT_MQTT_INTERNAL_H
#define PT_MQTT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/sample_fields.h"
#include "sink/mqtt_discovery.h"

struct cJSON;

/* The field table's scope of a stack's or a module's values. */
static inline enum pt_scope
mq_scope(bool stack)
{
	return stack ? PT_SCOPE_STACK : PT_SCOPE_MODULE;
}

/* ---- mqtt_names.c ----------------------------------------------------- */

/* <base>/<leaf> for the stack (module_id NULL), else
 * <base>/module/<module id>/<leaf>. */
void	mq_leaf_topic(const struct mq_names *n, const char *module_id, const char *leaf,
	    char *topic, size_t size);

/* ---- mqtt_discovery.c ------------------------------------------------- */

/* One entity of a device config: a component keyed `key`, unique_id
 * <device id>_<key>. */
struct mq_entity {
	const char	*key, *platform, *name, *dclass, *unit, *sclass, *tpl;
	int		 display;	/* -1: none */
	bool		 diagnostic;
	int		 expire_s;	/* 0: none */
	const char	*state_topic;	/* NULL: the device's */
};

void	mq_add_entity(struct cJSON *cmps, const char *dev_id, const struct mq_entity *e);

/* ---- mqtt_entity.c ---------------------------------------------------- */

/* The id of the device a config describes (device.identifiers[0]), NULL
 * when it has none. */
const char *mq_device_id(const struct cJSON *root);

/* ---- mqtt_payload.c --------------------------------------------------- */

/* The compact JSON text of o (malloc'ed, NULL on allocation failure);
 * o is deleted. */
char	*mq_print(struct cJSON *o);
/* key: v rounded to `decimals`, or null when not known or not finite. */
void	mq_add_num(struct cJSON *o, const char *key, bool known, double v, int decimals);
/* key: the device text (at most `size` bytes) sanitised, or null when
 * nothing printable is left. */
void	mq_add_text_or_null(struct cJSON *o, const char *key, const char *text, size_t size);

#endif
