/* report.c — render a service report (report.md, report.html, raw/).
 *
 * One block writer (heading, paragraph, table) with a Markdown and an HTML
 * back end: the content is built once, each back end escapes every string
 * it is given (Markdown: backslash before its punctuation; HTML: entities),
 * so a device string cannot become markup in either file. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "export/report.h"
#include "model/health.h"
#include "pt_git.h"
#include "util/clock.h"

#define CELL_LEN	160
#define MAX_COLS	8

enum verdict { V_UNKNOWN, V_HEALTHY, V_DEGRADING, V_FAILED };
static const char *const verdict_name[] = { "unknown", "healthy", "degrading", "failed" };

struct w {
	FILE	*f;
	bool	html;
	int	cols;
};

/* ---- escaping ------------------------------------------------------ */

static void
put_esc(struct w *w, const char *s)
{
	for (; *s != '\0'; s++) {
		if (w->html) {
			switch (*s) {
			case '&': fputs("&amp;", w->f); break;
			case '<': fputs("&lt;", w->f); break;
			case '>': fputs("&gt;", w->f); break;
			case '"': fputs("&quot;", w->f); break;
			case '\'': fputs("&#39;", w->f); break;
			default: fputc(*s, w->f);
			}
		} else {
			/* CommonMark: any ASCII punctuation may be backslash-escaped;
			 * these are the ones that make markup (| ends a table cell). */
			if (strchr("\\`*_{}[]<>#|!&~$", *s) != NULL)
				fputc('\\', w->f);
			fputc(*s, w->f);
		}
	}
}

static void
vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
}

/* ---- blocks -------------------------------------------------------- */

static void
heading(struct w *w, int level, const char *anchor, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vfmt(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (w->html) {
		fprintf(w->f, "<h%d%s%s%s>", level, anchor ? " id=\"" : "", anchor ? anchor : "",
		    anchor ? "\"" : "");
		put_esc(w, buf);
		fprintf(w->f, "</h%d>\n", level);
	} else {
		fprintf(w->f, "\n%.*s ", level, "######");
		put_esc(w, buf);
		fputs("\n\n", w->f);
	}
}

static void
para(struct w *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vfmt(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs(w->html ? "<p>" : "", w->f);
	put_esc(w, buf);
	fputs(w->html ? "</p>\n" : "\n\n", w->f);
}

/* A verdict line, styled by its class in HTML and bold in Markdown. */
static void
verdict_line(struct w *w, enum verdict v)
{
	if (w->html)
		fprintf(w->f, "<p class=\"verdict %s\">Verdict: %s</p>\n", verdict_name[v],
		    verdict_name[v]);
	else
		fprintf(w->f, "**Verdict: %s**\n\n", verdict_name[v]);
}

/* The cells of a table line: <th>/<td> in HTML, "| a | b |" in Markdown;
 * `mark` adds " (!)" after the last one in Markdown. */
static void
put_cells(struct w *w, const char *tag, int n, const char *const *cells, bool mark)
{
	int i;

	for (i = 0; i < n; i++) {
		if (w->html) {
			fprintf(w->f, "<%s>", tag);
			put_esc(w, cells[i]);
			fprintf(w->f, "</%s>", tag);
		} else {
			fputc(' ', w->f);
			put_esc(w, cells[i]);
			if (mark && i == n - 1)
				fputs(" (!)", w->f);
			fputs(" |", w->f);
		}
	}
}

static void
table_head(struct w *w, int n, const char *const *cols)
{
	int i;

	w->cols = n;
	fputs(w->html ? "<table>\n<thead><tr>" : "|", w->f);
	put_cells(w, "th", n, cols, false);
	if (w->html) {
		fputs("</tr></thead>\n<tbody>\n", w->f);
		return;
	}
	fputs("\n|", w->f);
	for (i = 0; i < n; i++)
		fputs(" --- |", w->f);
	fputc('\n', w->f);
}

/* A row of w->cols cells; `mark` highlights it (a non-zero protection
 * count, a flagged cell): <tr class="mark"> and a "!" in Markdown, so it
 * shows without colour too. */
static void
table_row(struct w *w, bool mark, const char *const *cells)
{
	fputs(w->html ? (mark ? "<tr class=\"mark\">" : "<tr>") : "|", w->f);
	put_cells(w, "td", w->cols, cells, mark);
	fputs(w->html ? "</tr>\n" : "\n", w->f);
}

static void
table_end(struct w *w)
{
	fputs(w->html ? "</tbody>\n</table>\n" : "\n", w->f);
}

/* A table of name/value rows. */
static void
kv(struct w *w, const char *name, const char *fmt, ...)
{
	char buf[CELL_LEN];
	const char *cells[2] = { name, buf };
	va_list ap;

	va_start(ap, fmt);
	vfmt(buf, sizeof buf, fmt, ap);
	va_end(ap);
	table_row(w, false, cells);
}

/* ---- facts --------------------------------------------------------- */

static const char *
or_unknown(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "unknown";
}

static const struct pt_module *
live_module(const struct report_input *in, int id)
{
	int i;

	if (in->last == NULL)
		return NULL;
	for (i = 0; i < in->last->n_modules; i++)
		if (in->last->modules[i].id == id)
			return &in->last->modules[i];
	return NULL;
}

static void
local_time(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm);
}

#define JUDGED_LINES	8	/* reasons, and notes, kept of a module */

struct lines {
	int	n;
	char	line[JUDGED_LINES][CELL_LEN];
};

struct judged {
	enum verdict	v;
	struct lines	why, notes;
};

/* Append a line; past the bound it is dropped. */
static void
add_line(struct lines *l, const char *fmt, va_list ap)
{
	if (l->n < JUDGED_LINES)
		vfmt(l->line[l->n++], CELL_LEN, fmt, ap);
}

static void
because(struct judged *j, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	if (v > j->v)
		j->v = v;
	va_start(ap, fmt);
	add_line(&j->why, fmt, ap);
	va_end(ap);
}

static void
note(struct judged *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&j->notes, fmt, ap);
	va_end(ap);
}

/* The verdict of one module: BMS SOH 0 % or a cell SOH "Abnormal" fail it;
 * the cell spread is judged only from samples taken under the configured
 * load at mid-SOC (LFP's flat part).  Protection counts are notes. */
static void
judge(const struct report_input *in, int id, const struct pt_rec_unit *u, struct judged *j)
{
	const struct report_config *rc = &in->cfg->report;
	const struct report_spread *sp = id >= 0 && id <= PT_MAX_MODULES ?
	    &in->spread[id][RC_LOAD] : NULL;
	int i, abnormal = 0;

	memset(j, 0, sizeof *j);
	if (u != NULL && u->stat.present && u->stat.soh_pct == 0)
		because(j, V_FAILED, "BMS SOH is 0 %%: the BMS has declared the module end-of-life");
	else if (u != NULL && u->stat.present && u->stat.soh_pct > 0)
		because(j, V_HEALTHY, "BMS SOH %lld %%", u->stat.soh_pct);
	for (i = 0; u != NULL && i < u->soh.n; i++)
		if (strcasecmp(u->soh.cells[i].status, "Abnormal") == 0) {
			abnormal++;
			if (abnormal <= 3)
				because(j, V_FAILED, "cell %d: SOH status Abnormal (count %ld)",
				    u->soh.cells[i].index, u->soh.cells[i].count);
		}
	if (abnormal > 3)
		because(j, V_FAILED, "%d cells in all with SOH status Abnormal", abnormal);
	if (sp != NULL && sp->n > 0) {
		enum verdict v = sp->max_mv > rc->spread_failed_mv ? V_FAILED :
		    sp->max_mv >= rc->spread_degrading_mv ? V_DEGRADING : V_HEALTHY;

		because(j, v, "cell spread %.0f mV (largest of %d samples at %.1f..%.1f A, "
		    "SOC %.0f..%.0f %%)", sp->max_mv, sp->n, sp->imin, sp->imax, sp->socmin,
		    sp->socmax);
	} else if (id > 0)
		because(j, V_UNKNOWN, "cell spread not judged: no sample at %g-%g A and %g-%g %% "
		    "SOC during the session (LFP spread means little elsewhere)", rc->load_min_a,
		    rc->load_max_a, rc->soc_min, rc->soc_max);
	if (u == NULL || !u->stat.present)
		return;
	if (u->stat.sc > 0 || u->stat.coc > 0 || u->stat.doc > 0)
		note(j, "over-current/short-circuit protections (COC %lld, DOC %lld, SC %lld): "
		    "check the installation", u->stat.coc, u->stat.doc, u->stat.sc);
	if (u->stat.bov > 0 || u->stat.buv > 0)
		note(j, "cell over/under-voltage protections (BOV %lld, BUV %lld): look at the "
		    "cells", u->stat.bov, u->stat.buv);
}

/* ---- sections ------------------------------------------------------ */

static void
thresholds(struct w *w, const struct report_config *rc)
{
	static const char *const cols[] = { "Threshold", "Value", "Config key" };
	char a[64], b[64];
	const char *row[3];

	heading(w, 2, "thresholds", "Thresholds used");
	para(w, "The cell spread (highest minus lowest cell voltage of a module) is judged "
	    "only under moderate current at mid state of charge, where the LFP curve is "
	    "flat; at rest it shows state-of-charge imbalance, near full or empty 30-50 mV "
	    "is normal. A BMS SOH of 0 %% or a cell SOH status Abnormal makes the module "
	    "failed whatever its spread.");
	table_head(w, 3, cols);
	snprintf(a, sizeof a, "below %g mV", rc->spread_degrading_mv);
	row[0] = "healthy spread"; row[1] = a; row[2] = "REPORT_SPREAD_DEGRADING_MV";
	table_row(w, false, row);
	snprintf(a, sizeof a, "%g-%g mV", rc->spread_degrading_mv, rc->spread_failed_mv);
	row[0] = "degrading spread"; row[1] = a; row[2] = "REPORT_SPREAD_DEGRADING_MV";
	table_row(w, false, row);
	snprintf(a, sizeof a, "above %g mV", rc->spread_failed_mv);
	row[0] = "failed spread"; row[1] = a; row[2] = "REPORT_SPREAD_FAILED_MV";
	table_row(w, false, row);
	snprintf(b, sizeof b, "%g-%g A", rc->load_min_a, rc->load_max_a);
	row[0] = "judged under load"; row[1] = b; row[2] = "REPORT_LOAD_MIN_A, REPORT_LOAD_MAX_A";
	table_row(w, false, row);
	snprintf(b, sizeof b, "%g-%g %%", rc->soc_min, rc->soc_max);
	row[0] = "judged at SOC"; row[1] = b; row[2] = "REPORT_SOC_MIN, REPORT_SOC_MAX";
	table_row(w, false, row);
	table_end(w);
}

/* The health engine's ranked findings (each with its evidence in its
 * text and a confidence), or what it cannot judge yet and why. */
static void
health_section(struct w *w, const struct health_report *h)
{
	static const char *const cols[] = { "Module", "Cell", "Cause", "Confidence", "Evidence" };
	char mod[16], cell[16], conf[16];
	int i;

	if (h == NULL)
		return;
	heading(w, 2, "health", "Cell health (from this session's load steps)");
	if (h->n_findings == 0)
		para(w, "No finding: no cell stands out by resistance, deviation under load, "
		    "capacity or drift with the evidence gathered so far.");
	else {
		table_head(w, 5, cols);
		for (i = 0; i < h->n_findings; i++) {
			const struct health_finding *f = &h->findings[i];
			const char *cells[] = { mod, cell, health_cause_name(f->cause), conf, f->text };

			snprintf(mod, sizeof mod, "%d", f->module);
			snprintf(cell, sizeof cell, "%d", f->cell + 1);
			snprintf(conf, sizeof conf, "%.0f %%", f->confidence * 100);
			table_row(w, false, cells);
		}
		table_end(w);
	}
	for (i = 0; i < h->n_notes; i++)
		para(w, "Not judged yet: %s", h->notes[i]);
}

static void
stack_section(struct w *w, const struct report_input *in)
{
	static const char *const cols[] = { "Item", "Value" };
	char t[64], l[64];

	clock_iso8601(in->written_ms, 0, t, sizeof t);
	local_time(in->written_ms, l, sizeof l);
	table_head(w, 2, cols);
	kv(w, "Site", "%s", in->cfg->report.site_name[0] ? in->cfg->report.site_name :
	    "(not set: SITE_NAME in the config file)");
	if (in->stack != NULL)
		kv(w, "Stack", "%s (one of several in this pylontop; a report each)",
		    in->stack);
	kv(w, "Written", "%s (host local time %s)", t, l);
#ifdef PT_GIT_COMMIT
	kv(w, "pylontop", "%s (git %s)", PACKAGE_VERSION, PT_GIT_COMMIT);
#else
	kv(w, "pylontop", "%s", PACKAGE_VERSION);
#endif
	if (in->cfg->baud > 0)
		kv(w, "Link", "%s, protocol %s, %d baud", in->link, in->protocol, in->cfg->baud);
	else
		kv(w, "Link", "%s, protocol %s, the protocol's default speed", in->link,
		    in->protocol);
	kv(w, "Session", "%d samples over %.1f s", in->samples,
	    (double)(in->written_ms - in->started_ms) / 1000.0);
	if (in->rec != NULL && in->rec->seq > 0)
		kv(w, "Records", "%d commands, %d not answered%s", in->rec->commands,
		    in->rec->failed, in->rec->complete ? "" : " (round incomplete)");
	else
		kv(w, "Records", "none read (RS485 has none, or the device did not answer)");
	table_end(w);
}

static void
rack_section(struct w *w, const struct report_input *in, const int *ids, int n)
{
	static const char *const cols[] = { "Position", "Barcode", "Model", "Firmware",
	    "Verdict" };
	const char *row[5];
	char pos[32];
	struct judged j;
	int i;

	heading(w, 2, "rack", "Modules in rack order");
	table_head(w, 5, cols);
	for (i = 0; i < n; i++) {
		const struct pt_rec_unit *u = in->rec ? pt_records_find(in->rec, ids[i]) : NULL;
		const struct pt_module *m = live_module(in, ids[i]);

		judge(in, ids[i], u, &j);
		if (ids[i] == 0)
			snprintf(pos, sizeof pos, "controller");
		else
			snprintf(pos, sizeof pos, "%d%s", ids[i], ids[i] == 1 &&
			    strcmp(in->protocol, "lv") == 0 ? " (master)" : "");
		row[0] = pos;
		row[1] = or_unknown(u && u->barcode[0] ? u->barcode : m ? m->barcode : "");
		row[2] = or_unknown(u && u->model[0] ? u->model : m ? m->model : "");
		row[3] = or_unknown(u && u->main_soft[0] ? u->main_soft : u && u->soft[0] ?
		    u->soft : m ? m->firmware : "");
		row[4] = verdict_name[j.v];
		table_row(w, j.v == V_FAILED, row);
	}
	table_end(w);
}

static void
alarms_section(struct w *w, const struct report_input *in)
{
	static const char *const cols[] = { "Alarm", "Module", "Cell", "Samples", "First seen" };
	static const char *const level[] = { "info", "warning", "alarm", "protect" };
	char mod[16], cell[16], cnt[16], when[40], name[64];
	const char *row[5] = { name, mod, cell, cnt, when };
	int i;

	heading(w, 2, "alarms", "Alarms seen during the session");
	if (in->n_alarms == 0) {
		para(w, "None in %d samples.", in->samples);
		return;
	}
	table_head(w, 5, cols);
	for (i = 0; i < in->n_alarms; i++) {
		const struct report_alarm *a = &in->alarms[i];

		snprintf(name, sizeof name, "%s (%s)", a->name, a->level < 4 ?
		    level[a->level] : "?");
		snprintf(mod, sizeof mod, a->module ? "%d" : "stack", a->module);
		snprintf(cell, sizeof cell, a->cell >= 0 ? "%d" : "-", a->cell + 1);
		snprintf(cnt, sizeof cnt, "%d", a->count);
		clock_iso8601(a->first_ms, 0, when, sizeof when);
		table_row(w, true, row);
	}
	table_end(w);
}

static void
identity(struct w *w, const struct pt_rec_unit *u, const struct pt_module *m)
{
	static const char *const cols[] = { "Identity", "Value" };
	int i;

	table_head(w, 2, cols);
	if (u != NULL && u->has_identity) {
		for (i = 0; i < u->n_ident; i++) {
			const char *row[2] = { u->ident[i].name, u->ident[i].value };

			table_row(w, false, row);
		}
	} else if (m != NULL) {
		kv(w, "Barcode", "%s", or_unknown(m->barcode));
		kv(w, "Model", "%s", or_unknown(m->model));
		kv(w, "Firmware", "%s", or_unknown(m->firmware));
	} else
		kv(w, "Identity", "not read");
	table_end(w);
}

static void
live(struct w *w, const struct report_input *in, const struct pt_module *m)
{
	static const char *const cols[] = { "Reading", "Value" };

	if (m == NULL) {
		para(w, "No live readings of this module in the session.");
		return;
	}
	table_head(w, 2, cols);
	kv(w, "Status", "%s", or_unknown(m->status));
	if (PT_HAS(m, PTF_VOLTAGE))
		kv(w, "Voltage", "%.3f V", m->voltage);
	if (PT_HAS(m, PTF_CURRENT))
		kv(w, "Current", "%.3f A", m->current);
	if (PT_HAS(m, PTF_SOC))
		kv(w, "SOC", "%.0f %%", m->soc);
	if (PT_HAS(m, PTF_SOH))
		kv(w, "SOH (live)", "%.0f %%", m->soh);
	if (PT_HAS(m, PTF_TEMPERATURE))
		kv(w, "Temperature", "%.1f degC", m->temperature);
	if (m->cells_ms > 0)
		kv(w, "Cells read", "%.1f s before the report was written",
		    (double)(in->written_ms - m->cells_ms) / 1000.0);
	table_end(w);
}

static const struct pt_rec_soh_cell *
soh_cell(const struct pt_rec_unit *u, int index)
{
	int i;

	for (i = 0; u != NULL && i < u->soh.n; i++)
		if (u->soh.cells[i].index == index)
			return &u->soh.cells[i];
	return NULL;
}

static void
cells(struct w *w, const struct pt_rec_unit *u, const struct pt_module *m)
{
	static const char *const cols[] = { "Cell", "Voltage mV", "Deviation mV",
	    "Temp degC", "SOH count", "SOH status" };
	char c[6][32];
	const char *row[6] = { c[0], c[1], c[2], c[3], c[4], c[5] };
	struct pt_cell_stats st;
	int i, n;

	if (m != NULL)
		pt_module_cell_stats(m, &st);
	else
		memset(&st, 0, sizeof st);
	n = m != NULL ? m->n_cells : 0;
	if (u != NULL && u->soh.n > n)
		n = u->soh.n;
	if (n == 0) {
		para(w, "No cell readings.");
		return;
	}
	if (st.count > 0)
		para(w, "Mean %.3f V, spread %.0f mV (cell %d low, cell %d high); deviation is "
		    "from the module mean at the last sample.", st.mean, st.spread * 1000,
		    st.argmin + 1, st.argmax + 1);
	table_head(w, 6, cols);
	for (i = 0; i < n; i++) {
		const struct pt_cell *cl = m != NULL && i < m->n_cells ? &m->cells[i] : NULL;
		/* soh prints cells 0-based; the UI and this table count from 1. */
		const struct pt_rec_soh_cell *sc = soh_cell(u, i);
		bool have_v = cl != NULL && PT_HAS(cl, PTF_VOLTAGE) && st.count > 0;
		bool flagged = sc != NULL && (sc->count > 0 ||
		    (sc->status[0] && strcasecmp(sc->status, "Normal") != 0));

		snprintf(c[0], 32, "%d", i + 1);
		snprintf(c[1], 32, have_v ? "%.0f" : "-", cl ? cl->voltage * 1000.0 : 0.0);
		snprintf(c[2], 32, have_v ? "%+.0f" : "-",
		    cl ? round((cl->voltage - st.mean) * 1000.0) + 0.0 : 0.0);
		snprintf(c[3], 32, cl != NULL && PT_HAS(cl, PTF_TEMPERATURE) ? "%.1f" : "-",
		    cl ? cl->temperature : 0.0);
		snprintf(c[4], 32, sc != NULL && sc->count >= 0 ? "%ld" : "-",
		    sc ? sc->count : 0L);
		snprintf(c[5], 32, "%s", sc != NULL && sc->status[0] ? sc->status : "-");
		table_row(w, flagged, row);
	}
	table_end(w);
}

/* `word` in `label` at a word start ("OV" in "Bat OV Times", not in
 * "Coulomb"; "SC" not in "SOC"). */
static bool
word_in(const char *label, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = label; *p != '\0'; p++)
		if ((p == label || !isalpha((unsigned char)p[-1])) &&
		    strncmp(p, word, n) == 0 && !isalpha((unsigned char)p[n]))
			return true;
	return false;
}

static void
counters(struct w *w, const struct pt_rec_unit *u)
{
	static const char *const cols[] = { "Counter", "Value" };
	/* Words of protection/warning labels on LV and HV firmware ("COC
	 * Times", "Bat OV Times", "Bat HV Times", "DUT Times", "Shut Times"). */
	static const char *const protect[] = { "COC", "DOC", "SC", "OV", "UV", "HV", "LV",
	    "Shut", "OT", "UT", "COT", "DOT", "CUT", "DUT", "Short" };
	int i;
	size_t k;

	if (u == NULL || !u->stat.present) {
		para(w, "Lifetime counters not read.");
		return;
	}
	para(w, "CYCLE Times is the full-equivalent cycle count a warranty is written "
	    "against; Charge Times counts charge transitions and is not cycles. Marked rows "
	    "are protection counts that are not zero.");
	table_head(w, 2, cols);
	for (i = 0; i < u->stat.n_all; i++) {
		const struct pt_rec_pair *p = &u->stat.all[i];
		const char *row[2] = { p->name, p->value };
		bool mark = false;

		for (k = 0; k < sizeof protect / sizeof protect[0]; k++)
			if (word_in(p->name, protect[k]))
				mark = p->has_num && p->num > 0;
		table_row(w, mark, row);
	}
	table_end(w);
	if (u->stat.all_truncated)
		para(w, "More counters than pylontop keeps: the list is cut (raw/ has them all).");
}

static void
events(struct w *w, const struct pt_rec_unit *u, const struct report_input *in)
{
	static const char *const cols[] = { "Index", "BMS time", "Module", "Code", "Text" };
	char idx[24], host[40];
	int i;

	if (u == NULL || !u->log.present) {
		para(w, "Event log not read%s.", u != NULL && u->id > 1 &&
		    strcmp(in->protocol, "lv") == 0 ? " (the LV log is read on the console's "
		    "module)" : "");
		return;
	}
	local_time(u->clock.host_ms, host, sizeof host);
	if (u->clock.present)
		para(w, "BMS clock %s, read at host time %s; offset %+.0f s (BMS minus host). "
		    "Event times are the BMS clock's.", u->clock.text,
		    host,
		    u->clock.has_offset ? u->clock.offset_s : 0.0);
	para(w, "%d events, newest first%s.", u->log.n, u->log.truncated ?
	    " - the log is longer: it was cut at pylontop's bound" : "");
	table_head(w, 5, cols);
	for (i = 0; i < u->log.n; i++) {
		const struct pt_rec_event *e = &u->log.ev[i];
		const char *row[5] = { idx, e->time, e->module, e->code, e->text };

		snprintf(idx, sizeof idx, "%ld", e->index);
		table_row(w, false, row);
	}
	table_end(w);
}

static void
spread_section(struct w *w, const struct report_input *in, int id)
{
	static const char *const cols[] = { "Condition", "Samples", "Largest spread",
	    "Current", "SOC", "Judged" };
	static const char *const cond[] = { "under load", "at rest", "other" };
	const struct report_config *rc = &in->cfg->report;
	char c[6][64];
	const char *row[6] = { c[0], c[1], c[2], c[3], c[4], c[5] };
	int k;

	if (id < 1 || id > PT_MAX_MODULES)
		return;
	para(w, "Cell spread seen by pylontop during this session, by condition: under load "
	    "= %g-%g A at %g-%g %% SOC (judged); at rest = below %g A; other = more "
	    "current or the SOC ends (shown, not judged).", rc->load_min_a, rc->load_max_a,
	    rc->soc_min, rc->soc_max, rc->load_min_a);
	table_head(w, 6, cols);
	for (k = 0; k < RC_N; k++) {
		const struct report_spread *s = &in->spread[id][k];

		snprintf(c[0], 64, "%s", cond[k]);
		snprintf(c[1], 64, "%d", s->n);
		if (s->n > 0) {
			snprintf(c[2], 64, "%.0f mV", s->max_mv);
			snprintf(c[3], 64, "%.1f..%.1f A", s->imin, s->imax);
			snprintf(c[4], 64, "%.0f..%.0f %%", s->socmin, s->socmax);
		} else
			strcpy(c[2], "-"), strcpy(c[3], "-"), strcpy(c[4], "-");
		snprintf(c[5], 64, "%s", k == RC_LOAD ? "yes" : "no");
		table_row(w, false, row);
	}
	table_end(w);
}

static void
unit_section(struct w *w, const struct report_input *in, int id)
{
	const struct pt_rec_unit *u = in->rec ? pt_records_find(in->rec, id) : NULL;
	const struct pt_module *m = live_module(in, id);
	struct judged j;
	char anchor[24];
	int i;

	snprintf(anchor, sizeof anchor, "unit-%d", id);
	if (id == 0)
		heading(w, 2, anchor, "Controller");
	else
		heading(w, 2, anchor, "Module %d - %s", id,
		    or_unknown(u && u->barcode[0] ? u->barcode : m ? m->barcode : ""));
	judge(in, id, u, &j);
	verdict_line(w, j.v);
	fputs(w->html ? "<ul>\n" : "", w->f);
	for (i = 0; i < j.why.n + j.notes.n; i++) {
		fputs(w->html ? "<li>" : "- ", w->f);
		if (i >= j.why.n)
			fputs("note: ", w->f);
		put_esc(w, i < j.why.n ? j.why.line[i] : j.notes.line[i - j.why.n]);
		fputs(w->html ? "</li>\n" : "\n", w->f);
	}
	fputs(w->html ? "</ul>\n" : "\n", w->f);
	if (u != NULL && u->errors[0])
		para(w, "Not answered: %s", u->errors);
	heading(w, 3, NULL, "Identity");
	identity(w, u, m);
	if (id > 0) {
		heading(w, 3, NULL, "Live readings");
		live(w, in, m);
	}
	heading(w, 3, NULL, "Cells");
	if (u != NULL && u->soh.present && u->soh.via > 0 && u->soh.via != id)
		para(w, "SOH counts read through module %d.", u->soh.via);
	cells(w, u, m);
	if (id > 0) {
		heading(w, 3, NULL, "Cell spread during the session");
		spread_section(w, in, id);
	}
	heading(w, 3, NULL, "Lifetime counters");
	counters(w, u);
	heading(w, 3, NULL, "Event log");
	events(w, u, in);
}

/* Unit ids in rack order: the controller first (HV), then modules by id. */
static int
rack_ids(const struct report_input *in, int *ids)
{
	bool seen[PT_MAX_MODULES + 1] = { false };
	int i, n = 0;

	for (i = 0; in->last != NULL && i < in->last->n_modules; i++)
		if (in->last->modules[i].id >= 0 && in->last->modules[i].id <= PT_MAX_MODULES)
			seen[in->last->modules[i].id] = true;
	for (i = 0; in->rec != NULL && i < in->rec->n; i++)
		if (in->rec->u[i].id >= 0 && in->rec->u[i].id <= PT_MAX_MODULES)
			seen[in->rec->u[i].id] = true;
	for (i = 0; i <= PT_MAX_MODULES; i++)
		if (seen[i])
			ids[n++] = i;
	return n;
}

static const char css[] =
"body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#111}\n"
"table{border-collapse:collapse;margin:.5em 0 1em}\n"
"th,td{border:1px solid #999;padding:.15em .5em;text-align:left;font-size:90%}\n"
"th{background:#eee}\n"
"tr.mark td{background:#fde2c8;font-weight:bold}\n"
".verdict{font-weight:bold;font-size:120%}\n"
".failed{color:#a00}.degrading{color:#a60}.healthy{color:#070}.unknown{color:#555}\n"
"h2{border-bottom:2px solid #333;margin-top:1.5em}\n"
"@media print{body{max-width:none;margin:0}h2{break-before:auto;break-after:avoid}"
"h3{break-after:avoid}table,tr{break-inside:avoid}}\n";

/* With several stacks the title names the one reported on. */
static void
stack_title(struct w *w, const struct report_input *in)
{
	if (in->stack == NULL)
		return;
	put_esc(w, ", stack ");
	put_esc(w, in->stack);
}

static void
document(struct w *w, const struct report_input *in)
{
	int ids[PT_MAX_MODULES + 1], n, i;
	const char *site = in->cfg->report.site_name[0] ? in->cfg->report.site_name : NULL;

	if (w->html) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<title>", w->f);
		put_esc(w, "Battery service report");
		if (site != NULL) {
			put_esc(w, " - ");
			put_esc(w, site);
		}
		stack_title(w, in);
		fprintf(w->f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	}
	if (w->html) {
		fputs("<h1>", w->f);
		put_esc(w, site ? site : "Battery service report");
		stack_title(w, in);
		fputs("</h1>\n", w->f);
	} else {
		fputs("# ", w->f);
		put_esc(w, site ? site : "Battery service report");
		stack_title(w, in);
		fputs("\n\n", w->f);
	}
	para(w, "Service report written by pylontop with read-only commands. The answers "
	    "of the BMS are in raw/ verbatim, one file per command and module.");
	stack_section(w, in);
	n = rack_ids(in, ids);
	rack_section(w, in, ids, n);
	alarms_section(w, in);
	health_section(w, in->health);
	thresholds(w, &in->cfg->report);
	for (i = 0; i < n; i++)
		unit_section(w, in, ids[i]);
	if (w->html)
		fputs("</body>\n</html>\n", w->f);
}

/* ---- files --------------------------------------------------------- */

static int
write_doc(const struct report_input *in, const char *dir, const char *name, bool html,
    char *why, size_t whysize)
{
	char path[1024];
	struct w w = { .html = html };

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((w.f = fopen(path, "w")) == NULL) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		return -1;
	}
	document(&w, in);
	if (ferror(w.f) | (fclose(w.f) != 0)) {
		snprintf(why, whysize, "%s: write failed", path);
		return -1;
	}
	return 0;
}

/* raw/<unit>_<command>.txt: "module-03_stat_3.txt", "controller_log.txt". */
static int
write_raw(const struct pt_records *r, const char *dir, char *why, size_t whysize)
{
	char path[1024], name[64];
	FILE *f;
	int i, k;
	char *p;

	snprintf(path, sizeof path, "%s/raw", dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; r != NULL && i < r->n; i++) {
		const struct pt_rec_unit *u = &r->u[i];

		for (k = 0; k < u->n_raw; k++) {
			const struct pt_rec_raw *x = &u->raws[k];

			if (u->kind == PT_REC_HV_CONTROLLER)
				snprintf(name, sizeof name, "controller_%s", x->command);
			else
				snprintf(name, sizeof name, "module-%02d_%s", u->id, x->command);
			for (p = name; *p; p++)
				if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
					*p = '_';
			snprintf(path, sizeof path, "%s/raw/%s.txt", dir, name);
			if ((f = fopen(path, "w")) == NULL) {
				snprintf(why, whysize, "%s: %s", path, strerror(errno));
				return -1;
			}
			fwrite(u->raw + x->off, 1, x->len, f);
			if (fclose(f) != 0) {
				snprintf(why, whysize, "%s: write failed", path);
				return -1;
			}
		}
	}
	return 0;
}

void
report_default_dir(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "pylontop-report-%Y%m%d-%H%M%S", &tm);
}

int
report_write(const struct report_input *in, const char *dir, char *why, size_t whysize)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(why, whysize, "%s: %s (give a directory that can be created)", dir,
		    strerror(errno));
		return -1;
	}
	if (write_raw(in->rec, dir, why, whysize) != 0)
		return -1;
	if (write_doc(in, dir, "report.md", false, why, whysize) != 0)
		return -1;
	return write_doc(in, dir, "report.html", true, why, whysize);
}

/* ---- observation --------------------------------------------------- */

static void
observe_spread(struct report_input *in, const struct pt_module *m)
{
	const struct report_config *rc = &in->cfg->report;
	struct pt_cell_stats st;
	struct report_spread *s;
	double i = fabs(m->current);
	int k;

	if (m->id < 1 || m->id > PT_MAX_MODULES || !PT_HAS(m, PTF_CURRENT) || m->cells_ms == 0)
		return;
	pt_module_cell_stats(m, &st);
	if (st.count < 2)
		return;
	if (i < rc->load_min_a)
		k = RC_REST;
	else if (i <= rc->load_max_a && PT_HAS(m, PTF_SOC) && m->soc >= rc->soc_min &&
	    m->soc <= rc->soc_max)
		k = RC_LOAD;
	else
		k = RC_OTHER;
	s = &in->spread[m->id][k];
	if (s->n == 0) {
		s->imin = s->imax = m->current;
		s->socmin = s->socmax = m->soc;
		s->max_mv = 0;
	}
	s->n++;
	s->max_mv = fmax(s->max_mv, st.spread * 1000.0);
	s->imin = fmin(s->imin, m->current);
	s->imax = fmax(s->imax, m->current);
	s->socmin = fmin(s->socmin, m->soc);
	s->socmax = fmax(s->socmax, m->soc);
}

void
report_observe(struct report_input *in, const struct pt_sample *s)
{
	int i, k;

	in->samples++;
	for (i = 0; i < s->n_modules; i++)
		observe_spread(in, &s->modules[i]);
	for (i = 0; i < s->n_alarms; i++) {
		const struct pt_alarm *a = &s->alarms[i];

		for (k = 0; k < in->n_alarms; k++)
			if (strcmp(in->alarms[k].name, a->name) == 0 &&
			    in->alarms[k].module == a->module && in->alarms[k].cell == a->cell)
				break;
		if (k == in->n_alarms) {
			if (k >= REPORT_MAX_ALARMS)
				continue;
			in->n_alarms++;
			snprintf(in->alarms[k].name, sizeof in->alarms[k].name, "%s", a->name);
			in->alarms[k].module = a->module;
			in->alarms[k].cell = a->cell;
			in->alarms[k].first_ms = a->since_ms > 0 ? a->since_ms : s->time_ms;
		}
		in->alarms[k].count++;
		if (a->level > in->alarms[k].level)
			in->alarms[k].level = a->level;
	}
}
