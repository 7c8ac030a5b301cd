/* sample_json.h — the JSON sample contract of docs/architecture.md.
 * Used by --once --format json, --decode and MQTT state payloads. */
#ifndef PT_SAMPLE_JSON_H
#define PT_SAMPLE_JSON_H

#include <stdbool.h>
#include <cJSON.h>

#include "model/sample.h"

/* The whole sample as a cJSON tree (caller frees with cJSON_Delete). */
cJSON	*sample_to_cjson(const struct pt_sample *s);
/* One module as in "modules":[...]. */
cJSON	*sample_module_to_cjson(const struct pt_sample *s, const struct pt_module *m);
/* Text (malloc'ed, caller frees); NULL on allocation failure. */
char	*sample_to_json(const struct pt_sample *s, bool pretty);
/* Round to a number of decimals, for payloads that read well. */
double	sample_round(double v, int decimals);

#endif
