/* console_hv_info.c — HV key:value answers: `info` (identity of the
 * controller and its BMUs), `stat`, `sysinfo` and `bmuinfo N`
 * (docs/console.md §4.4); fields in console_hv.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/console_hv_int.h"
#include "util/err.h"

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

/* What an info answer says, read in one pass and stored once it is all
 * good.  Later lines win, as the controller's own order would. */
struct info_found {
	struct ct_span	model, firmware, barcode, module_barcode;
	bool		has_model, has_firmware, has_barcode, has_module_barcode;
	int		n;			/* module barcodes, by first appearance */
	struct {
		int		id;
		struct ct_span	code;
	}		mod[PT_MAX_MODULES];
};

static void
info_module(struct info_found *f, int id, struct ct_span code)
{
	int i;

	for (i = 0; i < f->n && f->mod[i].id != id; i++)
		;
	if (i == f->n) {
		if (f->n == PT_MAX_MODULES)
			return;		/* cannot happen: ids are 1..PT_MAX_MODULES */
		f->mod[f->n++].id = id;
	}
	f->mod[i].code = code;
}

/* A key:value line outside the BMU blocks. */
static void
info_stack_key(struct info_found *f, const char *key, struct ct_span value)
{
	if (strcmp(key, "Device name") == 0) {
		f->model = value;
		f->has_model = true;
	} else if (strcmp(key, "Main Soft version") == 0) {
		f->firmware = value;
		f->has_firmware = true;
	} else if (strcmp(key, "Barcode") == 0 && value.len > 0) {
		f->barcode = value;
		f->has_barcode = true;
	} else if (strcmp(key, "Module Barcode") == 0 && value.len > 0) {
		f->module_barcode = value;
		f->has_module_barcode = true;
	}
}

static bool
info_is_identity_key(const char *key)
{
	return strcmp(key, "Device name") == 0 || strcmp(key, "Barcode") == 0 ||
	    strcmp(key, "Module Barcode") == 0 || strcmp(key, "Main Soft version") == 0 ||
	    strcmp(key, "Module") == 0;
}

int
console_hv_parse_info(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct info_found f;
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_stack *st = &s->stack;
	char key[48];
	long n, block = -1;
	int pairs = 0, i;
	bool unit = false;

	(void)ctx;
	memset(&f, 0, sizeof f);
	/* Every block is mapped by its own number, never by its place in
	 * the list (the controller lists the highest first): "BMU k" (from
	 * 0, like `bmuinfo k`) is module k + 1, "Unit n" is module n
	 * (console_hv.h). */
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (info_block(line, &n, &unit)) {
			if ((unit ? n : n + 1) > PT_MAX_MODULES || (unit && n == 0))
				return pt_diag_fail(d, PT_ERR_PARSE, "info: BMU number %ld out of "
				    "range", n);
			block = unit ? n : n + 1;
			continue;
		}
		if (!ct_keyvalue(line, key, sizeof key, &value)) {
			pt_diag_warn(d, "info: line '%.*s' not understood",
			    (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
			continue;
		}
		pairs += info_is_identity_key(key);
		if (block > 0) {
			if (strcmp(key, "Module") == 0 && value.len > 0)
				info_module(&f, (int)block, value);
		} else
			info_stack_key(&f, key, value);
	}
	if (pairs == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "info: no 'Device name', 'Barcode' "
		    "or BMU barcode: not an identity answer");
	for (i = 0; i < f.n; i++) {
		struct pt_module *m = pt_sample_module(s, f.mod[i].id);
		if (m != NULL)
			pt_copy_text(m->barcode, sizeof m->barcode, f.mod[i].code.p,
			    f.mod[i].code.len);
	}
	if (f.has_model)
		pt_copy_text(st->model, sizeof st->model, f.model.p, f.model.len);
	if (f.has_firmware)
		pt_copy_text(st->firmware, sizeof st->firmware, f.firmware.p, f.firmware.len);
	/* Force H2 prints no "Barcode"; its controller's own code is the
	 * "Module Barcode" outside the blocks.  A "Barcode" line wins. */
	if (f.has_barcode)
		pt_copy_text(st->barcode, sizeof st->barcode, f.barcode.p, f.barcode.len);
	else if (f.has_module_barcode)
		pt_copy_text(st->barcode, sizeof st->barcode, f.module_barcode.p,
		    f.module_barcode.len);
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
