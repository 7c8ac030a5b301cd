/* parse.h — the one reading of a yes/no value, for every config key.
 *
 * "1", "true", "yes", "on" and "0", "false", "no", "off", in any case.
 * The message for a bad value is the caller's (it knows the key). */
#ifndef PT_PARSE_H
#define PT_PARSE_H

#include <stdbool.h>

/* 0 and *out set, or -1 (nothing stored) when v is none of them. */
int	pt_parse_bool(const char *v, bool *out);

#endif
