/* health.c — per-cell resistance, deviation, drift and balancing share,
 * and the findings drawn from them (see health.h). */
#include "model/health.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

/* The ring index wraps with a mask. */
_Static_assert((HEALTH_IR_STEPS & (HEALTH_IR_STEPS - 1)) == 0, "a power of two");
#define HEALTH_MAGIC		0x48544c48u	/* "HLTH" */
#define HEALTH_VERSION		1u
#define MS_PER_DAY		86400000LL
#define SOC_LOW_BAND		20.0	/* %: below is the low knee */
#define SOC_HIGH_BAND		80.0	/* %: above is the high knee */
#define BAL_HOUR_S		3600.0
#define BAL_DAY_S		86400.0
#define MIN_CELLS_FOR_MEDIAN	3
/* A reading later than this many typical intervals after the previous
 * one follows a gap (a lost answer, a link drop): no step across it. */
#define GAP_FACTOR		2.5
#define DT_TYP_WEIGHT		0.1

/* Welford's running mean and variance. */
struct run {
	uint32_t	n;
	float		mean, m2;
};

struct hcell {
	float		ir[HEALTH_IR_STEPS];	/* ohm, ring */
	uint8_t		ir_head, ir_n;
	uint32_t	ir_total;
	struct run	dev[HBAND_N][HB_N];	/* V */
	struct { int32_t day; uint32_t n; float sum; } rest[HEALTH_DAYS];
	/* Exponential averages of balancing (1/0) and of their weights, so
	 * a short span is not pulled towards the starting value. */
	float		bal_hour, bal_day, bal_hour_w, bal_day_w;
	bool		bal_known;
};

struct hmodule {
	int		id;
	char		barcode[PT_TEXT_LEN];
	int		n_cells;
	/* The previous fresh reading of this module's cells. */
	bool		prev_ok;
	int64_t		prev_ms;
	double		prev_current, prev_temp;
	bool		prev_temp_ok;
	float		prev_v[PT_MAX_CELLS];
	uint32_t	prev_valid;	/* cells with a voltage */
	uint32_t	prev_bal;	/* cells balancing */
	uint32_t	rejected;
	float		dt_typ;		/* typical s between readings (average) */
	struct hcell	cells[PT_MAX_CELLS];
};

/* What the state file holds: fixed size, no pointers. */
struct hstate {
	uint32_t	magic, version, size;
	int		n_modules;
	struct hmodule	m[PT_MAX_MODULES];
};

struct health {
	struct health_config cfg;
	struct hstate	st;
};

void
health_config_defaults(struct health_config *c)
{
	memset(c, 0, sizeof *c);
	c->step_min_a = 5;
	c->min_steps = 10;
	c->ir_ratio = 1.5;
	c->max_gap_s = 10;
	c->max_temp_step = 1.0;
	c->rest_a = 1;
	c->light_a = 10;
	c->heavy_a = 30;
	c->min_samples = 20;
	c->knee_mv = 15;
	c->offset_mv = 20;
	c->drift_mv_day = 2;
	c->drift_min_days = 3;
}

int
health_config_set(struct health_config *c, const char *key, const char *value,
    char *msg, size_t msgsize)
{
	static const struct {
		const char	*key;
		size_t		 off;
		double		 lo, hi;
		bool		 integer;
	} keys[] = {
#define K(k, f, lo, hi, i) { k, offsetof(struct health_config, f), lo, hi, i }
		K("HEALTH_STEP_MIN_A", step_min_a, 0.5, 1000, false),
		K("HEALTH_MIN_STEPS", min_steps, 1, HEALTH_IR_STEPS, true),
		K("HEALTH_IR_RATIO", ir_ratio, 1.05, 100, false),
		K("HEALTH_MAX_GAP_S", max_gap_s, 0.2, 3600, false),
		K("HEALTH_MAX_TEMP_STEP", max_temp_step, 0, 50, false),
		K("HEALTH_REST_A", rest_a, 0, 1000, false),
		K("HEALTH_LIGHT_A", light_a, 0, 1000, false),
		K("HEALTH_HEAVY_A", heavy_a, 0, 1000, false),
		K("HEALTH_MIN_SAMPLES", min_samples, 1, 1000000, true),
		K("HEALTH_KNEE_MV", knee_mv, 1, 1000, false),
		K("HEALTH_OFFSET_MV", offset_mv, 1, 1000, false),
		K("HEALTH_DRIFT_MV_DAY", drift_mv_day, 0.1, 1000, false),
		K("HEALTH_DRIFT_MIN_DAYS", drift_min_days, 2, HEALTH_DAYS, true),
#undef K
	};
	size_t i;
	char *end;
	double d;

	if (strcmp(key, "HEALTH_STATE_FILE") == 0) {
		if (strlen(value) >= sizeof c->state_file) {
			snprintf(msg, msgsize, "%s: the path is too long", key);
			return -1;
		}
		strcpy(c->state_file, value);
		return 1;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		d = strtod(value, &end);
		if (end == value || *end != '\0' || d < keys[i].lo || d > keys[i].hi ||
		    (keys[i].integer && d != floor(d))) {
			snprintf(msg, msgsize, "%s: '%s' is not %s from %g to %g", key, value,
			    keys[i].integer ? "a whole number" : "a number", keys[i].lo,
			    keys[i].hi);
			return -1;
		}
		if (keys[i].integer)
			*(int *)(void *)((char *)c + keys[i].off) = (int)d;
		else
			*(double *)(void *)((char *)c + keys[i].off) = d;
		return 1;
	}
	return 0;
}

int
health_config_check(const struct health_config *c, char *msg, size_t msgsize)
{
	if (c->rest_a < c->light_a && c->light_a < c->heavy_a)
		return 0;
	snprintf(msg, msgsize, "HEALTH_REST_A (%g) < HEALTH_LIGHT_A (%g) < HEALTH_HEAVY_A (%g) "
	    "does not hold: the current bins would overlap (fix the config)", c->rest_a,
	    c->light_a, c->heavy_a);
	return PT_ERR_CONFIG;
}

/* The header of an empty (zeroed) state. */
static void
stamp(struct hstate *st)
{
	st->magic = HEALTH_MAGIC;
	st->version = HEALTH_VERSION;
	st->size = sizeof *st;
}

struct health *
health_new(const struct health_config *c)
{
	struct health *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	h->cfg = *c;
	stamp(&h->st);	/* calloc zeroed it: a memset would make all 16 modules resident */
	return h;
}

void
health_free(struct health *h)
{
	free(h);
}

void
health_reset(struct health *h)
{
	memset(&h->st, 0, sizeof h->st);
	stamp(&h->st);
}

const char *
health_cause_name(enum health_cause c)
{
	static const char *const n[] = { "resistance", "low_capacity_empty",
		"low_capacity_full", "offset", "drift" };
	return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "?";
}

const char *
health_bin_name(enum health_bin b)
{
	static const char *const n[] = { "heavy_discharge", "moderate_discharge",
		"light_discharge", "rest", "light_charge", "moderate_charge", "heavy_charge" };
	return (unsigned)b < HB_N ? n[b] : "?";
}

const char *
health_band_name(enum health_band b)
{
	static const char *const n[] = { "soc_below_20", "soc_20_80", "soc_above_80" };
	return (unsigned)b < HBAND_N ? n[b] : "?";
}

static enum health_bin
bin_of(const struct health_config *c, double amps)
{
	double a = fabs(amps);
	int k = a < c->rest_a ? 0 : a < c->light_a ? 1 : a < c->heavy_a ? 2 : 3;

	if (k == 0)
		return HB_REST;
	return amps < 0 ? (enum health_bin)(HB_REST - k) : (enum health_bin)(HB_REST + k);
}

static enum health_band
band_of(double soc)
{
	return soc < SOC_LOW_BAND ? HBAND_LOW : soc > SOC_HIGH_BAND ? HBAND_HIGH : HBAND_MID;
}

static void
run_add(struct run *r, double x)
{
	double d = x - r->mean;

	r->n++;
	r->mean += (float)(d / r->n);
	r->m2 += (float)(d * (x - r->mean));
}

/* The engine's slot for module id; a different barcode at the same id is
 * another module: its history is not this one's. */
static struct hmodule *
slot_of(struct health *h, const struct pt_module *pm)
{
	struct hmodule *hm;
	int i;

	for (i = 0; i < h->st.n_modules; i++) {
		hm = &h->st.m[i];
		if (hm->id != pm->id)
			continue;
		if (pm->barcode[0] != '\0' && strcmp(hm->barcode, pm->barcode) != 0) {
			if (hm->barcode[0] != '\0')
				memset(hm, 0, sizeof *hm);
			hm->id = pm->id;
			snprintf(hm->barcode, sizeof hm->barcode, "%s", pm->barcode);
		}
		return hm;
	}
	if (h->st.n_modules >= PT_MAX_MODULES)
		return NULL;
	hm = &h->st.m[h->st.n_modules++];
	memset(hm, 0, sizeof *hm);
	hm->id = pm->id;
	snprintf(hm->barcode, sizeof hm->barcode, "%s", pm->barcode);
	return hm;
}

/* One load step: every cell with a voltage in both readings and no change
 * of its balancing gives dV/dI. */
static void
take_step(struct hmodule *hm, const struct pt_module *pm, uint32_t valid, uint32_t bal,
    double di)
{
	double inv = 1.0 / di;
	int c;

	for (c = 0; c < pm->n_cells && c < PT_MAX_CELLS; c++) {
		struct hcell *hc = &hm->cells[c];
		uint32_t bit = 1u << c;

		if (!(valid & hm->prev_valid & bit) || ((bal ^ hm->prev_bal) & bit) != 0)
			continue;
		hc->ir[hc->ir_head] = (float)((pm->cells[c].voltage - hm->prev_v[c]) * inv);
		hc->ir_head = (uint8_t)((hc->ir_head + 1) & (HEALTH_IR_STEPS - 1));
		if (hc->ir_n < HEALTH_IR_STEPS)
			hc->ir_n++;
		hc->ir_total++;
	}
}

/* Time-weighted share of balancing: an average over about an hour and a
 * day (exponential, so no per-sample history is needed). */
static void
balance_share(struct hcell *hc, bool on, double a_h, double a_d)
{
	hc->bal_known = true;
	hc->bal_hour += (float)(a_h * ((on ? 1 : 0) - hc->bal_hour));
	hc->bal_day += (float)(a_d * ((on ? 1 : 0) - hc->bal_day));
	hc->bal_hour_w += (float)(a_h * (1 - hc->bal_hour_w));
	hc->bal_day_w += (float)(a_d * (1 - hc->bal_day_w));
}

/* The deviation at rest, mid-SOC, of one UTC day (for the drift). */
static void
rest_add(struct hcell *hc, int32_t day, double dev)
{
	int k = day % HEALTH_DAYS;

	if (hc->rest[k].day != day) {
		hc->rest[k].day = day;
		hc->rest[k].n = 0;
		hc->rest[k].sum = 0;
	}
	hc->rest[k].n++;
	hc->rest[k].sum += (float)dev;
}

static void
feed_module(struct health *h, const struct pt_sample *s, const struct pt_module *pm)
{
	const struct health_config *cfg = &h->cfg;
	struct hmodule *hm;
	uint32_t valid = 0, bal = 0;
	double mean = 0, dt_s, di;
	bool temp_ok, soc_ok, gap_ok;
	int c, n = 0;

	if (pm->n_cells <= 0 || pm->cells_ms <= 0 || !PT_HAS(pm, PTF_CURRENT))
		return;
	if ((hm = slot_of(h, pm)) == NULL)
		return;
	/* Only a new reading of the cells counts; a repeat of cached cells
	 * would count the same moment twice. */
	if (hm->prev_ok && pm->cells_ms == hm->prev_ms)
		return;
	if (s->time_ms > 0 && s->time_ms - pm->cells_ms > (int64_t)(cfg->max_gap_s * 1000)) {
		hm->prev_ok = false;
		return;
	}
	for (c = 0; c < pm->n_cells && c < PT_MAX_CELLS; c++) {
		const struct pt_cell *pc = &pm->cells[c];
		if (PT_HAS(pc, PTF_VOLTAGE)) {
			valid |= 1u << c;
			mean += pc->voltage;
			n++;
		}
		if (PT_HAS(pc, PTF_BALANCING) && pc->balancing)
			bal |= 1u << c;
	}
	hm->n_cells = pm->n_cells < PT_MAX_CELLS ? pm->n_cells : PT_MAX_CELLS;
	if (n < 2) {
		hm->prev_ok = false;
		return;
	}
	mean /= n;
	dt_s = hm->prev_ok ? (double)(pm->cells_ms - hm->prev_ms) / 1000.0 : -1;
	gap_ok = dt_s > 0 && dt_s <= cfg->max_gap_s &&
	    (hm->dt_typ <= 0 || dt_s <= GAP_FACTOR * hm->dt_typ);
	if (dt_s > 0 && dt_s <= cfg->max_gap_s)
		hm->dt_typ = hm->dt_typ <= 0 ? (float)dt_s :
		    (float)(hm->dt_typ + DT_TYP_WEIGHT * (dt_s - hm->dt_typ));
	soc_ok = PT_HAS(pm, PTF_SOC);
	temp_ok = PT_HAS(pm, PTF_TEMPERATURE);
	if (soc_ok) {
		enum health_bin bin = bin_of(cfg, pm->current);
		enum health_band band = band_of(pm->soc);
		bool rest_mid = bin == HB_REST && band == HBAND_MID && s->time_ms > 0;
		int32_t day = (int32_t)(s->time_ms / MS_PER_DAY);

		for (c = 0; c < hm->n_cells; c++) {
			struct hcell *hc = &hm->cells[c];
			double dev;
			if (!(valid & (1u << c)))
				continue;
			dev = pm->cells[c].voltage - mean;
			run_add(&hc->dev[band][bin], dev);
			if (rest_mid)
				rest_add(hc, day, dev);
		}
	}
	if (gap_ok) {
		double a_h = 1 - exp(-dt_s / BAL_HOUR_S), a_d = 1 - exp(-dt_s / BAL_DAY_S);
		for (c = 0; c < hm->n_cells; c++)
			if (PT_HAS(&pm->cells[c], PTF_BALANCING))
				balance_share(&hm->cells[c], pm->cells[c].balancing, a_h, a_d);
	}
	di = pm->current - hm->prev_current;
	if (hm->prev_ok && fabs(di) >= cfg->step_min_a) {
		bool ok = gap_ok && soc_ok && band_of(pm->soc) == HBAND_MID;
		if (ok && temp_ok && hm->prev_temp_ok &&
		    fabs(pm->temperature - hm->prev_temp) > cfg->max_temp_step)
			ok = false;
		if (ok)
			take_step(hm, pm, valid, bal, di);
		else
			hm->rejected++;
	}
	hm->prev_ok = true;
	hm->prev_ms = pm->cells_ms;
	hm->prev_current = pm->current;
	hm->prev_temp = pm->temperature;
	hm->prev_temp_ok = temp_ok;
	hm->prev_valid = valid;
	hm->prev_bal = bal;
	for (c = 0; c < hm->n_cells; c++)
		hm->prev_v[c] = pm->cells[c].voltage;
}

void
health_feed(struct health *h, const struct pt_sample *s)
{
	int i;

	for (i = 0; i < s->n_modules; i++)
		feed_module(h, s, &s->modules[i]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quantile q of n sorted values, linear between neighbours. */
static double
quantile(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)floor(pos);

	if (lo >= n - 1)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

static void
drift_of(const struct health_config *cfg, const struct hcell *hc, double *slope,
    double *span)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int32_t dmin = INT32_MAX, dmax = INT32_MIN;
	int k, n = 0;

	*slope = NAN;
	*span = 0;
	for (k = 0; k < HEALTH_DAYS; k++) {
		double x, y;
		if (hc->rest[k].n == 0)
			continue;
		x = hc->rest[k].day;
		y = hc->rest[k].sum / hc->rest[k].n * 1000;
		sx += x; sy += y; sxx += x * x; sxy += x * y;
		n++;
		if (hc->rest[k].day < dmin)
			dmin = hc->rest[k].day;
		if (hc->rest[k].day > dmax)
			dmax = hc->rest[k].day;
	}
	if (n < 2)
		return;
	*span = dmax - dmin;
	if (*span < cfg->drift_min_days || n * sxx - sx * sx <= 0)
		return;
	*slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

static void
cell_report(const struct health *h, const struct hcell *hc, struct health_cell_report *cr)
{
	const struct health_config *cfg = &h->cfg;
	double v[HEALTH_IR_STEPS];
	int b, k;

	memset(cr, 0, sizeof *cr);
	cr->ir_mohm = cr->ir_spread_mohm = cr->ir_ratio = NAN;
	cr->ir_steps = hc->ir_n;
	cr->ir_steps_total = hc->ir_total;
	if (hc->ir_n >= cfg->min_steps) {
		for (k = 0; k < hc->ir_n; k++)
			v[k] = hc->ir[k] * 1000.0;
		qsort(v, hc->ir_n, sizeof v[0], cmp_double);
		cr->ir_mohm = quantile(v, hc->ir_n, 0.5);
		cr->ir_spread_mohm = quantile(v, hc->ir_n, 0.75) - quantile(v, hc->ir_n, 0.25);
	}
	for (b = 0; b < HBAND_N; b++)
		for (k = 0; k < HB_N; k++) {
			const struct run *r = &hc->dev[b][k];
			cr->dev_n[b][k] = r->n;
			cr->dev_mv[b][k] = r->n >= (uint32_t)cfg->min_samples ? r->mean * 1000.0 : NAN;
			cr->dev_sd_mv[b][k] = r->n >= (uint32_t)cfg->min_samples ?
			    sqrt(r->m2 / (r->n - 1)) * 1000.0 : NAN;
		}
	drift_of(cfg, hc, &cr->drift_mv_day, &cr->drift_span_days);
	cr->bal_hour = hc->bal_known && hc->bal_hour_w > 0 ? hc->bal_hour / hc->bal_hour_w : NAN;
	cr->bal_day = hc->bal_known && hc->bal_day_w > 0 ? hc->bal_day / hc->bal_day_w : NAN;
}

static struct health_finding *
add_finding(struct health_report *r, int module, int cell, enum health_cause cause,
    double confidence, double beyond)
{
	struct health_finding *f;

	if (r->n_findings >= HEALTH_MAX_FINDINGS)
		return NULL;
	f = &r->findings[r->n_findings++];
	*f = (struct health_finding){ .module = module, .cell = cell, .cause = cause,
	    .confidence = confidence > 1 ? 1 : confidence };
	f->score = f->confidence * beyond;
	return f;
}

/* The deviation under load in the heaviest discharge bin with evidence,
 * mid-SOC: told with a resistance finding. */
static int
load_evidence(const struct health_cell_report *cr, char *out, size_t size)
{
	int k;

	for (k = HB_HEAVY_DIS; k < HB_REST; k++)
		if (!isnan(cr->dev_mv[HBAND_MID][k]))
			return snprintf(out, size, "; %+.0f mV from the mean at %s, 20-80 %% SOC",
			    cr->dev_mv[HBAND_MID][k], health_bin_name((enum health_bin)k));
	out[0] = '\0';
	return 0;
}

/* A knee (band vs mid-SOC at the same current bin), averaged over the
 * bins with evidence in both, weighted by their counts. */
static double
knee_of(const struct health_cell_report *cr, enum health_band band, uint32_t *evidence)
{
	double sum = 0, w = 0;
	int k;

	*evidence = 0;
	for (k = 0; k < HB_N; k++) {
		double wk;
		if (isnan(cr->dev_mv[band][k]) || isnan(cr->dev_mv[HBAND_MID][k]))
			continue;
		wk = cr->dev_n[band][k] < cr->dev_n[HBAND_MID][k] ?
		    cr->dev_n[band][k] : cr->dev_n[HBAND_MID][k];
		sum += wk * (cr->dev_mv[band][k] - cr->dev_mv[HBAND_MID][k]);
		w += wk;
		*evidence += cr->dev_n[band][k];
	}
	return w > 0 ? sum / w : NAN;
}

static double
evidence_conf(double n, double needed)
{
	return n / (n + needed);	/* 0.5 at the minimum, towards 1 with more */
}

static void
module_findings(const struct health *h, struct health_report *r,
    const struct health_module_report *mr)
{
	const struct health_config *cfg = &h->cfg;
	struct health_finding *f;
	char extra[96];
	int c;

	for (c = 0; c < mr->n_cells; c++) {
		const struct health_cell_report *cr = &mr->cells[c];
		uint32_t ev;
		double knee;

		if (!isnan(cr->ir_ratio) && cr->ir_ratio >= cfg->ir_ratio &&
		    (f = add_finding(r, mr->id, c, HC_RESISTANCE,
		    evidence_conf(cr->ir_steps_total, cfg->min_steps) *
		    fmin(1, (cr->ir_ratio - 1) / (cfg->ir_ratio - 1)),
		    cr->ir_ratio / cfg->ir_ratio)) != NULL) {
			load_evidence(cr, extra, sizeof extra);
			snprintf(f->text, sizeof f->text, "module %d cell %d: internal resistance "
			    "%.2f mOhm vs module median %.2f mOhm (x%.1f, %u load steps)%s",
			    mr->id, c + 1, cr->ir_mohm, mr->ir_median_mohm, cr->ir_ratio,
			    cr->ir_steps_total, extra);
		}
		knee = knee_of(cr, HBAND_LOW, &ev);
		if (!isnan(knee) && knee <= -cfg->knee_mv &&
		    (f = add_finding(r, mr->id, c, HC_CAPACITY_LOW,
		    evidence_conf(ev, cfg->min_samples), -knee / cfg->knee_mv)) != NULL)
			snprintf(f->text, sizeof f->text, "module %d cell %d: low capacity: "
			    "%.0f mV lower below 20 %% SOC than at 20-80 %% at the same current "
			    "(%u readings): it reaches empty first", mr->id, c + 1, -knee, ev);
		knee = knee_of(cr, HBAND_HIGH, &ev);
		if (!isnan(knee) && knee >= cfg->knee_mv &&
		    (f = add_finding(r, mr->id, c, HC_CAPACITY_HIGH,
		    evidence_conf(ev, cfg->min_samples), knee / cfg->knee_mv)) != NULL)
			snprintf(f->text, sizeof f->text, "module %d cell %d: low capacity or "
			    "imbalance: %.0f mV higher above 80 %% SOC than at 20-80 %% at the same "
			    "current (%u readings): it reaches full first", mr->id, c + 1, knee, ev);
		if (!isnan(cr->dev_mv[HBAND_MID][HB_REST]) &&
		    fabs(cr->dev_mv[HBAND_MID][HB_REST]) >= cfg->offset_mv &&
		    (f = add_finding(r, mr->id, c, HC_OFFSET,
		    evidence_conf(cr->dev_n[HBAND_MID][HB_REST], cfg->min_samples),
		    fabs(cr->dev_mv[HBAND_MID][HB_REST]) / cfg->offset_mv)) != NULL)
			snprintf(f->text, sizeof f->text, "module %d cell %d: %+.0f mV from the "
			    "mean at rest, 20-80 %% SOC (%u readings): state-of-charge imbalance or "
			    "a measuring offset", mr->id, c + 1, cr->dev_mv[HBAND_MID][HB_REST],
			    cr->dev_n[HBAND_MID][HB_REST]);
		if (!isnan(cr->drift_mv_day) && fabs(cr->drift_mv_day) >= cfg->drift_mv_day &&
		    (f = add_finding(r, mr->id, c, HC_DRIFT,
		    evidence_conf(cr->drift_span_days, cfg->drift_min_days),
		    fabs(cr->drift_mv_day) / cfg->drift_mv_day)) != NULL)
			snprintf(f->text, sizeof f->text, "module %d cell %d: drifting %+.1f mV/day "
			    "at rest over %.0f days: it self-discharges %s than its siblings",
			    mr->id, c + 1, cr->drift_mv_day, cr->drift_span_days,
			    cr->drift_mv_day < 0 ? "faster" : "slower");
	}
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct health_finding *x = a, *y = b;

	return (x->score < y->score) - (x->score > y->score);
}

static void
module_report(const struct health *h, const struct hmodule *hm,
    struct health_module_report *mr)
{
	double irs[PT_MAX_CELLS];
	int c, n = 0;

	memset(mr, 0, sizeof *mr);
	mr->id = hm->id;
	mr->n_cells = hm->n_cells;
	mr->rejected = hm->rejected;
	mr->ir_median_mohm = NAN;
	mr->steps_min = hm->n_cells > 0 ? INT32_MAX : 0;
	for (c = 0; c < hm->n_cells; c++) {
		cell_report(h, &hm->cells[c], &mr->cells[c]);
		if (mr->cells[c].ir_steps < mr->steps_min)
			mr->steps_min = mr->cells[c].ir_steps;
		if (!isnan(mr->cells[c].ir_mohm))
			irs[n++] = mr->cells[c].ir_mohm;
	}
	if (n >= MIN_CELLS_FOR_MEDIAN) {
		qsort(irs, (size_t)n, sizeof irs[0], cmp_double);
		mr->ir_median_mohm = quantile(irs, n, 0.5);
		for (c = 0; c < hm->n_cells; c++)
			if (!isnan(mr->cells[c].ir_mohm) && mr->ir_median_mohm > 0)
				mr->cells[c].ir_ratio = mr->cells[c].ir_mohm / mr->ir_median_mohm;
	}
}

void
health_report(const struct health *h, struct health_report *out)
{
	int i;

	/* Only what the counts cover is written: a whole report is 16
	 * modules' worth (255 KiB), most of it never touched on a small stack. */
	out->n_modules = h->st.n_modules;
	out->n_findings = 0;
	out->n_notes = 0;
	for (i = 0; i < h->st.n_modules; i++) {
		struct health_module_report *mr = &out->m[i];
		memset(mr, 0, sizeof *mr);
		module_report(h, &h->st.m[i], mr);
		module_findings(h, out, mr);
		if (mr->steps_min < h->cfg.min_steps && out->n_notes < HEALTH_MAX_NOTES)
			snprintf(out->notes[out->n_notes++], HEALTH_TEXT_LEN,
			    "module %d: not enough load steps yet: %d of %d (steps of %.0f A or "
			    "more at 20-80 %% SOC)", mr->id, mr->steps_min, h->cfg.min_steps,
			    h->cfg.step_min_a);
	}
	qsort(out->findings, (size_t)out->n_findings, sizeof out->findings[0], cmp_finding);
}

const struct health_module_report *
health_report_module(const struct health_report *r, int id)
{
	int i;

	for (i = 0; i < r->n_modules; i++)
		if (r->m[i].id == id)
			return &r->m[i];
	return NULL;
}

int
health_save(const struct health *h, const char *path, char *err, size_t errsize)
{
	char tmp[600];
	int fd, e;
	ssize_t w;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		goto fail;
	w = write(fd, &h->st, sizeof h->st);
	if (w != (ssize_t)sizeof h->st || fsync(fd) != 0) {
		e = w >= 0 && w != (ssize_t)sizeof h->st ? ENOSPC : errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errsize, "cannot write the health state %s: %s", path, strerror(errno));
	return -1;
}

int
health_load(struct health *h, const char *path, char *err, size_t errsize)
{
	struct hstate *st = malloc(sizeof *st);
	FILE *f;
	size_t n;

	if (st == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errsize, "cannot read the health state %s: %s", path,
		    strerror(errno));
		free(st);
		return -1;
	}
	n = fread(st, 1, sizeof *st, f);
	fclose(f);
	if (n != sizeof *st || st->magic != HEALTH_MAGIC || st->version != HEALTH_VERSION ||
	    st->size != sizeof *st || st->n_modules < 0 || st->n_modules > PT_MAX_MODULES) {
		snprintf(err, errsize, "%s is not a health state of this pylontop (ignored; "
		    "it is rewritten on exit)", path);
		free(st);
		return -1;
	}
	h->st = *st;
	/* A reading before the restart is not the previous one of the next. */
	for (n = 0; n < (size_t)h->st.n_modules; n++)
		h->st.m[n].prev_ok = false;
	free(st);
	return 0;
}
