/* fixed.h — "%.*f" without printf: the per-sample formatting of the
 * field table's decimals (CSV, text, JSON rounding) is the hot path. */
#ifndef PT_UTIL_FIXED_H
#define PT_UTIL_FIXED_H

#include <stddef.h>

/* 10^d as pow(10, d) returns it (exact for 0 <= d <= 22), by table. */
double	pt_pow10(int d);

/* Exactly what snprintf(buf, size, "%.*f", decimals, v) writes and
 * returns, in the C locale: the exact binary value rounded half to even,
 * "-" on a negative (and on -0), "nan"/"inf" as printf spells them.  A
 * value or width the fast path does not cover goes to snprintf. */
int	pt_fmt_fixed(char *buf, size_t size, double v, int decimals);

#endif
