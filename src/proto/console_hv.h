/* console_hv.h — parsers of the HV controller console (SC0500/SC1000
 * CMU, Force H2), console.md §4.
 *
 * pwr -> stack; unit -> one module per BMU (id = Index); bat -> the cells
 * of every BMU: cells 0..k-1 go to the first module of the sample (unit
 * Index 1, the BMU farthest from the controller per console.md §4.3),
 * the next k to the second, k = cells / modules; without `unit` the size
 * is guessed (15, 16, 24, 30, 32) and a warning says so.  info -> stack
 * model/barcode/firmware and BMU barcodes ("BMU n" counts from 0 and is
 * taken as module n+1; "Unit n" as module n).  State words that are not
 * normal become alarms: stack_voltage_low, module_temperature_high,
 * cell_voltage_high, unit_voltage_high ...
 */
#ifndef PT_CONSOLE_HV_H
#define PT_CONSOLE_HV_H

#include "proto/console_cmd.h"

int	console_hv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_unit(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);

#endif
