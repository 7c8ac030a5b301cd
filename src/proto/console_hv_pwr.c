/* console_hv_pwr.c — HV `pwr` (the stack row) and `unit` (a row per BMU),
 * docs/console.md §4.1-4.2; fields and alarm names in console_hv.h.
 *
 * Tables are read by their header labels.  Row tokens line up with the
 * header except: CoulombAH and CoulombWH take three tokens ("7%" "5180"
 * "mAH"), Time two, and the header's two words "Err Code" are one column.
 * A row is checked into a struct hv_row and stored only when the whole
 * answer is good. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/console_hv_int.h"
#include "util/err.h"


/* ---- pwr and unit: header-driven rows ----------------------------------- */

enum hv_field {
	HF_INDEX, HF_VOLT, HF_CURR, HF_TEMP, HF_TLOW, HF_THIGH, HF_VLOW, HF_VHIGH,
	HF_NUMBER,	/* a known number without a field: checked only */
	HF_BASE, HF_STATE, HF_AH, HF_WH, HF_TIME, HF_ERR, HF_UNKNOWN,
};

static const struct hv_colspec {
	const char	*label;
	enum hv_field	 field;
	int		 width;		/* row tokens */
	const char	*stem;		/* alarm stem of a state column */
	bool		 scoped;	/* stem gets "stack_" / "module_" */
} hv_cols[] = {
#define HV_STATE_COL(l, st, sc) \
	{ .label = (l), .field = HF_STATE, .width = 1, .stem = (st), .scoped = (sc) }
	{ .label = "Index", .field = HF_INDEX, .width = 1 },
	{ .label = "Volt", .field = HF_VOLT, .width = 1 },
	{ .label = "Curr", .field = HF_CURR, .width = 1 },
	{ .label = "Tempr", .field = HF_TEMP, .width = 1 },
	{ .label = "AvgTempr", .field = HF_NUMBER, .width = 1 },
	{ .label = "BTlow", .field = HF_TLOW, .width = 1 },
	{ .label = "BThigh", .field = HF_THIGH, .width = 1 },
	{ .label = "BVlow", .field = HF_VLOW, .width = 1 },
	{ .label = "BVhigh", .field = HF_VHIGH, .width = 1 },
	{ .label = "UTlow", .field = HF_NUMBER, .width = 1 },
	{ .label = "UThigh", .field = HF_NUMBER, .width = 1 },
	{ .label = "UVlow", .field = HF_NUMBER, .width = 1 },
	{ .label = "UVhigh", .field = HF_NUMBER, .width = 1 },
	{ .label = "Base.St", .field = HF_BASE, .width = 1, .stem = "state", .scoped = true },
	HV_STATE_COL("Volt.St", "voltage", true),
	HV_STATE_COL("Curr.St", "current", true),
	HV_STATE_COL("Temp.St", "temperature", true),
	HV_STATE_COL("B.V.St", "cell_voltage", false),
	HV_STATE_COL("B.T.St", "cell_temperature", false),
	HV_STATE_COL("U.V.St", "module_voltage", false),
	HV_STATE_COL("U.T.St", "module_temperature", false),
	{ .label = "CoulombAH", .field = HF_AH, .width = 3 },
	{ .label = "CoulombWH", .field = HF_WH, .width = 3 },
	{ .label = "Time", .field = HF_TIME, .width = 2 },
	{ .label = "Err Code", .field = HF_ERR, .width = 1 },
#undef HV_STATE_COL
};

static const struct hv_colspec hv_unknown_col = {
	.label = "?", .field = HF_UNKNOWN, .width = 1,
};

#define HV_MAX_STATES	12

struct hv_layout {
	int			 n;		/* columns */
	int			 tokens;	/* row tokens they take */
	const struct hv_colspec	*col[CT_MAX_TOKENS];
};

/* One row of pwr or unit, before it is stored. */
struct hv_row {
	uint32_t	valid;		/* PTF_* of the numbers below */
	long		index;		/* unit: Index, -1 when absent */
	double		voltage, current, temperature, temp_min, temp_max;
	double		cell_vmin, cell_vmax, soc, remaining_ah, remaining_wh, energy_soc;
	long		error_code;
	bool		has_base;
	struct ct_span	base;
	int		n_states;
	struct ct_span	state[HV_MAX_STATES];
	const struct hv_colspec *state_col[HV_MAX_STATES];
};

static int
hv_header(struct ct_span line, struct hv_layout *lay, const char *what, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n, total;
	size_t k;

	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: header has %d columns, more than "
		    "%d", what, total, CT_MAX_TOKENS);
	lay->n = lay->tokens = 0;
	for (i = 0; i < n; i++) {
		const struct hv_colspec *c = NULL;

		if (ct_eq(tok[i], "Err") && i + 1 < n && ct_eq(tok[i + 1], "Code")) {
			c = &hv_cols[NELEM(hv_cols) - 1];
			i++;
		} else {
			for (k = 0; k < NELEM(hv_cols) - 1; k++)
				if (ct_eq(tok[i], hv_cols[k].label))
					c = &hv_cols[k];
		}
		if (c == NULL) {
			pt_diag_warn(d, "%s: unknown column '%.*s' ignored", what,
			    (int)(tok[i].len > QUOTE ? QUOTE : tok[i].len), tok[i].p);
			c = &hv_unknown_col;
		}
		lay->col[lay->n++] = c;
		lay->tokens += c->width;
	}
	return 0;
}

/* A milli-unit number into `out` (x / 1000); "-" leaves the bit clear. */
static int
hv_milli(struct ct_span t, uint32_t bit, double *out, struct hv_row *r, const char *what,
    const char *label, int rowno, struct pt_diag *d)
{
	long v;

	if (ct_is_dash(t))
		return 0;
	if (!ct_long(t, &v))
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: %s is '%.*s', not a number",
		    what, rowno, label, (int)(t.len > QUOTE ? QUOTE : t.len), t.p);
	*out = (double)v / 1000.0;
	r->valid |= bit;
	return 0;
}

/* CoulombAH / CoulombWH: "NN%" number unit. */
static int
hv_coulomb(struct ct_span *t, bool energy, struct hv_row *r, const char *what, int rowno,
    struct pt_diag *d)
{
	struct ct_span unit;
	long pct, amount;
	double f;

	if (ct_is_dash(t[0]) && ct_is_dash(t[1]))
		return 0;
	if (!ct_long_unit(t[0], &pct, &unit) || !ct_eq(unit, "%") || pct < 0 || pct > 100 ||
	    !ct_long(t[1], &amount))
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: %s is not 'NN%% amount unit'",
		    what, rowno, energy ? "CoulombWH" : "CoulombAH");
	f = hv_scale(t[2], energy ? "WH" : "AH", 0);
	if (f == 0)
		pt_diag_warn(d, "%s: unknown unit '%.*s' after %s: value left unknown", what,
		    (int)(t[2].len > QUOTE ? QUOTE : t[2].len), t[2].p,
		    energy ? "CoulombWH" : "CoulombAH");
	if (energy) {
		r->energy_soc = (double)pct;
		r->valid |= PTF_ENERGY_SOC;
		if (f != 0) {
			r->remaining_wh = (double)amount * f;
			r->valid |= PTF_REMAINING_WH;
		}
		return 0;
	}
	/* The charge-based SOC is the one the controller reports to the
	 * inverter; the energy-based one is energy_soc. */
	r->soc = (double)pct;
	r->valid |= PTF_SOC;
	if (f != 0) {
		r->remaining_ah = (double)amount * f;
		r->valid |= PTF_REMAINING_AH;
	}
	return 0;
}

/* One half of a "2023-11-12 09:22:15" or a "-". */
static bool
hv_is_clock(struct ct_span t)
{
	size_t i;

	if (t.len == 0)
		return false;
	for (i = 0; i < t.len; i++)
		if (!((t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '-' || t.p[i] == ':' ||
		    t.p[i] == '/' || t.p[i] == '.'))
			return false;
	return true;
}

static int
hv_column(const struct hv_colspec *c, struct ct_span *t, struct hv_row *r,
    const char *what, int rowno, struct pt_diag *d)
{
	long v;
	double scratch;

	switch (c->field) {
	case HF_INDEX:
		if (!ct_long(t[0], &v) || v < 1 || v > 255)
			return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: Index is not 1..255",
			    what, rowno);
		r->index = v;
		return 0;
	case HF_VOLT:
		return hv_milli(t[0], PTF_VOLTAGE, &r->voltage, r, what, c->label, rowno, d);
	case HF_CURR:
		return hv_milli(t[0], PTF_CURRENT, &r->current, r, what, c->label, rowno, d);
	case HF_TEMP:
		return hv_milli(t[0], PTF_TEMPERATURE, &r->temperature, r, what, c->label,
		    rowno, d);
	case HF_TLOW:
		return hv_milli(t[0], PTF_TEMP_MIN, &r->temp_min, r, what, c->label, rowno, d);
	case HF_THIGH:
		return hv_milli(t[0], PTF_TEMP_MAX, &r->temp_max, r, what, c->label, rowno, d);
	case HF_VLOW:
		return hv_milli(t[0], PTF_CELL_VMIN, &r->cell_vmin, r, what, c->label, rowno, d);
	case HF_VHIGH:
		return hv_milli(t[0], PTF_CELL_VMAX, &r->cell_vmax, r, what, c->label, rowno, d);
	case HF_NUMBER:
		return hv_milli(t[0], 0, &scratch, r, what, c->label, rowno, d);
	case HF_BASE:
		if (hv_check_word(t[0], what, rowno, c->label, d) != 0)
			return PT_ERR_PARSE;
		if (!ct_is_dash(t[0])) {
			r->base = t[0];
			r->has_base = true;
		}
		return 0;
	case HF_STATE:
		if (hv_check_word(t[0], what, rowno, c->label, d) != 0)
			return PT_ERR_PARSE;
		if (r->n_states < HV_MAX_STATES) {
			r->state[r->n_states] = t[0];
			r->state_col[r->n_states++] = c;
		}
		return 0;
	case HF_AH:
		return hv_coulomb(t, false, r, what, rowno, d);
	case HF_WH:
		return hv_coulomb(t, true, r, what, rowno, d);
	case HF_ERR:
		if (ct_is_dash(t[0]))
			return 0;
		if (!ct_hex(t[0], &v))
			return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: Err Code '%.*s' is not "
			    "hex", what, rowno, (int)(t[0].len > QUOTE ? QUOTE : t[0].len),
			    t[0].p);
		r->error_code = v;
		r->valid |= PTF_ERROR_CODE;
		return 0;
	case HF_TIME:
		if (!hv_is_clock(t[0]) || !hv_is_clock(t[1]))
			return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: Time is not "
			    "'YYYY-MM-DD HH:MM:SS'", what, rowno);
		return 0;
	case HF_UNKNOWN:
		return 0;
	}
	return 0;
}

#define HV_ABSENT	1	/* hv_row_parse: an empty BMU slot in short form */

/* Split and check one data row, in one pass.  `rest` is the lines after
 * it (NULL: the answer ends here), looked at only to tell a cut answer
 * from a malformed row.  With `absent_ok`, a short row that says
 * "Absent" is an empty slot (HV_ABSENT), like LV's Absent rows. */
static int
hv_row_parse(struct ct_span line, const struct hv_layout *lay, const struct ct_lines *rest,
    bool absent_ok, struct hv_row *r, const char *what, int rowno, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS], next;
	struct ct_lines peek;
	int i, k = 0, n, total, rc;
	bool last;

	memset(r, 0, sizeof *r);
	r->index = -1;
	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	for (i = 0; absent_ok && total != lay->tokens && i < n; i++)
		if (ct_eq(tok[i], "Absent"))
			return HV_ABSENT;
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d has %d values, more than %d",
		    what, rowno, total, CT_MAX_TOKENS);
	if (total != lay->tokens) {
		peek = rest != NULL ? *rest : (struct ct_lines){ NULL, NULL };
		last = rest == NULL || !ct_next_line(&peek, &next);
		if (last && total < lay->tokens)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "%s: the answer ends inside row "
			    "%d (%d of %d values)", what, rowno, total, lay->tokens);
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d has %d values, the header "
		    "announces %d", what, rowno, total, lay->tokens);
	}
	for (i = 0; i < lay->n && k + lay->col[i]->width <= n; i++) {
		if ((rc = hv_column(lay->col[i], &tok[k], r, what, rowno, d)) != 0)
			return rc;
		k += lay->col[i]->width;
	}
	return 0;
}

/* Store a row: `m` NULL means the stack. */
static void
hv_row_store(struct pt_sample *s, struct pt_module *m, const struct hv_row *r)
{
	struct pt_stack *st = &s->stack;
	int module = m != NULL ? m->id : 0;
	const char *scope = m != NULL ? "module_" : "stack_";
	char stem[48];
	int i;

#define HV_COPY(dst, bit, field) \
	do { if (r->valid & (bit)) PT_SET(dst, field, bit, r->field); } while (0)
#define HV_COPY_ALL(dst) do {						\
		HV_COPY(dst, PTF_VOLTAGE, voltage);			\
		HV_COPY(dst, PTF_CURRENT, current);			\
		HV_COPY(dst, PTF_TEMPERATURE, temperature);		\
		HV_COPY(dst, PTF_TEMP_MIN, temp_min);			\
		HV_COPY(dst, PTF_TEMP_MAX, temp_max);			\
		HV_COPY(dst, PTF_CELL_VMIN, cell_vmin);			\
		HV_COPY(dst, PTF_CELL_VMAX, cell_vmax);			\
		HV_COPY(dst, PTF_SOC, soc);				\
		HV_COPY(dst, PTF_REMAINING_AH, remaining_ah);		\
		HV_COPY(dst, PTF_REMAINING_WH, remaining_wh);		\
		HV_COPY(dst, PTF_ERROR_CODE, error_code);		\
	} while (0)
	if (m != NULL) {
		HV_COPY_ALL(m);
		HV_COPY(m, PTF_ENERGY_SOC, energy_soc);	/* a per-module field */
	} else
		HV_COPY_ALL(st);
#undef HV_COPY_ALL
#undef HV_COPY
	if (r->has_base) {
		char *status = m != NULL ? m->status : st->status;
		hv_state(status, r->base);
		if (!pt_status_is_normal(status)) {
			snprintf(stem, sizeof stem, "%sstate", scope);
			console_state_alarm_cell(s, module, -1, stem, r->base);
		}
	}
	for (i = 0; i < r->n_states; i++) {
		const struct hv_colspec *c = r->state_col[i];
		snprintf(stem, sizeof stem, "%s%s", c->scoped ? scope : "", c->stem);
		console_state_alarm_cell(s, module, -1, stem, r->state[i]);
	}
}

/* Preamble of pwr: only the values that feed a field or a fallback. */
struct hv_pwr_pre {
	bool	has_bat, has_avg;
	double	bat_volt, avg_temp;
};

static int
hv_pwr_preamble(struct ct_span line, struct hv_pwr_pre *pre, struct pt_diag *d)
{
	struct ct_span value, unit;
	char key[48], lower[sizeof key];
	size_t i;
	long v;
	bool bat, dc, avg;

	if (!ct_keyvalue(line, key, sizeof key, &value))
		return 0;
	/* SC0500 XHB_CMU_H7 labels (Bat.Avg.Tmpr, D+D-.Volt, B+B-.Volt) by
	 * substring, ignoring case (docs/console.md §4.1): the key lower-cased
	 * once, then strstr(3). */
	for (i = 0; key[i] != '\0'; i++)
		lower[i] = ct_lower(key[i]);
	lower[i] = '\0';
	bat = strstr(lower, "b+b-") != NULL || strstr(lower, "bat volt") != NULL;
	dc = strstr(lower, "d+d-") != NULL || strstr(lower, "dc volt") != NULL;
	avg = strstr(lower, "avg") != NULL && (strstr(lower, "tmpr") != NULL ||
	    strstr(lower, "temp") != NULL);
	avg = avg || strstr(lower, "averagetemp") != NULL;
	if (!bat && !dc && !avg)
		return 0;
	if (!hv_value(value, &v, &unit))
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: '%s' is '%.*s', not a number", key,
		    (int)(value.len > QUOTE ? QUOTE : value.len), value.p);
	if (bat) {
		pre->bat_volt = (double)v / 1000.0;
		pre->has_bat = true;
	} else if (avg) {
		pre->avg_temp = (double)v / 1000.0;
		pre->has_avg = true;
	}
	return 0;
}

int
console_hv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, first;
	struct hv_layout lay;
	struct hv_row r;
	struct hv_pwr_pre pre = { false, false, 0, 0 };
	bool header = false;
	int rows = 0, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		struct ct_span tok[1];

		if (!header) {
			if (ct_tokens(line, tok, 1, NULL) == 1 && ct_eq(tok[0], "Volt") &&
			    ct_contains(line, "Curr")) {
				if ((rc = hv_header(line, &lay, "pwr", d)) != 0)
					return rc;
				header = true;
			} else if ((rc = hv_pwr_preamble(line, &pre, d)) != 0)
				return rc;
			continue;
		}
		if (++rows > 1)
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: more than one stack row; "
			    "not an HV stack summary");
		first = line;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: no 'Volt Curr ...' header: not an "
		    "HV stack summary");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "pwr: the answer ends after the header");
	if ((rc = hv_row_parse(first, &lay, NULL, false, &r, "pwr", 1, d)) != 0)
		return rc;
	hv_row_store(s, NULL, &r);
	/* The row's Volt is the sum of the BMUs; the preamble's Bat Volt is
	 * the string at the controller's battery terminals, which is what the
	 * controller shows as the battery voltage. */
	if (pre.has_bat)
		PT_SET(&s->stack, voltage, PTF_VOLTAGE, pre.bat_volt);
	if (!PT_HAS(&s->stack, PTF_TEMPERATURE) && pre.has_avg)
		PT_SET(&s->stack, temperature, PTF_TEMPERATURE, pre.avg_temp);
	return 0;
}

int
console_hv_parse_unit(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line;
	struct hv_layout lay;
	struct hv_row rows[PT_MAX_MODULES + 1];	/* one more: its row says "too many" */
	bool header = false, has_index = false;
	int n = 0, rowno = 0, i, j, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			struct ct_span tok[1];
			if (ct_tokens(line, tok, 1, NULL) == 1 && ct_eq(tok[0], "Index") &&
			    ct_contains(line, "Volt")) {
				if ((rc = hv_header(line, &lay, "unit", d)) != 0)
					return rc;
				header = true;
			}
			continue;
		}
		rc = hv_row_parse(line, &lay, &it, true, &rows[n], "unit", ++rowno, d);
		if (rc == HV_ABSENT)
			continue;
		if (rc != 0)
			return rc;
		if (n == PT_MAX_MODULES)
			return pt_diag_fail(d, PT_ERR_PARSE, "unit: more than %d BMUs",
			    PT_MAX_MODULES);
		for (j = 0; j < n; j++)
			if (rows[j].index == rows[n].index)
				return pt_diag_fail(d, PT_ERR_PARSE, "unit: Index %ld appears twice",
				    rows[n].index);
		n++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "unit: no 'Index Volt ...' header");
	for (i = 0; i < lay.n; i++)
		has_index = has_index || lay.col[i]->field == HF_INDEX;
	if (!has_index)
		return pt_diag_fail(d, PT_ERR_PARSE, "unit: the header has no Index column");
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "unit: the answer ends after the header");
	for (i = 0; i < n; i++)
		if (pt_sample_find_module(s, (int)rows[i].index) == NULL &&
		    s->n_modules + 1 > PT_MAX_MODULES)
			return pt_diag_fail(d, PT_ERR_PARSE, "unit: more than %d modules",
			    PT_MAX_MODULES);
	for (i = 0; i < n; i++) {
		struct pt_module *m = pt_sample_module(s, (int)rows[i].index);
		if (m != NULL)
			hv_row_store(s, m, &rows[i]);
	}
	return 0;
}
