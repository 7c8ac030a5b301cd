/* mqtt_state.h — what the MQTT sink keeps across restarts: the energy
 * totals (sink/energy.h) and which BMS log entries were already sent
 * (sink/mqtt_diag.h), in one small JSON file (MQTT_STATE_FILE).
 *
 * Written atomically: a temp file next to it, fsync, rename, fsync of the
 * directory; a crash leaves the old file or the new one, never half of
 * one.  A file that is not ours or is damaged is moved aside to
 * FILE.bad (never overwritten, never deleted) and the totals start from
 * 0; the caller says so in one line.
 */
#ifndef PT_MQTT_STATE_H
#define PT_MQTT_STATE_H

#include <stddef.h>

#include "sink/energy.h"
#include "sink/mqtt_diag.h"

#define MQTT_STATE_VERSION	1

/* 0 loaded; 1 no such file (nothing loaded, not an error); -1 with a
 * one-line why in err: damaged, moved to FILE.bad (said in err); -2 with
 * a why: unreadable, or damaged and not movable — do not save over it.
 * On errors e and marks are empty.  marks may be NULL; e->max_gap_s is
 * kept. */
int	mqtt_state_load(const char *path, struct energy *e, struct mq_event_marks *marks,
	    char *err, size_t errsize);
/* 0, or -1 with a one-line why.  The parent directory is created when
 * missing (one level: pylontop's own under the state directory). */
int	mqtt_state_save(const char *path, const struct energy *e,
	    const struct mq_event_marks *marks, char *err, size_t errsize);

/* --once -f json: an "energy" object from the state file, read only (a
 * running pylontop owns it): {"file", "stack": {"charged_kwh",
 * "discharged_kwh"}, "modules": {"<device id>": {...}}}, or null when
 * there is no file; a damaged one is said on stderr (and null). */
struct cJSON;
struct mqtt_config;
void	mqtt_state_json_add(struct cJSON *root, const struct mqtt_config *c);

/* The default path: $STATE_DIRECTORY/mqtt-state.json (systemd's
 * StateDirectory=), else $XDG_STATE_HOME/pylontop/mqtt-state.json, else
 * ~/.local/state/pylontop/mqtt-state.json; "" when none of them is known. */
void	mqtt_state_default_path(char *out, size_t size);

#endif
