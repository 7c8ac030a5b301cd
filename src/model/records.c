/* records.c — the BMS records model: units, raw answers, clock offset,
 * JSON and text output. */
#include "model/records.h"

#include <cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A unit's arrays (identity pairs, counters, SOH cells, events, sysinfo
 * pairs, raw text) are filled from their start and read only up to their
 * count, and every entry is written whole when it is added: init zeroes
 * around them and copy copies their used prefix, so the untouched rest
 * of a malloc'ed structure is never resident (records.h). */
static int
used(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

/* Bytes [off, off + len) of the unit, zeroed (src NULL) or copied. */
static void
span(struct pt_rec_unit *dst, const struct pt_rec_unit *src, size_t off, size_t len)
{
	if (src != NULL)
		memcpy((char *)dst + off, (const char *)src + off, len);
	else
		memset((char *)dst + off, 0, len);
}

/* Zero (src NULL: every count 0) or copy the used part of a unit. */
static void
unit_used(struct pt_rec_unit *dst, const struct pt_rec_unit *src)
{
	const struct pt_rec_unit *c = src != NULL ? src : dst;	/* the counts */
	size_t raw;

	span(dst, src, 0, offsetof(struct pt_rec_unit, ident));
	span(dst, src, offsetof(struct pt_rec_unit, ident),
	    (size_t)used(c->n_ident, PT_REC_MAX_PAIRS) * sizeof c->ident[0]);
	span(dst, src, offsetof(struct pt_rec_unit, stat), offsetof(struct pt_rec_stat, all));
	span(dst, src, offsetof(struct pt_rec_unit, stat.all),
	    (size_t)used(c->stat.n_all, PT_REC_MAX_COUNTERS) * sizeof c->stat.all[0]);
	span(dst, src, offsetof(struct pt_rec_unit, soh), offsetof(struct pt_rec_soh, cells));
	span(dst, src, offsetof(struct pt_rec_unit, soh.cells),
	    (size_t)used(c->soh.n, PT_REC_MAX_SOH) * sizeof c->soh.cells[0]);
	span(dst, src, offsetof(struct pt_rec_unit, log), offsetof(struct pt_rec_log, ev));
	span(dst, src, offsetof(struct pt_rec_unit, log.ev),
	    (size_t)used(c->log.n, PT_REC_MAX_EVENTS) * sizeof c->log.ev[0]);
	span(dst, src, offsetof(struct pt_rec_unit, clock),
	    offsetof(struct pt_rec_unit, sysinfo) - offsetof(struct pt_rec_unit, clock));
	span(dst, src, offsetof(struct pt_rec_unit, sysinfo),
	    (size_t)used(c->n_sysinfo, PT_REC_MAX_PAIRS) * sizeof c->sysinfo[0]);
	span(dst, src, offsetof(struct pt_rec_unit, errors),
	    offsetof(struct pt_rec_unit, raw) - offsetof(struct pt_rec_unit, errors));
	raw = c->raw_len < sizeof c->raw ? c->raw_len + 1 : sizeof c->raw;
	if (src != NULL)
		memcpy(dst->raw, src->raw, raw);
	else
		dst->raw[0] = '\0';
}

void
pt_rec_unit_init(struct pt_rec_unit *u, int id, enum pt_rec_kind kind)
{
	unit_used(u, NULL);
	u->id = id;
	u->kind = kind;
	u->address = -1;
	u->cells = -1;
}

void
pt_records_init(struct pt_records *r)
{
	memset(r, 0, offsetof(struct pt_records, u));	/* units: made as they come */
}

void
pt_records_copy(struct pt_records *dst, const struct pt_records *src)
{
	int i, n = src->n < 0 ? 0 : src->n > PT_REC_MAX_UNITS ? PT_REC_MAX_UNITS : src->n;

	memcpy(dst, src, offsetof(struct pt_records, u));
	for (i = 0; i < n; i++)
		unit_used(&dst->u[i], &src->u[i]);
}

struct pt_rec_unit *
pt_records_unit(struct pt_records *r, int id, enum pt_rec_kind kind)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->u[i].id == id)
			return &r->u[i];
	if (r->n >= PT_REC_MAX_UNITS)
		return NULL;
	pt_rec_unit_init(&r->u[r->n], id, kind);
	return &r->u[r->n++];
}

const struct pt_rec_unit *
pt_records_find(const struct pt_records *r, int id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->u[i].id == id)
			return &r->u[i];
	return NULL;
}

/* Raw answers keep their line structure: CR dropped, LF kept, other
 * control and non-ASCII bytes shown as '?'. */
void
pt_rec_keep_raw(struct pt_rec_unit *u, const char *command, const char *text, size_t len,
    int64_t host_ms)
{
	struct pt_rec_raw *rw;
	size_t i, room;

	if (u->n_raw >= PT_REC_MAX_RAW)
		return;
	rw = &u->raws[u->n_raw++];
	pt_copy_text(rw->command, sizeof rw->command, command, strlen(command));
	rw->off = u->raw_len;
	rw->host_ms = host_ms;
	room = sizeof u->raw - 1 - u->raw_len;
	for (i = 0; i < len && rw->len < room; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\r')
			continue;
		u->raw[u->raw_len + rw->len++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ?
		    (char)c : '?';
	}
	rw->truncated = i < len;
	u->raw_len += rw->len;
	u->raw[u->raw_len] = '\0';
}

bool
pt_rec_clock_offset(const char *text, int64_t host_ms, double *offset_s)
{
	struct tm tm;
	int y, mo, d, h, mi, s;
	time_t t;

	if (sscanf(text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
		return false;
	if (y < 100)
		y += 2000;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return false;
	*offset_s = (double)t - (double)host_ms / 1000.0;
	return true;
}

/* ---- JSON --------------------------------------------------------------- */

static const char *
kind_name(enum pt_rec_kind k)
{
	switch (k) {
	case PT_REC_LV_MODULE: return "lv_module";
	case PT_REC_HV_CONTROLLER: return "hv_controller";
	case PT_REC_HV_BMU: return "hv_bmu";
	}
	return "unknown";
}

static void
add_count(cJSON *o, const char *key, long long v)
{
	if (v == PT_REC_NONE)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, (double)v);
}

static void
add_text(cJSON *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* `item` under `key`, null when there is none (NULL). */
static void
add_item(cJSON *o, const char *key, cJSON *item)
{
	cJSON_AddItemToObject(o, key, item != NULL ? item : cJSON_CreateNull());
}

/* A number the device may not have given (known false: null), rounded
 * to `decimals`. */
static void
add_number(cJSON *o, const char *key, bool known, double v, int decimals)
{
	double k = pow(10, decimals);

	if (known)
		cJSON_AddNumberToObject(o, key, round(v * k) / k);
	else
		cJSON_AddNullToObject(o, key);
}

/* A list read up to a bound: its items under `key`, and whether the
 * bound cut it. */
static cJSON *
list_json(cJSON *o, const char *key, cJSON *items, bool truncated)
{
	cJSON_AddItemToObject(o, key, items);
	cJSON_AddBoolToObject(o, "truncated", truncated);
	return o;
}

static cJSON *
pairs_json(const struct pt_rec_pair *p, int n)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", p[i].name);
		cJSON_AddStringToObject(o, "value", p[i].value);
		if (p[i].has_num)
			cJSON_AddNumberToObject(o, "num", (double)p[i].num);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *
stat_json(const struct pt_rec_stat *st)
{
	cJSON *o = cJSON_CreateObject();

	add_count(o, "cycles", st->cycles);
	add_count(o, "charge_times", st->charge_times);
	add_count(o, "coc", st->coc);
	add_count(o, "doc", st->doc);
	add_count(o, "sc", st->sc);
	add_count(o, "bov", st->bov);
	add_count(o, "bhv", st->bhv);
	add_count(o, "blv", st->blv);
	add_count(o, "buv", st->buv);
	add_count(o, "shutdowns", st->shutdowns);
	add_count(o, "ot", st->ot);
	add_count(o, "ut", st->ut);
	add_count(o, "soh_pct", st->soh_pct);
	add_number(o, "remain_ah", st->remain_ah >= 0, st->remain_ah, 3);
	add_number(o, "full_ah", st->full_ah >= 0, st->full_ah, 3);
	cJSON_AddItemToObject(o, "all", pairs_json(st->all, st->n_all));
	cJSON_AddBoolToObject(o, "all_truncated", st->all_truncated);
	return o;
}

static cJSON *
soh_json(const struct pt_rec_soh *sh)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
	int i;

	if (sh->via > 0)
		cJSON_AddNumberToObject(o, "via", sh->via);
	for (i = 0; i < sh->n; i++) {
		const struct pt_rec_soh_cell *c = &sh->cells[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "index", c->index);
		if (c->voltage_mv >= 0)
			cJSON_AddNumberToObject(e, "voltage_mv", c->voltage_mv);
		add_count(e, "count", c->count);
		add_text(e, "status", c->status);
		cJSON_AddItemToArray(a, e);
	}
	return list_json(o, "cells", a, sh->truncated);
}

static cJSON *
log_json(const struct pt_rec_log *lg)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
	int i;

	for (i = 0; i < lg->n; i++) {
		const struct pt_rec_event *e = &lg->ev[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "index", e->index);
		add_text(j, "time", e->time);
		add_text(j, "module", e->module);
		add_text(j, "code", e->code);
		add_text(j, "text", e->text);
		cJSON_AddItemToArray(a, j);
	}
	return list_json(o, "events", a, lg->truncated);
}

static cJSON *
identity_json(const struct pt_rec_unit *u)
{
	/* The identity's texts, in the order of the JSON. */
	static const struct {
		const char	*key;
		size_t		 off;
	} texts[] = {
#define T(f)	{ #f, offsetof(struct pt_rec_unit, f) }
		T(manufacturer), T(model), T(barcode), T(pcba_barcode), T(board_version),
		T(main_soft), T(soft), T(boot), T(comm), T(release_date), T(specification),
#undef T
	};
	cJSON *id = cJSON_CreateObject();
	size_t i;

	add_number(id, "address", u->address >= 0, u->address, 0);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		add_text(id, texts[i].key, (const char *)u + texts[i].off);
	add_number(id, "cells", u->cells >= 0, u->cells, 0);
	cJSON_AddItemToObject(id, "all", pairs_json(u->ident, u->n_ident));
	return id;
}

static cJSON *
clock_json(const struct pt_rec_clock *ck)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "bms_time", ck->text);
	add_number(c, "host_ms", ck->has_offset, (double)ck->host_ms, 0);
	add_number(c, "offset_s", ck->has_offset, ck->offset_s, 1);
	return c;
}

/* The answers as the device gave them. */
static cJSON *
raws_json(const struct pt_rec_unit *u)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; i < u->n_raw; i++) {
		cJSON *e = cJSON_CreateObject();
		char *t = malloc(u->raws[i].len + 1);

		cJSON_AddStringToObject(e, "command", u->raws[i].command);
		if (t != NULL) {
			memcpy(t, u->raw + u->raws[i].off, u->raws[i].len);
			t[u->raws[i].len] = '\0';
			cJSON_AddStringToObject(e, "text", t);
			free(t);
		}
		cJSON_AddBoolToObject(e, "truncated", u->raws[i].truncated);
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

static cJSON *
unit_json(const struct pt_rec_unit *u, bool raw)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", u->id);
	cJSON_AddStringToObject(o, "kind", kind_name(u->kind));
	add_item(o, "identity", u->has_identity ? identity_json(u) : NULL);
	add_item(o, "stat", u->stat.present ? stat_json(&u->stat) : NULL);
	add_item(o, "soh", u->soh.present ? soh_json(&u->soh) : NULL);
	add_item(o, "log", u->log.present ? log_json(&u->log) : NULL);
	add_item(o, "clock", u->clock.present ? clock_json(&u->clock) : NULL);
	if (u->n_sysinfo > 0)
		cJSON_AddItemToObject(o, "sysinfo", pairs_json(u->sysinfo, u->n_sysinfo));
	add_text(o, "errors", u->errors);
	if (raw)
		cJSON_AddItemToObject(o, "raw", raws_json(u));
	return o;
}

char *
pt_records_to_json(const struct pt_records *r, bool raw)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
	char *text;
	int i;

	cJSON_AddStringToObject(o, "protocol", r->protocol);
	cJSON_AddNumberToObject(o, "started_ms", (double)r->started_ms);
	cJSON_AddNumberToObject(o, "done_ms", (double)r->done_ms);
	cJSON_AddBoolToObject(o, "complete", r->complete);
	cJSON_AddNumberToObject(o, "commands", r->commands);
	cJSON_AddNumberToObject(o, "failed", r->failed);
	for (i = 0; i < r->n; i++)
		cJSON_AddItemToArray(a, unit_json(&r->u[i], raw));
	cJSON_AddItemToObject(o, "units", a);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* ---- text ----------------------------------------------------------------- */

static void
print_count(FILE *f, const char *label, long long v)
{
	if (v != PT_REC_NONE)
		fprintf(f, "  %-22s %lld\n", label, v);
}

static void
print_unit(FILE *f, const struct pt_rec_unit *u)
{
	int i;

	if (u->kind == PT_REC_HV_CONTROLLER)
		fprintf(f, "Controller\n");
	else
		fprintf(f, "Module %d%s\n", u->id, u->kind == PT_REC_HV_BMU ? " (BMU)" : "");
	if (u->has_identity)
		fprintf(f, "  %-22s %s\n  %-22s %s\n  %-22s %s\n  %-22s %s\n  %-22s %s\n",
		    "model", u->model[0] ? u->model : "-", "barcode",
		    u->barcode[0] ? u->barcode : "-", "firmware",
		    u->main_soft[0] ? u->main_soft : "-", "release date",
		    u->release_date[0] ? u->release_date : "-", "specification",
		    u->specification[0] ? u->specification : "-");
	if (u->stat.present) {
		const struct pt_rec_stat *st = &u->stat;

		print_count(f, "cycles (CYCLE Times)", st->cycles);
		print_count(f, "charge times", st->charge_times);
		print_count(f, "SOH %", st->soh_pct);
		print_count(f, "COC", st->coc);
		print_count(f, "DOC", st->doc);
		print_count(f, "SC", st->sc);
		print_count(f, "BOV", st->bov);
		print_count(f, "BHV", st->bhv);
		print_count(f, "BLV", st->blv);
		print_count(f, "BUV", st->buv);
		print_count(f, "shutdowns", st->shutdowns);
		print_count(f, "OT", st->ot);
		print_count(f, "UT", st->ut);
		fprintf(f, "  %-22s %d (all in JSON)\n", "counters", st->n_all);
	}
	if (u->soh.present) {
		int flagged = 0;

		for (i = 0; i < u->soh.n; i++)
			if (u->soh.cells[i].count > 0 || (u->soh.cells[i].status[0] &&
			    strcmp(u->soh.cells[i].status, "Normal") != 0))
				flagged++;
		fprintf(f, "  %-22s %d cells, %d flagged\n", "soh", u->soh.n, flagged);
	}
	if (u->clock.present && u->clock.has_offset)
		fprintf(f, "  %-22s %s (offset %+.0f s from the host)\n", "BMS clock",
		    u->clock.text, u->clock.offset_s);
	else if (u->clock.present)
		fprintf(f, "  %-22s %s\n", "BMS clock", u->clock.text);
	if (u->log.present) {
		fprintf(f, "  %-22s %d entries%s\n", "event log", u->log.n,
		    u->log.truncated ? " (stopped at the bound)" : "");
		for (i = 0; i < u->log.n; i++)
			fprintf(f, "    %5ld %-19s %-5s %-6s %s\n", u->log.ev[i].index,
			    u->log.ev[i].time, u->log.ev[i].module, u->log.ev[i].code,
			    u->log.ev[i].text);
	}
	for (i = 0; i < u->n_sysinfo; i++)
		fprintf(f, "  %-22s %s\n", u->sysinfo[i].name, u->sysinfo[i].value);
	if (u->errors[0])
		fprintf(f, "  %-22s %s\n", "not read", u->errors);
}

void
pt_records_print_text(FILE *f, const struct pt_records *r)
{
	int i;

	fprintf(f, "BMS records (%s), %d commands, %d failed%s\n", r->protocol, r->commands,
	    r->failed, r->complete ? "" : " (incomplete)");
	for (i = 0; i < r->n; i++)
		print_unit(f, &r->u[i]);
}
