/* console_records.c — `stat`, `soh`, `log`, `time`, `info`, `bmuinfo`,
 * `sysinfo` answers into the records model (console_records.h). */
#include "proto/console_records.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/console_text.h"
#include "util/err.h"

#define MAX_PAIRS_PER_LINE	4

/* ---- "Label : value" pairs ---------------------------------------------- */

struct kv {
	char		name[PT_REC_NAME_LEN];
	struct ct_span	value;
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct ct_span
trim(struct ct_span s)
{
	while (s.len > 0 && blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* A label with inner blank runs collapsed and trailing colons dropped
 * ("Soft  version" -> "Soft version", "Module:" -> "Module"). */
static void
label_copy(char *dst, size_t size, struct ct_span s)
{
	char tmp[PT_REC_NAME_LEN];
	size_t i, o = 0;
	bool gap = false;

	s = trim(s);
	for (i = 0; i < s.len && o + 1 < sizeof tmp; i++) {
		if (blank(s.p[i])) {
			gap = o > 0;
			continue;
		}
		if (gap && o + 2 < sizeof tmp)
			tmp[o++] = ' ';
		gap = false;
		tmp[o++] = s.p[i];
	}
	while (o > 0 && tmp[o - 1] == ':')
		o--;
	pt_copy_text(dst, size, tmp, o);
}

/* Labels a value may run into when it fills its column (bmuinfo:
 * "PCBA Barcode : A...1PowerSupply Barcode : 100001"). */
static const char *const run_in_labels[] = {
	"PowerSupply Barcode", "Module Barcode", "PCBA Barcode", "Device Test Time",
	"Specification", "Cell Number", "Barcode", NULL,
};

/* Split "value<blanks>Next Label" (or "valueNext Label" when the value
 * filled its column) into the value and the next label. */
static void
split_value_label(struct ct_span seg, struct ct_span *value, struct ct_span *label)
{
	size_t i, j, k;

	seg = trim(seg);
	/* The last run of two or more blanks separates them. */
	for (i = seg.len; i >= 2; i--)
		if (blank(seg.p[i - 1]) && blank(seg.p[i - 2])) {
			for (j = i - 2; j > 0 && blank(seg.p[j - 1]); j--)
				;
			*value = trim((struct ct_span){ seg.p, j });
			*label = trim((struct ct_span){ seg.p + i, seg.len - i });
			return;
		}
	/* No gap: a known label at the end. */
	for (k = 0; run_in_labels[k] != NULL; k++) {
		size_t n = strlen(run_in_labels[k]);

		if (seg.len > n && memcmp(seg.p + seg.len - n, run_in_labels[k], n) == 0) {
			*value = (struct ct_span){ seg.p, seg.len - n };
			*label = (struct ct_span){ seg.p + seg.len - n, n };
			return;
		}
	}
	/* Else the last digit-to-capital boundary ("...1PowerSupply"). */
	for (i = seg.len - 1; i > 0; i--)
		if (isdigit((unsigned char)seg.p[i - 1]) && isupper((unsigned char)seg.p[i]) &&
		    memchr(seg.p + i, ' ', seg.len - i) != NULL) {
			*value = (struct ct_span){ seg.p, i };
			*label = (struct ct_span){ seg.p + i, seg.len - i };
			return;
		}
	*value = seg;
	label->p = seg.p + seg.len;
	label->len = 0;
}

/* A separator is a ':' after or before a blank, or at the end of the
 * line (so "13:01:51" in a value is not one; "Dsg Cap :12345678901",
 * a value that fills its column, is).  Returns the pairs found. */
static int
line_pairs(struct ct_span line, struct kv *out, int max)
{
	size_t sep[MAX_PAIRS_PER_LINE + 1], i;
	int ns = 0, n = 0, j;
	struct ct_span label;

	for (i = 0; i < line.len && ns <= MAX_PAIRS_PER_LINE; i++)
		if (line.p[i] == ':' && (i + 1 == line.len || blank(line.p[i + 1]) ||
		    (i > 0 && blank(line.p[i - 1])))) {
			/* "Module:   : X" — a colon with only blanks since the
			 * previous one belongs to the same separator. */
			if (ns > 0 && trim((struct ct_span){ line.p + sep[ns - 1] + 1,
			    i - sep[ns - 1] - 1 }).len == 0) {
				sep[ns - 1] = i;
				continue;
			}
			sep[ns++] = i;
		}
	if (ns == 0)
		return 0;
	label = (struct ct_span){ line.p, sep[0] };
	for (j = 0; j < ns && n < max; j++) {
		size_t from = sep[j] + 1, to = j + 1 < ns ? sep[j + 1] : line.len;
		struct ct_span seg = { line.p + from, to - from }, value, next;

		if (j + 1 < ns)
			split_value_label(seg, &value, &next);
		else {
			value = trim(seg);
			next.p = NULL;
			next.len = 0;
		}
		label_copy(out[n].name, sizeof out[n].name, label);
		out[n].value = value;
		if (out[n].name[0] != '\0')
			n++;
		label = next;
		if (j + 1 < ns && next.len == 0)
			break;	/* nothing to name the next value by */
	}
	return n;
}

/* The name without its "(unit)" and blanks, for matching known labels:
 * "Pwr Coulomb(mAS)" -> "Pwr Coulomb", unit "mAS". */
static void
name_unit(const char *name, char *base, size_t bsize, char *unit, size_t usize)
{
	const char *open = strchr(name, '(');
	size_t n = open != NULL ? (size_t)(open - name) : strlen(name);

	while (n > 0 && name[n - 1] == ' ')
		n--;
	if (n >= bsize)
		n = bsize - 1;
	memcpy(base, name, n);
	base[n] = '\0';
	unit[0] = '\0';
	if (open != NULL) {
		const char *close = strchr(open, ')');
		size_t u = close != NULL ? (size_t)(close - open - 1) : strlen(open + 1);

		if (u >= usize)
			u = usize - 1;
		memcpy(unit, open + 1, u);
		unit[u] = '\0';
	}
}

static void
keep_pair(struct pt_rec_pair *p, const char *name, struct ct_span value)
{
	char buf[PT_REC_VALUE_LEN];
	struct ct_span tok[2];
	long v;
	size_t i, o = 0;
	bool gap = false;

	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	/* "426000     mV" -> "426000 mV" */
	for (i = 0; i < value.len && o + 1 < sizeof buf; i++) {
		if (blank(value.p[i])) {
			gap = o > 0;
			continue;
		}
		if (gap && o + 2 < sizeof buf)
			buf[o++] = ' ';
		gap = false;
		buf[o++] = value.p[i];
	}
	pt_copy_text(p->value, sizeof p->value, buf, o);
	if (ct_tokens(value, tok, 2, NULL) >= 1 && ct_long(tok[0], &v)) {
		p->has_num = true;
		p->num = v;
	}
}

/* ---- stat ------------------------------------------------------------------ */

static void
stat_reset(struct pt_rec_stat *st)
{
	memset(st, 0, sizeof *st);
	st->cycles = st->charge_times = st->coc = st->doc = st->sc = PT_REC_NONE;
	st->bov = st->bhv = st->blv = st->buv = st->shutdowns = PT_REC_NONE;
	st->ot = st->ut = st->soh_pct = PT_REC_NONE;
	st->remain_ah = st->full_ah = -1;
}

/* A charge in the label's unit, in Ah; mAS when the label says none
 * (the LV "Pwr Coulomb" is milliampere-seconds: console.md §3.5). */
static double
to_ah(long long v, const char *unit)
{
	if (strcasecmp(unit, "AS") == 0)
		return (double)v / 3600.0;
	if (strcasecmp(unit, "mAH") == 0)
		return (double)v / 1000.0;
	if (strcasecmp(unit, "AH") == 0)
		return (double)v;
	return (double)v / 3600000.0;
}

static void
stat_map(struct pt_rec_stat *st, const char *name, long long v, long long *cot_dot,
    long long *cut_dut)
{
	static const struct { const char *label; size_t off; } map[] = {
		{ "CYCLE Times", offsetof(struct pt_rec_stat, cycles) },
		{ "Charge Times", offsetof(struct pt_rec_stat, charge_times) },
		{ "COC Times", offsetof(struct pt_rec_stat, coc) },
		{ "DOC Times", offsetof(struct pt_rec_stat, doc) },
		{ "SC Times", offsetof(struct pt_rec_stat, sc) },
		{ "Bat OV Times", offsetof(struct pt_rec_stat, bov) },
		{ "Bat HV Times", offsetof(struct pt_rec_stat, bhv) },
		{ "Bat LV Times", offsetof(struct pt_rec_stat, blv) },
		{ "Bat UV Times", offsetof(struct pt_rec_stat, buv) },
		{ "Shut Times", offsetof(struct pt_rec_stat, shutdowns) },
		{ "Bat OT Times", offsetof(struct pt_rec_stat, ot) },
		{ "Bat UT Times", offsetof(struct pt_rec_stat, ut) },
		{ "SOH", offsetof(struct pt_rec_stat, soh_pct) },
		{ "SOH Percent", offsetof(struct pt_rec_stat, soh_pct) },
	};
	char base[PT_REC_NAME_LEN], unit[12];
	size_t i;

	name_unit(name, base, sizeof base, unit, sizeof unit);
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(base, map[i].label) == 0) {
			*(long long *)((char *)st + map[i].off) = v;
			return;
		}
	if (strcasecmp(base, "Pwr Coulomb") == 0)
		st->remain_ah = to_ah(v, unit);
	else if (strcasecmp(base, "Full Cap") == 0 || strcasecmp(base, "Full Capacity") == 0 ||
	    strcasecmp(base, "Total Coulomb") == 0 || strcasecmp(base, "FCC") == 0)
		st->full_ah = to_ah(v, unit[0] ? unit : "mAH");
	else if (strcasecmp(base, "COT Times") == 0 || strcasecmp(base, "DOT Times") == 0)
		*cot_dot = (*cot_dot < 0 ? 0 : *cot_dot) + v;
	else if (strcasecmp(base, "CUT Times") == 0 || strcasecmp(base, "DUT Times") == 0)
		*cut_dut = (*cut_dut < 0 ? 0 : *cut_dut) + v;
}

int
console_rec_stat(const char *body, size_t len, struct pt_rec_stat *st, int *address,
    struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[4];
	long long cot_dot = -1, cut_dut = -1;
	struct kv kv[MAX_PAIRS_PER_LINE];
	int i, n, counters = 0;
	long v;

	stat_reset(st);
	if (address != NULL)
		*address = -1;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		/* "Device address           1": no colon. */
		if (ct_starts(line, "Device address") && memchr(line.p, ':', line.len) == NULL) {
			n = ct_tokens(line, tok, 4, NULL);
			if (n == 3 && ct_long(tok[2], &v) && address != NULL)
				*address = (int)v;
			continue;
		}
		n = line_pairs(line, kv, MAX_PAIRS_PER_LINE);
		if (n == 0) {
			pt_diag_warn(d, "stat: line '%.*s' not understood", (int)(line.len > 60 ?
			    60 : line.len), line.p);
			continue;
		}
		for (i = 0; i < n; i++) {
			struct pt_rec_pair *p;

			if (st->n_all >= PT_REC_MAX_COUNTERS) {
				st->all_truncated = true;
				break;
			}
			p = &st->all[st->n_all++];
			keep_pair(p, kv[i].name, kv[i].value);
			counters++;
			if (p->has_num)
				stat_map(st, p->name, p->num, &cot_dot, &cut_dut);
		}
	}
	if (counters == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "stat: no 'Label : value' counter");
	if (st->ot == PT_REC_NONE)
		st->ot = cot_dot;
	if (st->ut == PT_REC_NONE)
		st->ut = cut_dut;
	st->present = true;
	return 0;
}

/* ---- soh -------------------------------------------------------------------- */

struct soh_cols {
	int	n;
	size_t	at[CT_MAX_TOKENS];	/* header column starts */
	int	index, voltage, count, status;
};

static bool
contains_ci(struct ct_span s, const char *lit)
{
	size_t n = strlen(lit), i;

	for (i = 0; i + n <= s.len; i++)
		if (strncasecmp(s.p + i, lit, n) == 0)
			return true;
	return false;
}

static bool
soh_header(struct ct_span line, struct soh_cols *c)
{
	struct ct_span tok[CT_MAX_TOKENS];
	int i, n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);

	c->n = n;
	c->index = c->voltage = c->count = c->status = -1;
	for (i = 0; i < n; i++) {
		c->at[i] = (size_t)(tok[i].p - line.p);
		if (c->status < 0 && contains_ci(tok[i], "Status"))
			c->status = i;
		else if (c->count < 0 && (contains_ci(tok[i], "Count") ||
		    contains_ci(tok[i], "Cnt") || contains_ci(tok[i], "Times")))
			c->count = i;
		else if (c->voltage < 0 && contains_ci(tok[i], "Volt"))
			c->voltage = i;
		else if (c->index < 0 && (ct_ieq(tok[i], "Battery") || ct_ieq(tok[i], "Cell") ||
		    ct_ieq(tok[i], "Index") || ct_ieq(tok[i], "No") || ct_ieq(tok[i], "Bat")))
			c->index = i;
	}
	if (c->count < 0 && c->status < 0)
		return false;
	if (c->index < 0)
		c->index = 0;
	return true;
}

/* A row's field k: by token when the row has as many as the header,
 * else by the header's column positions (a value that fills its column
 * runs into the next one). */
static struct ct_span
soh_field(struct ct_span line, const struct ct_span *tok, int ntok, const struct soh_cols *c,
    int k)
{
	size_t from, to;

	if (k < 0)
		return (struct ct_span){ line.p, 0 };
	if (ntok == c->n)
		return tok[k];
	from = c->at[k];
	to = k + 1 < c->n ? c->at[k + 1] : line.len;
	if (from >= line.len)
		return (struct ct_span){ line.p + line.len, 0 };
	if (to > line.len)
		to = line.len;
	return trim((struct ct_span){ line.p + from, to - from });
}

int
console_rec_soh(const char *body, size_t len, struct pt_rec_soh *sh, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, tok[CT_MAX_TOKENS];
	struct soh_cols c;
	bool have_header = false;
	long v;
	int n;

	memset(sh, 0, sizeof *sh);
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		struct pt_rec_soh_cell *cell;
		struct ct_span f;

		n = ct_tokens(line, tok, CT_MAX_TOKENS, NULL);
		if (!have_header) {
			if (n == 2 && (ct_eq(tok[0], "Power") || ct_eq(tok[0], "Battery")) &&
			    ct_long(tok[1], &v))
				sh->via = (int)v;	/* "Power   1" */
			else if (soh_header(line, &c))
				have_header = true;
			continue;
		}
		if (n == 0 || !ct_long(soh_field(line, tok, n, &c, c.index), &v)) {
			pt_diag_warn(d, "soh: row '%.*s' not understood", (int)(line.len > 60 ?
			    60 : line.len), line.p);
			continue;
		}
		if (sh->n >= PT_REC_MAX_SOH) {
			sh->truncated = true;
			break;
		}
		cell = &sh->cells[sh->n++];
		cell->index = (int)v;
		cell->voltage_mv = -1;
		cell->count = -1;
		f = soh_field(line, tok, n, &c, c.voltage);
		if (f.len > 0 && ct_long(f, &v))
			cell->voltage_mv = (int)v;
		f = soh_field(line, tok, n, &c, c.count);
		if (f.len > 0 && ct_long(f, &v))
			cell->count = v;
		f = soh_field(line, tok, n, &c, c.status);
		pt_copy_text(cell->status, sizeof cell->status, f.p, f.len);
	}
	if (!have_header)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "soh: no header with a SOH count or "
		    "status column");
	sh->present = true;
	return 0;
}

/* ---- log -------------------------------------------------------------------- */

int
console_rec_log(const char *body, size_t len, struct pt_rec_log *lg, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line, value;
	struct pt_rec_event *e = NULL;
	char key[PT_REC_NAME_LEN];
	long v;

	memset(lg, 0, sizeof *lg);
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (!ct_keyvalue(line, key, sizeof key, &value)) {
			pt_diag_warn(d, "log: line '%.*s' not understood", (int)(line.len > 60 ?
			    60 : line.len), line.p);
			continue;
		}
		value = trim(value);
		if (strcasecmp(key, "Index") == 0) {
			if (lg->n >= PT_REC_MAX_EVENTS) {
				lg->truncated = true;
				break;
			}
			e = &lg->ev[lg->n++];
			memset(e, 0, sizeof *e);
			e->index = ct_long(value, &v) ? v : -1;
		} else if (e == NULL)
			pt_diag_warn(d, "log: '%s' before the first Index", key);
		else if (strcasecmp(key, "Time") == 0)
			pt_copy_text(e->time, sizeof e->time, value.p, value.len);
		else if (strcasecmp(key, "ModID") == 0 || strcasecmp(key, "Module") == 0)
			pt_copy_text(e->module, sizeof e->module, value.p, value.len);
		else if (strcasecmp(key, "Code") == 0)
			pt_copy_text(e->code, sizeof e->code, value.p, value.len);
		else if (strcasecmp(key, "Info") == 0 || strcasecmp(key, "Event") == 0)
			pt_copy_text(e->text, sizeof e->text, value.p, value.len);
		else {
			/* An unknown field is kept with the text, never dropped. */
			char more[PT_REC_TEXT_LEN];
			size_t used = strlen(e->text);

			snprintf(more, sizeof more, "%s%s: %.*s", used ? "; " : "", key,
			    (int)value.len, value.p);
			pt_copy_text(e->text + used, sizeof e->text - used, more, strlen(more));
		}
	}
	if (lg->n == 0) {
		/* An empty log is a log; text without any entry is not. */
		ct_lines_init(&it, body, len);
		if (ct_next_line(&it, &line))
			return pt_diag_fail(d, PT_ERR_PARSE, "%s", "log: no 'Index :' entry");
	}
	lg->present = true;
	return 0;
}

/* ---- time ------------------------------------------------------------------- */

/* "2023-10-05 14:30:18" (also "23-10-05 ...") anywhere in a line: after
 * "RTC", "Ds3231" or nothing. */
static bool
find_datetime(struct ct_span line, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < line.len; i++) {
		int y, mo, dd, h, mi, s, used = 0;
		char tmp[40];
		size_t n = line.len - i < sizeof tmp - 1 ? line.len - i : sizeof tmp - 1;

		if (!isdigit((unsigned char)line.p[i]) || (i > 0 && isdigit((unsigned char)line.p[i - 1])))
			continue;
		memcpy(tmp, line.p + i, n);
		tmp[n] = '\0';
		if (sscanf(tmp, "%d-%d-%d %d:%d:%d%n", &y, &mo, &dd, &h, &mi, &s, &used) == 6 &&
		    mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && h <= 23 && mi <= 59 && s <= 60) {
			snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d", y < 100 ? y + 2000 : y,
			    mo, dd, h, mi, s);
			return true;
		}
	}
	return false;
}

int
console_rec_time(const char *body, size_t len, char *text, size_t size, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line))
		if (find_datetime(line, text, size))
			return 0;
	return pt_diag_fail(d, PT_ERR_PARSE, "%s", "time: no 'YYYY-MM-DD HH:MM:SS' in the answer");
}

/* ---- info, bmuinfo, sysinfo --------------------------------------------------- */

static void
ident_map(struct pt_rec_unit *u, const char *name, struct ct_span value)
{
	static const struct { const char *label; size_t off; } map[] = {
		{ "Manufacturer", offsetof(struct pt_rec_unit, manufacturer) },
		{ "Device name", offsetof(struct pt_rec_unit, model) },
		{ "Barcode", offsetof(struct pt_rec_unit, barcode) },
		{ "Module Barcode", offsetof(struct pt_rec_unit, barcode) },
		{ "Module", offsetof(struct pt_rec_unit, barcode) },
		{ "PCBA Barcode", offsetof(struct pt_rec_unit, pcba_barcode) },
		{ "PCBA", offsetof(struct pt_rec_unit, pcba_barcode) },
		{ "Board version", offsetof(struct pt_rec_unit, board_version) },
		{ "Main Soft version", offsetof(struct pt_rec_unit, main_soft) },
		{ "Soft version", offsetof(struct pt_rec_unit, soft) },
		{ "Boot version", offsetof(struct pt_rec_unit, boot) },
		{ "Comm version", offsetof(struct pt_rec_unit, comm) },
		{ "Release Date", offsetof(struct pt_rec_unit, release_date) },
		{ "Device Test Time", offsetof(struct pt_rec_unit, release_date) },
		{ "Specification", offsetof(struct pt_rec_unit, specification) },
	};
	size_t i;
	long v;

	if (strcasecmp(name, "Device address") == 0 && ct_long(value, &v)) {
		u->address = (int)v;
		return;
	}
	if (strcasecmp(name, "Cell Number") == 0 && ct_long(value, &v)) {
		u->cells = (int)v;
		return;
	}
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		char *dst = (char *)u + map[i].off;

		/* The first one wins: "Barcode" before "Module Barcode", a
		 * release date before a test time. */
		if (strcasecmp(name, map[i].label) == 0 && dst[0] == '\0') {
			pt_copy_text(dst, PT_TEXT_LEN, value.p, value.len);
			return;
		}
	}
}

static void
ident_keep(struct pt_rec_unit *u, const char *name, struct ct_span value)
{
	if (u->n_ident < PT_REC_MAX_PAIRS)
		keep_pair(&u->ident[u->n_ident++], name, value);
	ident_map(u, name, value);
}

/* "BMU 4 Barcode" -> module 5 (BMU k from 0, like bmuinfo); "Unit 1
 * Barcode" -> module 1.  0 when the line is no such header. */
static int
bmu_block(struct ct_span line)
{
	struct ct_span tok[4];
	long v;

	if (ct_tokens(line, tok, 4, NULL) != 3 || !ct_eq(tok[2], "Barcode") ||
	    !ct_long(tok[1], &v) || v < 0 || v >= PT_MAX_MODULES)
		return 0;
	if (ct_eq(tok[0], "BMU"))
		return (int)v + 1;
	if (ct_eq(tok[0], "Unit") && v >= 1)
		return (int)v;
	return 0;
}

/* Identity pairs into `u`; with `r` (HV `info`), BMU barcode blocks go
 * to their modules. */
static int
parse_identity(const char *body, size_t len, struct pt_rec_unit *u, struct pt_records *r,
    struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line;
	struct kv kv[MAX_PAIRS_PER_LINE];
	struct pt_rec_unit *cur = u;
	int i, n, pairs = 0;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		int block = bmu_block(line);

		if (block > 0) {
			cur = r != NULL ? pt_records_unit(r, block, PT_REC_HV_BMU) : NULL;
			if (cur != NULL)
				cur->has_identity = true;
			continue;
		}
		n = line_pairs(line, kv, MAX_PAIRS_PER_LINE);
		if (n == 0) {
			pt_diag_warn(d, "info: line '%.*s' not understood", (int)(line.len > 60 ?
			    60 : line.len), line.p);
			continue;
		}
		for (i = 0; i < n && cur != NULL; i++, pairs++)
			ident_keep(cur, kv[i].name, kv[i].value);
	}
	if (pairs == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "info: no 'Label : value' line");
	u->has_identity = true;
	return 0;
}

int
console_rec_info(const char *body, size_t len, struct pt_rec_unit *u, struct pt_diag *d)
{
	return parse_identity(body, len, u, NULL, d);
}

int
console_rec_sysinfo(const char *body, size_t len, struct pt_rec_unit *u, struct pt_diag *d)
{
	struct ct_lines it;
	struct ct_span line;
	struct kv kv[MAX_PAIRS_PER_LINE];
	int i, n;

	u->n_sysinfo = 0;
	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		n = line_pairs(line, kv, MAX_PAIRS_PER_LINE);
		for (i = 0; i < n && u->n_sysinfo < PT_REC_MAX_PAIRS; i++)
			keep_pair(&u->sysinfo[u->n_sysinfo++], kv[i].name, kv[i].value);
	}
	if (u->n_sysinfo == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "%s", "sysinfo: no 'Label : value' line");
	return 0;
}

/* ---- dispatch ------------------------------------------------------------------- */

bool
console_rec_is_command(const char *name)
{
	static const char *const cmds[] = {
		"stat", "soh", "log", "time", "info", "bmuinfo", "sysinfo", NULL,
	};
	int i;

	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(name, cmds[i]) == 0)
			return true;
	return false;
}

static void
say_error(struct pt_rec_unit *u, const char *command, const char *why)
{
	size_t used = strlen(u->errors);

	snprintf(u->errors + used, sizeof u->errors - used, "%s%s: %s", used ? "; " : "",
	    command, why);
}

int
console_rec_parse(enum console_dialect dialect, const char *command, int arg, int self,
    const char *body, size_t len, int64_t host_ms, struct pt_records *r, struct pt_diag *d)
{
	bool hv = dialect != CD_LV;
	enum pt_rec_kind kind = hv ? PT_REC_HV_CONTROLLER : PT_REC_LV_MODULE;
	struct pt_rec_unit *u, *tmp;
	char name[PT_REC_CMD_LEN];
	int id = hv ? 0 : arg > 0 ? arg : self, address = -1, rc;

	if (!console_rec_is_command(command))
		return pt_diag_fail(d, PT_ERR_UNSUPPORTED, "'%s' is not a records command",
		    command);
	if (arg >= 0)
		snprintf(name, sizeof name, "%s %d", command, arg);
	else
		snprintf(name, sizeof name, "%s", command);
	if (strcmp(command, "bmuinfo") == 0) {
		if (arg < 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "%s", "bmuinfo: which BMU? (bmuinfo N)");
		id = arg + 1;
		kind = PT_REC_HV_BMU;
	}
	/* LV `stat`/`info` without N: the address they print. */
	if (!hv && arg <= 0 && (strcmp(command, "stat") == 0 || strcmp(command, "info") == 0)) {
		/* A unit is 84 KiB: not on a thread's stack. */
		if ((tmp = malloc(sizeof *tmp)) == NULL)
			return pt_diag_fail(d, PT_ERR_NOMEM, "%s", "out of memory");
		pt_rec_unit_init(tmp, 0, kind);
		if (strcmp(command, "stat") == 0)
			rc = console_rec_stat(body, len, &tmp->stat, &address, d);
		else
			rc = console_rec_info(body, len, tmp, d);
		if (rc == 0 && strcmp(command, "info") == 0)
			address = tmp->address;
		free(tmp);
		if (address > 0)
			id = address;
	}
	if ((u = pt_records_unit(r, id, kind)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "more than %d modules", PT_REC_MAX_UNITS);
	pt_rec_keep_raw(u, name, body, len, host_ms);
	if (strcmp(command, "stat") == 0)
		rc = console_rec_stat(body, len, &u->stat, &address, d);
	else if (strcmp(command, "soh") == 0)
		rc = console_rec_soh(body, len, &u->soh, d);
	else if (strcmp(command, "log") == 0)
		rc = console_rec_log(body, len, &u->log, d);
	else if (strcmp(command, "sysinfo") == 0)
		rc = console_rec_sysinfo(body, len, u, d);
	else if (strcmp(command, "time") == 0) {
		rc = console_rec_time(body, len, u->clock.text, sizeof u->clock.text, d);
		if (rc == 0) {
			/* host_ms 0 (a decoded file): when it was read is unknown,
			 * so is the offset. */
			u->clock.present = true;
			u->clock.host_ms = host_ms;
			u->clock.has_offset = host_ms > 0 && pt_rec_clock_offset(u->clock.text,
			    host_ms, &u->clock.offset_s);
		}
	} else {
		rc = parse_identity(body, len, u, hv && strcmp(command, "info") == 0 ? r : NULL, d);
		if (rc == 0 && hv && strcmp(command, "bmuinfo") == 0 && u->address < 0)
			u->address = arg;
	}
	if (rc != 0)
		say_error(u, name, d != NULL ? d->error : "not understood");
	return rc;
}
