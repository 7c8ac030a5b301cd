/* console_lv.c — LV console answers into a sample (console.md §3). */
#include "proto/console_lv.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/console_text.h"
#include "util/err.h"

#define MV(x)	((double)(x) / 1000.0)

void
console_state_alarm(struct pt_sample *s, int module, const char *what, struct ct_span word)
{
	char w[24], name[48];
	size_t i;

	ct_copy(w, sizeof w, word);
	if (w[0] == '\0' || ct_is_dash(word) || pt_status_is_normal(w))
		return;
	for (i = 0; w[i] != '\0'; i++)
		w[i] = (char)tolower((unsigned char)w[i]);
	snprintf(name, sizeof name, "%s_%s", what, w);
	pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_ALARM, module, -1, name, NAN);
}

/* A number in wire units, or unknown for "-". */
static bool
wire(struct ct_span tok, long *v)
{
	if (ct_is_dash(tok))
		return false;
	return ct_long(tok, v);
}

/* ---- pwr: the module table -------------------------------------------- */

enum pwr_col {
	PC_ID, PC_VOLT, PC_CURR, PC_TEMP, PC_TLOW, PC_THIGH, PC_VLOW, PC_VHIGH,
	PC_IGNORE, PC_BASE, PC_STATE, PC_SOC, PC_TIME, PC_MOS, PC_BARCODE, PC_DEVTYPE,
};

static const struct {
	const char	*label;
	enum pwr_col	 col;
	const char	*alarm;		/* PC_STATE: alarm name stem */
} pwr_cols[] = {
	{ "Power", PC_ID, NULL }, { "Volt", PC_VOLT, NULL }, { "Curr", PC_CURR, NULL },
	{ "Tempr", PC_TEMP, NULL }, { "Tlow", PC_TLOW, NULL }, { "Thigh", PC_THIGH, NULL },
	{ "Vlow", PC_VLOW, NULL }, { "Vhigh", PC_VHIGH, NULL },
	{ "Tlow.Id", PC_IGNORE, NULL }, { "Thigh.Id", PC_IGNORE, NULL },
	{ "Vlow.Id", PC_IGNORE, NULL }, { "Vhigh.Id", PC_IGNORE, NULL },
	{ "Base.St", PC_BASE, NULL },
	{ "Volt.St", PC_STATE, "module_voltage" }, { "Curr.St", PC_STATE, "module_current" },
	{ "Temp.St", PC_STATE, "module_temperature" }, { "B.V.St", PC_STATE, "cell_voltage" },
	{ "B.T.St", PC_STATE, "cell_temperature" }, { "M.T.St", PC_STATE, "mos_temperature" },
	{ "SysAlarm.St", PC_STATE, "system_alarm" },
	{ "Coulomb", PC_SOC, NULL }, { "Time", PC_TIME, NULL }, { "MosTempr", PC_MOS, NULL },
	{ "Barcode", PC_BARCODE, NULL }, { "DevType", PC_DEVTYPE, NULL },
};

struct pwr_layout {
	int		n;			/* columns */
	int		tokens;			/* tokens per row (Time counts 2) */
	int		col[CT_MAX_TOKENS];	/* index into pwr_cols, -1 unknown */
};

static int
pwr_header(struct ct_span line, struct pwr_layout *lay, struct pt_diag *d)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);
	size_t k;

	lay->n = n;
	lay->tokens = 0;
	for (i = 0; i < n; i++) {
		lay->col[i] = -1;
		for (k = 0; k < sizeof pwr_cols / sizeof pwr_cols[0]; k++)
			if (ct_eq(tok[i], pwr_cols[k].label))
				lay->col[i] = (int)k;
		if (lay->col[i] < 0) {
			char name[32];
			ct_copy(name, sizeof name, tok[i]);
			pt_diag_warn(d, "pwr: unknown column '%s' ignored", name);
		}
		lay->tokens += lay->col[i] >= 0 && pwr_cols[lay->col[i]].col == PC_TIME ? 2 : 1;
	}
	return lay->col[0] >= 0 && pwr_cols[lay->col[0]].col == PC_ID ? 0 : -1;
}

static int
pwr_row(struct pt_sample *s, const struct pwr_layout *lay, struct ct_span *tok, int ntok,
    int rowno, struct pt_diag *d)
{
	struct pt_module *m;
	long v, id;
	int i, t = 0;

	for (i = 0; i < ntok; i++)
		if (ct_eq(tok[i], "Absent"))
			return 0;	/* an empty address slot: short form, skip */
	if (ntok != lay->tokens)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d has %d values, the header "
		    "announces %d", rowno, ntok, lay->tokens);
	if (!ct_long(tok[0], &id) || id < 0 || id > 255)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d: bad address", rowno);
	if ((m = pt_sample_module(s, (int)id)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: more than %d modules", PT_MAX_MODULES);
	for (i = 0; i < lay->n; i++, t++) {
		struct ct_span x = tok[t];
		int c = lay->col[i];
		bool num = wire(x, &v);

		if (c < 0)
			continue;
		switch (pwr_cols[c].col) {
		case PC_ID:
		case PC_IGNORE:
			break;
		case PC_VOLT: if (num) PT_SET(m, voltage, PTF_VOLTAGE, MV(v)); break;
		case PC_CURR: if (num) PT_SET(m, current, PTF_CURRENT, MV(v)); break;
		case PC_TEMP: if (num) PT_SET(m, temperature, PTF_TEMPERATURE, MV(v)); break;
		case PC_TLOW: if (num) PT_SET(m, temp_min, PTF_TEMP_MIN, MV(v)); break;
		case PC_THIGH: if (num) PT_SET(m, temp_max, PTF_TEMP_MAX, MV(v)); break;
		case PC_VLOW: if (num) PT_SET(m, cell_vmin, PTF_CELL_VMIN, MV(v)); break;
		case PC_VHIGH: if (num) PT_SET(m, cell_vmax, PTF_CELL_VMAX, MV(v)); break;
		case PC_MOS: if (num) PT_SET(m, mos_temperature, PTF_MOS_TEMPERATURE, MV(v)); break;
		case PC_BASE: {
			char w[PT_STATUS_LEN];
			ct_copy(w, sizeof w, x);
			pt_normalise_state(m->status, w);
			if (ct_eq(x, "SysError"))
				pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_ALARM, m->id, -1,
				    "system_error", NAN);
			break;
		}
		case PC_STATE:
			console_state_alarm(s, m->id, pwr_cols[c].alarm, x);
			break;
		case PC_SOC: {
			struct ct_span unit;
			if (ct_long_unit(x, &v, &unit) && ct_eq(unit, "%"))
				PT_SET(m, soc, PTF_SOC, (double)v);
			else if (!ct_is_dash(x))
				return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d: Coulomb is not "
				    "a percentage", rowno);
			break;
		}
		case PC_TIME:
			t++;		/* date and time: two tokens */
			break;
		case PC_BARCODE:
			if (!ct_is_dash(x))
				ct_copy(m->barcode, sizeof m->barcode, x);
			break;
		case PC_DEVTYPE:
			if (!ct_is_dash(x))
				ct_copy(m->model, sizeof m->model, x);
			break;
		}
		if (!num && !ct_is_dash(x) && (pwr_cols[c].col == PC_VOLT ||
		    pwr_cols[c].col == PC_CURR || pwr_cols[c].col == PC_TEMP))
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d: '%.*s' is not a number",
			    rowno, (int)x.len, x.p);
	}
	pt_copy_text(m->barcode, sizeof m->barcode, m->barcode, strlen(m->barcode));
	return 0;
}

int
console_lv_parse_pwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[CT_MAX_TOKENS];
	struct pwr_layout lay = { 0, 0, { 0 } };
	bool header = false;
	int rows = 0, rc;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		int n, total;

		if (!header) {
			if (ct_starts(line, "Power") && ct_contains(line, "Volt")) {
				if (pwr_header(line, &lay, d) != 0)
					return pt_diag_fail(d, PT_ERR_PARSE, "pwr: bad header");
				header = true;
			}
			continue;
		}
		n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
		if (total > CT_MAX_TOKENS)
			return pt_diag_fail(d, PT_ERR_PARSE, "pwr: row %d is too long", rows + 1);
		if ((rc = pwr_row(s, &lay, tok, n, ++rows, d)) != 0)
			return rc;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr: no 'Power Volt ...' header: not an "
		    "LV module table");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "pwr: no module rows");
	return 0;
}

/* ---- key:value answers ------------------------------------------------- */

/* The number at the start of a value ("49769       mV", "-90000mA"). */
static bool
kv_long(struct ct_span value, long *v)
{
	struct ct_span tok[2], unit;

	if (ct_tokens(value, tok, 2, NULL) == 0)
		return false;
	return ct_long_unit(tok[0], v, &unit);
}

static struct pt_module *
module_for(struct pt_sample *s, const struct console_ctx *ctx, long id, struct pt_diag *d,
    const char *what)
{
	struct pt_module *m;

	if (id <= 0)
		id = ctx != NULL && ctx->module > 0 ? ctx->module : 1;
	m = pt_sample_module(s, (int)id);
	if (m == NULL)
		pt_diag_fail(d, PT_ERR_PARSE, "%s: more than %d modules", what, PT_MAX_MODULES);
	return m;
}

/* "Power  1", "Device address  1", "Power   1": the id before key:values. */
static long
leading_id(const char *body, size_t len, const char *prefix)
{
	struct ct_lines it;
	struct ct_span line, tok[4];
	long v;
	int n;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_starts(line, prefix))
			continue;
		n = ct_tokens(line, tok, 4, NULL);
		if (n >= 2 && ct_long(tok[n - 1], &v))
			return v;
		return 0;
	}
	return 0;
}

int
console_lv_parse_pwr_module(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_module *m;
	char key[64];
	long v;
	int n = 0;

	m = module_for(s, ctx, leading_id(body, len, "Power"), d, "pwr N");
	if (m == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		if (strcmp(key, "Voltage") == 0 && kv_long(value, &v))
			PT_SET(m, voltage, PTF_VOLTAGE, MV(v));
		else if (strcmp(key, "Current") == 0 && kv_long(value, &v))
			PT_SET(m, current, PTF_CURRENT, MV(v));
		else if (strcmp(key, "Temperature") == 0 && kv_long(value, &v))
			PT_SET(m, temperature, PTF_TEMPERATURE, MV(v));
		else if (strcmp(key, "Coulomb") == 0 && kv_long(value, &v))
			PT_SET(m, soc, PTF_SOC, (double)v);
		else if (strcmp(key, "Total Coulomb") == 0 && kv_long(value, &v))
			PT_SET(m, full_ah, PTF_FULL_AH, MV(v));
		else if (strcmp(key, "Basic Status") == 0) {
			char w[PT_STATUS_LEN];
			ct_copy(w, sizeof w, value);
			pt_normalise_state(m->status, w);
		} else if (strcmp(key, "Volt Status") == 0)
			console_state_alarm(s, m->id, "module_voltage", value);
		else if (strcmp(key, "Current Status") == 0)
			console_state_alarm(s, m->id, "module_current", value);
		else if (strcmp(key, "Tmpr. Status") == 0)
			console_state_alarm(s, m->id, "module_temperature", value);
		else if (strcmp(key, "Soh. Status") == 0)
			console_state_alarm(s, m->id, "soh", value);
		else if (strcmp(key, "System Fault") == 0) {
			struct ct_span tok[2];
			if (ct_tokens(value, tok, 2, NULL) > 0 && ct_hex(tok[0], &v))
				PT_SET(m, error_code, PTF_ERROR_CODE, v);
		}
	}
	if (n < 3)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwr N: no 'Voltage : ...' lines");
	return 0;
}

int
console_lv_parse_stat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_module *m;
	char key[64];
	long v;
	int n = 0;

	m = module_for(s, ctx, leading_id(body, len, "Device address"), d, "stat");
	if (m == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		if (strcasecmp(key, "CYCLE Times") == 0 && kv_long(value, &v))
			PT_SET(m, cycles, PTF_CYCLES, v);
		else if (strcmp(key, "SOH") == 0 && kv_long(value, &v))
			PT_SET(m, soh, PTF_SOH, (double)v);
	}
	if (n == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "stat: no 'Label : value' lines");
	return 0;
}

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
	if (!ct_long_unit(rest, &v, &unit) || !ct_ieq(unit, "AH"))
		return false;
	*ah = (double)v;
	return true;
}

int
console_lv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_module *m = NULL;
	char key[64];
	long id = 0;
	double ah;
	int n = 0;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (ct_keyvalue(line, key, sizeof key, &value) && strcmp(key, "Device address") == 0) {
			kv_long(value, &id);
			break;
		}
	}
	if ((m = module_for(s, ctx, id, d, "info")) == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value))
			continue;
		n++;
		if (strcmp(key, "Device name") == 0)
			pt_copy_text(m->model, sizeof m->model, value.p, value.len);
		else if (strcmp(key, "Barcode") == 0)
			pt_copy_text(m->barcode, sizeof m->barcode, value.p, value.len);
		else if (strcmp(key, "Main Soft version") == 0)
			pt_copy_text(m->firmware, sizeof m->firmware, value.p, value.len);
		else if (strcmp(key, "Soft version") == 0 && m->firmware[0] == '\0')
			pt_copy_text(m->firmware, sizeof m->firmware, value.p, value.len);
		else if (strcmp(key, "Specification") == 0 && spec_ah(value, &ah))
			PT_SET(m, design_ah, PTF_DESIGN_AH, ah);
	}
	if (n < 2)
		return pt_diag_fail(d, PT_ERR_PARSE, "info: no 'Label : value' lines");
	return 0;
}

/* ---- bat: cells of one module ----------------------------------------- */

static int
bat_row(struct pt_sample *s, struct pt_module *m, bool has_curr, struct ct_span *tok,
    int n, int rowno, struct pt_diag *d)
{
	struct pt_cell *c;
	struct ct_span unit;
	long idx, mv, ma = 0, mc, soc;
	int pct = -1, i, states, first_state = has_curr ? 4 : 3;

	for (i = 0; i < n; i++)
		if (tok[i].len > 1 && tok[i].p[tok[i].len - 1] == '%') {
			pct = i;
			break;
		}
	if (pct < 0 || !ct_long(tok[0], &idx) || !ct_long(tok[1], &mv) ||
	    (has_curr && !ct_long(tok[2], &ma)) || !ct_long(tok[first_state - 1], &mc) ||
	    !ct_long_unit(tok[pct], &soc, &unit))
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d does not read as "
		    "index, volt, %stempr, states, SOC%%, charge", rowno, has_curr ? "curr, " : "");
	states = pct - first_state;
	if (states < 3 || states > 5 || n - pct < 3 || n - pct > 4)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d has an unexpected number of "
		    "columns (%d)", rowno, n);
	if (idx < 0 || idx >= PT_MAX_CELLS || (c = pt_module_cell(m, (int)idx)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: cell index %ld out of range", idx);
	PT_SET(c, voltage, PTF_VOLTAGE, (float)MV(mv));
	PT_SET(c, temperature, PTF_TEMPERATURE, (float)MV(mc));
	PT_SET(c, soc, PTF_SOC, (float)soc);
	{
		char w[PT_WORD_LEN];
		ct_copy(w, sizeof w, tok[first_state + 1]);
		c->voltage_status = pt_sample_word(s, w);
		ct_copy(w, sizeof w, tok[pct - 1]);
		c->temperature_status = pt_sample_word(s, w);
	}
	if (has_curr && !PT_HAS(m, PTF_CURRENT))
		PT_SET(m, current, PTF_CURRENT, MV(ma));
	if (ct_eq(tok[n - 1], "Y") || ct_eq(tok[n - 1], "N"))
		PT_SET(c, balancing, PTF_BALANCING, ct_eq(tok[n - 1], "Y"));
	return 0;
}

int
console_lv_parse_bat(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[CT_MAX_TOKENS];
	struct pt_module *m = NULL;
	bool header = false, has_curr = false;
	int rows = 0, rc;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		int n, total;

		if (!header) {
			if (ct_starts(line, "Battery") && ct_contains(line, "Volt")) {
				header = true;
				has_curr = ct_contains(line, " Curr ");
				if (!ct_contains(line, "Coulomb"))
					pt_diag_warn(d, "bat: header without Coulomb column");
				if ((m = module_for(s, ctx, 0, d, "bat")) == NULL)
					return PT_ERR_PARSE;
			}
			continue;
		}
		n = ct_tokens(line, tok, CT_MAX_TOKENS, &total);
		if (total > 16)
			return pt_diag_fail(d, PT_ERR_PARSE, "bat: row %d is too long", rows + 1);
		if ((rc = bat_row(s, m, has_curr, tok, n, ++rows, d)) != 0)
			return rc;
	}
	if (!header)
		return pt_diag_fail(d, PT_ERR_PARSE, "bat: no 'Battery Volt ...' header");
	if (rows == 0)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "bat: no cell rows");
	return 0;
}

int
console_lv_parse_soh(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[8];
	struct pt_module *m;
	bool header = false;
	int rows = 0;

	if ((m = module_for(s, ctx, leading_id(body, len, "Power"), d, "soh")) == NULL)
		return PT_ERR_PARSE;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		struct pt_cell *c;
		long idx, mv;
		int n;

		if (!header) {
			header = ct_starts(line, "Battery") && ct_contains(line, "SOH");
			continue;
		}
		n = ct_tokens(line, tok, 8, NULL);
		if (n < 3 || n > 4 || !ct_long(tok[0], &idx) || !ct_long(tok[1], &mv))
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: row %d is not "
			    "'index voltage count status'", rows + 1);
		if ((c = pt_module_cell(m, (int)idx)) == NULL)
			return pt_diag_fail(d, PT_ERR_PARSE, "soh: cell index %ld out of range", idx);
		if (!PT_HAS(c, PTF_VOLTAGE))
			PT_SET(c, voltage, PTF_VOLTAGE, (float)MV(mv));
		if (n == 4)
			console_state_alarm(s, m->id, "cell_soh", tok[3]);
		rows++;
	}
	if (!header || rows == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "soh: no 'Battery Voltage SOHCount' table");
	return 0;
}

int
console_lv_parse_pwrsys(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	static const struct {
		const char	*key;
		uint32_t	 bit;
		size_t		 off;
		double		 scale;
	} map[] = {
#define F(k, b, f, sc) { k, b, offsetof(struct pt_stack, f), sc }
		F("System Volt", PTF_VOLTAGE, voltage, 1e-3),
		F("System Curr", PTF_CURRENT, current, 1e-3),
		F("System RC", PTF_REMAINING_AH, remaining_ah, 1e-3),
		F("System FCC", PTF_FULL_AH, full_ah, 1e-3),
		F("System SOC", PTF_SOC, soc, 1),
		F("System SOH", PTF_SOH, soh, 1),
		F("Highest voltage", PTF_CELL_VMAX, cell_vmax, 1e-3),
		F("Lowest voltage", PTF_CELL_VMIN, cell_vmin, 1e-3),
		F("Highest temperature", PTF_TEMP_MAX, temp_max, 1e-3),
		F("Lowest temperature", PTF_TEMP_MIN, temp_min, 1e-3),
		F("Average temperature", PTF_TEMPERATURE, temperature, 1e-3),
		F("system Recommend chg voltage", PTF_CHARGE_VOLTAGE, charge_voltage, 1e-3),
		F("system Recommend chg current", PTF_CHARGE_LIMIT, charge_limit, 1e-3),
		F("system Recommend dsg current", PTF_DISCHARGE_LIMIT, discharge_limit, -1e-3),
#undef F
	};
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_stack *st = &s->stack;
	char key[64];
	long v;
	size_t i;
	int n = 0;

	(void)ctx;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (ct_starts(line, "System is ")) {
			struct ct_span w = { line.p + 10, line.len - 10 };
			const char *state = ct_ieq(w, "charging") ? "Charge" :
			    ct_ieq(w, "discharging") ? "Discharge" : ct_ieq(w, "idle") ? "Idle" : NULL;
			if (state != NULL)
				pt_normalise_state(st->status, state);
			continue;
		}
		if (!ct_keyvalue(line, key, sizeof key, &value) || !kv_long(value, &v))
			continue;
		n++;
		if (strcmp(key, "Present Num") == 0) {
			PT_SET(st, module_count, PTF_MODULE_COUNT, (int)v);
			continue;
		}
		for (i = 0; i < sizeof map / sizeof map[0]; i++)
			if (strcmp(key, map[i].key) == 0) {
				*(double *)((char *)st + map[i].off) = (double)v * map[i].scale;
				st->valid |= map[i].bit;
			}
	}
	if (n < 3)
		return pt_diag_fail(d, PT_ERR_PARSE, "pwrsys: no 'System Volt : ...' lines");
	return 0;
}

/* "pwr" lists every module; "pwr N" details one: tell them by content. */
int
console_lv_parse_pwr_any(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line))
		if (ct_starts(line, "Power") && ct_contains(line, "Volt"))
			return console_lv_parse_pwr(body, len, ctx, s, d);
	return console_lv_parse_pwr_module(body, len, ctx, s, d);
}

const struct console_cmd console_lv_cmds[] = {
	{ "pwr", CD_LV, true, true, console_lv_parse_pwr_any,
	    "module table (pwr) or one module's detail (pwr N)" },
	{ "bat", CD_LV, true, true, console_lv_parse_bat, "cells of module N" },
	{ "stat", CD_LV, true, true, console_lv_parse_stat, "counters: cycles, SOH" },
	{ "info", CD_LV, true, true, console_lv_parse_info, "identity: model, barcode, firmware" },
	{ "soh", CD_LV, true, true, console_lv_parse_soh, "per-cell SOH counters" },
	{ "pwrsys", CD_LV, false, true, console_lv_parse_pwrsys, "stack aggregate (debug mode)" },
	{ NULL, 0, false, false, NULL, NULL },
};
