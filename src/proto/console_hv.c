/* console_hv.c — HV controller answers (SC-series CMU, Force H2),
 * docs/console.md §4: the helpers every HV parser shares, and the command
 * table.  What goes where, the BMU order and the alarm names are in
 * console_hv.h; the parsers are split by command group:
 *   console_hv_pwr.c   pwr and unit (header-driven rows of a BMU or the stack)
 *   console_hv_bat.c   bat and soh (a row per cell of the string)
 *   console_hv_info.c  info, stat, sysinfo, bmuinfo (key:value answers)
 *
 * Every parser checks the whole answer before it stores anything, so a
 * rejected answer leaves the sample as it was. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/console_hv_int.h"
#include "util/err.h"

/* A number with an optional unit, glued ("-80000mA") or the next token
 * ("37000   mA").  False when the value does not start with a number. */
bool
hv_value(struct ct_span value, long *v, struct ct_span *unit)
{
	struct ct_span tok[3];
	int n, total;

	n = ct_tokens(value, tok, 3, &total);
	if (n == 0 || total > 2 || !ct_long_unit(tok[0], v, unit))
		return false;
	if (unit->len == 0 && n == 2)
		*unit = tok[1];
	else if (n == 2)
		return false;
	return true;
}

/* Factor from a unit token to its base unit ("mWH" with base "WH" ->
 * 0.001); `dflt` when there is no unit; 0 for a unit we do not know. */
double
hv_scale(struct ct_span unit, const char *base, double dflt)
{
	static const struct { char prefix; double factor; } pre[] = {
		{ 'm', 1e-3 }, { 'u', 1e-6 }, { 'k', 1e3 },
	};
	size_t i;

	if (unit.len == 0)
		return dflt;
	if (ct_ieq(unit, base))
		return 1.0;
	if (unit.len < 2)
		return 0;
	for (i = 0; i < NELEM(pre); i++) {
		struct ct_span rest = { unit.p + 1, unit.len - 1 };
		/* 'm' and 'M' differ; the console only prints lower case. */
		if (unit.p[0] == pre[i].prefix && ct_ieq(rest, base))
			return pre[i].factor;
	}
	return 0;
}

/* "Dischg" -> "Discharge" into `out` (PT_STATUS_LEN). */
void
hv_state(char *out, struct ct_span word)
{
	char w[PT_STATUS_LEN];

	ct_copy(w, sizeof w, word);
	pt_normalise_state(out, w);
}

int
hv_check_word(struct ct_span t, const char *what, int rowno, const char *label,
    struct pt_diag *d)
{
	if (console_state_is_word(t))
		return 0;
	return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: %s is not a state word", what, rowno,
	    label);
}

const struct console_cmd console_hv_cmds[] = {
	{ .name = "pwr", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_pwr, .summary = "stack summary" },
	{ .name = "unit", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_unit, .summary = "one row per BMU" },
	{ .name = "bat", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_bat, .summary = "every cell of the string" },
	{ .name = "info", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_info, .summary = "controller and BMU identity" },
	{ .name = "stat", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_stat, .summary = "counters: cycles, SOH" },
	{ .name = "soh", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_soh, .summary = "per-cell SOH state" },
	{ .name = "sysinfo", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_sysinfo, .summary = "charge voltage and current limits" },
	{ .name = "bmuinfo", .dialects = CD_HV, .module_arg = true, .read_only = true,
	  .parse = console_hv_parse_bmuinfo,
	  .summary = "identity of BMU N (Force H2, N from 0)" },
	/* Records (issue 13; parsed by console_records.c). */
	{ .name = "log", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = NULL, .summary = "event log of the controller (paged)" },
	{ .name = "time", .dialects = CD_HV, .module_arg = false, .read_only = true,
	  .parse = NULL, .summary = "BMS clock (never with arguments: that sets it)" },
	{ .name = NULL },
};
