/* mqtt_diag.h — what the MQTT sink adds to the discovery of
 * mqtt_discovery.c: energy meters for HA's energy dashboard (issue 17),
 * the BMS's own records and the cell health figures as diagnostic
 * entities, and the BMS event log (issues 13, 15).
 *
 * Pure: JSON in, JSON out.  Topics, base as in mqtt_discovery.h and
 * <dev> the module's device id (the stack's have no /module/<dev>):
 *   <base>/module/<dev>/energy  {"charged":kWh,"discharged":kWh}, retained
 *   <base>/module/<dev>/diag    records and health figures, retained
 *   <base>/module/<dev>/event   one BMS log entry per message, not retained
 * Entities (unique_id <dev>_<key>):
 *   energy_charged, energy_discharged   kWh, energy, total_increasing
 *   bms_soh, bms_cycles, bms_clock_offset           diagnostic (records)
 *   weakest_cell, weakest_cell_ir_ratio,
 *   weakest_cell_load_deviation                     diagnostic (health)
 * A figure not known (no records round yet, not enough load steps) is
 * null, which Home Assistant shows as unknown.
 */
#ifndef PT_MQTT_DIAG_H
#define PT_MQTT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/health.h"
#include "model/records.h"
#include "sink/energy.h"
#include "sink/mqtt_discovery.h"

struct cJSON;

/* Topics; module_id NULL: the stack's. */
void	mq_energy_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);
void	mq_diag_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);
void	mq_event_topic(const struct mq_names *n, const char *module_id, char *topic,
	    size_t size);

/* What a device gets besides mqtt_discovery.c's entities. */
#define MQ_EXT_ENERGY	1u	/* it measures power */
#define MQ_EXT_DIAG	2u	/* records and health figures */

/* Add the entities of `what` to a device config (takes `payload`, returns
 * the new malloc'ed text; on failure the payload unchanged). */
char	*mq_ext_config(const struct mq_names *n, const char *module_id, char *payload,
	    unsigned what);

/* State payloads (malloc'ed). */
char	*mq_energy_state(const struct energy_meter *m);
/* u: the records unit of the module (NULL: none read); h: its health
 * report (NULL: none). */
char	*mq_diag_state(const struct pt_rec_unit *u, const struct health_module_report *h);

/* The weakest cell of a module by its resistance estimate: the highest
 * ratio to the module median, -1 while no cell has one.  The deviation
 * under load is its mean deviation from the module mean under the
 * heaviest discharge with enough readings in the 20-80 % band (NAN). */
int	mq_weakest_cell(const struct health_module_report *h, double *ratio, double *dev_mv);

/* ---- the BMS event log, each entry sent once ------------------------- */

/* Which entries were already sent, per device: a fingerprint (FNV-1a of
 * the BMS's time, index, code and text) of every entry the log held when
 * last looked at.  Kept in the state file, so a restart sends nothing
 * twice; a device seen the first time is only noted (its old log is not
 * news). */
#define MQ_EVENT_UNITS	(PT_REC_MAX_UNITS + 8)

struct mq_event_marks_unit {
	char		id[MQ_ID_LEN];
	int		n;
	uint32_t	fp[PT_REC_MAX_EVENTS];
};

struct mq_event_marks {
	int				n;
	struct mq_event_marks_unit	u[MQ_EVENT_UNITS];
};

uint32_t mq_event_fingerprint(const struct pt_rec_event *ev);
/* The entries of `log` not sent before, into idx[] (oldest first as the
 * log lists them); the marks of `dev_id` become the log's.  *changed
 * tells whether the marks changed (the state file is then due). */
int	mq_new_events(struct mq_event_marks *marks, const char *dev_id,
	    const struct pt_rec_log *log, int *idx, int max, bool *changed);
char	*mq_event_payload(const struct pt_rec_event *ev, int unit_id);

/* The marks as JSON ({"<dev>": ["8hex", ...]}) and back; bad entries are
 * skipped. */
struct cJSON *mq_event_marks_to_json(const struct mq_event_marks *m);
void	mq_event_marks_from_json(struct mq_event_marks *m, const struct cJSON *j);

#endif
