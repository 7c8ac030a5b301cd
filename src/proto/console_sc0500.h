/* console_sc0500.h — debug-mode console: `getpwr` records, and the
 * answers of `login debug` and `tbar` (docs/console.md §5).
 *
 * getpwr (LV modules in debug mode, and the SC0500 controller): only
 * lines containing '#' carry data; every value is followed by '#' and is
 * trimmed.  The records are
 *   1. 8 values: mV, mA (signed, + = charge), mC, remaining capacity,
 *      base state, voltage state, current state, temperature state;
 *   2. per cell, 4 values: mV, mC, voltage state, temperature state (no
 *      index is printed: cells are numbered in order, from 0);
 *   3. 1 value: error code (0 = normal; decimal, or hex with 0x);
 *   4. 1 value: cycle count.
 * Any other shape rejects the whole answer; an answer that stops before
 * the cycle count is PT_ERR_TRUNCATED.  The capacity is mAh on LV modules
 * (49400 at 100 % on a 50 Ah US2000C) and stored as remaining_ah / 1000;
 * for SC0500 its unit is unverified (a bridge's README calls it Wh), it is
 * stored the same way.
 *
 * Where the values go:
 *   getpwr N (N > 0)   record 1, error code and cycles -> module N; the
 *                      cells -> module N (at most PT_MAX_CELLS).
 *   getpwr, <= 16 cells  an LV module answering for itself (the master):
 *                      as for N = 1.
 *   getpwr, more cells the SC0500 string: record 1, error code and cycles
 *                      -> stack fields; the cells split into modules of
 *                      15 (H48050/H48074 BMUs: 75 cells = modules 1..5,
 *                      cells 0..14 in module 1, the same order as HV
 *                      `bat` — unverified for getpwr) when 15 divides the
 *                      count, else one module 1 when they fit, else the
 *                      answer is rejected.
 * When the sample already holds cells for the target module(s) (a `bat`
 * of the same poll), the number of cell records must be a multiple of
 * that module size, and the split follows it.
 * State words that are not normal become BMS alarms as in console_hv.h:
 * stack_voltage_low, module_current_high (module N), cell_voltage_high
 * (module, cell) ...
 */
#ifndef PT_CONSOLE_SC0500_H
#define PT_CONSOLE_SC0500_H

#include "proto/console_cmd.h"

int	console_sc0500_parse_getpwr(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);

/* The answer to `login debug` (body, or the whole answer): 0 when it
 * does not say it failed (a success has an empty body); PT_ERR_DEVICE
 * with "Quit current mode" (already in debug mode: the console left it),
 * PT_ERR_AUTH when it was refused. */
int	console_sc0500_check_login(const char *body, size_t len, struct pt_diag *d);

/* The answer to `tbar`: 0 only when it contains "Test result:pass";
 * otherwise PT_ERR_DEVICE with the reason in d->error. */
int	console_sc0500_check_tbar(const char *body, size_t len, struct pt_diag *d);

#endif
