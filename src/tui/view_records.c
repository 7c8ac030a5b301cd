/* view_records.c — the BMS's own records (issue 13) in two views:
 *
 * Inventory ('i'): one row per module — position, barcode, model,
 * firmware, release date, BMS SOH, real cycles (CYCLE Times), SOH-flagged
 * cells, BMS clock offset — and under it, when there are any, the
 * protection counts that are not zero (highlighted, and marked '!' so it
 * shows without colours).
 *
 * Events ('e'): every unit's event log merged, newest first, the BMS's
 * own time next to the host time it corresponds to (BMS time minus the
 * unit's clock offset; "?" when the offset is unknown).  'f' filters by
 * module.
 *
 * Both read the monitor's records snapshot (monitor_records), copied at
 * most once a second; the UI never asks the device. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

#define COPY_EVERY_MS	1000

/* One records snapshot for both views (1.4 MiB: not on the stack). */
static struct pt_records recs;
static uint64_t recs_seq;
static int64_t recs_ms;
static int filter_id = -1;		/* -1: every module */

static const struct pt_records *
snapshot(struct tui *t)
{
	int64_t now = clock_mono_ms();

	if (recs_ms == 0 || now - recs_ms >= COPY_EVERY_MS) {
		recs_seq = monitor_records(t->m, &recs);
		recs_ms = now;
	}
	return recs_seq > 0 ? &recs : NULL;
}

/* A title, or why there is nothing; false: nothing to draw. */
static bool
head(struct tui *t, const struct pt_records *r, int y, int cols, const char *title)
{
	tui_title(t, y, 1, cols - 2, title);
	if (r != NULL)
		return true;
	tui_role(t, TR_DIM);
	tui_text(y + 1, 2, cols - 3, "No records read yet (they are read at start from the LV or "
	    "HV console; not over RS485).");
	attrset(A_NORMAL);
	return false;
}

static int
flagged_cells(const struct pt_rec_unit *u)
{
	int i, n = 0;

	for (i = 0; i < u->soh.n; i++)
		n += u->soh.cells[i].count > 0 || (u->soh.cells[i].status[0] != '\0' &&
		    strcmp(u->soh.cells[i].status, "Normal") != 0);
	return n;
}

/* "COC 1  DOC 2  BOV 1  Shut 13": the non-zero protection counts. */
static int
protections(const struct pt_rec_unit *u, char *buf, size_t size)
{
	const struct { const char *name; long long v; } p[] = {
		{ "COC", u->stat.coc }, { "DOC", u->stat.doc }, { "SC", u->stat.sc },
		{ "BOV", u->stat.bov }, { "BHV", u->stat.bhv }, { "BLV", u->stat.blv },
		{ "BUV", u->stat.buv }, { "OT", u->stat.ot }, { "UT", u->stat.ut },
		{ "Shut", u->stat.shutdowns },
	};
	size_t i, n = 0;
	int count = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof p / sizeof p[0] && n < size; i++)
		if (p[i].v > 0) {
			n += (size_t)snprintf(buf + n, size - n, "%s%s %lld", count ? "  " : "",
			    p[i].name, p[i].v);
			count++;
		}
	return count;
}

void
view_inventory(struct tui *t, int top, int rows, int cols)
{
	const struct pt_records *r = snapshot(t);
	char line[32 * 8], prot[160], soh[8], cyc[12], clk[12];
	int y = top, bottom = top + rows, i, lines = 0, first, skip;

	if (!head(t, r, y++, cols, "Inventory: the BMS's own records"))
		return;
	tui_role(t, TR_HEAD);
	tui_text(y++, 1, cols - 1, "Pos Barcode          Model    Firmware Released  SOH Cycles "
	    "Flag Clock");
	attrset(A_NORMAL);
	for (i = 0; i < r->n; i++)
		lines += 1 + (protections(&r->u[i], prot, sizeof prot) > 0);
	first = tui_clamp_scroll(t, TV_INVENTORY, lines - (bottom - y));
	skip = first;
	for (i = 0; i < r->n && y < bottom; i++) {
		const struct pt_rec_unit *u = &r->u[i];
		int np = protections(u, prot, sizeof prot);

		snprintf(soh, sizeof soh, u->stat.soh_pct >= 0 ? "%lld%%" : "-", u->stat.soh_pct);
		snprintf(cyc, sizeof cyc, u->stat.cycles >= 0 ? "%lld" : "-", u->stat.cycles);
		snprintf(clk, sizeof clk, u->clock.has_offset ? "%+.0fs" : "-", u->clock.offset_s);
		snprintf(line, sizeof line, "%-3s %-16.16s %-8.8s %-8.8s %-9.9s %4s %6s %4d %s",
		    u->kind == PT_REC_HV_CONTROLLER ? "C" : "", u->barcode[0] ? u->barcode : "-",
		    u->model[0] ? u->model : "-", u->main_soft[0] ? u->main_soft :
		    u->soft[0] ? u->soft : "-", u->release_date[0] ? u->release_date : "-", soh,
		    cyc, flagged_cells(u), clk);
		if (u->kind != PT_REC_HV_CONTROLLER) {
			char pos[4];

			snprintf(pos, sizeof pos, "%-3d", u->id);
			memcpy(line, pos, 3);
		}
		if (skip > 0)
			skip--;
		else {
			tui_role(t, u->stat.soh_pct == 0 || flagged_cells(u) > 0 ? TR_BAD : TR_NORMAL);
			tui_text(y++, 1, cols - 1, line);
			attrset(A_NORMAL);
		}
		if (np == 0 || y >= bottom)
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		tui_role(t, TR_WARN);
		tui_printf(y++, 5, cols - 5, "! %s", prot);
		attrset(A_NORMAL);
	}
}

/* BMS event time "YY-MM-DD HH:MM:SS" (or 20YY-...) to host local time,
 * given the unit's offset (BMS minus host). */
static bool
host_time(const struct pt_rec_unit *u, const char *bms, char *buf, size_t size)
{
	struct tm tm = { 0 };
	time_t when;

	if (!u->clock.has_offset || sscanf(bms, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year += tm.tm_year < 100 ? 100 : -1900;
	tm.tm_mon--;
	tm.tm_isdst = -1;
	if ((when = mktime(&tm)) == (time_t)-1)
		return false;
	when -= (time_t)lround(u->clock.offset_s);
	localtime_r(&when, &tm);
	/* The BMS's own two-digit year, so both columns read alike. */
	snprintf(buf, size, "%02d-%02d-%02d %02d:%02d:%02d", tm.tm_year % 100, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return true;
}

struct ev_ref {
	const struct pt_rec_unit *u;
	const struct pt_rec_event *e;
	char	host[24];
};

/* Newest first: by host time when both have one, else by the BMS text. */
static int
ev_cmp(const void *a, const void *b)
{
	const struct ev_ref *x = a, *y = b;
	int c = strcmp(y->host[0] ? y->host : y->e->time, x->host[0] ? x->host : x->e->time);

	return c != 0 ? c : (y->e->index > x->e->index) - (y->e->index < x->e->index);
}

void
view_events(struct tui *t, int top, int rows, int cols)
{
	static struct ev_ref ev[PT_REC_MAX_UNITS * PT_REC_MAX_EVENTS];
	const struct pt_records *r = snapshot(t);
	char title[96];
	int y = top, bottom = top + rows, i, k, n = 0, first;

	if (filter_id >= 0)
		snprintf(title, sizeof title, "Event log of module %d, newest first (f: next)",
		    filter_id);
	else
		snprintf(title, sizeof title, "Event log, newest first (f: filter by module)");
	if (!head(t, r, y++, cols, title))
		return;
	for (i = 0; i < r->n; i++) {
		const struct pt_rec_unit *u = &r->u[i];

		if (filter_id >= 0 && u->id != filter_id)
			continue;
		for (k = 0; k < u->log.n; k++) {
			ev[n] = (struct ev_ref){ .u = u, .e = &u->log.ev[k] };
			if (!host_time(u, u->log.ev[k].time, ev[n].host, sizeof ev[n].host))
				ev[n].host[0] = '\0';
			n++;
		}
	}
	qsort(ev, (size_t)n, sizeof ev[0], ev_cmp);
	tui_role(t, TR_HEAD);
	tui_text(y++, 1, cols - 1, "BMS time          Host time         Mod Code  Text");
	attrset(A_NORMAL);
	if (n == 0) {
		tui_role(t, TR_DIM);
		tui_text(y, 2, cols - 3, "No events in the records.");
		attrset(A_NORMAL);
		return;
	}
	first = tui_clamp_scroll(t, TV_EVENTS, n - (bottom - y));
	for (i = first; i < n && y < bottom; i++)
		tui_printf(y++, 1, cols - 1, "%-17.17s %-17.17s %-3d %-5.5s %s", ev[i].e->time,
		    ev[i].host[0] ? ev[i].host : "?", ev[i].u->id, ev[i].e->code, ev[i].e->text);
}

/* 'f' in the event view: every module, then each unit with a log. */
void
tui_events_filter(struct tui *t)
{
	const struct pt_records *r = snapshot(t);
	int i, next = -1;

	for (i = 0; r != NULL && i < r->n; i++)
		if (r->u[i].log.n > 0 && r->u[i].id > filter_id &&
		    (next < 0 || r->u[i].id < next))
			next = r->u[i].id;
	filter_id = next;
	t->scroll[TV_EVENTS] = 0;
	if (next < 0)
		tui_message(t, "Events of every module");
	else
		tui_message(t, "Events of module %d only", next);
}
