/* json_fast.h — cJSON_PrintUnformatted() without printf: the MQTT state
 * payloads are printed once per module per sample, and cJSON prints each
 * number with "%1.15g" and reads it back with sscanf to check it. */
#ifndef PT_UTIL_JSON_FAST_H
#define PT_UTIL_JSON_FAST_H

#include <cJSON.h>

/* Byte for byte what cJSON_PrintUnformatted(item) returns (cJSON
 * 1.7.x, C locale): a malloc'd string to free(), NULL where cJSON fails
 * (an invalid item, a raw item without text) or out of memory. */
char	*pt_json_print(const cJSON *item);

#endif
