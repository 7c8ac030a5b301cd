/* sample_fields.c — the field table (see sample_fields.h). */
#include "model/sample_fields.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "util/fixed.h"

#define S	PT_SCOPE_STACK
#define M	PT_SCOPE_MODULE
#define C	PT_SCOPE_CELL

/* Prometheus wants base units (.metric.scale): a ratio for a percentage,
 * coulombs for Ah and joules for Wh; promtool rejects "_hours" in a name. */
#define PCT_TO_RATIO	0.01
#define HOURS_TO_S	3600.0

/* Every stack, module and cell struct starts with its valid mask. */
_Static_assert(offsetof(struct pt_stack, valid) == 0, "pt_stack.valid first");
_Static_assert(offsetof(struct pt_module, valid) == 0, "pt_module.valid first");
_Static_assert(offsetof(struct pt_cell, valid) == 0, "pt_cell.valid first");
/* struct pt_floc keeps offsets in 16 bits. */
_Static_assert(sizeof(struct pt_module) < UINT16_MAX, "pt_module offsets fit pt_floc");

/* ---- computed values --------------------------------------------------- */

/* Cell spread in mV: of a module's known cells (two at least), of the
 * stack the largest of its modules'. */
static double
cell_spread_mv(const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	struct pt_cell_stats cs;
	double spread = NAN;
	int i;

	if (scope == PT_SCOPE_MODULE) {
		pt_module_cell_stats(obj, &cs);
		return cs.count >= 2 ? cs.spread * 1000.0 : NAN;
	}
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		pt_module_cell_stats(&s->modules[i], &cs);
		if (cs.count >= 2 && (isnan(spread) || cs.spread * 1000.0 > spread))
			spread = cs.spread * 1000.0;
	}
	return spread;
}

/* How old a module's cells are, s; NAN when never read. */
static double
cells_age_s(const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	(void)scope;
	return pt_module_cells_age_s(s, obj);
}

/* The highest temperature known (history's "Tmax" series): the BMS's
 * maximum, else a module's warmest cell, else its one temperature. */
static double
temperature_peak(const struct pt_sample *s, enum pt_scope scope, const void *obj)
{
	const struct pt_module *m = obj;
	double t = NAN;
	int i;

	(void)s;
	if (scope == PT_SCOPE_STACK) {
		const struct pt_stack *st = obj;

		if (PT_HAS(st, PTF_TEMP_MAX))
			return st->temp_max;
		return PT_HAS(st, PTF_TEMPERATURE) ? st->temperature : NAN;
	}
	if (PT_HAS(m, PTF_TEMP_MAX))
		return m->temp_max;
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE) &&
		    (isnan(t) || m->cells[i].temperature > t))
			t = m->cells[i].temperature;
	if (isnan(t) && PT_HAS(m, PTF_TEMPERATURE))
		t = m->temperature;
	return t;
}

/* ---- the table ----------------------------------------------------------- */

/* Rows in the order of the JSON objects and the MQTT entities; CSV and
 * text orders are the rows' positions. */
const struct pt_field_def pt_fields[] = {
	{
		.key = "barcode", .name = "Barcode", .label = "barcode",
		.stack = PT_AT(pt_stack, barcode), .module = PT_AT(pt_module, barcode),
		.contract = M, .json = S,
		.text_pos = { .stack = 2 },
		.metric = { .name = "barcode" },
		.metric_pos = { .stack = 2 },
	},
	{
		.key = "model", .name = "Model", .label = "model",
		.stack = PT_AT(pt_stack, model), .module = PT_AT(pt_module, model),
		.json = S | M,
		.text_pos = { .stack = 1 },
		.metric = { .name = "model" },
		.metric_pos = { .stack = 1, .module = 1 },
	},
	{
		.key = "firmware", .name = "Firmware", .label = "firmware",
		.stack = PT_AT(pt_stack, firmware), .module = PT_AT(pt_module, firmware),
		.json = S | M,
		.metric = { .name = "firmware" },
		.metric_pos = { .stack = 3, .module = 2 },
	},
	{
		.key = "status", .name = "Status", .label = "status",
		.stack = PT_AT(pt_stack, status), .module = PT_AT(pt_module, status),
		.contract = S | M,
		.csv = "status", .csv_pos = { .stack = 12, .module = 11 },
		.text_pos = { .stack = 3 },
		.metric = { .name = "status" },
		.metric_pos = { .stack = 4, .module = 3 },
	},
	{
		.key = "voltage", .name = "Voltage", .label = "voltage", .bit = PTF_VOLTAGE,
		.stack = PT_AT(pt_stack, voltage), .module = PT_AT(pt_module, voltage),
		.cell = PT_AT(pt_cell, voltage),
		.unit = "V", .decimals = 3, .contract = S | M | C,
		.csv = "voltage_V", .csv_pos = { .stack = 1, .module = 1 },
		.text_pos = { .stack = 4, .module = 1 }, .text_head = "volt V", .text_width = 8,
		.ha = { .scopes = S | M, .dclass = "voltage", .sclass = "measurement",
		    .display = 2 },
		.history = { .stack = 1, .module = 1 },
		.metric = { .name = "voltage_volts", .scale = 1,
		    .help = "Voltage (V)." },
		.metric_pos = { .stack = 5, .module = 4, .cell = 1 },
	},
	{
		.key = "current", .name = "Current", .label = "current", .bit = PTF_CURRENT,
		.stack = PT_AT(pt_stack, current), .module = PT_AT(pt_module, current),
		.unit = "A", .decimals = 3, .contract = S | M,
		.csv = "current_A", .csv_pos = { .stack = 2, .module = 2 },
		.text_pos = { .stack = 5, .module = 2 }, .text_head = "curr A", .text_width = 8,
		.ha = { .scopes = S | M, .dclass = "current", .sclass = "measurement",
		    .display = 2 },
		.history = { .stack = 2, .module = 2 },
		.metric = { .name = "current_amperes", .scale = 1,
		    .help = "Current (A), positive when charging." },
		.metric_pos = { .stack = 6, .module = 5 },
	},
	{
		.key = "power", .name = "Power", .label = "power", .bit = PTF_POWER,
		.stack = PT_AT(pt_stack, power), .module = PT_AT(pt_module, power),
		.unit = "W", .decimals = 1, .contract = S, .json = M,
		.csv = "power_W", .csv_pos = { .stack = 3 },
		.text_pos = { .stack = 6 },
		.ha = { .scopes = S | M, .dclass = "power", .sclass = "measurement",
		    .display = 0 },
		.history = { .stack = 3 },
		.metric = { .name = "power_watts", .scale = 1,
		    .help = "Power (W), positive when charging." },
		.metric_pos = { .stack = 7, .module = 6 },
	},
	{
		.key = "soc", .name = "State of charge", .label = "state of charge",
		.bit = PTF_SOC,
		.stack = PT_AT(pt_stack, soc), .module = PT_AT(pt_module, soc),
		.cell = PT_AT(pt_cell, soc),
		.unit = "%", .decimals = 0, .contract = S | M | C,
		.csv = "soc_pct", .csv_pos = { .stack = 4, .module = 4 },
		.text_pos = { .stack = 7, .module = 4 }, .text_head = "SOC%", .text_width = 5,
		.ha = { .scopes = S | M, .dclass = "battery", .sclass = "measurement",
		    .display = 0 },
		.history = { .stack = 4, .module = 3 },
		.metric = { .name = "state_of_charge_ratio", .scale = PCT_TO_RATIO,
		    .help = "State of charge (0 to 1)." },
		.metric_pos = { .stack = 8, .module = 7, .cell = 3 },
	},
	{
		.key = "temperature", .name = "Temperature", .label = "temperature",
		.bit = PTF_TEMPERATURE,
		.stack = PT_AT(pt_stack, temperature), .module = PT_AT(pt_module, temperature),
		.cell = PT_AT(pt_cell, temperature),
		.unit = "C", .decimals = 1, .contract = S | M | C,
		.csv = "temperature_C", .csv_pos = { .stack = 5, .module = 3 },
		.text_pos = { .stack = 9, .module = 3 }, .text_head = "temp C", .text_width = 6,
		.ha = { .scopes = S | M, .dclass = "temperature", .sclass = "measurement",
		    .display = 1 },
		.metric = { .name = "temperature_celsius", .scale = 1,
		    .help = "Temperature (degC)." },
		.metric_pos = { .stack = 10, .module = 9, .cell = 2 },
	},
	{
		.key = "cycles", .name = "Cycle count", .label = "cycles", .bit = PTF_CYCLES,
		.stack = PT_AT(pt_stack, cycles), .module = PT_AT(pt_module, cycles),
		.unit = "", .decimals = 0, .contract = S | M,
		.csv = "cycles", .csv_pos = { .stack = 10, .module = 10 },
		.text_pos = { .stack = 17, .module = 7 }, .text_head = "cycles", .text_width = 7,
		.ha = { .scopes = S | M, .sclass = "total_increasing", .display = 0,
		    .diagnostic = true },
		.metric = { .name = "cycles", .scale = 1,
		    .help = "Charge cycles the BMS counted." },
		.metric_pos = { .stack = 21, .module = 22 },
	},
	{
		.key = "error_code", .name = "Error code", .label = "error code",
		.bit = PTF_ERROR_CODE,
		.stack = PT_AT(pt_stack, error_code), .module = PT_AT(pt_module, error_code),
		.unit = "", .decimals = 0, .contract = S, .json = M,
		.csv = "error_code", .csv_pos = { .stack = 11 },
		.text_pos = { .stack = 18 },
		.ha = { .scopes = S | M, .display = -1, .diagnostic = true },
	},
	{
		.key = "soh", .name = "State of health", .label = "state of health",
		.bit = PTF_SOH,
		.stack = PT_AT(pt_stack, soh), .module = PT_AT(pt_module, soh),
		.unit = "%", .decimals = 0, .json = S | M,
		.text_pos = { .stack = 8 },
		.ha = { .scopes = S | M, .sclass = "measurement", .display = 0 },
		.metric = { .name = "state_of_health_ratio", .scale = PCT_TO_RATIO,
		    .help = "State of health as the BMS reports it (0 to 1)." },
		.metric_pos = { .stack = 9, .module = 8 },
	},
	{
		.key = "temperature_min", .name = "Lowest temperature",
		.label = "temperature min", .bit = PTF_TEMP_MIN,
		.stack = PT_AT(pt_stack, temp_min), .module = PT_AT(pt_module, temp_min),
		.unit = "C", .decimals = 1, .json = S | M,
		.csv = "temp_min_C", .csv_pos = { .stack = 6, .module = 5 },
		.text_pos = { .stack = 10 },
		.ha = { .scopes = S | M, .dclass = "temperature", .sclass = "measurement",
		    .display = 1 },
		.metric = { .name = "temperature_min_celsius", .scale = 1,
		    .help = "Lowest cell or sensor temperature (degC)." },
		.metric_pos = { .stack = 11, .module = 10 },
	},
	{
		.key = "temperature_max", .name = "Highest temperature",
		.label = "temperature max", .bit = PTF_TEMP_MAX,
		.stack = PT_AT(pt_stack, temp_max), .module = PT_AT(pt_module, temp_max),
		.unit = "C", .decimals = 1, .json = S | M,
		.csv = "temp_max_C", .csv_pos = { .stack = 7, .module = 6 },
		.text_pos = { .stack = 11 },
		.ha = { .scopes = S | M, .dclass = "temperature", .sclass = "measurement",
		    .display = 1 },
		.metric = { .name = "temperature_max_celsius", .scale = 1,
		    .help = "Highest cell or sensor temperature (degC)." },
		.metric_pos = { .stack = 12, .module = 11 },
	},
	{
		.key = "mos_temperature", .name = "MOSFET temperature",
		.label = "MOSFET temperature", .bit = PTF_MOS_TEMPERATURE,
		.module = PT_AT(pt_module, mos_temperature),
		.unit = "C", .decimals = 1, .json = M,
		.ha = { .scopes = M, .dclass = "temperature", .sclass = "measurement",
		    .display = 1, .diagnostic = true },
		.metric = { .name = "mos_temperature_celsius", .scale = 1,
		    .help = "MOSFET temperature (degC)." },
		.metric_pos = { .module = 12 },
	},
	{
		.key = "cell_voltage_min", .name = "Lowest cell voltage",
		.label = "cell voltage min", .bit = PTF_CELL_VMIN,
		.stack = PT_AT(pt_stack, cell_vmin), .module = PT_AT(pt_module, cell_vmin),
		.unit = "V", .decimals = 3, .json = S | M,
		.csv = "cell_min_V", .csv_pos = { .stack = 8, .module = 7 },
		.text_pos = { .stack = 12, .module = 5 }, .text_head = "cmin V", .text_width = 7,
		.ha = { .scopes = S | M, .dclass = "voltage", .sclass = "measurement",
		    .display = 3 },
		.metric = { .name = "cell_voltage_min_volts", .scale = 1,
		    .help = "Lowest cell voltage (V)." },
		.metric_pos = { .stack = 13, .module = 13 },
	},
	{
		.key = "cell_voltage_max", .name = "Highest cell voltage",
		.label = "cell voltage max", .bit = PTF_CELL_VMAX,
		.stack = PT_AT(pt_stack, cell_vmax), .module = PT_AT(pt_module, cell_vmax),
		.unit = "V", .decimals = 3, .json = S | M,
		.csv = "cell_max_V", .csv_pos = { .stack = 9, .module = 8 },
		.text_pos = { .stack = 13, .module = 6 }, .text_head = "cmax V", .text_width = 7,
		.ha = { .scopes = S | M, .dclass = "voltage", .sclass = "measurement",
		    .display = 3 },
		.metric = { .name = "cell_voltage_max_volts", .scale = 1,
		    .help = "Highest cell voltage (V)." },
		.metric_pos = { .stack = 14, .module = 14 },
	},
	{
		.key = "remaining_ah", .name = "Remaining capacity",
		.label = "remaining charge", .bit = PTF_REMAINING_AH,
		.stack = PT_AT(pt_stack, remaining_ah), .module = PT_AT(pt_module, remaining_ah),
		.unit = "Ah", .decimals = 3, .json = S | M,
		.text_pos = { .stack = 14 },
		.ha = { .scopes = S | M, .sclass = "measurement", .display = 1 },
		.metric = { .name = "remaining_charge_coulombs", .scale = HOURS_TO_S,
		    .help = "Remaining capacity (C; Ah x 3600)." },
		.metric_pos = { .stack = 15, .module = 15 },
	},
	{
		.key = "full_ah", .name = "Full capacity", .label = "full charge",
		.bit = PTF_FULL_AH,
		.stack = PT_AT(pt_stack, full_ah), .module = PT_AT(pt_module, full_ah),
		.unit = "Ah", .decimals = 3, .json = S | M,
		.text_pos = { .stack = 15 },
		.ha = { .scopes = S | M, .sclass = "measurement", .display = 1,
		    .diagnostic = true },
		.metric = { .name = "full_charge_coulombs", .scale = HOURS_TO_S,
		    .help = "Full-charge capacity (C; Ah x 3600)." },
		.metric_pos = { .stack = 16, .module = 16 },
	},
	{
		.key = "design_ah", .name = "Design capacity", .label = "design capacity",
		.bit = PTF_DESIGN_AH,
		.module = PT_AT(pt_module, design_ah),
		.unit = "Ah", .decimals = 3, .json = M,
		.ha = { .scopes = M, .sclass = "measurement", .display = 1,
		    .diagnostic = true },
		.metric = { .name = "design_charge_coulombs", .scale = HOURS_TO_S,
		    .help = "Design capacity (C; Ah x 3600)." },
		.metric_pos = { .module = 17 },
	},
	{
		.key = "energy_soc", .name = "State of energy", .label = "state of energy",
		.bit = PTF_ENERGY_SOC,
		.module = PT_AT(pt_module, energy_soc),
		.unit = "%", .decimals = 0, .json = M,
		.csv = "energy_soc_pct", .csv_pos = { .module = 13 },
		.text_pos = { .module = 8 }, .text_head = "SOE%", .text_width = 5,
		.ha = { .scopes = M, .sclass = "measurement", .display = 0 },
	},
	{
		.key = "remaining_wh", .name = "Stored energy", .label = "remaining energy",
		.bit = PTF_REMAINING_WH,
		.stack = PT_AT(pt_stack, remaining_wh), .module = PT_AT(pt_module, remaining_wh),
		.unit = "Wh", .decimals = 1, .json = S | M,
		.text_pos = { .stack = 16 },
		.ha = { .scopes = S | M, .dclass = "energy_storage", .sclass = "measurement",
		    .display = 0 },
		.metric = { .name = "remaining_energy_joules", .scale = HOURS_TO_S,
		    .help = "Remaining energy (J; Wh x 3600)." },
		.metric_pos = { .stack = 17, .module = 18 },
	},
	{
		.key = "charge_current_limit", .name = "Charge current limit",
		.label = "charge current limit", .bit = PTF_CHARGE_LIMIT,
		.stack = PT_AT(pt_stack, charge_limit), .module = PT_AT(pt_module, charge_limit),
		.unit = "A", .decimals = 1, .json = S | M,
		.ha = { .scopes = S | M, .dclass = "current", .sclass = "measurement",
		    .display = 1, .diagnostic = true },
		.metric = { .name = "charge_current_limit_amperes", .scale = 1,
		    .help = "Maximum charge current the BMS allows (A)." },
		.metric_pos = { .stack = 18, .module = 19 },
	},
	{
		.key = "discharge_current_limit", .name = "Discharge current limit",
		.label = "discharge current limit", .bit = PTF_DISCHARGE_LIMIT,
		.stack = PT_AT(pt_stack, discharge_limit),
		.module = PT_AT(pt_module, discharge_limit),
		.unit = "A", .decimals = 1, .json = S | M,
		.ha = { .scopes = S | M, .dclass = "current", .sclass = "measurement",
		    .display = 1, .diagnostic = true },
		.metric = { .name = "discharge_current_limit_amperes", .scale = 1,
		    .help = "Maximum discharge current the BMS allows (A)." },
		.metric_pos = { .stack = 19, .module = 20 },
	},
	{
		.key = "charge_voltage", .name = "Charge voltage", .label = "charge voltage",
		.bit = PTF_CHARGE_VOLTAGE,
		.stack = PT_AT(pt_stack, charge_voltage),
		.module = PT_AT(pt_module, charge_voltage),
		.unit = "V", .decimals = 3, .json = S,
		.ha = { .scopes = S | M, .dclass = "voltage", .sclass = "measurement",
		    .display = 2, .diagnostic = true },
		.metric = { .name = "charge_voltage_limit_volts", .scale = 1,
		    .help = "Charge voltage the BMS asks for (V)." },
		.metric_pos = { .stack = 20, .module = 21 },
	},
	{
		.key = "module_count", .name = "Modules", .label = "modules",
		.bit = PTF_MODULE_COUNT,
		.stack = PT_AT(pt_stack, module_count),
		.unit = "", .decimals = 0, .json = S,
		.text_pos = { .stack = 19 },
		.metric = { .name = "modules", .scale = 1,
		    .help = "Modules the stack reports." },
		.metric_pos = { .stack = 22 },
	},
	{
		.key = "cell_spread", .name = "Cell voltage spread", .label = "cell spread",
		.get = cell_spread_mv, .computed = S | M,
		.unit = "mV", .decimals = 0,
		.csv = "cell_spread_mV", .csv_pos = { .module = 9 },
		.history = { .stack = 6, .module = 5 },
	},
	{
		.key = "cells_age_s", .name = "Cells age", .label = "cells age",
		.get = cells_age_s, .computed = M,
		.unit = "s", .decimals = 1, .contract = M,
		.csv = "cells_age_s", .csv_pos = { .module = 12 },
	},
	{
		.key = "temperature_peak", .name = "Highest temperature",
		.label = "highest temperature",
		.get = temperature_peak, .computed = S | M,
		.unit = "C", .decimals = 1,
		.history = { .stack = 5, .module = 4 },
	},
};

const size_t pt_n_fields = sizeof pt_fields / sizeof pt_fields[0];

/* ---- access ---------------------------------------------------------------- */

static const struct pt_floc *
loc(const struct pt_field_def *f, enum pt_scope scope)
{
	switch (scope) {
	case PT_SCOPE_STACK: return &f->stack;
	case PT_SCOPE_MODULE: return &f->module;
	case PT_SCOPE_CELL: return &f->cell;
	}
	return &f->stack;
}

int
pt_field_pos(const struct pt_field_def *f, enum pt_layout layout, enum pt_scope scope)
{
	const struct pt_fpos *p = layout == PT_LAYOUT_CSV ? &f->csv_pos :
	    layout == PT_LAYOUT_TEXT ? &f->text_pos : &f->metric_pos;

	switch (scope) {
	case PT_SCOPE_STACK: return p->stack;
	case PT_SCOPE_MODULE: return p->module;
	case PT_SCOPE_CELL: return p->cell;
	}
	return 0;
}

/* Every row by position, made once: the CSV writer walks a scope's
 * columns for every module of every sample, and a scan of the table per
 * column made that quadratic.  Positions past FIELD_AT_MAX are scanned. */
enum { FIELD_AT_MAX = 128, FIELD_AT_LAYOUTS = PT_LAYOUT_METRICS + 1, FIELD_AT_SCOPES = 3 };

static const struct pt_field_def *field_at[FIELD_AT_LAYOUTS][FIELD_AT_SCOPES][FIELD_AT_MAX];
static pthread_once_t field_at_once = PTHREAD_ONCE_INIT;

static int
scope_index(enum pt_scope scope)
{
	return scope == PT_SCOPE_STACK ? 0 : scope == PT_SCOPE_MODULE ? 1 : 2;
}

static void
field_at_fill(void)
{
	static const enum pt_scope scopes[FIELD_AT_SCOPES] = {
		PT_SCOPE_STACK, PT_SCOPE_MODULE, PT_SCOPE_CELL,
	};
	size_t i;
	int l, k;

	/* The first row with a position wins, as the scan below finds it. */
	for (l = 0; l < FIELD_AT_LAYOUTS; l++)
		for (k = 0; k < FIELD_AT_SCOPES; k++)
			for (i = pt_n_fields; i-- > 0;) {
				int pos = pt_field_pos(&pt_fields[i], (enum pt_layout)l, scopes[k]);

				if (pos > 0 && pos < FIELD_AT_MAX)
					field_at[l][k][pos] = &pt_fields[i];
			}
}

const struct pt_field_def *
pt_field_at(enum pt_layout layout, enum pt_scope scope, int pos)
{
	size_t i;

	if (pos > 0 && pos < FIELD_AT_MAX && (unsigned)layout < FIELD_AT_LAYOUTS &&
	    (scope == PT_SCOPE_STACK || scope == PT_SCOPE_MODULE || scope == PT_SCOPE_CELL)) {
		pthread_once(&field_at_once, field_at_fill);
		return field_at[layout][scope_index(scope)][pos];
	}
	for (i = 0; pos > 0 && i < pt_n_fields; i++)
		if (pt_field_pos(&pt_fields[i], layout, scope) == pos)
			return &pt_fields[i];
	return NULL;
}

const struct pt_field_def *
pt_field_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < pt_n_fields; i++)
		if (strcmp(pt_fields[i].key, key) == 0)
			return &pt_fields[i];
	return NULL;
}

bool
pt_field_in(const struct pt_field_def *f, enum pt_scope scope)
{
	return loc(f, scope)->off1 != 0 || (f->get != NULL && (f->computed & scope));
}

bool
pt_field_is_text(const struct pt_field_def *f, enum pt_scope scope)
{
	return loc(f, scope)->type == PT_FT_TEXT;
}

const char *
pt_field_text(const struct pt_field_def *f, enum pt_scope scope, const void *obj)
{
	const struct pt_floc *l = loc(f, scope);

	if (l->off1 == 0 || l->type != PT_FT_TEXT || obj == NULL)
		return "";
	return (const char *)obj + l->off1 - 1;
}

bool
pt_field_number(const struct pt_field_def *f, const struct pt_sample *s, enum pt_scope scope,
    const void *obj, double *out)
{
	const struct pt_floc *l = loc(f, scope);
	const char *p = (const char *)obj + (l->off1 ? l->off1 - 1 : 0);
	double v;

	if (obj == NULL)
		return false;
	if (l->off1 == 0) {
		if (f->get == NULL || !(f->computed & scope))
			return false;
		v = f->get(s, scope, obj);
	} else {
		if (!(*(const uint32_t *)obj & f->bit))
			return false;
		switch (l->type) {
		case PT_FT_DOUBLE: v = *(const double *)(const void *)p; break;
		case PT_FT_FLOAT: v = *(const float *)(const void *)p; break;
		case PT_FT_LONG: v = (double)*(const long *)(const void *)p; break;
		case PT_FT_INT: v = *(const int *)(const void *)p; break;
		default: return false;
		}
	}
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

bool
pt_field_store(const struct pt_field_def *f, enum pt_scope scope, void *obj, double v)
{
	const struct pt_floc *l = loc(f, scope);
	char *p = (char *)obj + (l->off1 ? l->off1 - 1 : 0);

	if (l->off1 == 0 || f->bit == 0)
		return false;
	switch (l->type) {
	case PT_FT_DOUBLE: *(double *)(void *)p = v; break;
	case PT_FT_FLOAT: *(float *)(void *)p = (float)v; break;
	case PT_FT_LONG: *(long *)(void *)p = (long)v; break;
	case PT_FT_INT: *(int *)(void *)p = (int)v; break;
	default: return false;
	}
	*(uint32_t *)obj |= f->bit;
	return true;
}

double
pt_field_round(const struct pt_field_def *f, double v)
{
	double k = pt_pow10(f->decimals), r = round(v * k) / k;

	return r == 0 ? 0.0 : r;
}
