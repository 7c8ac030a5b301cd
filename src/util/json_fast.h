/* json_fast.h — cJSON_PrintUnformatted() without printf: the MQTT state
 * payloads are printed once per module per sample, and cJSON prints each
 * number with "%1.15g" and reads it back with sscanf to check it. */
#ifndef PT_UTIL_JSON_FAST_H
#define PT_UTIL_JSON_FAST_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte for byte what cJSON_PrintUnformatted(item) returns (cJSON
 * 1.7.x, C locale): a malloc'd string to free(), NULL where cJSON fails
 * (an invalid item, a raw item without text) or out of memory. */
char	*pt_json_print(const cJSON *item);

/* The same bytes without building a tree: a payload printed once per
 * module per sample is written member by member (keys as cJSON prints
 * them, numbers as pt_json_print does, the comma before every member
 * but the first; nesting up to 32 deep).  `key` is NULL inside an array.
 * Usage: struct pt_jw w = PT_JW_INIT; pt_jw_open(&w, NULL, '{'); ...
 * pt_jw_close(&w, '}'); text = pt_jw_finish(&w) (malloc'd, or NULL on
 * failure: out of memory, or opens and closes that do not match). */
struct pt_jbuf {
	char	*p;
	size_t	 len, cap;
	bool	 failed;
};

struct pt_jw {
	struct pt_jbuf	b;
	int		depth;
	uint32_t	more;		/* bit d: level d has a member already */
};
#define PT_JW_INIT	{ .b = { .p = NULL } }

void	pt_jw_open(struct pt_jw *w, const char *key, char open);
void	pt_jw_close(struct pt_jw *w, char close);
void	pt_jw_num(struct pt_jw *w, const char *key, double v);
void	pt_jw_null(struct pt_jw *w, const char *key);
void	pt_jw_bool(struct pt_jw *w, const char *key, bool v);
void	pt_jw_str(struct pt_jw *w, const char *key, const char *text);
char	*pt_jw_finish(struct pt_jw *w);

#endif
