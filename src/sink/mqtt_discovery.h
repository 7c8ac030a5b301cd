/* mqtt_discovery.h — Home Assistant discovery, state payloads and the
 * bookkeeping of which devices were announced: the names (mqtt_names.c),
 * the discovery configs (mqtt_discovery.c), the state payloads
 * (mqtt_payload.c) and the registry with the shapes (mqtt_registry.c).
 *
 * Pure: no I/O, no globals; builds topics and JSON (cJSON) from a sample,
 * so it is unit-tested without a broker.  The MQTT sink queues the results.
 *
 * Device-based discovery (HA 2024.11+, home-assistant-mqtt.md §2b, §14):
 * one device for the stack, one per module with via_device the stack,
 * entities as components.  Ids come from DEVICE_UNIQUE_ID or barcodes
 * through san_topic(), so a module keeps its entities when it moves in
 * the rack; a module without a (unique) barcode falls back to its position.
 *
 * Topics, base = MQTT_BASE_TOPIC or "pylontop/<stack ident>":
 *   <base>/status                        online / offline (LWT), retained
 *   <base>/state                         stack JSON state
 *   <base>/link                          link diagnostics JSON
 *   <base>/module/<module id>/state      module JSON state
 *   <base>/module/<module id>/avail      online / offline: module answering
 *   <prefix>/device/<device id>/config   discovery, retained; empty = removed
 */
#ifndef PT_MQTT_DISCOVERY_H
#define PT_MQTT_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink/mqtt_config.h"
#include "link/link_stats.h"
#include "model/sample.h"

#define MQ_TOPIC_LEN	256
#define MQ_ID_LEN	80
#define MQ_MAX_KNOWN	48	/* modules remembered: this run's and earlier runs' */

struct mq_names {
	char	base[MQ_TOPIC_LEN];		/* pylontop/<ident> */
	char	stack_id[MQ_ID_LEN];		/* pylontop_<ident>: stack device id */
	char	prefix[64];			/* homeassistant */
	char	device_name[64];		/* the stack device's name */
	int	expire_s;			/* expire_after of measured values */
	int	diag_expire_s;			/* expire_after of the link diagnostics */
	int	qos;				/* QoS HA subscribes the state with */
};

/* What a device announces.  It only grows during a run, so a partial
 * sample never takes entities away (HA would need two messages per
 * removed component, §2b). */
struct mq_shape {
	uint32_t	valid;			/* union of the PTF_* bits seen */
	int		n_cells;
	int		n_temps;		/* extra temperature sensors */
	bool		cell_temps;
	bool		spread;			/* two or more cell voltages */
};

/* ---- names and topics (mqtt_names.c) --------------------------------- */

/* The stack's identity (sanitised): DEVICE_UNIQUE_ID, else the controller
 * barcode, else the first module barcode, else `host`, else "stack".
 * `s` may be NULL (not known yet). */
void	mq_stack_ident(const struct mqtt_config *c, const struct pt_sample *s,
	    const char *host, char *out, size_t size);
/* Topic names from the config and the identity. */
void	mq_names_init(struct mq_names *n, const struct mqtt_config *c, const char *ident);
/* Base topic and prefix usable for publishing?  0, or PT_ERR_CONFIG with
 * a sentence in err. */
int	mq_check_topics(const struct mqtt_config *c, char *err, size_t errsize);
/* expire_after for a publish interval: 3 x interval, at least 30 s. */
int	mq_expire_after(double interval_s);

/* Device ids of every module of the sample: pylontech_<barcode>, or
 * <stack id>_mNN when the barcode is missing or shared by two modules. */
void	mq_module_ids(const struct mq_names *n, const struct pt_sample *s,
	    char ids[][MQ_ID_LEN]);

/* ---- shapes (mqtt_registry.c) ---------------------------------------- */

/* Merge what a module / the stack shows into a shape; true if it grew. */
bool	mq_shape_module(struct mq_shape *sh, const struct pt_module *m);
bool	mq_shape_stack(struct mq_shape *sh, const struct pt_sample *s);

/* Topics (mqtt_names.c). */
void	mq_status_topic(const struct mq_names *n, char *topic, size_t size);
void	mq_config_topic(const struct mq_names *n, const char *device_id, char *topic,
	    size_t size);
void	mq_avail_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);
void	mq_state_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);	/* module_id NULL: the stack's */
void	mq_link_topic(const struct mq_names *n, char *topic, size_t size);

/* ---- discovery configs (mqtt_discovery.c) ---------------------------- */

/* Discovery payloads (malloc'ed JSON text, NULL on allocation failure).
 * The topic is written to `topic`. */
char	*mq_stack_config(const struct mq_names *n, const struct pt_sample *s,
	    const struct mq_shape *sh, char *topic, size_t topic_size);
char	*mq_module_config(const struct mq_names *n, const struct pt_module *m,
	    const char *id, const struct mq_shape *sh, char *topic, size_t topic_size);

/* ---- state payloads (mqtt_payload.c) --------------------------------- */

/* State payloads (malloc'ed).  Every key a template of the shape names is
 * present: a number, a string, or null when the sample does not know it. */
char	*mq_stack_state(const struct mq_names *n, const struct pt_sample *s,
	    const struct mq_shape *sh, char *topic, size_t topic_size);
char	*mq_module_state(const struct mq_names *n, const struct pt_sample *s,
	    const struct pt_module *m, const char *id, const struct mq_shape *sh,
	    char *topic, size_t topic_size);
/* The inverse of the state payloads' measured values, for a remote view:
 * every key of the values table that `json` (a cJSON object) holds as a
 * number is stored in `obj` (a struct pt_stack when `stack`, else a
 * struct pt_module) and its bit set in obj's valid mask; null or absent
 * keys stay unknown. */
struct cJSON;
void	mq_read_values(const struct cJSON *json, void *obj, bool stack);

/* Link diagnostics: errors, reconnects, link state and the age of the
 * newest sample at now_ms (null before the first). */
char	*mq_link_state(const struct mq_names *n, const struct link_stats *ls, int64_t now_ms,
	    char *topic, size_t topic_size);

/* ---- which devices were announced, which are gone (mqtt_registry.c) -- */

struct mq_known {
	char		id[MQ_ID_LEN];
	struct mq_shape	shape;
	bool		announced;	/* config queued since the last (re)connect */
	int		avail;		/* -1 not said yet, 0 offline, 1 online */
	bool		seen;		/* in a sample of this run (else: retained config) */
	int		missing;	/* consecutive samples without it */
	int64_t		missing_since_ms;
};

struct mq_registry {
	struct mq_shape	stack;
	bool		stack_announced;
	int		n;
	struct mq_known	k[MQ_MAX_KNOWN];
};

enum mq_verb {
	MQ_ANNOUNCE_STACK,	/* (re)send the stack device config */
	MQ_ANNOUNCE,		/* (re)send a module device config */
	MQ_ONLINE,		/* module answers again: avail online */
	MQ_OFFLINE,		/* module missing from the sample: avail offline */
	MQ_REMOVE,		/* module gone: empty retained config */
};

struct mq_action {
	enum mq_verb	verb;
	int		module;		/* index into the sample's modules, -1 */
	char		id[MQ_ID_LEN];	/* device id (look its shape up by it) */
};

/* A module that disappears during a run is unavailable at once and
 * removed after it has been missing from MQ_REMOVE_SAMPLES samples and
 * remove_after_ms; one only known from an earlier run's retained config
 * is removed after MQ_REMOVE_SAMPLES samples without it. */
#define MQ_REMOVE_SAMPLES	3

void	mq_registry_init(struct mq_registry *r);
/* Announce everything again (reconnect, Home Assistant restarted). */
void	mq_registry_forget(struct mq_registry *r);
/* A retained config of ours from an earlier run (mq_retained_config() in
 * mqtt_entity.h tells which): remember the module so it can be removed if
 * it does not come back.  False if full / known. */
bool	mq_registry_learn(struct mq_registry *r, const char *id);
/* Compare one sample with what was announced.  `ids` from mq_module_ids().
 * Writes at most `max` actions in order (stack first, then modules, then
 * removals) and returns their number. */
int	mq_registry_plan(struct mq_registry *r, const struct pt_sample *s,
	    char ids[][MQ_ID_LEN], int64_t now_ms, int64_t remove_after_ms,
	    struct mq_action *out, int max);
struct mq_known *mq_registry_find(struct mq_registry *r, const char *id);

#endif
