/* console_hv.c — HV controller answers (SC-series CMU, Force H2),
 * console.md §4.  Column widths: CoulombAH and CoulombWH take three
 * tokens ("7%" "5180" "mAH"), Time two, and the header's "Err Code" is
 * one column. */
#include "proto/console_hv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/console_lv.h"
#include "proto/console_text.h"
#include "util/err.h"

#define MV(x)	((double)(x) / 1000.0)

enum hv_col {
	HC_IGNORE, HC_INDEX, HC_VOLT, HC_CURR, HC_TEMP, HC_TLOW, HC_THIGH, HC_VLOW,
	HC_VHIGH, HC_BASE, HC_STATE, HC_AH, HC_WH, HC_TIME, HC_ERR,
};

static const struct {
	const char	*label;
	enum hv_col	 col;
	int		 width;
	const char	*alarm;
} hv_cols[] = {
	{ "Index", HC_INDEX, 1, NULL }, { "Volt", HC_VOLT, 1, NULL },
	{ "Curr", HC_CURR, 1, NULL }, { "Tempr", HC_TEMP, 1, NULL },
	{ "AvgTempr", HC_IGNORE, 1, NULL },
	{ "BTlow", HC_TLOW, 1, NULL }, { "BThigh", HC_THIGH, 1, NULL },
	{ "BVlow", HC_VLOW, 1, NULL }, { "BVhigh", HC_VHIGH, 1, NULL },
	{ "UTlow", HC_IGNORE, 1, NULL }, { "UThigh", HC_IGNORE, 1, NULL },
	{ "UVlow", HC_IGNORE, 1, NULL }, { "UVhigh", HC_IGNORE, 1, NULL },
	{ "Base.St", HC_BASE, 1, NULL },
	{ "Volt.St", HC_STATE, 1, "voltage" }, { "Curr.St", HC_STATE, 1, "current" },
	{ "Temp.St", HC_STATE, 1, "temperature" }, { "B.V.St", HC_STATE, 1, "cell_voltage" },
	{ "B.T.St", HC_STATE, 1, "cell_temperature" }, { "U.V.St", HC_STATE, 1, "unit_voltage" },
	{ "U.T.St", HC_STATE, 1, "unit_temperature" },
	{ "CoulombAH", HC_AH, 3, NULL }, { "CoulombWH", HC_WH, 3, NULL },
	{ "Time", HC_TIME, 2, NULL }, { "Err Code", HC_ERR, 1, NULL },
};

struct hv_layout {
	int	n, tokens;
	int	col[CT_MAX_TOKENS];	/* index into hv_cols, -1 unknown */
};

static void
hv_header(struct ct_span line, struct hv_layout *lay, const char *what, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);
	size_t k;

	lay->n = lay->tokens = 0;
	for (i = 0; i < n; i++) {
		int c = -1;
		if (ct_eq(tok[i], "Err") && i + 1 < n && ct_eq(tok[i + 1], "Code")) {
			i++;
			for (k = 0; k < sizeof hv_cols / sizeof hv_cols[0]; k++)
				if (hv_cols[k].col == HC_ERR)
					c = (int)k;
		} else
			for (k = 0; k < sizeof hv_cols / sizeof hv_cols[0]; k++)
				if (ct_eq(tok[i], hv_cols[k].label))
					c = (int)k;
		if (c < 0) {
			char name[32];
			ct_copy(name, sizeof name, tok[i]);
			pt_diag_warn(d, "%s: unknown column '%s' ignored", what, name);
		}
		lay->col[lay->n++] = c;
		lay->tokens += c >= 0 ? hv_cols[c].width : 1;
	}
}

/* Values of one row into a module (unit) or the stack (pwr). */
struct hv_target {
	uint32_t	*valid;
	double		*voltage, *current, *temperature, *temp_min, *temp_max;
	double		*cell_vmin, *cell_vmax, *soc, *remaining_ah, *remaining_wh;
	long		*error_code;
	char		*status;
	int		 module;	/* for alarms, 0 = stack */
};

#define SETV(t, field, bit, v) do { *(t)->field = (v); *(t)->valid |= (bit); } while (0)

static int
hv_row(struct pt_sample *s, const struct hv_layout *lay, struct ct_span *tok, int n,
    struct hv_target *t, const char *what, struct pt_diag *d)
{
	struct ct_span unit;
	long v;
	int i, k = 0;

	if (n != lay->tokens)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: a row has %d values, the header "
		    "announces %d", what, n, lay->tokens);
	for (i = 0; i < lay->n; i++) {
		int c = lay->col[i];
		struct ct_span x = tok[k];
		bool num = !ct_is_dash(x) && ct_long(x, &v);

		k += c >= 0 ? hv_cols[c].width : 1;
		if (c < 0)
			continue;
		switch (hv_cols[c].col) {
		case HC_IGNORE: case HC_INDEX: case HC_TIME:
			break;
		case HC_VOLT: if (num) SETV(t, voltage, PTF_VOLTAGE, MV(v)); break;
		case HC_CURR: if (num) SETV(t, current, PTF_CURRENT, MV(v)); break;
		case HC_TEMP: if (num) SETV(t, temperature, PTF_TEMPERATURE, MV(v)); break;
		case HC_TLOW: if (num) SETV(t, temp_min, PTF_TEMP_MIN, MV(v)); break;
		case HC_THIGH: if (num) SETV(t, temp_max, PTF_TEMP_MAX, MV(v)); break;
		case HC_VLOW: if (num) SETV(t, cell_vmin, PTF_CELL_VMIN, MV(v)); break;
		case HC_VHIGH: if (num) SETV(t, cell_vmax, PTF_CELL_VMAX, MV(v)); break;
		case HC_BASE: {
			char w[PT_STATUS_LEN];
			ct_copy(w, sizeof w, x);
			pt_normalise_state(t->status, w);
			break;
		}
		case HC_STATE: {
			char stem[40];
			snprintf(stem, sizeof stem, "%s%s", t->module > 0 ? "module_" :
			    "stack_", hv_cols[c].alarm);
			if (strncmp(hv_cols[c].alarm, "cell_", 5) == 0 ||
			    strncmp(hv_cols[c].alarm, "unit_", 5) == 0)
				snprintf(stem, sizeof stem, "%s", hv_cols[c].alarm);
			console_state_alarm(s, t->module, stem, x);
			break;
		}
		case HC_AH: {
			long pct, mah;
			if (!ct_long_unit(x, &pct, &unit) || !ct_eq(unit, "%") ||
			    !ct_long(tok[k - 2], &mah))
				return pt_diag_fail(d, PT_ERR_PARSE, "%s: CoulombAH is not "
				    "'NN%% charge mAH'", what);
			SETV(t, soc, PTF_SOC, (double)pct);
			SETV(t, remaining_ah, PTF_REMAINING_AH, MV(mah));
			break;
		}
		case HC_WH: {
			long pct, e;
			struct ct_span u = tok[k - 1];
			if (!ct_long_unit(x, &pct, &unit) || !ct_long(tok[k - 2], &e))
				return pt_diag_fail(d, PT_ERR_PARSE, "%s: CoulombWH is not "
				    "'NN%% energy WH'", what);
			if (ct_ieq(u, "mWH") || ct_ieq(u, "mWh"))
				SETV(t, remaining_wh, PTF_REMAINING_WH, MV(e));
			else if (ct_ieq(u, "WH") || ct_ieq(u, "Wh"))
				SETV(t, remaining_wh, PTF_REMAINING_WH, (double)e);
			else
				pt_diag_warn(d, "%s: unknown energy unit '%.*s'", what,
				    (int)u.len, u.p);
			break;
		}
		case HC_ERR:
			if (t->error_code != NULL && ct_hex(x, &v)) {
				*t->error_code = v;
				*t->valid |= PTF_ERROR_CODE;
			}
			break;
		}
	}
	return 0;
}

static void
target_stack(struct hv_target *t, struct pt_stack *st)
{
	*t = (struct hv_target){ &st->valid, &st->voltage, &st->current, &st->temperature,
	    &st->temp_min, &st->temp_max, &st->cell_vmin, &st->cell_vmax, &st->soc,
	    &st->remaining_ah, &st->remaining_wh, &st->error_code, st->status, 0 };
}

static void
target_module(struct hv_target *t, struct pt_module *m)
{
	*t = (struct hv_target){ &m->valid, &m->voltage, &m->current, &m->temperature,
	    &m->temp_min, &m->temp_max, &m->cell_vmin, &m->cell_vmax, &m->soc,
	    &m->remaining_ah, &m->remaining_wh, &m->error_code, m->status, m->id };
}

int
console_hv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[CT_MAX_TOKENS];
	struct hv_layout lay;
	struct hv_target t;
	bool header = false;
	int rows = 0, n, total, rc;
	long bat_mv = -1;

	(void)ctx;
	target_stack(&t, &s->stack);
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			struct ct_span value, vt[2], unit;
			char key[32];

			if (ct_starts(line, "Volt") && ct_contains(line, "Curr")) {
				hv_header(line, &lay, "pwr", d);
				header = true;
			} else if (ct_keyvalue(line, key, sizeof key, &value) &&
			    (strcmp(key, "Bat Volt") == 0 || strcmp(key, "B+B-.Volt") == 0) &&
			    ct_tokens(value, vt, 2, NULL) > 0)
				ct_long_unit(vt[0], &bat_mv, &unit);
			continue;
		}
		n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
		if (total > CT_MAX_TOKENS)
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row too long");
		if ((rc = hv_row(s, &lay, tok, n, &t, "pwr", d)) != 0)
			return rc;
		rows++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: no 'Volt Curr ...' header: not an "
		    "HV stack summary");
	if (rows != 1)
		return pt_diag_fail(d, rows ? PT_ERR_PARSE : PT_ERR_TRUNCATED,
		    "pwr: want one stack row, got %d", rows);
	/* The battery-side voltage of the preamble is the string's voltage;
	 * the row's Volt is measured at the controller. */
	if (bat_mv > 0)
		PT_SET(&s->stack, voltage, PTF_VOLTAGE, MV(bat_mv));
	return 0;
}

int
console_hv_parse_unit(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[CT_MAX_TOKENS];
	struct hv_layout lay;
	struct hv_target t;
	bool header = false;
	int rows = 0, n, total, rc;
	long id;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		struct pt_module *m;

		if (!header) {
			if (ct_starts(line, "Index") && ct_contains(line, "Volt")) {
				hv_header(line, &lay, "unit", d);
				header = true;
			}
			continue;
		}
		n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
		if (total > CT_MAX_TOKENS || n == 0 || !ct_long(tok[0], &id) || id < 0 || id > 255)
			return pt_diag_fail(d, PT_ERR_PARSE, "unit: row %d has no index", rows + 1);
		if ((m = pt_sample_module(s, (int)id)) == NULL)
			return pt_diag_fail(d, PT_ERR_PARSE, "unit: more than %d BMUs", PT_MAX_MODULES);
		target_module(&t, m);
		if ((rc = hv_row(s, &lay, tok, n, &t, "unit", d)) != 0)
			return rc;
		rows++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "unit: no 'Index Volt ...' header");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "unit: no BMU rows");
	return 0;
}

/* How many cells per BMU when `unit` did not tell: the common sizes. */
static int
guess_per_module(int cells)
{
	static const int sizes[] = { 15, 16, 24, 30, 32 };
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (cells % sizes[i] == 0 && cells / sizes[i] <= PT_MAX_MODULES)
			return sizes[i];
	return 0;
}

struct hv_cell {
	long	mv, mc, pct;
	int	bal;	/* -1 unknown */
	char	vst[PT_WORD_LEN], tst[PT_WORD_LEN];
};

static int
bat_row(struct ct_span *tok, int n, struct hv_cell *c, struct pt_diag *d, int rowno)
{
	struct ct_span unit;
	long idx, ma;

	if (n < 8 || !ct_long(tok[0], &idx) || !ct_long(tok[1], &c->mv) ||
	    !ct_long(tok[2], &ma) || !ct_long(tok[3], &c->mc) ||
	    !ct_long_unit(tok[6], &c->pct, &unit) || !ct_eq(unit, "%"))
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d is not 'index volt curr "
		    "tempr vstate tstate AH%% ...'", rowno);
	if (n > 13)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d has %d values", rowno, n);
	ct_copy(c->vst, sizeof c->vst, tok[4]);
	ct_copy(c->tst, sizeof c->tst, tok[5]);
	c->bal = ct_eq(tok[n - 1], "Y") ? 1 : ct_eq(tok[n - 1], "N") ? 0 : -1;
	return (int)idx;
}

/* Rows after the "Bat Volt ..." header; *first gets the iterator there. */
static int
bat_rows(const char *body, size_t len, struct ct_lines *first)
{
	struct ct_lines it;
	struct ct_span line;
	int n = -1;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (n < 0) {
			if (ct_starts(line, "Bat") && ct_contains(line, "Volt")) {
				*first = it;
				n = 0;
			}
			continue;
		}
		n++;
	}
	return n;
}

int
console_hv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[16];
	struct hv_cell cell;
	int n, per, i = 0, k, total;

	(void)ctx;
	/* Two passes, no allocation: count the rows to know the split. */
	n = bat_rows(body, len, &it);
	if (n < 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: no 'Bat Volt ...' header");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: no cell rows");
	/* Cells 0..k-1 belong to unit Index 1, the next k to Index 2 ... */
	if (s->n_modules > 0 && n % s->n_modules == 0)
		per = n / s->n_modules;
	else {
		per = guess_per_module(n);
		if (per == 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: %d cells do not divide into "
			    "modules", n);
		pt_diag_warn(d, "bat: %d cells taken as %d modules of %d (read 'unit' first "
		    "to know the BMUs)", n, n / per, per);
	}
	if (per > PT_MAX_CELLS || n / per > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: %d cells do not fit %d modules of "
		    "%d cells", n, PT_MAX_MODULES, PT_MAX_CELLS);
	while (ct_next_line(&it, &line)) {
		int mi = i / per;
		struct pt_module *m;
		struct pt_cell *c;

		k = ct_tokens(line, tok, 16, &total);
		if (bat_row(tok, total > 16 ? 99 : k, &cell, d, i + 1) != i)
			return d->error[0] ? PT_ERR_PARSE :
			    pt_diag_fail(d, PT_ERR_PARSE, "bat: cell %d out of order", i);
		m = mi < s->n_modules ? &s->modules[mi] : pt_sample_module(s, mi + 1);
		if (m == NULL || (c = pt_module_cell(m, i % per)) == NULL)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: too many modules");
		PT_SET(c, voltage, PTF_VOLTAGE, (float)MV(cell.mv));
		PT_SET(c, temperature, PTF_TEMPERATURE, (float)MV(cell.mc));
		PT_SET(c, soc, PTF_SOC, (float)cell.pct);
		c->voltage_status = pt_sample_word(s, cell.vst);
		c->temperature_status = pt_sample_word(s, cell.tst);
		if (cell.bal >= 0)
			PT_SET(c, balancing, PTF_BALANCING, cell.bal == 1);
		i++;
	}
	return 0;
}

int
console_hv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value, tok[4];
	struct pt_stack *st = &s->stack;
	char key[64], module_code[PT_TEXT_LEN] = "";
	long bmu = -1, v;
	int n = 0;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		/* "BMU 4 Barcode" / "Unit 1 Barcode": the block of one BMU. */
		if ((ct_starts(line, "BMU ") || ct_starts(line, "Unit ")) &&
		    ct_contains(line, "Barcode") && ct_tokens(line, tok, 4, NULL) == 3 &&
		    ct_long(tok[1], &v)) {
			bmu = ct_starts(line, "BMU ") ? v + 1 : v;
			continue;
		}
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		if (bmu > 0) {
			if (strcmp(key, "Module") == 0 && bmu <= 255) {
				struct pt_module *m = pt_sample_module(s, (int)bmu);
				if (m != NULL)
					pt_copy_text(m->barcode, sizeof m->barcode, value.p, value.len);
			}
			continue;
		}
		if (strcmp(key, "Device name") == 0)
			pt_copy_text(st->model, sizeof st->model, value.p, value.len);
		else if (strcmp(key, "Barcode") == 0)
			pt_copy_text(st->barcode, sizeof st->barcode, value.p, value.len);
		else if (strcmp(key, "Module Barcode") == 0)
			pt_copy_text(module_code, sizeof module_code, value.p, value.len);
		else if (strcmp(key, "Main Soft version") == 0)
			pt_copy_text(st->firmware, sizeof st->firmware, value.p, value.len);
	}
	if (st->barcode[0] == '\0' && module_code[0] != '\0')
		memcpy(st->barcode, module_code, sizeof st->barcode);
	if (n < 2)
		return pt_diag_fail(d, PT_ERR_PARSE, "info: no 'Label : value' lines");
	return 0;
}

int
console_hv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value, tok[2], unit;
	char key[64];
	long v;
	int n = 0;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		if (ct_tokens(value, tok, 2, NULL) == 0 || !ct_long_unit(tok[0], &v, &unit))
			continue;
		if (strcasecmp(key, "CYCLE Times") == 0)
			PT_SET(&s->stack, cycles, PTF_CYCLES, v);
		else if (strcasecmp(key, "SOH Percent") == 0 || strcmp(key, "SOH") == 0)
			PT_SET(&s->stack, soh, PTF_SOH, (double)v);
	}
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "stat: no 'Label : value' lines");
	return 0;
}

/* soh: all cells, "idx mV count status"; checks the shape, keeps the
 * status words as alarms (the counters are not part of the sample). */
int
console_hv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[8];
	bool header = false;
	int rows = 0, n;
	long idx, mv;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			header = ct_contains(line, "SOH") && ct_contains(line, "Volt");
			continue;
		}
		n = ct_tokens(line, tok, 8, NULL);
		if (n < 3 || n > 4 || !ct_long(tok[0], &idx) || !ct_long(tok[1], &mv))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: row %d is not "
			    "'index voltage count status'", rows + 1);
		if (n == 4)
			console_state_alarm(s, 0, "cell_soh", tok[3]);
		rows++;
	}
	if (!header || rows == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "soh: no cell SOH table");
	return 0;
}

const struct console_cmd console_hv_cmds[] = {
	{ "pwr", CD_HV, false, true, console_hv_parse_pwr, "stack summary" },
	{ "unit", CD_HV, false, true, console_hv_parse_unit, "one row per BMU" },
	{ "bat", CD_HV, false, true, console_hv_parse_bat, "every cell of the string" },
	{ "info", CD_HV, false, true, console_hv_parse_info, "controller and BMU identity" },
	{ "stat", CD_HV, false, true, console_hv_parse_stat, "counters: cycles, SOH" },
	{ "soh", CD_HV, false, true, console_hv_parse_soh, "per-cell SOH" },
	{ NULL, 0, false, false, NULL, NULL },
};
