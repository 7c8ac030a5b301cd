/* console_sc0500.c — debug-mode `getpwr` records, and the answers of
 * `login debug` and `tbar` (docs/console.md §5; what goes where is in
 * console_sc0500.h). */
#include "proto/console_sc0500.h"

#include <stdio.h>
#include <string.h>

#include "proto/console_hv.h"
#include "proto/console_state.h"
#include "proto/console_text.h"
#include "util/err.h"

#define GP_MAX_VALUES	8
#define GP_LV_CELLS	16	/* at most this many: an LV module's own answer */
#define GP_BMU_CELLS	15	/* SC0500 string: H48050/H48074 BMUs */
#define GP_MAX_CELLS	(PT_MAX_MODULES * PT_MAX_CELLS)
#define QUOTE		24

enum { GP_BAD = -1, GP_TAIL = -2 };

/* The values of one '#' line, split in one pass.  GP_BAD: an empty
 * value, a value with blanks inside, or more than GP_MAX_VALUES; GP_TAIL:
 * text after the last '#' (a cut line when it is the last one). */
static int
gp_values(struct ct_span line, struct ct_span *v)
{
	const char *p = line.p, *end = line.p + line.len, *start, *stop;
	int n = 0;

	for (;;) {
		p = ct_skip_blanks(p, end);
		if (p == end)
			return n;
		start = p;
		while (p < end && *p != '#' && *p != ' ' && *p != '\t')
			p++;
		stop = p;
		p = ct_skip_blanks(p, end);
		if (p == end)
			return GP_TAIL;
		if (*p != '#')	/* a blank inside a value, or text after the last '#' */
			return memchr(p, '#', (size_t)(end - p)) != NULL ? GP_BAD : GP_TAIL;
		if (stop == start || n == GP_MAX_VALUES)
			return GP_BAD;
		v[n].p = start;
		v[n++].len = (size_t)(stop - start);
		p++;
	}
}

static bool
gp_has_hash(struct ct_span line)
{
	return memchr(line.p, '#', line.len) != NULL;
}

/* A whole number, or "-" (*known false). */
static bool
gp_num(struct ct_span t, long *v, bool *known)
{
	*known = false;
	if (ct_is_dash(t))
		return true;
	if (!ct_long(t, v))
		return false;
	*known = true;
	return true;
}

struct gp_record {
	long		num[4];		/* record 1: mV mA mC capacity; cell: mV mC */
	bool		known[4];
	struct ct_span	word[4];	/* record 1: base vst cst tst; cell: vst tst */
};

static bool
gp_record(const struct ct_span *v, int nnum, int nword, struct gp_record *r)
{
	int i;

	for (i = 0; i < nnum; i++)
		if (!gp_num(v[i], &r->num[i], &r->known[i]))
			return false;
	for (i = 0; i < nword; i++) {
		if (!console_state_is_word(v[nnum + i]))
			return false;
		r->word[i] = v[nnum + i];
	}
	return true;
}

/* A cell record, checked: mV, mC (known unless "-"), two state words. */
struct gp_cell {
	long		num[2];
	bool		known[2];
	struct ct_span	word[2];
};

/* The whole answer, read and checked in one pass; stored only when it
 * is good (a rejected answer leaves the sample untouched). */
struct gp_answer {
	struct gp_record head;
	long		 error_code, cycles;
	int		 cells;
	struct gp_cell	 cell[GP_MAX_CELLS];
};

static int
gp_fail_values(struct pt_diag *d, int rec, struct ct_span line, int n)
{
	if (n == GP_BAD)
		return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: record %d is not 'value# ...' "
		    "('%.*s')", rec, (int)(line.len > QUOTE ? QUOTE : line.len), line.p);
	return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: record %d has text after its last '#'",
	    rec);
}

/* Is there another '#' line after `it`?  Asked only to word a cut line. */
static bool
gp_is_last(struct ct_lines it)
{
	struct ct_span next;

	while (ct_next_line(&it, &next))
		if (gp_has_hash(next))
			return false;
	return true;
}

/* The whole answer, one pass: counts 8 / 4... / 1 / 1. */
static int
gp_scan(const char *body, size_t len, struct gp_answer *a, struct pt_diag *d)
{
	enum { HEAD, CELLS, CYCLES, DONE } state = HEAD;
	struct ct_lines it;
	struct ct_span line, v[GP_MAX_VALUES];
	struct gp_record cell;
	int n, rec = 0;

	a->cells = 0;
	a->error_code = a->cycles = 0;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!gp_has_hash(line))
			continue;
		rec++;
		if ((n = gp_values(line, v)) < 0) {
			if (n == GP_TAIL && gp_is_last(it))
				return pt_diag_fail(d, PT_ERR_TRUNCATED, "getpwr: the answer ends "
				    "inside record %d", rec);
			return gp_fail_values(d, rec, line, n);
		}
		switch (state) {
		case HEAD:
			if (n != 8)
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: the first record has "
				    "%d values, want 8", n);
			if (!gp_record(v, 4, 4, &a->head))
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: the first record "
				    "is not 'mV# mA# mC# capacity# 4 states#'");
			state = CELLS;
			break;
		case CELLS:
			if (n == 4) {
				if (!gp_record(v, 2, 2, &cell))
					return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: cell record "
					    "%d is not 'mV# mC# state# state#'", a->cells);
				if (a->cells >= GP_MAX_CELLS)
					return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: more than %d "
					    "cell records", GP_MAX_CELLS);
				a->cell[a->cells++] = (struct gp_cell){
					.num = { cell.num[0], cell.num[1] },
					.known = { cell.known[0], cell.known[1] },
					.word = { cell.word[0], cell.word[1] },
				};
				break;
			}
			if (n != 1)
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: record %d has %d "
				    "values, want 4 (a cell) or 1 (the error code)", rec, n);
			if (!ct_long(v[0], &a->error_code) && !(ct_starts(v[0], "0x") &&
			    ct_hex(v[0], &a->error_code)))
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: error code '%.*s' is "
				    "not a number", (int)(v[0].len > QUOTE ? QUOTE : v[0].len),
				    v[0].p);
			state = CYCLES;
			break;
		case CYCLES:
			if (n != 1 || !ct_long(v[0], &a->cycles) || a->cycles < 0)
				return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: record %d is not the "
				    "cycle count", rec);
			state = DONE;
			break;
		case DONE:
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: record %d follows the "
			    "cycle count", rec);
		}
	}
	if (state == HEAD)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "getpwr: no '#' records: not a "
		    "getpwr answer");
	if (state != DONE)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "getpwr: the answer ends before the "
		    "%s", state == CELLS ? "error code" : "cycle count");
	if (a->cells == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "getpwr: no cell records");
	return 0;
}

/* Where the records go. */
struct gp_place {
	bool	stack;			/* record 1 -> stack, else -> module ids[0] */
	int	per, n;
	int	ids[PT_MAX_MODULES];
};

/* Cells the sample already holds for module `id` (0 when none). */
static int
gp_known_cells(struct pt_sample *s, int id)
{
	struct pt_module *m = pt_sample_find_module(s, id);

	return m != NULL ? m->n_cells : 0;
}

static int
gp_placement(struct pt_sample *s, const struct console_ctx *ctx, int cells,
    struct gp_place *pl, struct pt_diag *d)
{
	int i, known, missing = 0, arg = ctx != NULL ? ctx->module : 0;

	memset(pl, 0, sizeof *pl);
	if (arg > 0 || cells <= GP_LV_CELLS) {
		int id = arg > 0 ? arg : 1;
		if (id > 255 || cells > PT_MAX_CELLS)
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr %d: %d cells do not fit "
			    "one module", id, cells);
		known = gp_known_cells(s, id);
		if (known > 0 && cells != known)
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: %d cell records, module "
			    "%d has %d cells", cells, id, known);
		pl->per = cells;
		pl->n = 1;
		pl->ids[0] = id;
	} else {
		pl->stack = true;
		known = gp_known_cells(s, 1);
		if (known > 0 && cells % known != 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: %d cell records are not a "
			    "multiple of the %d cells per module", cells, known);
		if (known > 0)
			pl->per = known;
		else if (cells % GP_BMU_CELLS == 0)
			pl->per = GP_BMU_CELLS;
		else
			pl->per = cells;
		pl->n = cells / pl->per;
		if (pl->per > PT_MAX_CELLS || pl->n > PT_MAX_MODULES)
			return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: %d cells do not divide "
			    "into modules of %d", cells, GP_BMU_CELLS);
		for (i = 0; i < pl->n; i++)
			pl->ids[i] = i + 1;
	}
	for (i = 0; i < pl->n; i++)
		missing += pt_sample_find_module(s, pl->ids[i]) == NULL;
	if (s->n_modules + missing > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "getpwr: more than %d modules",
		    PT_MAX_MODULES);
	return 0;
}

/* Record 1 (+ error code, cycles) into a module or the stack. */
#define GP_STORE(dst, a) do {						\
		if ((a)->head.known[0])					\
			PT_SET(dst, voltage, PTF_VOLTAGE,		\
			    (double)(a)->head.num[0] / 1000.0);		\
		if ((a)->head.known[1])					\
			PT_SET(dst, current, PTF_CURRENT,		\
			    (double)(a)->head.num[1] / 1000.0);		\
		if ((a)->head.known[2])					\
			PT_SET(dst, temperature, PTF_TEMPERATURE,	\
			    (double)(a)->head.num[2] / 1000.0);		\
		/* mAh on LV; unverified on SC0500 (header). */		\
		if ((a)->head.known[3])					\
			PT_SET(dst, remaining_ah, PTF_REMAINING_AH,	\
			    (double)(a)->head.num[3] / 1000.0);		\
		PT_SET(dst, error_code, PTF_ERROR_CODE, (a)->error_code); \
		PT_SET(dst, cycles, PTF_CYCLES, (a)->cycles);		\
	} while (0)

static void
gp_store_head(struct pt_sample *s, const struct gp_answer *a, const struct gp_place *pl)
{
	static const char *const qty[] = { "state", "voltage", "current", "temperature" };
	struct pt_module *m = NULL;
	char *status, stem[32];
	const char *scope = pl->stack ? "stack_" : "module_";
	int i, module = 0;

	if (pl->stack) {
		GP_STORE(&s->stack, a);
		status = s->stack.status;
	} else {
		if ((m = pt_sample_module(s, pl->ids[0])) == NULL)
			return;
		GP_STORE(m, a);
		status = m->status;
		module = m->id;
	}
	if (!ct_is_dash(a->head.word[0])) {
		char w[PT_STATUS_LEN];
		ct_copy(w, sizeof w, a->head.word[0]);
		pt_normalise_state(status, w);
		/* "Dischg" is normal once it reads "Discharge". */
		if (!pt_status_is_normal(status)) {
			snprintf(stem, sizeof stem, "%s%s", scope, qty[0]);
			console_state_alarm_cell(s, module, -1, stem, a->head.word[0]);
		}
	}
	for (i = 1; i < 4; i++) {
		snprintf(stem, sizeof stem, "%s%s", scope, qty[i]);
		console_state_alarm_cell(s, module, -1, stem, a->head.word[i]);
	}
}

static void
gp_store_cell(struct pt_sample *s, struct pt_module *m, int idx, const struct gp_cell *r,
    struct console_state_memo memo[2])
{
	struct pt_cell *c = pt_module_cell(m, idx);

	if (c == NULL)
		return;
	if (r->known[0])
		PT_SET(c, voltage, PTF_VOLTAGE, (float)((double)r->num[0] / 1000.0));
	if (r->known[1])
		PT_SET(c, temperature, PTF_TEMPERATURE, (float)((double)r->num[1] / 1000.0));
	if (!ct_is_dash(r->word[0]))
		c->voltage_status = console_state_word(s, &memo[0], r->word[0], m->id, idx,
		    "cell_voltage");
	if (!ct_is_dash(r->word[1]))
		c->temperature_status = console_state_word(s, &memo[1], r->word[1], m->id, idx,
		    "cell_temperature");
}

int
console_sc0500_parse_getpwr(const char *body, size_t len, const struct console_ctx *ctx,
    struct pt_sample *s, struct pt_diag *d)
{
	struct gp_answer a;
	struct gp_place pl;
	struct console_state_memo memo[2] = { { .end = body + len }, { .end = body + len } };
	struct pt_module *m = NULL;
	int rc, i, j, k;

	if ((rc = gp_scan(body, len, &a, d)) != 0)
		return rc;
	if ((rc = gp_placement(s, ctx, a.cells, &pl, d)) != 0)
		return rc;
	/* Checked already, so nothing below can fail half-way. */
	gp_store_head(s, &a, &pl);
	/* Cell k of module j is cell[j * per + k]: counted, not divided. */
	for (i = 0, j = 0, k = 0; i < a.cells; i++, k++) {
		if (k == pl.per) {
			k = 0;
			j++;
		}
		if (k == 0 && (m = pt_sample_module(s, pl.ids[j])) == NULL)
			break;
		gp_store_cell(s, m, k, &a.cell[i], memo);
	}
	return 0;
}

/* ---- login debug, tbar ------------------------------------------------------ */

static bool
sc_contains(const char *body, size_t len, const char *lit)
{
	struct ct_span all = { body, len };

	return body != NULL && ct_contains(all, lit);
}

/* Failure texts of the console (docs/console.md §2.2 item 4). */
static const char *
sc_failure(const char *body, size_t len)
{
	static const char *const fail[] = {
		"Invalid command", "fail to excute", "Unknown command", "unccessfully",
		"Command failed", "Usage:", "not support",
	};
	size_t i;

	for (i = 0; i < sizeof fail / sizeof fail[0]; i++)
		if (sc_contains(body, len, fail[i]))
			return fail[i];
	return NULL;
}

int
console_sc0500_check_login(const char *body, size_t len, struct pt_diag *d)
{
	const char *why;

	if (sc_contains(body, len, "Quit current mode"))
		return pt_diag_fail(d, PT_ERR_DEVICE, "%s", "login: the console was in debug "
		    "mode already and answered 'Quit current mode'");
	if ((why = sc_failure(body, len)) != NULL)
		return pt_diag_fail(d, PT_ERR_AUTH, "login debug was refused ('%s'): wrong "
		    "password or no debug mode on this firmware", why);
	return 0;
}

int
console_sc0500_check_tbar(const char *body, size_t len, struct pt_diag *d)
{
	const char *why;

	if ((why = sc_failure(body, len)) != NULL)
		return pt_diag_fail(d, PT_ERR_DEVICE, "tbar: the controller answered '%s'", why);
	if (sc_contains(body, len, "Test result:pass"))
		return 0;
	if (sc_contains(body, len, "Test result:fail"))
		return pt_diag_fail(d, PT_ERR_DEVICE, "%s", "tbar: 'Test result:fail' (is the "
		    "barcode the one 'info' shows?)");
	return pt_diag_fail(d, PT_ERR_DEVICE, "%s", "tbar: no 'Test result:pass' in the "
	    "answer");
}

const struct console_cmd console_sc0500_cmds[] = {
	{ .name = "getpwr", .dialects = CD_SC0500, .module_arg = true, .read_only = true,
	  .parse = console_sc0500_parse_getpwr,
	  .summary = "debug-mode records: pack, cells, error code, cycles" },
	/* Changes the console's mode, not the battery. */
	{ .name = "login", .dialects = CD_SC0500, .module_arg = false, .read_only = true,
	  .parse = NULL, .summary = "enter debug mode (login debug)" },
	/* Not read-only: on some firmware it writes the barcode register.
	 * Sent only by the session's guarded step, with the barcode 'info'
	 * printed, once. */
	{ .name = "tbar", .dialects = CD_SC0500, .module_arg = false, .read_only = false,
	  .parse = NULL, .summary = "unlock getpwr with the BMS barcode" },
	/* User mode: the barcode that tbar must repeat. */
	{ .name = "info", .dialects = CD_SC0500, .module_arg = false, .read_only = true,
	  .parse = console_hv_parse_info, .summary = "controller identity and barcode" },
	{ .name = NULL },
};
