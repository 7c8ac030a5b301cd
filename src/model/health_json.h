/* health_json.h — the cell health figures in the JSON sample (issue 15):
 * a top-level "health" object (ranked findings, notes on what is not
 * judged yet) and a "health" object per module and per cell, whose
 * figures are null while unknown. */
#ifndef PT_HEALTH_JSON_H
#define PT_HEALTH_JSON_H

#include <cJSON.h>

#include "model/health.h"

/* Add the health objects to a sample's JSON (from sample_to_cjson). */
void	health_json_add(cJSON *sample, const struct pt_sample *s, const struct health_report *r);

#endif
