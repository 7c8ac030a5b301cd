/* console_sc0500.c — getpwr records, login and tbar answers. */
#include "proto/console_sc0500.h"

#include <stdio.h>
#include <string.h>

#include "proto/console_hv.h"
#include "proto/console_lv.h"
#include "proto/console_text.h"
#include "util/err.h"

#define MV(x)	((double)(x) / 1000.0)
#define MAX_VALUES	8

/* Split one record line at '#': up to MAX_VALUES trimmed values. */
static int
record(struct ct_span line, struct ct_span *v)
{
	size_t i, start = 0;
	int n = 0;

	for (i = 0; i < line.len; i++) {
		if (line.p[i] != '#')
			continue;
		if (n >= MAX_VALUES)
			return MAX_VALUES + 1;
		v[n].p = line.p + start;
		v[n].len = i - start;
		while (v[n].len > 0 && (*v[n].p == ' ' || *v[n].p == '\t')) {
			v[n].p++;
			v[n].len--;
		}
		while (v[n].len > 0 && (v[n].p[v[n].len - 1] == ' ' || v[n].p[v[n].len - 1] == '\t'))
			v[n].len--;
		n++;
		start = i + 1;
	}
	/* Only blanks may follow the last '#'. */
	for (i = start; i < line.len; i++)
		if (line.p[i] != ' ' && line.p[i] != '\t')
			return -1;
	return n;
}

static int
split_size(int cells)
{
	static const int sizes[] = { 15, 16, 24, 30, 32 };
	size_t i;

	if (cells <= 16)
		return cells;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (cells % sizes[i] == 0 && cells / sizes[i] <= PT_MAX_MODULES)
			return sizes[i];
	return 0;
}

int
console_sc0500_parse_getpwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct ct_lines it, first;
	struct ct_span line, v[MAX_VALUES];
	long mv, ma, mc, cap, code = 0, cycles = 0;
	int n, recs = 0, cells, per, i = 0;
	bool stack;

	ct_lines_init(&it, body, len);
	first = it;
	while (ct_next_line(&it, &line))
		if (ct_contains(line, "#"))
			recs++;
	if (recs < 3)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "getpwr: %d records, want a header, "
		    "cells, error code and cycles", recs);
	cells = recs - 3;
	stack = !(ctx != NULL && ctx->module > 0) && cells > 16;
	per = ctx != NULL && ctx->module > 0 ? cells : split_size(cells);
	if (cells == 0 || per == 0 || per > PT_MAX_CELLS || cells / per > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: %d cell records do not make "
		    "modules of at most %d cells", cells, PT_MAX_CELLS);
	it = first;
	while (ct_next_line(&it, &line)) {
		if (!ct_contains(line, "#"))
			continue;
		n = record(line, v);
		if (i == 0) {
			struct pt_module *m = NULL;
			uint32_t *valid;
			char *status;
			double *fv, *fc, *ft, *fcap;

			if (n != 8 || !ct_long(v[0], &mv) || !ct_long(v[1], &ma) ||
			    !ct_long(v[2], &mc) || !ct_long(v[3], &cap))
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: the first record "
				    "is not 8 values (mV, mA, mC, capacity, 4 states)");
			if (stack) {
				valid = &s->stack.valid; status = s->stack.status;
				fv = &s->stack.voltage; fc = &s->stack.current;
				ft = &s->stack.temperature; fcap = &s->stack.remaining_ah;
			} else {
				m = pt_sample_module(s, ctx != NULL && ctx->module > 0 ?
				    ctx->module : 1);
				if (m == NULL)
					return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: too many modules");
				valid = &m->valid; status = m->status;
				fv = &m->voltage; fc = &m->current;
				ft = &m->temperature; fcap = &m->remaining_ah;
			}
			*fv = MV(mv); *fc = MV(ma); *ft = MV(mc); *fcap = MV(cap);
			*valid |= PTF_VOLTAGE | PTF_CURRENT | PTF_TEMPERATURE | PTF_REMAINING_AH;
			{
				char w[PT_STATUS_LEN];
				ct_copy(w, sizeof w, v[4]);
				pt_normalise_state(status, w);
			}
			console_state_alarm(s, m ? m->id : 0, m ? "module_voltage" : "stack_voltage", v[5]);
			console_state_alarm(s, m ? m->id : 0, m ? "module_current" : "stack_current", v[6]);
			console_state_alarm(s, m ? m->id : 0, m ? "module_temperature" :
			    "stack_temperature", v[7]);
		} else if (i <= cells) {
			int ci = i - 1, mi = ci / per;
			int id = ctx != NULL && ctx->module > 0 ? ctx->module : mi + 1;
			struct pt_module *m = pt_sample_module(s, id);
			struct pt_cell *c;
			char w[PT_WORD_LEN];

			if (n != 4 || !ct_long(v[0], &mv) || !ct_long(v[1], &mc))
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: cell record %d is "
				    "not 4 values (mV, mC, 2 states)", ci + 1);
			if (m == NULL || (c = pt_module_cell(m, ci % per)) == NULL)
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: too many cells");
			PT_SET(c, voltage, PTF_VOLTAGE, (float)MV(mv));
			PT_SET(c, temperature, PTF_TEMPERATURE, (float)MV(mc));
			ct_copy(w, sizeof w, v[2]);
			c->voltage_status = pt_sample_word(s, w);
			ct_copy(w, sizeof w, v[3]);
			c->temperature_status = pt_sample_word(s, w);
		} else if (n != 1 || !ct_long(v[0], i == cells + 1 ? &code : &cycles))
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: the %s record is not one "
			    "number", i == cells + 1 ? "error code" : "cycle count");
		i++;
	}
	if (stack) {
		PT_SET(&s->stack, error_code, PTF_ERROR_CODE, code);
		PT_SET(&s->stack, cycles, PTF_CYCLES, cycles);
	} else {
		struct pt_module *m = pt_sample_module(s, ctx != NULL && ctx->module > 0 ?
		    ctx->module : 1);
		if (m != NULL) {
			PT_SET(m, error_code, PTF_ERROR_CODE, code);
			PT_SET(m, cycles, PTF_CYCLES, cycles);
		}
	}
	return 0;
}

static bool
contains(const char *body, size_t len, const char *text)
{
	struct ct_span all = { body, len };

	return ct_contains(all, text);
}

int
console_sc0500_check_login(const char *body, size_t len, struct pt_diag *d)
{
	if (contains(body, len, "Quit current mode") || contains(body, len, "fail to excute"))
		return pt_diag_fail(d, PT_ERR_DEVICE, "login refused (already in debug mode?)");
	return 0;
}

int
console_sc0500_check_tbar(const char *body, size_t len, struct pt_diag *d)
{
	if (contains(body, len, "Test result:pass"))
		return 0;
	return pt_diag_fail(d, PT_ERR_DEVICE, "the answer to tbar has no 'Test result:pass'");
}

const struct console_cmd console_sc0500_cmds[] = {
	{ "getpwr", CD_SC0500, true, true, console_sc0500_parse_getpwr,
	    "debug mode: stack (or module) record, every cell, error code, cycles" },
	/* Changes the console's mode, not the battery. */
	{ "login", CD_SC0500, true, true, NULL, "enter debug mode ('login debug')" },
	/* On some firmware tbar WRITES the barcode register: not read-only.
	 * The session sends it once, after checking the barcode with info. */
	{ "tbar", CD_SC0500, true, false, NULL, "select the controller by barcode" },
	{ "info", CD_SC0500, false, true, console_hv_parse_info, "controller identity" },
	{ NULL, 0, false, false, NULL, NULL },
};
