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

/* The unit words a coulomb column may carry, by a table: the length
 * picks the candidates, so most tokens cost one compare. */
static bool
hv_is_unit_word(struct ct_span t)
{
	static const struct { const char *w; size_t n; } units[] = {
		{ "mAH", 3 }, { "AH", 2 }, { "mWH", 3 }, { "WH", 2 }, { "uWH", 3 }, { "kWH", 3 },
	};
	size_t i;

	if (t.len < 2 || t.len > 3)
		return false;
	for (i = 0; i < NELEM(units); i++)
		if (t.len == units[i].n && strncasecmp(t.p, units[i].w, t.len) == 0)
			return true;
	return false;
}

/* ---- bat ------------------------------------------------------------------ */

enum bat_field { BF_INDEX, BF_VOLT, BF_CURR, BF_TEMP, BF_VST, BF_TST, BF_AH, BF_WH,
	BF_BAL, BF_UNKNOWN };

struct bat_layout {
	int		n;
	enum bat_field	col[CT_MAX_TOKENS];
};

struct bat_cell {
	uint32_t	valid;
	double		voltage, temperature, soc;
	bool		balancing;
	struct ct_span	vst, tst;
};

static int
bat_header(struct ct_span line, struct bat_layout *lay, struct pt_diag *d)
{
	static const struct { const char *label; enum bat_field f; bool prefix; } cols[] = {
		{ "Bat", BF_INDEX, false }, { "Volt", BF_VOLT, false },
		{ "Curr", BF_CURR, false }, { "Tempr", BF_TEMP, false },
		{ "V.State", BF_VST, false }, { "T.State", BF_TST, false },
		{ "AH", BF_AH, true }, { "Coulomb", BF_AH, true }, { "WH", BF_WH, true },
		{ "Bal", BF_BAL, false },
	};
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n, total;
	size_t k;

	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: header has %d columns", total);
	lay->n = 0;
	for (i = 0; i < n; i++) {
		enum bat_field f = BF_UNKNOWN;
		for (k = 0; k < NELEM(cols) && f == BF_UNKNOWN; k++)
			if (cols[k].prefix ? ct_starts(tok[i], cols[k].label) :
			    ct_ieq(tok[i], cols[k].label))
				f = cols[k].f;
		if (f == BF_UNKNOWN)
			pt_diag_warn(d, "bat: unknown column '%.*s' ignored",
			    (int)(tok[i].len > QUOTE ? QUOTE : tok[i].len), tok[i].p);
		lay->col[lay->n++] = f;
	}
	if (lay->n < 2 || lay->col[0] != BF_INDEX || lay->col[1] != BF_VOLT)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: header does not start 'Bat Volt'");
	return 0;
}

static int
bat_number(struct ct_span t, long *v, const char *label, int rowno, struct pt_diag *d)
{
	if (ct_long(t, v))
		return 1;
	if (ct_is_dash(t))
		return 0;
	return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: %s is '%.*s', not a number",
	    rowno, label, (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
}

/* "NN%" then the amount; the unit may follow in every row (CMU B50).
 * Returns the tokens used, or a negative pt_err. */
static int
bat_coulomb(const struct ct_span *t, int avail, bool soc, struct bat_cell *c, int rowno,
    struct pt_diag *d)
{
	struct ct_span unit;
	long v;
	int rc;

	if (!ct_is_dash(t[0])) {
		if (!ct_long_unit(t[0], &v, &unit) || !ct_eq(unit, "%") || v < 0 || v > 100)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: '%.*s' is not a "
			    "percentage", rowno, (int)(t[0].len > QUOTE ? QUOTE : t[0].len),
			    t[0].p);
		if (soc) {
			c->soc = (double)v;
			c->valid |= PTF_SOC;
		}
	}
	if ((rc = bat_number(t[1], &v, "AH/WH", rowno, d)) < 0)
		return rc;
	return avail > 2 && hv_is_unit_word(t[2]) ? 3 : 2;
}

/* A milli-unit cell value into *out and its bit; "-" leaves it unknown. */
static int
bat_milli(struct ct_span t, const char *label, uint32_t bit, double *out, struct bat_cell *c,
    int rowno, struct pt_diag *d)
{
	long v;
	int rc;

	if ((rc = bat_number(t, &v, label, rowno, d)) <= 0)
		return rc;
	*out = (double)v / 1000.0;
	c->valid |= bit;
	return 0;
}

/* One column of a cell row at t[0..avail); returns the tokens it used or
 * a negative pt_err. */
static int
bat_column(enum bat_field f, const struct ct_span *t, int avail, struct bat_cell *c,
    int rowno, struct pt_diag *d)
{
	double scratch;
	long v;
	int rc = 0;

	switch (f) {
	case BF_INDEX:
		if (!ct_long(t[0], &v) || v != rowno)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has index '%.*s'",
			    rowno, (int)(t[0].len > QUOTE ? QUOTE : t[0].len), t[0].p);
		break;
	case BF_VOLT:
		rc = bat_milli(t[0], "Volt", PTF_VOLTAGE, &c->voltage, c, rowno, d);
		break;
	case BF_CURR:
		/* The string current, repeated: checked, not stored. */
		rc = bat_milli(t[0], "Curr", 0, &scratch, c, rowno, d);
		break;
	case BF_TEMP:
		rc = bat_milli(t[0], "Tempr", PTF_TEMPERATURE, &c->temperature, c, rowno, d);
		break;
	case BF_VST:
	case BF_TST:
		rc = hv_check_word(t[0], "bat", rowno, f == BF_VST ? "V.State" : "T.State", d);
		if (f == BF_VST)
			c->vst = t[0];
		else
			c->tst = t[0];
		break;
	case BF_AH:
	case BF_WH:
		if (avail < 2)
			return 0;	/* the caller reports the short row */
		return bat_coulomb(t, avail, f == BF_AH, c, rowno, d);
	case BF_BAL:
		if (ct_eq(t[0], "Y") || ct_eq(t[0], "N")) {
			c->balancing = ct_eq(t[0], "Y");
			c->valid |= PTF_BALANCING;
		} else if (!ct_is_dash(t[0]))
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d: Bal is '%.*s', "
			    "not Y or N", rowno, (int)(t[0].len > QUOTE ? QUOTE : t[0].len),
			    t[0].p);
		break;
	case BF_UNKNOWN:
		break;
	}
	return rc < 0 ? rc : 1;
}

/* One cell row; the index must be the row's position (0-based).  `rest`
 * is the lines after it: looked at only to word a short row (the answer
 * cut there, or a bad row), so a good row costs one pass. */
static int
bat_row(struct ct_span line, const struct bat_layout *lay, const struct ct_lines *rest,
    int rowno, struct bat_cell *c, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, k = 0, n, total, used;

	memset(c, 0, sizeof *c);
	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has %d values", rowno,
		    total);
	for (i = 0; i < lay->n; i++) {
		used = k < n ? bat_column(lay->col[i], &tok[k], n - k, c, rowno, d) : 0;
		if (used < 0)
			return used;
		if (used == 0) {
			struct ct_lines peek = *rest;
			struct ct_span next;

			if (!ct_next_line(&peek, &next))
				return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: the answer ends "
				    "inside cell row %d", rowno);
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has %d values, "
			    "too few for the header", rowno, n);
		}
		k += used;
	}
	if (k != n)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell row %d has %d values, more "
		    "than the header announces", rowno, n);
	return 0;
}

/* The last state word of a column and what it came to: a string of 75
 * "Normal" cells interns and checks the word once, not 75 times. */
struct bat_memo {
	struct ct_span	w;
	uint8_t		id;
	bool		normal;
};

/* A cell's state word: its word index, and its alarm unless normal. */
static uint8_t
bat_word(struct pt_sample *s, struct bat_memo *memo, struct ct_span w, int module, int idx,
    const char *what)
{
	char text[PT_WORD_LEN], full[PT_WORD_LEN * 2];
	uint8_t id;

	if (memo->w.len == w.len && memo->w.len > 0 && memcmp(memo->w.p, w.p, w.len) == 0) {
		if (!memo->normal)
			console_state_alarm_cell(s, module, idx, what, w);
		return memo->id;
	}
	ct_copy(text, sizeof text, w);
	id = pt_sample_word(s, text);
	console_state_alarm_cell(s, module, idx, what, w);
	/* Normal as console_state_alarm_cell judges it (its own copy size). */
	ct_copy(full, sizeof full, w);
	*memo = (struct bat_memo){ .w = w, .id = id, .normal = pt_status_is_normal(full) };
	return id;
}

static void
bat_store(struct pt_sample *s, struct pt_module *m, int idx, const struct bat_cell *bc,
    struct bat_memo memo[2])
{
	struct pt_cell *c = pt_module_cell(m, idx);

	if (c == NULL)
		return;
	if (bc->valid & PTF_VOLTAGE)
		PT_SET(c, voltage, PTF_VOLTAGE, (float)bc->voltage);
	if (bc->valid & PTF_TEMPERATURE)
		PT_SET(c, temperature, PTF_TEMPERATURE, (float)bc->temperature);
	if (bc->valid & PTF_SOC)
		PT_SET(c, soc, PTF_SOC, (float)bc->soc);
	if (bc->valid & PTF_BALANCING)
		PT_SET(c, balancing, PTF_BALANCING, bc->balancing);
	if (bc->vst.len > 0 && !ct_is_dash(bc->vst))
		c->voltage_status = bat_word(s, &memo[0], bc->vst, m->id, idx, "cell_voltage");
	if (bc->tst.len > 0 && !ct_is_dash(bc->tst))
		c->temperature_status = bat_word(s, &memo[1], bc->tst, m->id, idx,
		    "cell_temperature");
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

int
console_hv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	/* Every row is parsed once into this scratch, and stored only when
	 * the whole answer is good (a rejected answer leaves s untouched). */
	struct bat_cell cells[PT_MAX_MODULES * PT_MAX_CELLS];
	struct bat_memo memo[2] = { { .w.len = 0 }, { .w.len = 0 } };
	struct ct_lines it;
	struct ct_span line;
	struct bat_layout lay;
	struct bat_pre pre;
	struct hv_split sp;
	bool header = false;
	int n = 0, i, rc;

	(void)ctx;
	memset(&pre, 0, sizeof pre);
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			struct ct_span tok[1];
			if (ct_tokens(line, tok, 1, NULL) == 1 && ct_eq(tok[0], "Bat") &&
			    ct_contains(line, "Volt")) {
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
		if ((rc = bat_row(line, &lay, &it, n, &cells[n], d)) != 0)
			return rc;
		n++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: no 'Bat Volt ...' header");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: the answer ends after the header");
	if ((rc = hv_split_cells(s, n, "bat", &sp, d)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct pt_module *m = pt_sample_module(s, sp.ids[i / sp.per]);

		if (m == NULL)
			break;
		bat_store(s, m, i % sp.per, &cells[i], memo);
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

static int
soh_row(struct ct_span line, int rowno, bool last, long *mv, struct ct_span *status,
    struct pt_diag *d)
{
	struct ct_span tok[5];
	long idx, count;
	int n, total;

	n = ct_tokens(line, tok, 5, &total);
	if (total == 4 || total == 3) {
		if (!ct_long(tok[0], &idx) || idx != rowno)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d has index '%.*s'",
			    rowno, (int)(tok[0].len > QUOTE ? QUOTE : tok[0].len), tok[0].p);
		if (!ct_long(tok[1], mv) || !ct_long(tok[2], &count))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d is not 'index "
			    "voltage count status'", rowno);
		*status = n == 4 ? tok[3] : (struct ct_span){ NULL, 0 };
		if (n == 4 && !console_state_is_word(tok[3]))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d: SOHStatus is not "
			    "a state word", rowno);
		return 0;
	}
	if (last && total < 3)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "soh: the answer ends inside cell "
		    "row %d", rowno);
	return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell row %d has %d values, want 4", rowno,
	    total);
}

int
console_hv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it, rows, peek;
	struct ct_span line, next, status;
	struct hv_split sp;
	bool header = false;
	long mv;
	int n = 0, i, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			struct ct_span tok[1];
			if (ct_tokens(line, tok, 1, NULL) == 1 && ct_eq(tok[0], "Battery") &&
			    ct_contains(line, "SOH")) {
				header = true;
				rows = it;
			} else
				return pt_diag_fail(d, PT_ERR_PARSE, "soh: no 'Battery Voltage "
				    "SOHCount SOHStatus' header");
			continue;
		}
		if (n >= PT_MAX_MODULES * PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: more than %d cells",
			    PT_MAX_MODULES * PT_MAX_CELLS);
		peek = it;
		if ((rc = soh_row(line, n, !ct_next_line(&peek, &next), &mv, &status, d)) != 0)
			return rc;
		n++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "soh: empty answer");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "soh: the answer ends after the header");
	if ((rc = hv_split_cells(s, n, "soh", &sp, d)) != 0)
		return rc;
	for (i = 0; ct_next_line(&rows, &line); i++) {
		struct pt_module *m = pt_sample_module(s, sp.ids[i / sp.per]);
		struct pt_cell *c;

		if (m == NULL || soh_row(line, i, false, &mv, &status, NULL) != 0 ||
		    (c = pt_module_cell(m, i % sp.per)) == NULL)
			break;
		/* `bat` gives the same voltage with the rest of the cell. */
		if (!PT_HAS(c, PTF_VOLTAGE))
			PT_SET(c, voltage, PTF_VOLTAGE, (float)((double)mv / 1000.0));
		if (status.len > 0)
			console_state_alarm_cell(s, m->id, i % sp.per, "cell_soh", status);
	}
	return 0;
}
