/* console_hv.h — parsers of the HV controller console: SC-series CMU
 * (SC0500/SC1000, CMU_A) and Force H2, user mode (docs/console.md §4).
 *
 * Every parser is a console_parse_fn: it gets the framed body of one
 * answer, merges what it reads into the sample, and rejects the whole
 * answer (PT_ERR_PARSE, or PT_ERR_TRUNCATED when rows are missing) with a
 * one-line reason when a row does not match its header.  Columns are found
 * by their header labels; an unknown column is consumed as one token and
 * reported with a warning.  "-" is an unknown value.
 *
 * What goes where:
 *   pwr      stack: voltage (the preamble's "Bat Volt" / "B+B-.Volt",
 *            else the row's Volt), current, temperature (Tempr, else the
 *            preamble's average), cell_vmin/vmax (BVlow/BVhigh),
 *            temp_min/max (BTlow/BThigh), soc and remaining_ah
 *            (CoulombAH), remaining_wh (CoulombWH, WH, mWH or uWH as the
 *            row says), status (Base.St, normalised), error_code
 *            (Err Code, hex).  UTlow/UThigh/UVlow/UVhigh and "DC Volt"
 *            are read and checked but have no field.
 *   unit     one module per row, id = Index: voltage, current,
 *            temperature, temp_min/max, cell_vmin/vmax, soc,
 *            remaining_ah/wh, status.  AvgTempr is optional and unused.
 *   bat      every cell of the string; per cell voltage, temperature,
 *            soc (AH%), balancing (Bal Y/N) and the two state words.
 *            Curr is the string current repeated: checked, not stored.
 *            Preamble C.Curr / D.Curr -> stack charge/discharge limits.
 *   info     stack model ("Device name"), barcode ("Barcode", else
 *            "Module Barcode"), firmware ("Main Soft version"); module
 *            barcodes from the "BMU n Barcode" / "Unit n Barcode" blocks
 *            (their "Module:" line; "PCBA:" has no field).
 *   stat     stack cycles ("CYCLE Times"), soh ("SOH Percent").
 *   soh      per cell: its SOHStatus (alarm when not normal); the cell
 *            voltage only when `bat` did not give one.
 *   sysinfo  stack charge_voltage ("Chg Sug Volt"), charge_limit ("Max
 *            Chg Curr"), discharge_limit (|"Max Dsg Curr"|).
 *   bmuinfo N  (Force H2) module N+1: model ("Device name"), design_ah
 *            ("Specification").
 *
 * Which BMU is which (docs/console.md §4.3, mletenay's notes): `unit` Index 1
 * is the BMU farthest from the controller, and `bat` lists the cells of
 * that BMU first.  So with N modules known from `unit`, cells 0..k-1 go
 * to the module with the lowest id (Index 1), the next k to the next id,
 * k = cells / N; when N does not divide the cells the answer is rejected
 * (putting them in module 1 would give one BMU the cells of all).
 * Without `unit`, up to PT_MAX_CELLS cells become module 1; a longer
 * string (it cannot fit one module) is split by the known BMU sizes, the
 * first of 30, 24, 16, 15 cells that divides it — both with a warning that
 * says to read `unit` first.  `soh` follows the same rule.  `info`
 * identity goes by the device's own module number, never by the order of
 * the blocks (the controller lists the highest BMU first): "BMU k"
 * (counted from 0, as `bmuinfo k`) is module k + 1, "Unit n" is module n.
 * A block missing from the list moves no other module's barcode.
 *
 * Alarms: a state word that is not normal (pt_status_is_normal) becomes a
 * BMS alarm named <scope>_<quantity>_<word>, all snake_case, e.g.
 *   pwr   Volt.St Low    -> stack_voltage_low        (module 0)
 *         Curr.St, Temp.St -> stack_current_*, stack_temperature_*
 *         B.V.St / B.T.St  -> cell_voltage_*, cell_temperature_* (module 0)
 *         U.V.St / U.T.St  -> module_voltage_*, module_temperature_* (module 0)
 *         Base.St SysError -> stack_state_syserror
 *   unit  Volt.St / Temp.St -> module_voltage_*, module_temperature_* (module id)
 *   bat   V.State / T.State -> cell_voltage_*, cell_temperature_* (module
 *         id, cell index within the module)
 *   soh   SOHStatus        -> cell_soh_* (module id, cell)
 * Level and naming: console_state.h (one rule for every dialect).  A
 * non-zero Err Code is left to the alarm engine.
 */
#ifndef PT_CONSOLE_HV_H
#define PT_CONSOLE_HV_H

#include "proto/console_cmd.h"
#include "proto/console_state.h"
#include "proto/console_text.h"

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
int	console_hv_parse_sysinfo(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);
int	console_hv_parse_bmuinfo(const char *body, size_t len, const struct console_ctx *ctx,
	    struct pt_sample *s, struct pt_diag *d);

#endif
