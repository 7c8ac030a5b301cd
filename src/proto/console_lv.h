/* console_lv.h — parsers of the low-voltage module console (US2000,
 * US3000, US5000, Pytes clones), docs/console.md §3.
 *
 * Every parser has the console_parse_fn signature of console_cmd.h and
 * merges what its answer carries into the sample.  Wire units (mV, mA,
 * mC, mAh) become V, A, degC, Ah here.  Columns are found by their header
 * labels, never by character offsets; an unknown column is a warning,
 * never a misplaced value.  A row that does not read as the header
 * announces rejects the whole answer (PT_ERR_PARSE).
 *
 * Which module an answer is about: the address the answer prints
 * ("Power  N", "Device address N", the pwr row), else ctx->module, else 1
 * (the master answers "bat" without an argument about itself).
 *
 * BMS alarms.  A state word that is not normal (pt_status_is_normal())
 * becomes a PT_ALARM_BMS alarm named "<what>_<word>", the word lower-cased
 * with other characters turned into '_':
 *
 *   pwr column   pwr N key         <what>
 *   Volt.St      Volt Status       module_voltage      e.g. module_voltage_low
 *   Curr.St      Current Status    module_current
 *   Temp.St      Tmpr. Status      module_temperature
 *   B.V.St       -                 cell_voltage        e.g. cell_voltage_high
 *   B.T.St       -                 cell_temperature
 *   M.T.St       -                 mos_temperature
 *   SysAlarm.St  -                 system_alarm
 *   -            Coul. Status      coulomb
 *   -            Soh. Status       soh
 *   soh rows     SOHStatus         cell_soh (with the cell index)
 *   Base.St SysError               system_error
 *
 * Level and naming: console_state.h (one rule for every dialect).
 * Module id = the address, 0 = stack.
 *
 * bat: the cells' own Coulomb values become cell SOC; the module's
 * remaining_ah is the lowest cell charge (a series string is as empty as
 * its emptiest cell; pwr's Coulomb % equals the lowest cell SOC in every
 * capture).  The per-cell current column is the module current.
 */
#ifndef PT_CONSOLE_LV_H
#define PT_CONSOLE_LV_H

#include "proto/console_cmd.h"
#include "proto/console_state.h"
#include "proto/console_text.h"

/* pwr: the module table (layouts A, B, C, Pytes). */
int	console_lv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
/* pwr or pwr N, told apart by the answer's content (the "pwr" entry of
 * console_lv_cmds uses this one). */
int	console_lv_parse_pwr_any(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
/* pwr N: key:value detail of one module. */
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

#endif
