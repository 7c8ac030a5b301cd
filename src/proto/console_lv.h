/* console_lv.h — parsers of the low-voltage module console (US2000,
 * US3000, US5000, Pytes clones), console.md §3.
 *
 * Every parser has the console_parse_fn signature of console_cmd.h and
 * merges what its answer carries into the sample.  Wire units (mV, mA,
 * mC, mAh) become V, A, degC, Ah here.  Columns are found by their header
 * labels; an unknown column is a warning, never a misplaced value.
 *
 * BMS alarms: a state word that is not "Normal" in a status column
 * becomes an alarm named <what>_<word>, lower-case: module_voltage_low,
 * cell_temperature_high, mos_temperature_high, system_alarm_<word>,
 * system_error (Base.St SysError).  Module id = the address.
 */
#ifndef PT_CONSOLE_LV_H
#define PT_CONSOLE_LV_H

#include "proto/console_cmd.h"
#include "proto/console_text.h"

int	console_lv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
/* pwr or pwr N, told apart by the answer's content. */
int	console_lv_parse_pwr_any(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_pwr_module(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_lv_parse_pwrsys(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);

/* Shared with the HV parsers: a state word that is not normal becomes a
 * BMS alarm "<what>_<word>" of module `module` (0 = stack). */
void	console_state_alarm(struct pt_sample *s, int module, const char *what,
	    struct ct_span word);

#endif
