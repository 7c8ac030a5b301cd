/* mqtt_entity.h — Home Assistant discovery for installations older than
 * 2024.11, which know no device-based discovery (HA_DISCOVERY_MODE=entity).
 *
 * Pure.  A device config of mqtt_discovery.c (one message, its entities
 * as components) becomes one message per entity on
 *     <prefix>/<platform>/<device id>/<key>/config
 * carrying the component with the device, origin, availability, qos and
 * state topic of the device.  The unique_ids stay the same, so Home
 * Assistant keeps one entity (and its history) when the mode changes;
 * the configs the other mode left on the broker are cleared
 * (mq_retained_config() tells them apart).
 */
#ifndef PT_MQTT_ENTITY_H
#define PT_MQTT_ENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "sink/mqtt_discovery.h"

enum mq_discovery_mode { MQ_MODE_DEVICE = 0, MQ_MODE_ENTITY = 1 };

/* Call emit(ctx, topic, payload) for every entity of the device config
 * `device_payload` (payload malloc'ed, emit takes it).  Returns the
 * number emitted, -1 when the payload is no device config. */
int	mq_entity_split(const char *prefix, const char *device_payload,
	    void (*emit)(void *ctx, const char *topic, char *payload), void *ctx);

/* A retained discovery config read back from the broker.  True when it is
 * ours — its device is the stack `stack_id` or names it as via_device —
 * with its device id in dev[MQ_ID_LEN] and the mode its topic belongs to
 * in *mode.  Anything else is false (the broker's bytes are untrusted). */
bool	mq_retained_config(const char *prefix, const char *stack_id, const char *topic,
	    const void *payload, size_t len, enum mq_discovery_mode *mode,
	    char dev[MQ_ID_LEN]);

#endif
