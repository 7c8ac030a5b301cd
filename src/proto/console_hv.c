/* console_hv.c — HV controller answers (SC-series CMU, Force H2),
 * docs/console.md §4.  What goes where, the BMU order and the alarm names are
 * in console_hv.h.
 *
 * Tables are read by their header labels.  Row tokens line up with the
 * header except: CoulombAH and CoulombWH take three tokens ("7%" "5180"
 * "mAH"), Time two, the header's two words "Err Code" are one column, and
 * in `bat` the AH/WH columns take two tokens plus the unit when the
 * firmware prints it in every row (CMU B50).
 *
 * Every parser checks the whole answer before it stores anything, so a
 * rejected answer leaves the sample as it was. */
#include "proto/console_hv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])
#define QUOTE		24	/* at most this much device text in a message */

/* ---- small helpers ------------------------------------------------------ */

/* `key` holds `part`, ignoring case (strcasestr(3) is not POSIX). */
static bool
hv_icontains(const char *key, const char *part)
{
	size_t n = strlen(part);

	for (; *key != '\0'; key++)
		if (strncasecmp(key, part, n) == 0)
			return true;
	return false;
}

/* A number with an optional unit, glued ("-80000mA") or the next token
 * ("37000   mA").  False when the value does not start with a number. */
static bool
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
static double
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

/* "Dischg" -> "Discharge" into `out` (PT_STATUS_LEN). */
static void
hv_state(char *out, struct ct_span word)
{
	char w[PT_STATUS_LEN];

	ct_copy(w, sizeof w, word);
	pt_normalise_state(out, w);
}

static int
hv_check_word(struct ct_span t, const char *what, int rowno, const char *label,
    struct pt_diag *d)
{
	if (console_state_is_word(t))
		return 0;
	return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d: %s is not a state word", what, rowno,
	    label);
}

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
	{ "Index", HF_INDEX, 1, NULL, false },
	{ "Volt", HF_VOLT, 1, NULL, false },
	{ "Curr", HF_CURR, 1, NULL, false },
	{ "Tempr", HF_TEMP, 1, NULL, false },
	{ "AvgTempr", HF_NUMBER, 1, NULL, false },
	{ "BTlow", HF_TLOW, 1, NULL, false },
	{ "BThigh", HF_THIGH, 1, NULL, false },
	{ "BVlow", HF_VLOW, 1, NULL, false },
	{ "BVhigh", HF_VHIGH, 1, NULL, false },
	{ "UTlow", HF_NUMBER, 1, NULL, false },
	{ "UThigh", HF_NUMBER, 1, NULL, false },
	{ "UVlow", HF_NUMBER, 1, NULL, false },
	{ "UVhigh", HF_NUMBER, 1, NULL, false },
	{ "Base.St", HF_BASE, 1, "state", true },
	{ "Volt.St", HF_STATE, 1, "voltage", true },
	{ "Curr.St", HF_STATE, 1, "current", true },
	{ "Temp.St", HF_STATE, 1, "temperature", true },
	{ "B.V.St", HF_STATE, 1, "cell_voltage", false },
	{ "B.T.St", HF_STATE, 1, "cell_temperature", false },
	{ "U.V.St", HF_STATE, 1, "module_voltage", false },
	{ "U.T.St", HF_STATE, 1, "module_temperature", false },
	{ "CoulombAH", HF_AH, 3, NULL, false },
	{ "CoulombWH", HF_WH, 3, NULL, false },
	{ "Time", HF_TIME, 2, NULL, false },
	{ "Err Code", HF_ERR, 1, NULL, false },
};

static const struct hv_colspec hv_unknown_col = { "?", HF_UNKNOWN, 1, NULL, false };

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
	double		cell_vmin, cell_vmax, soc, remaining_ah, remaining_wh;
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
		if (f != 0) {
			r->remaining_wh = (double)amount * f;
			r->valid |= PTF_REMAINING_WH;
		}
		return 0;
	}
	/* The charge-based SOC is the one the controller reports to the
	 * inverter; the energy-based one has no field. */
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

/* Split and check one data row.  `last` says the answer ends here, so a
 * short row is a truncated answer rather than a malformed one. */
static int
hv_row_parse(struct ct_span line, const struct hv_layout *lay, bool last, struct hv_row *r,
    const char *what, int rowno, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, k = 0, n, total, rc;

	memset(r, 0, sizeof *r);
	r->index = -1;
	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s: row %d has %d values, more than %d",
		    what, rowno, total, CT_MAX_TOKENS);
	if (total != lay->tokens) {
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
	if (m != NULL)
		HV_COPY_ALL(m);
	else
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
	char key[48];
	long v;
	bool bat, dc, avg;

	if (!ct_keyvalue(line, key, sizeof key, &value))
		return 0;
	/* SC0500 XHB_CMU_H7 labels (Bat.Avg.Tmpr, D+D-.Volt, B+B-.Volt) by
	 * substring, docs/console.md §4.1. */
	bat = hv_icontains(key, "B+B-") || hv_icontains(key, "Bat Volt");
	dc = hv_icontains(key, "D+D-") || hv_icontains(key, "DC Volt");
	avg = hv_icontains(key, "Avg") && (hv_icontains(key, "Tmpr") || hv_icontains(key, "Temp"));
	avg = avg || hv_icontains(key, "AverageTemp");
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
	if ((rc = hv_row_parse(first, &lay, true, &r, "pwr", 1, d)) != 0)
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

static bool
hv_has_tokens(struct ct_span line, int want)
{
	int total;

	ct_tokens(line, NULL, 0, &total);
	return total == want;
}

static bool
hv_is_absent_row(struct ct_span line)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);

	for (i = 0; i < n; i++)
		if (ct_eq(tok[i], "Absent"))
			return true;
	return false;
}

int
console_hv_parse_unit(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it, peek;
	struct ct_span line, next;
	struct hv_layout lay;
	struct hv_row rows[PT_MAX_MODULES];
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
		rowno++;
		peek = it;
		/* An empty slot in a short form, like LV's Absent rows. */
		if (hv_is_absent_row(line) && !hv_has_tokens(line, lay.tokens))
			continue;
		if (n == PT_MAX_MODULES)
			return pt_diag_fail(d, PT_ERR_PARSE, "unit: more than %d BMUs",
			    PT_MAX_MODULES);
		if ((rc = hv_row_parse(line, &lay, !ct_next_line(&peek, &next), &rows[n], "unit",
		    rowno, d)) != 0)
			return rc;
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

/* ---- info ------------------------------------------------------------------ */

/* "BMU 4 Barcode" -> 4 (0-based, *unit false); "Unit 1 Barcode" -> 1. */
static bool
info_block(struct ct_span line, long *n, bool *unit)
{
	struct ct_span tok[4];
	int count, total;

	count = ct_tokens(line, tok, 4, &total);
	if (count != 3 || total != 3 || !ct_eq(tok[2], "Barcode") || !ct_long(tok[1], n) ||
	    *n < 0 || *n > 255)
		return false;
	if (ct_eq(tok[0], "BMU"))
		*unit = false;
	else if (ct_eq(tok[0], "Unit"))
		*unit = true;
	else
		return false;
	return true;
}

int
console_hv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_stack *st = &s->stack;
	char key[48];
	long n, block = -1;
	int pairs = 0;
	bool unit = false, has_barcode = false;

	(void)ctx;
	/* Pass 1 checks.  Every block is mapped by its own number, never by
	 * its place in the list (the controller lists the highest first):
	 * "BMU k" (from 0, like `bmuinfo k`) is module k + 1, "Unit n" is
	 * module n (console_hv.h). */
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (info_block(line, &n, &unit)) {
			if ((unit ? n : n + 1) > PT_MAX_MODULES || (unit && n == 0))
				return pt_diag_fail(d, PT_ERR_PARSE, "info: BMU number %ld out of "
				    "range", n);
		} else if (ct_keyvalue(line, key, sizeof key, &value)) {
			if (strcmp(key, "Device name") == 0 || strcmp(key, "Barcode") == 0 ||
			    strcmp(key, "Module Barcode") == 0 ||
			    strcmp(key, "Main Soft version") == 0 || strcmp(key, "Module") == 0)
				pairs++;
		} else
			pt_diag_warn(d, "info: line '%.*s' not understood",
			    (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
	}
	if (pairs == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "info: no 'Device name', 'Barcode' "
		    "or BMU barcode: not an identity answer");
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (info_block(line, &n, &unit)) {
			block = unit ? n : n + 1;
			continue;
		}
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		if (block > 0) {
			struct pt_module *m;
			if (strcmp(key, "Module") == 0 && value.len > 0 &&
			    (m = pt_sample_module(s, (int)block)) != NULL)
				pt_copy_text(m->barcode, sizeof m->barcode, value.p, value.len);
			continue;
		}
		if (strcmp(key, "Device name") == 0)
			pt_copy_text(st->model, sizeof st->model, value.p, value.len);
		else if (strcmp(key, "Main Soft version") == 0)
			pt_copy_text(st->firmware, sizeof st->firmware, value.p, value.len);
		else if (strcmp(key, "Barcode") == 0 && value.len > 0) {
			pt_copy_text(st->barcode, sizeof st->barcode, value.p, value.len);
			has_barcode = true;
		} else if (strcmp(key, "Module Barcode") == 0 && value.len > 0 && !has_barcode)
			/* Force H2 prints no "Barcode"; its controller's own code is
			 * this one.  A later "Barcode" line wins. */
			pt_copy_text(st->barcode, sizeof st->barcode, value.p, value.len);
	}
	return 0;
}

/* ---- stat, sysinfo, bmuinfo: key:value answers ------------------------------ */

int
console_hv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value, unit;
	char key[48];
	long v, cycles = 0, soh = 0;
	bool has_cycles = false, has_soh = false;
	int pairs = 0;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value)) {
			if (!ct_starts(line, "Device address"))
				pt_diag_warn(d, "stat: line '%.*s' not understood",
				    (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
			continue;
		}
		pairs++;
		if (strcasecmp(key, "CYCLE Times") != 0 && strcasecmp(key, "SOH Percent") != 0)
			continue;
		if (!hv_value(value, &v, &unit) || unit.len > 0 || v < 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "stat: '%s' is '%.*s', not a count",
			    key, (int)(value.len > QUOTE ? QUOTE : value.len), value.p);
		if (strcasecmp(key, "CYCLE Times") == 0) {
			cycles = v;
			has_cycles = true;
		} else if (v > 100)
			return pt_diag_fail(d, PT_ERR_PARSE, "stat: SOH Percent %ld is over 100",
			    v);
		else {
			soh = v;
			has_soh = true;
		}
	}
	if (pairs == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "stat: no 'Label : value' lines");
	if (!has_cycles && !has_soh)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "stat: neither 'CYCLE Times' nor "
		    "'SOH Percent'");
	if (has_cycles)
		PT_SET(&s->stack, cycles, PTF_CYCLES, cycles);
	if (has_soh)
		PT_SET(&s->stack, soh, PTF_SOH, (double)soh);
	return 0;
}

int
console_hv_parse_sysinfo(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	static const struct { const char *key, *base; uint32_t bit; } lim[] = {
		{ "Chg Sug Volt", "V", PTF_CHARGE_VOLTAGE },
		{ "Max Chg Curr", "A", PTF_CHARGE_LIMIT },
		{ "Max Dsg Curr", "A", PTF_DISCHARGE_LIMIT },
	};
	struct ct_lines it;
	struct ct_span line, value, unit;
	char key[48];
	double val[NELEM(lim)], f;
	uint32_t found = 0;
	long v;
	int pairs = 0;
	size_t k;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value)) {
			pt_diag_warn(d, "sysinfo: line '%.*s' not understood",
			    (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
			continue;
		}
		pairs++;
		for (k = 0; k < NELEM(lim); k++) {
			if (strcmp(key, lim[k].key) != 0)
				continue;
			if (!hv_value(value, &v, &unit))
				return pt_diag_fail(d, PT_ERR_PARSE, "sysinfo: '%s' is '%.*s', "
				    "not a number", key, (int)(value.len > QUOTE ? QUOTE :
				    value.len), value.p);
			if ((f = hv_scale(unit, lim[k].base, 1e-3)) == 0)
				return pt_diag_fail(d, PT_ERR_PARSE, "sysinfo: '%s' has unit "
				    "'%.*s'", key, (int)(unit.len > QUOTE ? QUOTE : unit.len),
				    unit.p);
			/* Max Dsg Curr is printed as 0 or negative. */
			val[k] = fabs((double)v * f);
			found |= lim[k].bit;
		}
	}
	if (pairs == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "sysinfo: no 'Label : value' lines");
	if (found == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "sysinfo: no 'Chg Sug Volt', 'Max "
		    "Chg Curr' or 'Max Dsg Curr'");
	if (found & PTF_CHARGE_VOLTAGE)
		PT_SET(&s->stack, charge_voltage, PTF_CHARGE_VOLTAGE, val[0]);
	if (found & PTF_CHARGE_LIMIT)
		PT_SET(&s->stack, charge_limit, PTF_CHARGE_LIMIT, val[1]);
	if (found & PTF_DISCHARGE_LIMIT)
		PT_SET(&s->stack, discharge_limit, PTF_DISCHARGE_LIMIT, val[2]);
	return 0;
}

/* "37AH" or "384V/37AH" -> 37 */
static bool
bmuinfo_ah(struct ct_span value, double *ah)
{
	struct ct_span unit;
	size_t i;
	long v;

	for (i = value.len; i > 0 && value.p[i - 1] != '/'; i--)
		;
	value.p += i;
	value.len -= i;
	if (!ct_long_unit(value, &v, &unit) || !ct_ieq(unit, "AH") || v <= 0)
		return false;
	*ah = (double)v;
	return true;
}

int
console_hv_parse_bmuinfo(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value, name = { NULL, 0 };
	struct pt_module *m;
	char key[48];
	double ah = 0;
	bool has_ah = false;
	int id = (ctx != NULL ? ctx->module : 0) + 1;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value)) {
			pt_diag_warn(d, "bmuinfo: line '%.*s' not understood",
			    (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
			continue;
		}
		if (strcmp(key, "Device name") == 0)
			name = value;
		else if (strcmp(key, "Specification") == 0) {
			has_ah = bmuinfo_ah(value, &ah);
			if (!has_ah)
				pt_diag_warn(d, "bmuinfo: Specification '%.*s' not understood",
				    (int)(value.len > QUOTE ? QUOTE : value.len), value.p);
		}
	}
	if (name.len == 0 && !has_ah)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "bmuinfo: no 'Device name' or "
		    "'Specification'");
	if (id < 1 || id > 255)
		return pt_diag_fail(d, PT_ERR_PARSE, "bmuinfo: BMU %d out of range", id - 1);
	if ((m = pt_sample_module(s, id)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "bmuinfo: more than %d modules",
		    PT_MAX_MODULES);
	if (name.len > 0)
		pt_copy_text(m->model, sizeof m->model, name.p, name.len);
	if (has_ah)
		PT_SET(m, design_ah, PTF_DESIGN_AH, ah);
	return 0;
}

const struct console_cmd console_hv_cmds[] = {
	{ "pwr", CD_HV, false, true, console_hv_parse_pwr, "stack summary" },
	{ "unit", CD_HV, false, true, console_hv_parse_unit, "one row per BMU" },
	{ "bat", CD_HV, false, true, console_hv_parse_bat, "every cell of the string" },
	{ "info", CD_HV, false, true, console_hv_parse_info, "controller and BMU identity" },
	{ "stat", CD_HV, false, true, console_hv_parse_stat, "counters: cycles, SOH" },
	{ "soh", CD_HV, false, true, console_hv_parse_soh, "per-cell SOH state" },
	{ "sysinfo", CD_HV, false, true, console_hv_parse_sysinfo,
	    "charge voltage and current limits" },
	{ "bmuinfo", CD_HV, true, true, console_hv_parse_bmuinfo,
	    "identity of BMU N (Force H2, N from 0)" },
	/* Records (issue 13; parsed by console_records.c). */
	{ "log", CD_HV, false, true, NULL, "event log of the controller (paged)" },
	{ "time", CD_HV, false, true, NULL, "BMS clock (never with arguments: that sets it)" },
	{ NULL, 0, false, false, NULL, NULL },
};
