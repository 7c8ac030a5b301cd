/* mqtt_discovery.h — Home Assistant discovery and state payloads.
 *
 * Pure: builds topics and JSON from a sample; the MQTT sink queues them.
 * Device-based discovery (HA 2024.11+): one device for the stack and one
 * per module (via_device the stack), entities as components.  Ids are
 * built from barcodes (or DEVICE_UNIQUE_ID) through san_topic(), so a
 * module keeps its entities when it moves in the rack.
 *
 * Topics, with base = MQTT_BASE_TOPIC or "pylontop/<stack id>":
 *   <base>/status                      online / offline (LWT), retained
 *   <base>/state                       stack JSON state
 *   <base>/module/<module id>/state    module JSON state
 *   <prefix>/device/<device id>/config discovery, retained
 */
#ifndef PT_MQTT_DISCOVERY_H
#define PT_MQTT_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/stats.h"
#include "model/sample.h"

#define MQ_TOPIC_LEN	256
#define MQ_ID_LEN	80

struct mq_names {
	char	base[MQ_TOPIC_LEN];		/* pylontop/<stack id> */
	char	stack_id[MQ_ID_LEN];		/* pylontop_<id> */
	char	prefix[64];			/* homeassistant */
	char	device_name[64];
};

/* The base topic and stack id, from the config alone (the will must be
 * set before connecting). */
void	mq_names_init(struct mq_names *n, const struct mqtt_config *c);

/* Device id of a module: pylontech_<barcode>, or <stack id>_m<id>. */
void	mq_module_id(const struct mq_names *n, const struct pt_module *m, char *out, size_t size);

/* Discovery topic and payload (malloc'ed) of the stack device / a module.
 * expire_s: seconds without state before HA shows "unavailable". */
char	*mq_stack_config(const struct mq_names *n, const struct pt_sample *s, int expire_s,
	    char *topic, size_t topic_size);
char	*mq_module_config(const struct mq_names *n, const struct pt_sample *s,
	    const struct pt_module *m, int expire_s, char *topic, size_t topic_size);
/* The topic whose empty retained payload removes a module's device. */
void	mq_module_config_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);

/* State payloads (malloc'ed). */
char	*mq_stack_state(const struct mq_names *n, const struct pt_sample *s,
	    const struct link_stats *ls, int64_t now_ms, char *topic, size_t topic_size);
char	*mq_module_state(const struct mq_names *n, const struct pt_sample *s,
	    const struct pt_module *m, char *topic, size_t topic_size);

#endif
