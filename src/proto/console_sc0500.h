/* console_sc0500.h — SC0500 debug mode: `getpwr` records, and the
 * answers of `login debug` and `tbar` (console.md §5).
 *
 * getpwr: lines with '#' only; every value ends with '#'.  One 8-value
 * record (mV, mA, mC, remaining capacity, base, voltage, current and
 * temperature states), then 4-value cell records (mV, mC, voltage state,
 * temperature state), then the error code and the cycle count.  The
 * capacity is mAh on LV modules; on SC0500 its unit is unverified and it
 * is stored as Ah all the same.
 * Cells go to module N for `getpwr N`; without N, up to 16 cells are one
 * module (an LV module in debug mode, its record is the module's), more
 * are the SC0500 string: split into modules of 15 when that divides (the
 * H48050 BMU), else 16, 24, 30 or 32, and the record is the stack's.
 */
#ifndef PT_CONSOLE_SC0500_H
#define PT_CONSOLE_SC0500_H

#include "proto/console_cmd.h"

int	console_sc0500_parse_getpwr(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
/* 0 when the answer to `login debug` looks like success. */
int	console_sc0500_check_login(const char *body, size_t len, struct pt_diag *d);
/* 0 only when the answer to `tbar` contains "Test result:pass". */
int	console_sc0500_check_tbar(const char *body, size_t len, struct pt_diag *d);

#endif
