/* console_lv.c — LV console answers into a sample (docs/console.md §3).
 *
 * Tables are read by their header labels; key:value answers by their
 * keys.  Nothing here depends on column offsets, so layout A, B, C and the
 * Pytes variants go through the same code. */
#include "proto/console_lv.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/console_state.h"
#include "proto/console_text.h"
#include "util/err.h"

/* milli-anything (mV, mA, mC, mAh) to the base unit */
#define MILLI(x)	((double)(x) / 1000.0)

/* ---- small readers ------------------------------------------------------ */

/* A key:value number: "49769       mV", "-90000mA", "26076".  The unit,
 * glued or separate, must be `unit` (case-insensitive) when present. */
static bool
kv_number(struct ct_span value, const char *unit, long *v)
{
	struct ct_span tok[3], u;
	int n = ct_tokens(value, tok, 3, NULL);

	if (n < 1 || n > 2 || !ct_long_unit(tok[0], v, &u))
		return false;
	if (n == 2) {
		if (u.len != 0)
			return false;
		u = tok[1];
	}
	return u.len == 0 || unit == NULL || ct_ieq(u, unit);
}

static void
copy_state(struct pt_module *m, struct ct_span word)
{
	char w[PT_STATUS_LEN];

	ct_copy(w, sizeof w, word);
	pt_normalise_state(m->status, w);
}

/* The module an answer is about: the address it printed, else the N of
 * the command, else 1. */
static struct pt_module *
module_for(struct pt_sample *s, const struct console_ctx *ctx, long id, struct pt_diag *d,
    const char *what)
{
	struct pt_module *m;

	if (id <= 0)
		id = ctx != NULL && ctx->module > 0 ? ctx->module : 1;
	if (id > 255) {
		pt_diag_fail(d, PT_ERR_PARSE, "%s: module address %ld out of range", what, id);
		return NULL;
	}
	if ((m = pt_sample_module(s, (int)id)) == NULL)
		pt_diag_fail(d, PT_ERR_PARSE, "%s: more than %d modules in one sample", what,
		    PT_MAX_MODULES);
	return m;
}

/* "Power  1", "Device address  1", "Power   1": a line of exactly the
 * prefix words and a number.  -1 when absent. */
static long
leading_id(const char *body, size_t len, const char *prefix, int words)
{
	struct ct_lines it;
	struct ct_span line, tok[4];
	long v;
	int n, total;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_starts(line, prefix))
			continue;
		n = ct_tokens(line, tok, 4, &total);
		if (n == total && total == words + 1 && ct_long(tok[words], &v) && v >= 0)
			return v;
	}
	return -1;
}

/* LV modules count from 1; address 0 is what HV controllers print.  A
 * warning (not an error) lets --decode prefer the HV parser. */
static void
warn_address_zero(long id, struct pt_diag *d, const char *what)
{
	if (id == 0)
		pt_diag_warn(d, "%s: device address 0 is not an LV module address "
		    "(an HV controller's answer?)", what);
}

/* ---- pwr: the module table ---------------------------------------------- */

enum pwr_kind {
	PK_ID,		/* Power: the address */
	PK_MILLI,	/* mV / mA / mC number into a double of pt_module */
	PK_NUM_IGNORED,	/* *.Id: a number nothing uses */
	PK_BASE,	/* Base.St */
	PK_STATE,	/* a state word: alarm when not normal */
	PK_SOC,		/* Coulomb: NN% */
	PK_TIME,	/* two tokens */
	PK_TEXT,	/* Barcode, DevType: a char array of pt_module */
};

struct pwr_col {
	const char	*label;
	enum pwr_kind	 kind;
	size_t		 off;		/* PK_MILLI, PK_TEXT: field of pt_module */
	size_t		 size;		/* PK_TEXT */
	uint32_t	 bit;		/* PK_MILLI */
	const char	*stem;		/* PK_STATE: alarm name stem */
};

#define MILLI_COL(l, f, b)	{ .label = l, .kind = PK_MILLI, \
	.off = offsetof(struct pt_module, f), .bit = b }
#define STATE_COL(l, st)	{ .label = l, .kind = PK_STATE, .stem = st }
#define TEXT_COL(l, f)		{ .label = l, .kind = PK_TEXT, \
	.off = offsetof(struct pt_module, f), .size = sizeof ((struct pt_module *)0)->f }

static const struct pwr_col pwr_cols[] = {
	{ .label = "Power", .kind = PK_ID },
	MILLI_COL("Volt", voltage, PTF_VOLTAGE),
	MILLI_COL("Curr", current, PTF_CURRENT),
	MILLI_COL("Tempr", temperature, PTF_TEMPERATURE),
	MILLI_COL("Tlow", temp_min, PTF_TEMP_MIN),
	MILLI_COL("Thigh", temp_max, PTF_TEMP_MAX),
	MILLI_COL("Vlow", cell_vmin, PTF_CELL_VMIN),
	MILLI_COL("Vhigh", cell_vmax, PTF_CELL_VMAX),
	MILLI_COL("MosTempr", mos_temperature, PTF_MOS_TEMPERATURE),
	{ "Tlow.Id", PK_NUM_IGNORED, 0, 0, 0, NULL },
	{ "Thigh.Id", PK_NUM_IGNORED, 0, 0, 0, NULL },
	{ "Vlow.Id", PK_NUM_IGNORED, 0, 0, 0, NULL },
	{ "Vhigh.Id", PK_NUM_IGNORED, 0, 0, 0, NULL },
	{ "Base.St", PK_BASE, 0, 0, 0, NULL },
	STATE_COL("Volt.St", "module_voltage"),
	STATE_COL("Curr.St", "module_current"),
	STATE_COL("Temp.St", "module_temperature"),
	STATE_COL("B.V.St", "cell_voltage"),
	STATE_COL("B.T.St", "cell_temperature"),
	STATE_COL("M.T.St", "mos_temperature"),
	STATE_COL("SysAlarm.St", "system_alarm"),
	{ "Coulomb", PK_SOC, 0, 0, 0, NULL },
	{ "Time", PK_TIME, 0, 0, 0, NULL },
	TEXT_COL("Barcode", barcode),
	TEXT_COL("DevType", model),
};
#define N_PWR_COLS	(sizeof pwr_cols / sizeof pwr_cols[0])

/* Layout B, assumed when the header line was lost (docs/console.md §3.1). */
static const char pwr_layout_b[] = "Power Volt Curr Tempr Tlow Thigh Vlow Vhigh Base.St "
    "Volt.St Curr.St Temp.St Coulomb Time B.V.St B.T.St MosTempr M.T.St";

struct pwr_layout {
	int		n;			/* header labels */
	int		tokens;			/* tokens per present row */
	const struct pwr_col *col[CT_MAX_TOKENS]; /* NULL: unknown label */
};

static bool
is_pwr_header(struct ct_span line)
{
	struct ct_span tok[3];

	return ct_tokens(line, tok, 3, NULL) == 3 && ct_eq(tok[0], "Power") &&
	    ct_eq(tok[1], "Volt");
}

static int
pwr_header(struct ct_span line, struct pwr_layout *lay, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, total, n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	size_t k;

	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: the header has %d columns, more "
		    "than %d", total, CT_MAX_TOKENS);
	lay->n = n;
	lay->tokens = 0;
	for (i = 0; i < n; i++) {
		lay->col[i] = NULL;
		for (k = 0; k < N_PWR_COLS; k++)
			if (ct_eq(tok[i], pwr_cols[k].label))
				lay->col[i] = &pwr_cols[k];
		if (lay->col[i] == NULL) {
			char name[24];
			ct_copy(name, sizeof name, tok[i]);
			pt_diag_warn(d, "pwr: unknown column '%s' ignored", name);
		}
		lay->tokens += lay->col[i] != NULL && lay->col[i]->kind == PK_TIME ? 2 : 1;
	}
	if (n == 0 || lay->col[0] == NULL || lay->col[0]->kind != PK_ID)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: the header does not start with 'Power'");
	return 0;
}

/* One present row, read and checked; stored only when the whole answer
 * is good (a rejected answer leaves the sample untouched). */
struct pwr_row {
	long		id;
	struct pwr_val {
		bool		known;		/* a number, or a text / state token */
		double		num;		/* PK_MILLI (base unit), PK_SOC (%) */
		struct ct_span	text;		/* PK_BASE, PK_STATE, PK_TEXT */
	}		val[CT_MAX_TOKENS];	/* by header column */
};

/* One value of a present row, checked into v. */
static int
pwr_value(const struct pwr_col *c, struct ct_span x, struct pwr_val *v, int rowno,
    struct pt_diag *d)
{
	struct ct_span unit;
	long n;

	v->known = false;
	switch (c->kind) {
	case PK_ID:
	case PK_TIME:
		return 0;
	case PK_MILLI:
	case PK_NUM_IGNORED:
		if (ct_long(x, &n)) {
			v->num = MILLI(n);
			v->known = c->kind == PK_MILLI;
		} else if (!ct_is_dash(x))
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d: %s '%.*s' is not a "
			    "number", rowno, c->label, (int)(x.len > 16 ? 16 : x.len), x.p);
		return 0;
	case PK_SOC:
		if (ct_long_unit(x, &n, &unit) && unit.len == 1 && unit.p[0] == '%' && n >= 0 &&
		    n <= 100) {
			v->num = (double)n;
			v->known = true;
		} else if (!ct_is_dash(x))
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d: Coulomb '%.*s' is not a "
			    "percentage", rowno, (int)(x.len > 16 ? 16 : x.len), x.p);
		return 0;
	case PK_BASE:
	case PK_STATE:
	case PK_TEXT:
		v->text = x;
		v->known = !ct_is_dash(x) || c->kind == PK_STATE;
		return 0;
	}
	return 0;
}

/* Split and check one row.  1: an empty address slot (skipped), 0: a
 * present row in r, <0: an error. */
static int
pwr_row(const struct pwr_layout *lay, struct ct_span line, struct pwr_row *r, int rowno,
    struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, t, n, total, rc;

	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total > CT_MAX_TOKENS)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d is too long", rowno);
	if (!ct_long(tok[0], &r->id) || r->id < 1 || r->id > 255)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d does not start with a module "
		    "address", rowno);
	for (i = 1; i < n; i++)
		if (tok[i].len == 6 && ct_eq(tok[i], "Absent"))
			return 1;	/* an empty address slot, printed in a short form */
	if (n != lay->tokens)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d has %d values, the header "
		    "announces %d", rowno, n, lay->tokens);
	for (i = 0, t = 0; i < lay->n; t += 1 + (lay->col[i] != NULL &&
	    lay->col[i]->kind == PK_TIME), i++) {
		if (lay->col[i] == NULL)
			continue;	/* unknown column: warned about, never stored */
		if ((rc = pwr_value(lay->col[i], tok[t], &r->val[i], rowno, d)) != 0)
			return rc;
	}
	return 0;
}

/* Store a checked row into module m; `memo` judges each state column's
 * word once per run of equal words (16 modules "Normal"). */
static void
pwr_store(struct pt_sample *s, struct pt_module *m, const struct pwr_layout *lay,
    const struct pwr_row *r, struct console_state_memo *memo)
{
	int i;

	for (i = 0; i < lay->n; i++) {
		const struct pwr_col *c = lay->col[i];
		const struct pwr_val *v = &r->val[i];

		if (c == NULL || !v->known)
			continue;
		switch (c->kind) {
		case PK_MILLI:
			*(double *)((char *)m + c->off) = v->num;
			m->valid |= c->bit;
			break;
		case PK_SOC:
			PT_SET(m, soc, PTF_SOC, v->num);
			break;
		case PK_BASE:
			copy_state(m, v->text);
			if (ct_eq(v->text, "SysError"))
				console_state_add_once(s, PT_LEVEL_ALARM, m->id, -1, "system_error");
			break;
		case PK_STATE:
			console_state_alarm_memo(s, &memo[i], m->id, -1, c->stem, v->text);
			break;
		case PK_TEXT:
			pt_copy_text((char *)m + c->off, c->size, v->text.p, v->text.len);
			break;
		case PK_ID:
		case PK_TIME:
		case PK_NUM_IGNORED:
			break;
		}
	}
}

/* Modules the rows would add beyond those the sample has. */
static int
pwr_new_modules(const struct pt_sample *s, const struct pwr_row *rows, int n)
{
	int i, j, add = 0;

	for (i = 0; i < n; i++) {
		bool seen = pt_sample_find_module((struct pt_sample *)s, (int)rows[i].id) != NULL;
		for (j = 0; j < i && !seen; j++)
			seen = rows[j].id == rows[i].id;
		add += !seen;
	}
	return add;
}

int
console_lv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct pwr_row rows[PT_MAX_MODULES + 1];	/* one more: its row says "too many" */
	struct console_state_memo memo[CT_MAX_TOKENS];
	struct ct_lines it;
	struct ct_span line, first;
	struct pwr_layout lay;
	bool header = false;
	int lines = 0, n = 0, i, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		long id;

		if (!header && is_pwr_header(line)) {
			if ((rc = pwr_header(line, &lay, d)) != 0)
				return rc;
			header = true;
			continue;
		}
		if (!header) {
			struct ct_span b = { pwr_layout_b, sizeof pwr_layout_b - 1 };

			if (ct_tokens(line, &first, 1, NULL) == 0 || !ct_long(first, &id))
				continue;	/* text before the table */
			pt_diag_warn(d, "pwr: no header line, assuming the US2000C/US3000C layout");
			if ((rc = pwr_header(b, &lay, d)) != 0)
				return rc;
			header = true;
		}
		if ((rc = pwr_row(&lay, line, &rows[n], ++lines, d)) < 0)
			return rc;
		if (rc == 0 && ++n > PT_MAX_MODULES)
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: more than %d modules in one "
			    "sample", PT_MAX_MODULES);
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: no 'Power Volt ...' header: not an "
		    "LV module table");
	if (lines == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "pwr: the table has no rows");
	if (s->n_modules + pwr_new_modules(s, rows, n) > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: more than %d modules in one sample",
		    PT_MAX_MODULES);
	for (i = 0; i < lay.n; i++)
		memo[i] = (struct console_state_memo){ .end = body + len };
	for (i = 0; i < n; i++) {
		struct pt_module *m = pt_sample_module(s, (int)rows[i].id);
		if (m != NULL)
			pwr_store(s, m, &lay, &rows[i], memo);
	}
	return 0;
}

/* ---- pwr N: one module, key:value --------------------------------------- */

struct kv_milli {
	const char	*key, *unit;
	size_t		 off;
	uint32_t	 bit;
	double		 scale;
};

#define KV_M(k, u, f, b, sc)	{ k, u, offsetof(struct pt_module, f), b, sc }

static const struct kv_milli pwr_module_keys[] = {
	KV_M("Voltage", "mV", voltage, PTF_VOLTAGE, 1e-3),
	KV_M("Current", "mA", current, PTF_CURRENT, 1e-3),
	KV_M("Temperature", "mC", temperature, PTF_TEMPERATURE, 1e-3),
	KV_M("Coulomb", "%", soc, PTF_SOC, 1),
	KV_M("Total Coulomb", "mAH", full_ah, PTF_FULL_AH, 1e-3),
};

static const struct {
	const char	*key, *stem;
} pwr_module_states[] = {
	{ "Volt Status", "module_voltage" },
	{ "Current Status", "module_current" },
	{ "Tmpr. Status", "module_temperature" },
	{ "Coul. Status", "coulomb" },
	{ "Soh. Status", "soh" },
};

/* Store a known numeric key of a module; 1 stored, 0 not this table's
 * key, <0 a known key with a bad value. */
static int
kv_store(const struct kv_milli *map, size_t n, const char *key, struct ct_span value,
    void *obj, uint32_t *valid, struct pt_diag *d, const char *what)
{
	size_t i;
	long v;

	for (i = 0; i < n; i++) {
		if (strcmp(key, map[i].key) != 0)
			continue;
		if (!kv_number(value, map[i].unit, &v))
			return pt_diag_fail(d, PT_ERR_PARSE, "%s: '%s' is not a number in %s", what,
			    key, map[i].unit);
		*(double *)((char *)obj + map[i].off) = (double)v * map[i].scale;
		*valid |= map[i].bit;
		return 1;
	}
	return 0;
}

int
console_lv_parse_pwr_module(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value, tok[2];
	struct pt_module *m;
	char key[64];
	bool voltage = false;
	size_t i;
	long v;
	int rc;

	m = module_for(s, ctx, leading_id(body, len, "Power", 1), d, "pwr N");
	if (m == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		rc = kv_store(pwr_module_keys, sizeof pwr_module_keys / sizeof pwr_module_keys[0],
		    key, value, m, &m->valid, d, "pwr N");
		if (rc < 0)
			return rc;
		if (rc > 0) {
			voltage |= strcmp(key, "Voltage") == 0;
			continue;
		}
		if (strcmp(key, "Basic Status") == 0 && value.len > 0)
			copy_state(m, value);
		else if (strcmp(key, "System Fault") == 0) {
			if (ct_tokens(value, tok, 2, NULL) < 1 || !ct_hex(tok[0], &v))
				return pt_diag_fail(d, PT_ERR_PARSE, "pwr N: 'System Fault' is not "
				    "a hex code");
			PT_SET(m, error_code, PTF_ERROR_CODE, v);
		}
		for (i = 0; i < sizeof pwr_module_states / sizeof pwr_module_states[0]; i++)
			if (strcmp(key, pwr_module_states[i].key) == 0)
				console_state_alarm(s, m->id, pwr_module_states[i].stem, value);
	}
	if (!voltage)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr N: no 'Voltage : ... mV' line: not a "
		    "module detail");
	return 0;
}

/* "pwr" lists every module; "pwr N" details one: tell them by content. */
int
console_lv_parse_pwr_any(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	char key[16];

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (is_pwr_header(line))
			return console_lv_parse_pwr(body, len, ctx, s, d);
		if (ct_keyvalue(line, key, sizeof key, &value) && strcmp(key, "Voltage") == 0)
			return console_lv_parse_pwr_module(body, len, ctx, s, d);
	}
	return console_lv_parse_pwr(body, len, ctx, s, d);
}

/* ---- stat ------------------------------------------------------------------ */

int
console_lv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_module *m;
	char key[64];
	long id = leading_id(body, len, "Device address", 2), v;
	int n = 0;

	warn_address_zero(id, d, "stat");
	if ((m = module_for(s, ctx, id, d, "stat")) == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		bool cycles, soh;

		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		cycles = strcasecmp(key, "CYCLE Times") == 0;
		soh = strcmp(key, "SOH") == 0;
		if (!cycles && !soh)
			continue;
		if (!kv_number(value, cycles ? NULL : "%", &v) || v < 0 || (soh && v > 100))
			return pt_diag_fail(d, PT_ERR_PARSE, "stat: '%s' is not a count", key);
		if (cycles)
			PT_SET(m, cycles, PTF_CYCLES, v);
		else
			PT_SET(m, soh, PTF_SOH, (double)v);
	}
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "stat: no 'Label : value' lines");
	return 0;
}

/* ---- info ------------------------------------------------------------------ */

/* "48V/50AH" -> 50 */
static bool
spec_ah(struct ct_span value, double *ah)
{
	const char *slash = memchr(value.p, '/', value.len);
	struct ct_span rest, unit;
	long v;

	if (slash == NULL)
		return false;
	rest.p = slash + 1;
	rest.len = value.len - (size_t)(rest.p - value.p);
	if (!ct_long_unit(rest, &v, &unit) || !ct_ieq(unit, "AH") || v <= 0)
		return false;
	*ah = (double)v;
	return true;
}

static void
info_value(struct pt_module *m, const char *key, struct ct_span value, struct pt_diag *d)
{
	double ah;
	long v;

	if (strcmp(key, "Device name") == 0)
		pt_copy_text(m->model, sizeof m->model, value.p, value.len);
	else if (strcmp(key, "Barcode") == 0)
		pt_copy_text(m->barcode, sizeof m->barcode, value.p, value.len);
	else if (strcmp(key, "Main Soft version") == 0)
		pt_copy_text(m->firmware, sizeof m->firmware, value.p, value.len);
	else if (strcmp(key, "Soft version") == 0 && m->firmware[0] == '\0')
		pt_copy_text(m->firmware, sizeof m->firmware, value.p, value.len);
	else if (strcmp(key, "Specification") == 0) {
		if (spec_ah(value, &ah))
			PT_SET(m, design_ah, PTF_DESIGN_AH, ah);
		else
			pt_diag_warn(d, "info: Specification '%.*s' is not like 48V/50AH",
			    (int)(value.len > 24 ? 24 : value.len), value.p);
	} else if (strcmp(key, "Cell Number") == 0) {
		/* Size the cell list, values unknown until bat fills them. */
		if (kv_number(value, NULL, &v) && v > 0 && v <= PT_MAX_CELLS)
			pt_module_cell(m, (int)v - 1);
		else
			pt_diag_warn(d, "info: Cell Number '%.*s' out of range",
			    (int)(value.len > 16 ? 16 : value.len), value.p);
	} else if (strcmp(key, "Max Dischg Curr") == 0 && kv_number(value, "mA", &v))
		PT_SET(m, discharge_limit, PTF_DISCHARGE_LIMIT, fabs(MILLI(v)));
	else if (strcmp(key, "Max Charge Curr") == 0 && kv_number(value, "mA", &v))
		PT_SET(m, charge_limit, PTF_CHARGE_LIMIT, MILLI(v));
}

int
console_lv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_module *m;
	char key[64];
	long id = -1;
	bool identity = false;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line))
		if (ct_keyvalue(line, key, sizeof key, &value) &&
		    strcmp(key, "Device address") == 0) {
			if (!kv_number(value, NULL, &id) || id < 0)
				return pt_diag_fail(d, PT_ERR_PARSE, "info: 'Device address' is "
				    "not a number");
			break;
		}
	warn_address_zero(id, d, "info");
	if ((m = module_for(s, ctx, id, d, "info")) == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		identity |= strcmp(key, "Device name") == 0 || strcmp(key, "Barcode") == 0;
		info_value(m, key, value, d);
	}
	if (!identity)
		return pt_diag_fail(d, PT_ERR_PARSE, "info: neither 'Device name' nor 'Barcode'");
	return 0;
}

/* ---- bat: cells of one module -------------------------------------------- */

struct bat_layout {
	bool	curr, bal;
	int	states;		/* state columns: 4, or 5 with DTemp/CTemp */
	int	vstate;		/* which of them is the voltage state, -1 none */
	int	tstate[2];	/* temperature state(s), -1 none */
	int	tokens;		/* per row */
};

static bool
is_bat_header(struct ct_span line)
{
	struct ct_span tok[2];

	return ct_tokens(line, tok, 2, NULL) == 2 && ct_eq(tok[0], "Battery") &&
	    ct_eq(tok[1], "Volt");
}

static int
bat_header(struct ct_span line, struct bat_layout *lay, struct pt_diag *d)
{
	static const char *const known[] = {
		"Battery", "Volt", "Curr", "Tempr", "Base", "Volt.", "Curr.", "Temp.",
		"DTemp.", "CTemp.", "State", "SOC", "Coulomb", "BAL",
	};
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);
	size_t k;

	memset(lay, 0, sizeof *lay);
	lay->vstate = lay->tstate[0] = lay->tstate[1] = -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof known / sizeof known[0]; k++)
			if (ct_eq(tok[i], known[k]))
				break;
		if (k == sizeof known / sizeof known[0]) {
			char name[24];
			ct_copy(name, sizeof name, tok[i]);
			pt_diag_warn(d, "bat: unknown column '%s'", name);
		}
		lay->curr |= ct_eq(tok[i], "Curr");
		lay->bal |= ct_eq(tok[i], "BAL");
		if (!ct_eq(tok[i], "State") || i == 0)
			continue;
		if (ct_eq(tok[i - 1], "Volt."))
			lay->vstate = lay->states;
		else if (ct_eq(tok[i - 1], "Temp.") || ct_eq(tok[i - 1], "DTemp."))
			lay->tstate[0] = lay->states;
		else if (ct_eq(tok[i - 1], "CTemp."))
			lay->tstate[1] = lay->states;
		lay->states++;
	}
	if (lay->states < 1)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: the header names no state columns");
	/* idx volt [curr] tempr states... NN% charge mAH [Y/N] */
	lay->tokens = 3 + lay->curr + lay->states + 3 + lay->bal;
	return 0;
}

/* One cell row, read and checked; stored once the whole answer is. */
struct bat_cell {
	long		idx, mv, ma, mc, soc, mah;
	bool		bal;
	struct ct_span	base, vst, tst[2];	/* tst[k]: len 0 when the column is absent */
};

static int
bat_row(const struct bat_layout *lay, struct ct_span line, struct bat_cell *c, int rowno,
    struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS], unit;
	const struct ct_span *st;
	int pct = 3 + lay->curr + lay->states, n, total, k;

	n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
	if (total != n)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d is too long", rowno);
	if (n != lay->tokens)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d has %d values, the header "
		    "announces %d", rowno, n, lay->tokens);
	c->ma = 0;
	if (!ct_long(tok[0], &c->idx) || !ct_long(tok[1], &c->mv) ||
	    (lay->curr && !ct_long(tok[2], &c->ma)) || !ct_long(tok[2 + lay->curr], &c->mc) ||
	    !ct_long_unit(tok[pct], &c->soc, &unit) || !ct_eq(unit, "%") || c->soc < 0 ||
	    c->soc > 100 || !ct_long(tok[pct + 1], &c->mah) || !ct_ieq(tok[pct + 2], "mAH") ||
	    (lay->bal && !ct_eq(tok[pct + 3], "Y") && !ct_eq(tok[pct + 3], "N")))
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d does not read as index, volt, "
		    "%stempr, states, SOC%%, charge mAH%s", rowno, lay->curr ? "curr, " : "",
		    lay->bal ? ", Y/N" : "");
	if (c->idx < 0 || c->idx >= PT_MAX_CELLS)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d: cell index %ld out of range "
		    "(at most %d cells)", rowno, c->idx, PT_MAX_CELLS);
	st = tok + 3 + lay->curr;
	c->base = st[0];
	c->vst = lay->vstate >= 0 ? st[lay->vstate] : (struct ct_span){ "", 0 };
	for (k = 0; k < 2; k++)
		c->tst[k] = lay->tstate[k] >= 0 ? st[lay->tstate[k]] : (struct ct_span){ "", 0 };
	c->bal = lay->bal && ct_eq(tok[pct + 3], "Y");
	return 0;
}

/* The temperature state worth showing: the first one that is not
 * normal ("-" counts as not normal), else the first column's. */
static struct ct_span
bat_tstate(const struct bat_layout *lay, const struct bat_cell *c,
    struct console_state_memo memo[2])
{
	int k;

	for (k = 0; k < 2; k++)
		if (lay->tstate[k] >= 0 && (ct_is_dash(c->tst[k]) ||
		    !console_state_normal(&memo[k], c->tst[k])))
			return c->tst[k];
	return c->tst[0];
}

static void
bat_store(struct pt_sample *s, struct pt_module *m, const struct bat_layout *lay,
    const struct bat_cell *bc, struct console_state_memo memo[4])
{
	struct pt_cell *c = pt_module_cell(m, (int)bc->idx);

	if (c == NULL)
		return;
	PT_SET(c, voltage, PTF_VOLTAGE, (float)MILLI(bc->mv));
	PT_SET(c, temperature, PTF_TEMPERATURE, (float)MILLI(bc->mc));
	PT_SET(c, soc, PTF_SOC, (float)bc->soc);
	if (lay->vstate >= 0)
		c->voltage_status = console_state_intern(s, &memo[0], bc->vst);
	c->temperature_status = console_state_intern(s, &memo[1], bat_tstate(lay, bc, &memo[2]));
	if (lay->bal)
		PT_SET(c, balancing, PTF_BALANCING, bc->bal);
	if (lay->curr && !PT_HAS(m, PTF_CURRENT))
		PT_SET(m, current, PTF_CURRENT, MILLI(bc->ma));
	if (m->status[0] == '\0')
		copy_state(m, bc->base);
}

int
console_lv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct bat_cell cells[PT_MAX_CELLS];
	struct console_state_memo memo[4];
	struct ct_lines it;
	struct ct_span line;
	struct pt_module *m;
	struct bat_layout lay;
	bool header = false;
	double min_ah = -1;
	int rows = 0, i, rc;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!header) {
			if (!is_bat_header(line))
				continue;
			if ((rc = bat_header(line, &lay, d)) != 0)
				return rc;
			header = true;
			continue;
		}
		if (rows == PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: more than %d cell rows",
			    PT_MAX_CELLS);
		if ((rc = bat_row(&lay, line, &cells[rows], rows + 1, d)) != 0)
			return rc;
		rows++;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: no 'Battery Volt ...' header");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: the table has no cell rows");
	if ((m = module_for(s, ctx, 0, d, "bat")) == NULL)
		return PT_ERR_PARSE;
	for (i = 0; i < 4; i++)
		memo[i] = (struct console_state_memo){ .end = body + len };
	for (i = 0; i < rows; i++) {
		bat_store(s, m, &lay, &cells[i], memo);
		if (min_ah < 0 || MILLI(cells[i].mah) < min_ah)
			min_ah = MILLI(cells[i].mah);
	}
	PT_SET(m, remaining_ah, PTF_REMAINING_AH, min_ah);
	return 0;
}

/* ---- soh --------------------------------------------------------------------- */

int
console_lv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[8];
	struct pt_module *m;
	bool header = false, status = false;
	int rows = 0;

	if ((m = module_for(s, ctx, leading_id(body, len, "Power", 1), d, "soh")) == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		struct pt_cell *c;
		long idx, mv, count;
		int n, total;

		if (!header) {
			header = ct_starts(line, "Battery") && ct_contains(line, "SOHCount");
			status = ct_contains(line, "SOHStatus");
			continue;
		}
		n = ct_tokens(line, tok, 8, &total);
		rows++;
		/* Pytes prints the count and leaves the status out. */
		if (total != n || n < 3 || n > 3 + status || !ct_long(tok[0], &idx) ||
		    !ct_long(tok[1], &mv) || !ct_long(tok[2], &count))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: row %d is not 'index voltage "
			    "count status'", rows);
		if ((c = pt_module_cell(m, (int)idx)) == NULL)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: row %d: cell index %ld out of "
			    "range", rows, idx);
		if (!PT_HAS(c, PTF_VOLTAGE))
			PT_SET(c, voltage, PTF_VOLTAGE, (float)MILLI(mv));
		if (n == 4)
			console_state_alarm_cell(s, m->id, (int)idx, "cell_soh", tok[3]);
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "soh: no 'Battery Voltage SOHCount' header");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "soh: the table has no cell rows");
	return 0;
}

/* ---- pwrsys: the stack aggregate (debug mode) ----------------------------- */

#define KV_S(k, u, f, b, sc)	{ k, u, offsetof(struct pt_stack, f), b, sc }

static const struct kv_milli pwrsys_keys[] = {
	KV_S("System Volt", "mV", voltage, PTF_VOLTAGE, 1e-3),
	KV_S("System Curr", "mA", current, PTF_CURRENT, 1e-3),
	KV_S("System RC", "mAH", remaining_ah, PTF_REMAINING_AH, 1e-3),
	KV_S("System FCC", "mAH", full_ah, PTF_FULL_AH, 1e-3),
	KV_S("System SOC", "%", soc, PTF_SOC, 1),
	KV_S("System SOH", "%", soh, PTF_SOH, 1),
	KV_S("Highest voltage", "mV", cell_vmax, PTF_CELL_VMAX, 1e-3),
	KV_S("Lowest voltage", "mV", cell_vmin, PTF_CELL_VMIN, 1e-3),
	KV_S("Highest temperature", "mC", temp_max, PTF_TEMP_MAX, 1e-3),
	KV_S("Lowest temperature", "mC", temp_min, PTF_TEMP_MIN, 1e-3),
	KV_S("Average temperature", "mC", temperature, PTF_TEMPERATURE, 1e-3),
	/* The stack-wide recommendation; plain "Recommend ..." is per module. */
	KV_S("system Recommend chg voltage", "mV", charge_voltage, PTF_CHARGE_VOLTAGE, 1e-3),
	KV_S("system Recommend chg current", "mA", charge_limit, PTF_CHARGE_LIMIT, 1e-3),
	KV_S("system Recommend dsg current", "mA", discharge_limit, PTF_DISCHARGE_LIMIT, -1e-3),
};

static bool
pwrsys_state(struct ct_span line, struct pt_stack *st, struct pt_diag *d)
{
	struct ct_span w;
	const char *state;

	if (!ct_starts(line, "System is "))
		return false;
	w.p = line.p + 10;
	w.len = line.len - 10;
	state = ct_ieq(w, "charging") ? "Charge" : ct_ieq(w, "discharging") ? "Discharge" :
	    ct_ieq(w, "idle") ? "Idle" : NULL;
	if (state != NULL)
		pt_normalise_state(st->status, state);
	else
		pt_diag_warn(d, "pwrsys: unknown system state '%.*s'",
		    (int)(w.len > 20 ? 20 : w.len), w.p);
	return true;
}

int
console_lv_parse_pwrsys(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_stack *st = &s->stack;
	char key[64];
	bool state = false;
	long v;
	int n = 0, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (pwrsys_state(line, st, d)) {
			state = true;
			continue;
		}
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		if (strcmp(key, "Present Num") == 0) {
			if (!kv_number(value, NULL, &v) || v < 0 || v > 255)
				return pt_diag_fail(d, PT_ERR_PARSE, "pwrsys: 'Present Num' is not "
				    "a count");
			PT_SET(st, module_count, PTF_MODULE_COUNT, (int)v);
			n++;
			continue;
		}
		rc = kv_store(pwrsys_keys, sizeof pwrsys_keys / sizeof pwrsys_keys[0], key, value,
		    st, &st->valid, d, "pwrsys");
		if (rc < 0)
			return rc;
		n += rc;
	}
	if (!state && n == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwrsys: neither 'System is ...' nor "
		    "'System Volt : ...': not a pwrsys answer");
	return 0;
}

/* ---- the command table ---------------------------------------------------- */

const struct console_cmd console_lv_cmds[] = {
	{ .name = "pwr", .dialects = CD_LV, .module_arg = true, .read_only = true,
	  .parse = console_lv_parse_pwr_any,
	  .summary = "module table (pwr) or one module's detail (pwr N)" },
	{ .name = "bat", .dialects = CD_LV, .module_arg = true, .read_only = true,
	  .parse = console_lv_parse_bat,
	  .summary = "cells of module N: voltage, temperature, SOC, balancing" },
	{ .name = "stat", .dialects = CD_LV, .module_arg = true, .read_only = true,
	  .parse = console_lv_parse_stat, .summary = "counters of module N: cycles, SOH" },
	{ .name = "info", .dialects = CD_LV, .module_arg = true, .read_only = true,
	  .parse = console_lv_parse_info,
	  .summary = "identity of module N: model, barcode, firmware, capacity" },
	{ .name = "soh", .dialects = CD_LV, .module_arg = true, .read_only = true,
	  .parse = console_lv_parse_soh, .summary = "per-cell SOH counters of module N" },
	{ .name = "pwrsys", .dialects = CD_LV, .module_arg = false, .read_only = true,
	  .parse = console_lv_parse_pwrsys, .summary = "stack aggregate (debug mode only)" },
	/* Records (issue 13; parsed by console_records.c, not into a sample). */
	{ .name = "log", .dialects = CD_LV, .module_arg = false, .read_only = true,
	  .parse = NULL, .summary = "event log of this module (paged)" },
	{ .name = "time", .dialects = CD_LV, .module_arg = false, .read_only = true,
	  .parse = NULL, .summary = "BMS clock (never with arguments: that sets it)" },
	{ .name = NULL },
};
