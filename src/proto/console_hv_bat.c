/* console_hv_bat.c — HV `bat` and `soh`: a row per cell of the whole
 * string, docs/console.md §4.3; which BMU a cell belongs to is explained in
 * console_hv.h.
 *
 * In `bat` the AH/WH columns take two tokens ("17%" "12580"), plus the
 * unit when the firmware prints it in every row (CMU B50). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/console_hv_int.h"
#include "util/err.h"

/* ---- which module a cell of the string belongs to ---------------------- */

struct hv_split {
	int	per;			/* cells per module */
	int	n;			/* modules */
	int	ids[PT_MAX_MODULES];	/* module ids, cells 0..per-1 go to ids[0] */
};

/* Decide the split of `cells` string cells (console_hv.h explains why the
 * lowest id gets the first cells).  Warns when it has to guess. */
static int
hv_split_cells(const struct pt_sample *s, int cells, const char *what, struct hv_split *sp,
    struct pt_diag *d)
{
	static const int bmu_sizes[] = { 30, 24, 16, 15 };
	int i, j, n = s->n_modules;
	size_t k;

	sp->n = 0;
	if (n > 0) {
		if (cells % n != 0 || cells / n > PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "%s: %d cells do not divide among "
			    "the %d BMUs of 'unit'", what, cells, n);
		sp->per = cells / n;
		sp->n = n;
		for (i = 0; i < n; i++) {
			int id = s->modules[i].id;
			for (j = i; j > 0 && sp->ids[j - 1] > id; j--)
				sp->ids[j] = sp->ids[j - 1];
			sp->ids[j] = id;
		}
		return 0;
	}
	if (cells <= PT_MAX_CELLS) {
		sp->per = cells;
		sp->n = 1;
		sp->ids[0] = 1;
		pt_diag_warn(d, "%s: BMUs unknown, %d cells put in module 1 (read 'unit' "
		    "first)", what, cells);
		return 0;
	}
	for (k = 0; k < NELEM(bmu_sizes); k++)
		if (cells % bmu_sizes[k] == 0 && cells / bmu_sizes[k] <= PT_MAX_MODULES) {
			sp->per = bmu_sizes[k];
			sp->n = cells / sp->per;
			for (i = 0; i < sp->n; i++)
				sp->ids[i] = i + 1;
			pt_diag_warn(d, "%s: BMUs unknown, %d cells taken as %d modules of %d "
			    "(read 'unit' first)", what, cells, sp->n, sp->per);
			return 0;
		}
	return pt_diag_fail(d, PT_ERR_PARSE, "%s: %d cells and no 'unit' to say how many "
	    "BMUs hold them", what, cells);
}

/* ---- bat ------------------------------------------------------------------ */

/* A coulomb column's unit word ("mAH", "WH", "kWH", as CMU B50 prints in
 * every row): hv_scale's prefix table over the two bases.  Its last
 * letter rejects every other token ("17%", "N", a number) at once. */
static bool
bat_is_unit(struct ct_span t)
{
	if (t.len < 2 || t.len > 3 || (t.p[t.len - 1] | 0x20) != 'h')
		return false;
	return hv_scale(t, "AH", 0) != 0 || hv_scale(t, "WH", 0) != 0;
}

enum bat_field { BF_INDEX, BF_NUMBER, BF_VST, BF_TST, BF_AH, BF_WH, BF_BAL, BF_UNKNOWN };

/* Where a number column goes in the scratch cell. */
enum bat_slot { BS_MV, BS_MC, BS_CHECKED, BS_N };

/* One cell row, read and checked; stored only when the whole answer is. */
struct bat_cell {
	uint32_t	valid;		/* PTF_VOLTAGE, _TEMPERATURE, _SOC, _BALANCING */
	long		num[BS_N];	/* mV, m°C; BS_CHECKED: read, not kept */
	long		soc;
	bool		balancing;
	struct ct_span	vst, tst;	/* state words; len 0 when absent */
};

static const struct bat_colspec {
	const char	*label;
	enum bat_field	 field;
	bool		 prefix;	/* label starts the header word: "AH(mAH)" */
	enum bat_slot	 slot;		/* BF_NUMBER */
	uint32_t	 bit;		/* BF_NUMBER: PTF_* when known */
} bat_cols[] = {
	{ .label = "Bat", .field = BF_INDEX },
	{ .label = "Volt", .field = BF_NUMBER, .slot = BS_MV, .bit = PTF_VOLTAGE },
	/* The string current, repeated in every row: checked, not stored. */
	{ .label = "Curr", .field = BF_NUMBER, .slot = BS_CHECKED },
	{ .label = "Tempr", .field = BF_NUMBER, .slot = BS_MC, .bit = PTF_TEMPERATURE },
	{ .label = "V.State", .field = BF_VST },
	{ .label = "T.State", .field = BF_TST },
	{ .label = "AH", .field = BF_AH, .prefix = true },
	{ .label = "Coulomb", .field = BF_AH, .prefix = true },
	{ .label = "WH", .field = BF_WH, .prefix = true },
	{ .label = "Bal", .field = BF_BAL },
};

static const struct bat_colspec bat_unknown_col = { .label = "?", .field = BF_UNKNOWN };

/* The header's columns, copied by value: a row reads them in order
 * without a pointer to follow per column. */
struct bat_layout {
	int			n;
	struct bat_colspec	col[CT_MAX_TOKENS];
};

static int
bat_header(struct ct_span line, struct bat_layout *lay, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n, total;
	size_t k;

	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: header has %d columns", total);
	lay->n = 0;
	for (i = 0; i < n; i++) {
		const struct bat_colspec *c = NULL;
		for (k = 0; k < NELEM(bat_cols) && c == NULL; k++)
			if (bat_cols[k].prefix ? ct_starts(tok[i], bat_cols[k].label) :
			    ct_ieq(tok[i], bat_cols[k].label))
				c = &bat_cols[k];
		if (c == NULL) {
			pt_diag_warn(d, "bat: unknown column '%.*s' ignored",
			    (int)(tok[i].len > QUOTE ? QUOTE : tok[i].len), tok[i].p);
			c = &bat_unknown_col;
		}
		lay->col[lay->n++] = *c;
	}
	if (lay->n < 2 || lay->col[0].field != BF_INDEX || lay->col[1].slot != BS_MV ||
	    lay->col[1].field != BF_NUMBER)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: header does not start 'Bat Volt'");
	return 0;
}

/* The row ran out of tokens before the header's last column: a cut
 * answer when no line follows, else a malformed row.  Only this error
 * path counts the tokens or looks at the next line. */
static int
bat_short(struct ct_span line, const struct ct_lines *rest, int rowno, struct pt_diag *d)
{
	struct ct_lines peek = *rest;
	struct ct_span next;
	int total;

	if (!ct_next_line(&peek, &next))
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: the answer ends inside cell row %d",
		    rowno);
	ct_tokens(line, NULL, 0, &total);
	return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has %d values, too few for the "
	    "header", rowno, total);
}

#define BAT_SHORT	1	/* from a column reader: the row has no more tokens */

/* A number column's token that is not a number: "-" (unknown, 0), the
 * end of the row (BAT_SHORT), or an error. */
static int
bat_not_number(struct ct_span t, const char *label, int rowno, struct pt_diag *d)
{
	if (ct_is_dash(t))
		return 0;
	if (t.len == 0)
		return BAT_SHORT;
	return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: %s is '%.*s', not a number",
	    rowno, label, (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
}

/* "0%" .. "100%".  One or two digits (nearly every row) are read
 * without a loop. */
static bool
bat_percent(struct ct_span t, long *v)
{
	size_t i;
	long x = 0;
	unsigned a, b;

	if (t.len < 2 || t.p[t.len - 1] != '%')
		return false;
	a = (unsigned)(unsigned char)t.p[0] - '0';
	if (t.len == 2 && a <= 9) {
		*v = (long)a;
		return true;
	}
	b = (unsigned)(unsigned char)t.p[1] - '0';
	if (t.len == 3 && a <= 9 && b <= 9) {
		*v = (long)(a * 10 + b);
		return true;
	}
	for (i = 0; i + 1 < t.len; i++) {
		unsigned digit = (unsigned)(unsigned char)t.p[i] - '0';
		if (digit > 9 || (x = x * 10 + (long)digit) > 100)
			return false;
	}
	*v = x;
	return true;
}

/* AH / WH: "NN%" then the amount, then the unit when the firmware prints
 * one in every row.  Only AH's percentage is kept (the cell's SOC). */
static int
bat_coulomb(struct ct_cur *cur, bool soc, struct bat_cell *c, int rowno, struct pt_diag *d)
{
	struct ct_span t;
	struct ct_cur peek;
	int rc;

	if (!ct_cur_next(cur, &t))
		return BAT_SHORT;
	if (!ct_is_dash(t)) {
		if (!bat_percent(t, &c->soc))
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: '%.*s' is not a "
			    "percentage", rowno, (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
		c->valid |= soc ? PTF_SOC : 0;
	}
	if (!ct_cur_long(cur, &c->num[BS_CHECKED], &t) &&
	    (rc = bat_not_number(t, "AH/WH", rowno, d)) != 0)
		return rc;
	/* A unit starts with a letter; the next column's "17%" or number is
	 * turned down by its first byte (the blanks skipped stay skipped). */
	cur->p = ct_cur_skip(cur, cur->p);
	if (cur->p < cur->end && (unsigned)((*cur->p | 0x20) - 'a') < 26) {
		peek = *cur;
		if (ct_cur_next(&peek, &t) && bat_is_unit(t))
			*cur = peek;
	}
	return 0;
}

static int
bat_not_word(const char *label, int rowno, struct pt_diag *d)
{
	return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d: %s is not a state word", rowno,
	    label);
}

/* One column of a cell row: 0, BAT_SHORT or a negative pt_err. */
static int
bat_column(const struct bat_colspec *col, struct ct_cur *cur, struct bat_cell *c, int rowno,
    struct console_state_seen seen[2], struct pt_diag *d)
{
	struct ct_span t;
	long v;
	bool ok;

	/* Most columns are numbers: a branch, before the switch's jump. */
	if (col->field == BF_NUMBER) {
		if (ct_cur_long(cur, &c->num[col->slot], &t)) {
			c->valid |= col->bit;
			return 0;
		}
		return bat_not_number(t, col->label, rowno, d);
	}
	switch (col->field) {
	case BF_NUMBER:
		break;
	case BF_INDEX:
		if (ct_cur_long(cur, &v, &t) && v == rowno)
			return 0;
		if (t.len == 0)
			return BAT_SHORT;
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has index '%.*s'", rowno,
		    (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
	case BF_VST:
	case BF_TST:
		/* A state word, split and checked in one pass. */
		if (!console_state_next_word(cur, col->field == BF_VST ? &c->vst : &c->tst, &ok,
		    &seen[col->field == BF_TST]))
			return BAT_SHORT;
		return ok ? 0 : bat_not_word(col->label, rowno, d);
	case BF_AH:
	case BF_WH:
		return bat_coulomb(cur, col->field == BF_AH, c, rowno, d);
	case BF_BAL:
		if (!ct_cur_next(cur, &t))
			return BAT_SHORT;
		if (t.len == 1 && (t.p[0] == 'Y' || t.p[0] == 'N')) {
			c->balancing = t.p[0] == 'Y';
			c->valid |= PTF_BALANCING;
		} else if (!ct_is_dash(t))
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: Bal is '%.*s', "
			    "not Y or N", rowno, (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
		return 0;
	case BF_UNKNOWN:
		return ct_cur_next(cur, &t) ? 0 : BAT_SHORT;
	}
	return 0;
}

/* One cell row, read column by column in one pass; the index must be the
 * row's position (0-based).  `rest` (the lines after it) is looked at
 * only to word a short row. */
static int
bat_row(struct ct_span line, const struct bat_layout *lay, const struct ct_lines *rest,
    int rowno, struct bat_cell *c, struct console_state_seen seen[2], struct pt_diag *d)
{
	struct ct_cur cur;
	struct ct_span extra;
	int i, rc, total;

	c->valid = 0;
	c->vst.len = c->tst.len = 0;
	ct_cur_init_in(&cur, line, rest->end);
	for (i = 0; i < lay->n; i++)
		if ((rc = bat_column(&lay->col[i], &cur, c, rowno, seen, d)) != 0)
			return rc == BAT_SHORT ? bat_short(line, rest, rowno, d) : rc;
	if (ct_cur_next(&cur, &extra)) {
		ct_tokens(line, NULL, 0, &total);
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has %d values, more "
		    "than the header announces", rowno, total);
	}
	return 0;
}

static void
bat_store(struct pt_sample *s, struct pt_module *m, int idx, const struct bat_cell *bc,
    struct console_state_memo memo[2])
{
	struct pt_cell *c = pt_module_cell(m, idx);

	if (c == NULL)
		return;
	if (bc->valid & PTF_VOLTAGE)
		PT_SET(c, voltage, PTF_VOLTAGE, (float)((double)bc->num[BS_MV] / 1000.0));
	if (bc->valid & PTF_TEMPERATURE)
		PT_SET(c, temperature, PTF_TEMPERATURE, (float)((double)bc->num[BS_MC] / 1000.0));
	if (bc->valid & PTF_SOC)
		PT_SET(c, soc, PTF_SOC, (float)bc->soc);
	if (bc->valid & PTF_BALANCING)
		PT_SET(c, balancing, PTF_BALANCING, bc->balancing);
	if (bc->vst.len > 0 && !ct_is_dash(bc->vst))
		c->voltage_status = console_state_word(s, &memo[0], bc->vst, m->id, idx,
		    "cell_voltage");
	if (bc->tst.len > 0 && !ct_is_dash(bc->tst))
		c->temperature_status = console_state_word(s, &memo[1], bc->tst, m->id,
		    idx, "cell_temperature");
}

/* The bat preamble: current limits and the string state. */
struct bat_pre {
	bool	has_chg, has_dsg, has_state;
	double	chg, dsg;
	struct ct_span state;
};

static int
bat_preamble(struct ct_span line, struct bat_pre *pre, struct pt_diag *d)
{
	struct ct_span value, unit;
	char key[48];
	long v;
	double f;
	bool chg;

	if (!ct_keyvalue(line, key, sizeof key, &value))
		return 0;
	if (strcmp(key, "B.State") == 0 && value.len > 0) {
		pre->state = value;
		pre->has_state = true;
		return 0;
	}
	chg = strcmp(key, "C.Curr") == 0;
	if (!chg && strcmp(key, "D.Curr") != 0)
		return 0;
	if (!hv_value(value, &v, &unit))
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: '%s' is '%.*s', not a current", key,
		    (int)(value.len > QUOTE ? QUOTE : value.len), value.p);
	if ((f = hv_scale(unit, "A", 1e-3)) == 0) {
		pt_diag_warn(d, "bat: '%s' has unknown unit '%.*s'", key,
		    (int)(unit.len > QUOTE ? QUOTE : unit.len), unit.p);
		return 0;
	}
	/* D.Curr is printed as 0 or a negative number; limits are >= 0. */
	if (chg) {
		pre->chg = fabs((double)v * f);
		pre->has_chg = true;
	} else {
		pre->dsg = fabs((double)v * f);
		pre->has_dsg = true;
	}
	return 0;
}

/* "Bat Volt ...": its first token is "Bat" and it names Volt. */
static bool
bat_is_header(struct ct_span line)
{
	return line.len > 4 && memcmp(line.p, "Bat", 3) == 0 && (line.p[3] == ' ' ||
	    line.p[3] == '\t') && ct_contains(line, "Volt");
}

int
console_hv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	/* Every row is read once into this scratch, and stored only when
	 * the whole answer is good (a rejected answer leaves s untouched). */
	struct bat_cell cells[PT_MAX_MODULES * PT_MAX_CELLS];
	struct console_state_memo memo[2] = { { .end = body + len }, { .end = body + len } };
	struct console_state_seen seen[2] = { { .len = 0 }, { .len = 0 } };
	struct ct_lines it;
	struct ct_span line;
	struct bat_layout lay;
	struct bat_pre pre;
	struct hv_split sp;
	struct pt_module *m = NULL;
	bool header = false;
	int n = 0, i, j, k, rc;

	(void)ctx;
	memset(&pre, 0, sizeof pre);
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			if (bat_is_header(line)) {
				if ((rc = bat_header(line, &lay, d)) != 0)
					return rc;
				header = true;
			} else if ((rc = bat_preamble(line, &pre, d)) != 0)
				return rc;
			continue;
		}
		if (n >= PT_MAX_MODULES * PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: more than %d cells",
			    PT_MAX_MODULES * PT_MAX_CELLS);
		if ((rc = bat_row(line, &lay, &it, n, &cells[n], seen, d)) != 0)
			return rc;
		n++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: no 'Bat Volt ...' header");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: the answer ends after the header");
	if ((rc = hv_split_cells(s, n, "bat", &sp, d)) != 0)
		return rc;
	/* Cell k of module j is cells[j * per + k]: counted, not divided. */
	for (i = 0, j = 0, k = 0; i < n; i++, k++) {
		if (k == sp.per) {
			k = 0;
			j++;
		}
		if (k == 0 && (m = pt_sample_module(s, sp.ids[j])) == NULL)
			break;
		bat_store(s, m, k, &cells[i], memo);
	}
	if (pre.has_chg)
		PT_SET(&s->stack, charge_limit, PTF_CHARGE_LIMIT, pre.chg);
	if (pre.has_dsg)
		PT_SET(&s->stack, discharge_limit, PTF_DISCHARGE_LIMIT, pre.dsg);
	if (pre.has_state && s->stack.status[0] == '\0')
		hv_state(s->stack.status, pre.state);
	return 0;
}

/* ---- soh ------------------------------------------------------------------ */

/* One cell row of soh, checked. */
struct soh_cell {
	long		mv;
	struct ct_span	status;		/* len 0: no SOHStatus column (Pytes) */
};

/* `rest` (the lines after the row) is looked at only to word a short
 * row: a cut answer, or a malformed one. */
static int
soh_row(struct ct_span line, int rowno, const struct ct_lines *rest, struct soh_cell *c,
    struct pt_diag *d)
{
	struct ct_span tok[5], next;
	struct ct_lines peek;
	long idx, count;
	int n, total;

	n = ct_tokens(line, tok, 5, &total);
	if (total == 4 || total == 3) {
		if (!ct_long(tok[0], &idx) || idx != rowno)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d has index '%.*s'",
			    rowno, (int)(tok[0].len > QUOTE ? QUOTE : tok[0].len), tok[0].p);
		if (!ct_long(tok[1], &c->mv) || !ct_long(tok[2], &count))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d is not 'index "
			    "voltage count status'", rowno);
		c->status = n == 4 ? tok[3] : (struct ct_span){ NULL, 0 };
		if (n == 4 && !console_state_is_word(tok[3]))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d: SOHStatus is not "
			    "a state word", rowno);
		return 0;
	}
	peek = *rest;
	if (total < 3 && !ct_next_line(&peek, &next))
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "soh: the answer ends inside cell "
		    "row %d", rowno);
	return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d has %d values, want 4", rowno,
	    total);
}

int
console_hv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	/* Rows are read once into this scratch and stored only when the
	 * whole answer is good. */
	struct soh_cell cells[PT_MAX_MODULES * PT_MAX_CELLS];
	struct ct_lines it;
	struct ct_span line;
	struct hv_split sp;
	struct pt_module *m = NULL;
	bool header = false;
	int n = 0, i, j, k, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			struct ct_span tok[1];
			if (ct_tokens(line, tok, 1, NULL) == 1 && ct_eq(tok[0], "Battery") &&
			    ct_contains(line, "SOH"))
				header = true;
			else
				return pt_diag_fail(d, PT_ERR_PARSE, "soh: no 'Battery Voltage "
				    "SOHCount SOHStatus' header");
			continue;
		}
		if (n >= PT_MAX_MODULES * PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: more than %d cells",
			    PT_MAX_MODULES * PT_MAX_CELLS);
		if ((rc = soh_row(line, n, &it, &cells[n], d)) != 0)
			return rc;
		n++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "soh: empty answer");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "soh: the answer ends after the header");
	if ((rc = hv_split_cells(s, n, "soh", &sp, d)) != 0)
		return rc;
	for (i = 0, j = 0, k = 0; i < n; i++, k++) {
		struct pt_cell *c;

		if (k == sp.per) {
			k = 0;
			j++;
		}
		if (k == 0 && (m = pt_sample_module(s, sp.ids[j])) == NULL)
			break;
		if ((c = pt_module_cell(m, k)) == NULL)
			break;
		/* `bat` gives the same voltage with the rest of the cell. */
		if (!PT_HAS(c, PTF_VOLTAGE))
			PT_SET(c, voltage, PTF_VOLTAGE, (float)((double)cells[i].mv / 1000.0));
		if (cells[i].status.len > 0)
			console_state_alarm_cell(s, m->id, k, "cell_soh", cells[i].status);
	}
	return 0;
}
