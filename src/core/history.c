/* history.c — bounded memory of past samples (bmon/nvtop style), sized
 * by the stack that is there.
 *
 * history_new() allocates only what does not depend on the stack (the
 * stack series, the newest whole samples, the bucket numbers); the module
 * and cell series are allocated at the first push for the modules and
 * cells that sample has, and re-sized (copied) when a bigger stack shows
 * up.  Between two re-sizes nothing is allocated: a push copies into
 * arrays that exist.  history.h states the bytes per module and per cell.
 *
 * - the HIST_RECENT newest samples, each kept whole (for the UI's
 *   current view and --headless printing);
 * - cell voltages of the last HIST_RING samples, 16 bits each (0.1 mV
 *   steps), for the seconds view of a cell;
 * - min/avg/max buckets, addressed by time: bucket number = t / width,
 *   and the number is stored beside the values, so a bucket from an
 *   earlier lap of the ring, or one no sample fell into, is a gap and
 *   never data.  Stack series are floats; module and cell series are
 *   16-bit fixed point (a code of 0 marks "no value").  The average of
 *   the bucket being filled is kept as an exact double sum beside it and
 *   rounded into the bucket on every sample, so rounding never
 *   accumulates.
 * - cell series are assigned to (module, cell) pairs as they appear.
 *
 * One mutex, held while copying into or out of these arrays (and for the
 * rare re-size).  One pusher (the acquisition thread): its scratch for
 * the values of a sample lives here, so a push allocates nothing.
 */
#include "core/history.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample_fields.h"

#define HIST_CELL_BUDGET	(PT_MAX_MODULES * PT_MAX_CELLS)
#define STACK_SERIES		6
#define MODULE_SERIES		HIST_MODULE_SERIES
#define NO_BUCKET		INT64_MIN

/* A field added to the sample must not vanish from history and the UI:
 * the stack metrics come first, one per stack series, then one per module
 * series, then the cell voltage (hist_metric, history_metric_name/unit). */
_Static_assert(HM_MODULE_VOLTAGE == STACK_SERIES, "one stack metric per stack series");
_Static_assert(HM_CELL_VOLTAGE - HM_MODULE_VOLTAGE == MODULE_SERIES,
    "one module metric per module series");
/* recent_put/recent_get copy a sample by parts: everything before
 * `modules`, the used modules, alarms and words.  A member added anywhere
 * else would silently not be kept: these fail first. */
#define PT_END_OF(m)	(offsetof(struct pt_sample, m) + sizeof ((struct pt_sample *)0)->m)
#define PT_ALIGN_UP(n, a)	(((n) + (a) - 1) / (a) * (a))
_Static_assert(offsetof(struct pt_sample, n_alarms) == PT_END_OF(modules),
    "nothing between modules and n_alarms");
_Static_assert(offsetof(struct pt_sample, alarms) ==
    PT_ALIGN_UP(PT_END_OF(n_alarms), _Alignof(struct pt_alarm)),
    "nothing between n_alarms and alarms");
_Static_assert(offsetof(struct pt_sample, n_words) == PT_END_OF(alarms),
    "nothing between alarms and n_words");
_Static_assert(offsetof(struct pt_sample, words) == PT_END_OF(n_words),
    "nothing between n_words and words");
_Static_assert(sizeof(struct pt_sample) ==
    PT_ALIGN_UP(PT_END_OF(words), _Alignof(struct pt_sample)),
    "nothing after words");

static const int64_t res_ms[HIST_NRES] = { 1000, 60000, 3600000 };
static const size_t res_len[HIST_NRES] = { HIST_SECONDS_LEN, HIST_MINUTES_LEN, HIST_HOURS_LEN };

/* How a series is stored in 16 bits: value = (code - zero) * scale;
 * code 0 means "no value". */
struct codec {
	double	scale;
	int	zero;
};

static const struct codec module_codec[MODULE_SERIES] = {
	{ 0.002, 0 },		/* voltage: 2 mV steps, up to 131 V */
	{ 0.01, 32768 },	/* current: 10 mA, +-327 A */
	{ 0.01, 0 },		/* SOC: 0.01 % */
	{ 0.01, 32768 },	/* highest temperature: 0.01 degC, +-327 */
	{ 0.1, 0 },		/* cell spread: 0.1 mV, up to 6.5 V */
};
static const struct codec cell_codec = { 0.0001, 0 };	/* 0.1 mV, up to 6.55 V */

/* One resolution of one group of series. */
struct tier {
	int64_t		 width_ms;
	size_t		 len;
	int		 nser;
	int64_t		*idx;		/* [len]: bucket number held */
	float		*f;		/* [len][nser][3] min, avg, max (float groups) */
	uint16_t	*q;		/* [len][nser][3] codes (fixed-point groups) */
	const struct codec *codec;	/* series s uses codec[s % ncodec] */
	int		 ncodec;
	int64_t		 open;		/* bucket being filled */
	double		*sum;		/* [nser]: exact sum of the open bucket */
	uint32_t	*n;		/* [nser] */
};

struct hist_values;

struct history {
	pthread_mutex_t	 lock;
	size_t		 bytes;
	struct pt_sample *recent;	/* [HIST_RECENT] whole samples */
	size_t		 head, count;
	int64_t		*cring_t;	/* [HIST_RING] time of each cell row */
	uint16_t	*cring;		/* [HIST_RING][cell_cap] cell_codec codes */
	size_t		 chead, ccount;
	int		 module_cap;	/* modules the module tiers hold */
	int		 cell_cap;	/* cells the cell tiers and cring hold */
	struct tier	 stack[HIST_NRES];
	struct tier	 module[HIST_NRES];
	struct tier	 cell[HIST_NRES];	/* [HIST_MINUTES], [HIST_HOURS] */
	int16_t		 cell_slot[PT_MAX_MODULES][PT_MAX_CELLS];	/* -1: none yet */
	int		 cells_used;
	struct hist_values *vals;	/* the pusher's scratch */
};

/* The values of one sample, worked out before the lock is taken. */
struct hist_values {
	double	stack[STACK_SERIES];		/* NAN: unknown */
	double	module[PT_MAX_MODULES * MODULE_SERIES];
	double	cell[PT_MAX_MODULES][PT_MAX_CELLS];
	int	n_modules;
	int	n_cells[PT_MAX_MODULES];
};

int64_t
history_res_ms(enum hist_res r)
{
	return (unsigned)r < HIST_NRES ? res_ms[r] : 0;
}

size_t
history_res_len(enum hist_res r)
{
	return (unsigned)r < HIST_NRES ? res_len[r] : 0;
}

const char *
history_metric_name(enum hist_metric m)
{
	static const char *const names[] = {
		"Stack voltage", "Stack current", "Stack power", "Stack SOC",
		"Stack highest temperature", "Stack largest cell spread",
		"Module voltage", "Module current", "Module SOC",
		"Module highest temperature", "Module cell spread", "Cell voltage",
	};
	_Static_assert(sizeof names / sizeof names[0] == HM_NMETRICS, "a name per metric");
	return (unsigned)m < HM_NMETRICS ? names[m] : "?";
}

const char *
history_metric_unit(enum hist_metric m)
{
	static const char *const units[] = {
		"V", "A", "W", "%", "C", "mV", "V", "A", "%", "C", "mV", "V",
	};
	_Static_assert(sizeof units / sizeof units[0] == HM_NMETRICS, "a unit per metric");
	return (unsigned)m < HM_NMETRICS ? units[m] : "";
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t
slot_of(const struct tier *t, int64_t k)
{
	int64_t len = (int64_t)t->len, r = k % len;

	return (size_t)(r < 0 ? r + len : r);
}

static uint16_t
encode(const struct codec *c, double v)
{
	double code = nearbyint(v / c->scale) + c->zero;

	if (code < 1)
		return 1;
	if (code > UINT16_MAX)
		return UINT16_MAX;
	return (uint16_t)code;
}

static float
decode(const struct codec *c, uint16_t code)
{
	return (float)((code - c->zero) * c->scale);
}

static void *
alloc(struct history *h, size_t n)
{
	void *p = calloc(1, n);

	if (p != NULL)
		h->bytes += n;
	return p;
}

static bool
tier_init(struct history *h, struct tier *t, enum hist_res r, int nser, bool fixed,
    const struct codec *codec, int ncodec)
{
	size_t i, cells = t->len = res_len[r];

	cells *= (size_t)nser * 3;
	t->width_ms = res_ms[r];
	t->nser = nser;
	t->codec = codec;
	t->ncodec = ncodec;
	t->open = NO_BUCKET;
	t->idx = alloc(h, t->len * sizeof *t->idx);
	if (t->idx == NULL)
		return false;
	for (i = 0; i < t->len; i++)
		t->idx[i] = NO_BUCKET;
	if (nser == 0)
		return true;	/* sized by tier_grow at the first push */
	t->sum = alloc(h, (size_t)nser * sizeof *t->sum);
	t->n = alloc(h, (size_t)nser * sizeof *t->n);
	if (fixed)
		t->q = alloc(h, cells * sizeof *t->q);
	else
		t->f = alloc(h, cells * sizeof *t->f);
	return t->sum != NULL && t->n != NULL && (t->q != NULL || t->f != NULL);
}

/* Room for `nser` fixed-point series (more than now): the buckets held
 * so far are copied, the new series start as gaps.  False (and the tier
 * as it was) when memory is short. */
static bool
tier_grow(struct history *h, struct tier *t, int nser)
{
	size_t old = (size_t)t->nser, i, row = (size_t)nser * 3;
	uint16_t *q = calloc(t->len * row, sizeof *q);
	double *sum = calloc((size_t)nser, sizeof *sum);
	uint32_t *n = calloc((size_t)nser, sizeof *n);

	if (q == NULL || sum == NULL || n == NULL) {
		free(q);
		free(sum);
		free(n);
		return false;
	}
	for (i = 0; i < t->len && old > 0; i++)
		memcpy(&q[i * row], &t->q[i * old * 3], old * 3 * sizeof *q);
	if (old > 0) {
		memcpy(sum, t->sum, old * sizeof *sum);
		memcpy(n, t->n, old * sizeof *n);
	}
	h->bytes += (t->len * row + 0) * sizeof *q + (size_t)nser * (sizeof *sum + sizeof *n);
	h->bytes -= (t->len * old * 3) * sizeof *q + old * (sizeof *sum + sizeof *n);
	free(t->q);
	free(t->sum);
	free(t->n);
	t->q = q;
	t->sum = sum;
	t->n = n;
	t->nser = nser;
	return true;
}

static void
tier_free(struct tier *t)
{
	free(t->idx);
	free(t->f);
	free(t->q);
	free(t->sum);
	free(t->n);
}

static const struct codec *
tier_codec(const struct tier *t, int series)
{
	return &t->codec[series % t->ncodec];
}

/* Make bucket k the one being filled.  A slot still holding k (the
 * clock stepped back) is merged into approximately: its average counts
 * as one sample; otherwise the slot's old lap is wiped. */
static void
tier_open(struct tier *t, int64_t k)
{
	size_t slot = slot_of(t, k), row = slot * (size_t)t->nser * 3;
	int s;

	if (t->idx[slot] == k) {
		for (s = 0; s < t->nser; s++) {
			size_t i = row + (size_t)s * 3;
			bool has = t->q != NULL ? t->q[i] != 0 : !isnan(t->f[i]);

			t->n[s] = has ? 1 : 0;
			t->sum[s] = !has ? 0 : t->q != NULL ?
			    decode(tier_codec(t, s), t->q[i + 1]) : t->f[i + 1];
		}
	} else {
		if (t->q != NULL)
			memset(&t->q[row], 0, (size_t)t->nser * 3 * sizeof *t->q);
		else
			for (s = 0; s < t->nser * 3; s++)
				t->f[row + (size_t)s] = NAN;
		if (t->nser > 0) {
			memset(t->sum, 0, (size_t)t->nser * sizeof *t->sum);
			memset(t->n, 0, (size_t)t->nser * sizeof *t->n);
		}
		t->idx[slot] = k;
	}
	t->open = k;
}

static void
tier_add(struct tier *t, int series, double v)
{
	size_t i;

	if (!isfinite(v) || series < 0 || series >= t->nser)
		return;
	i = (slot_of(t, t->open) * (size_t)t->nser + (size_t)series) * 3;
	t->sum[series] += v;
	t->n[series]++;
	if (t->q != NULL) {
		const struct codec *c = tier_codec(t, series);
		uint16_t code = encode(c, v);

		if (t->q[i] == 0 || code < t->q[i])
			t->q[i] = code;
		if (t->q[i + 2] == 0 || code > t->q[i + 2])
			t->q[i + 2] = code;
		t->q[i + 1] = encode(c, t->sum[series] / t->n[series]);
	} else {
		float x = (float)v;

		if (isnan(t->f[i]) || x < t->f[i])
			t->f[i] = x;
		if (isnan(t->f[i + 2]) || x > t->f[i + 2])
			t->f[i + 2] = x;
		t->f[i + 1] = (float)(t->sum[series] / t->n[series]);
	}
}

static void
tier_point(const struct tier *t, int series, int64_t k, struct hist_point *p)
{
	size_t slot = slot_of(t, k), i = (slot * (size_t)t->nser + (size_t)series) * 3;

	p->t_ms = k * t->width_ms;
	p->valid = false;
	p->min = p->avg = p->max = NAN;
	if (t->idx[slot] != k || series >= t->nser)
		return;		/* never filled, an earlier lap, or not there yet */
	if (t->q != NULL) {
		const struct codec *c = tier_codec(t, series);
		if (t->q[i] == 0)
			return;
		p->min = decode(c, t->q[i]);
		p->avg = decode(c, t->q[i + 1]);
		p->max = decode(c, t->q[i + 2]);
	} else {
		if (isnan(t->f[i]))
			return;
		p->min = t->f[i];
		p->avg = t->f[i + 1];
		p->max = t->f[i + 2];
	}
	p->valid = true;
}

static size_t
tier_series(const struct tier *t, int series, int64_t now_ms, struct hist_point *out,
    size_t max)
{
	int64_t k_now = floor_div(now_ms, t->width_ms);
	size_t i;

	if (max > t->len)
		max = t->len;
	for (i = 0; i < max; i++)
		tier_point(t, series, k_now - (int64_t)(max - 1 - i), &out[i]);
	return max;
}

/* Points of a series that has never had a value: all gaps. */
static size_t
gap_series(const struct tier *t, int64_t now_ms, struct hist_point *out, size_t max)
{
	int64_t k_now = floor_div(now_ms, t->width_ms);
	size_t i;

	if (max > t->len)
		max = t->len;
	for (i = 0; i < max; i++) {
		out[i].t_ms = (k_now - (int64_t)(max - 1 - i)) * t->width_ms;
		out[i].min = out[i].avg = out[i].max = NAN;
		out[i].valid = false;
	}
	return max;
}

static int
clamp_count(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

/* ---- the newest whole samples ------------------------------------------- */

/* Only the used part of a sample is copied in (its modules, alarms and
 * words: a 5 x 15 stack is a fraction of the 18 KiB), and a read gives
 * it back with the unused rest zeroed. */
static void
recent_put(struct pt_sample *dst, const struct pt_sample *s)
{
	int nm = clamp_count(s->n_modules, PT_MAX_MODULES);
	int na = clamp_count(s->n_alarms, PT_MAX_ALARMS);
	int nw = clamp_count(s->n_words, PT_MAX_WORDS);

	memcpy(dst, s, offsetof(struct pt_sample, modules) + (size_t)nm * sizeof s->modules[0]);
	dst->n_alarms = s->n_alarms;
	memcpy(dst->alarms, s->alarms, (size_t)na * sizeof s->alarms[0]);
	dst->n_words = s->n_words;
	memcpy(dst->words, s->words, (size_t)nw * sizeof s->words[0]);
}

static void
recent_get(struct pt_sample *out, const struct pt_sample *src)
{
	int nm = clamp_count(src->n_modules, PT_MAX_MODULES);
	int na = clamp_count(src->n_alarms, PT_MAX_ALARMS);
	int nw = clamp_count(src->n_words, PT_MAX_WORDS);

	memcpy(out, src, offsetof(struct pt_sample, modules) + (size_t)nm * sizeof src->modules[0]);
	memset(&out->modules[nm], 0, (size_t)(PT_MAX_MODULES - nm) * sizeof out->modules[0]);
	out->n_alarms = src->n_alarms;
	memcpy(out->alarms, src->alarms, (size_t)na * sizeof src->alarms[0]);
	memset(&out->alarms[na], 0, (size_t)(PT_MAX_ALARMS - na) * sizeof out->alarms[0]);
	out->n_words = src->n_words;
	memcpy(out->words, src->words, (size_t)nw * sizeof src->words[0]);
	memset(&out->words[nw], 0, (size_t)(PT_MAX_WORDS - nw) * sizeof out->words[0]);
}

/* ---- the values a sample contributes ----------------------------------- */

/* The series are the rows of the field table with a history position
 * (model/sample_fields.c): series k of a group is the row at k + 1.
 * Cells have one series, their voltage. */
static void
sample_values(const struct pt_sample *s, struct hist_values *v)
{
	size_t f, k;
	int i, c;

	v->n_modules = clamp_count(s->n_modules, PT_MAX_MODULES);
	for (k = 0; k < STACK_SERIES; k++)
		v->stack[k] = NAN;
	for (k = 0; k < (size_t)v->n_modules * MODULE_SERIES; k++)
		v->module[k] = NAN;
	for (f = 0; f < pt_n_fields; f++) {
		const struct pt_field_def *fd = &pt_fields[f];
		double x;

		if (fd->history.stack > 0 && fd->history.stack <= STACK_SERIES &&
		    pt_field_number(fd, s, PT_SCOPE_STACK, &s->stack, &x))
			v->stack[fd->history.stack - 1] = x;
		for (i = 0; fd->history.module > 0 && fd->history.module <= MODULE_SERIES &&
		    i < v->n_modules; i++)
			if (pt_field_number(fd, s, PT_SCOPE_MODULE, &s->modules[i], &x))
				v->module[i * MODULE_SERIES + fd->history.module - 1] = x;
	}
	for (i = 0; i < v->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];

		v->n_cells[i] = clamp_count(m->n_cells, PT_MAX_CELLS);
		for (c = 0; c < v->n_cells[i]; c++)
			v->cell[i][c] = PT_HAS(&m->cells[c], PTF_VOLTAGE) ?
			    m->cells[c].voltage : NAN;
	}
}

/* ---- the public face --------------------------------------------------- */

/* What history_new allocates, whatever the stack. */
static size_t
base_bytes(void)
{
	size_t b = sizeof(struct history) + HIST_RECENT * sizeof(struct pt_sample) +
	    sizeof(struct hist_values) + HIST_RING * sizeof(int64_t);
	int r;

	for (r = 0; r < HIST_NRES; r++) {
		/* bucket numbers of the stack, module and cell tiers */
		b += res_len[r] * sizeof(int64_t) * (r == HIST_SECONDS ? 2 : 3);
		/* the stack's float series and their open sums */
		b += res_len[r] * STACK_SERIES * 3 * sizeof(float) +
		    STACK_SERIES * (sizeof(double) + sizeof(uint32_t));
	}
	return b;
}

size_t
history_bytes_for(int modules, int cells)
{
	return base_bytes() + (size_t)modules * HIST_BYTES_PER_MODULE +
	    (size_t)cells * HIST_BYTES_PER_CELL;
}

struct history *
history_new(void)
{
	struct history *h = calloc(1, sizeof *h);
	bool ok;
	int r;

	if (h == NULL)
		return NULL;
	h->bytes = sizeof *h;
	pthread_mutex_init(&h->lock, NULL);
	memset(h->cell_slot, 0xff, sizeof h->cell_slot);	/* all -1 */
	ok = (h->recent = alloc(h, HIST_RECENT * sizeof *h->recent)) != NULL &&
	    (h->vals = alloc(h, sizeof *h->vals)) != NULL &&
	    (h->cring_t = alloc(h, HIST_RING * sizeof *h->cring_t)) != NULL;
	for (r = 0; r < HIST_NRES && ok; r++) {
		ok = tier_init(h, &h->stack[r], (enum hist_res)r, STACK_SERIES, false, NULL, 0) &&
		    tier_init(h, &h->module[r], (enum hist_res)r, 0, true, module_codec,
			MODULE_SERIES);
		if (ok && r != HIST_SECONDS)
			ok = tier_init(h, &h->cell[r], (enum hist_res)r, 0, true, &cell_codec, 1);
	}
	if (!ok) {
		history_free(h);
		return NULL;
	}
	return h;
}

void
history_free(struct history *h)
{
	int r;

	if (h == NULL)
		return;
	for (r = 0; r < HIST_NRES; r++) {
		tier_free(&h->stack[r]);
		tier_free(&h->module[r]);
		tier_free(&h->cell[r]);
	}
	free(h->recent);
	free(h->vals);
	free(h->cring_t);
	free(h->cring);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Room for `cap` cells in the seconds ring; rows kept. */
static bool
cring_grow(struct history *h, int cap)
{
	size_t old = (size_t)h->cell_cap, i;
	uint16_t *q = calloc((size_t)HIST_RING * (size_t)cap, sizeof *q);

	if (q == NULL)
		return false;
	for (i = 0; i < HIST_RING && old > 0; i++)
		memcpy(&q[i * (size_t)cap], &h->cring[i * old], old * sizeof *q);
	h->bytes += (size_t)HIST_RING * ((size_t)cap - old) * sizeof *q;
	free(h->cring);
	h->cring = q;
	return true;
}

/* Size the module and cell series for the stack of this sample (lock
 * held): a bigger stack than before re-sizes them, once.  On a failed
 * allocation the series stay as they are (the new ones are not kept). */
static void
fit_stack(struct history *h, const struct hist_values *v)
{
	int i, c, cells = h->cells_used, r;

	for (i = 0; i < v->n_modules; i++)
		for (c = 0; c < v->n_cells[i]; c++)
			if (h->cell_slot[i][c] < 0 && !isnan(v->cell[i][c]))
				cells++;
	if (cells > HIST_CELL_BUDGET)
		cells = HIST_CELL_BUDGET;
	if (v->n_modules > h->module_cap) {
		for (r = 0; r < HIST_NRES; r++)
			if (!tier_grow(h, &h->module[r], v->n_modules * MODULE_SERIES))
				break;
		if (r == HIST_NRES)
			h->module_cap = v->n_modules;
	}
	if (cells > h->cell_cap) {
		bool ok = cring_grow(h, cells);

		for (r = HIST_MINUTES; r < HIST_NRES && ok; r++)
			ok = tier_grow(h, &h->cell[r], cells);
		if (ok)
			h->cell_cap = cells;
	}
}

/* The series of a cell, assigned on first sight while there is room;
 * -1 when there is none. */
static int
cell_series(struct history *h, int module, int cell)
{
	int16_t *slot = &h->cell_slot[module][cell];

	if (*slot < 0 && h->cells_used < h->cell_cap)
		*slot = (int16_t)h->cells_used++;
	return *slot;
}

static void
push_buckets(struct history *h, const struct hist_values *v, int64_t t)
{
	int r, k, i, c;

	for (r = 0; r < HIST_NRES; r++) {
		struct tier *ts = &h->stack[r], *tm = &h->module[r], *tc = &h->cell[r];
		int64_t b = floor_div(t, ts->width_ms);

		if (ts->open != b)
			tier_open(ts, b);
		for (k = 0; k < STACK_SERIES; k++)
			tier_add(ts, k, v->stack[k]);
		if (tm->open != b)
			tier_open(tm, b);
		for (i = 0; i < v->n_modules * MODULE_SERIES; i++)
			tier_add(tm, i, v->module[i]);
		if (tc->idx == NULL)
			continue;
		if (tc->open != b)
			tier_open(tc, b);
		for (i = 0; i < v->n_modules; i++)
			for (c = 0; c < v->n_cells[i]; c++)
				if (!isnan(v->cell[i][c]))
					tier_add(tc, cell_series(h, i, c), v->cell[i][c]);
	}
}

/* This sample's cell voltages as one row of the seconds ring. */
static void
push_cells(struct history *h, const struct hist_values *v, int64_t t)
{
	uint16_t *row = h->cring != NULL ? &h->cring[h->chead * (size_t)h->cell_cap] : NULL;
	int i, c, k;

	h->cring_t[h->chead] = t;
	if (row != NULL)
		memset(row, 0, (size_t)h->cell_cap * sizeof *row);
	for (i = 0; i < v->n_modules && row != NULL; i++)
		for (c = 0; c < v->n_cells[i]; c++)
			if (!isnan(v->cell[i][c]) && (k = cell_series(h, i, c)) >= 0)
				row[k] = encode(&cell_codec, v->cell[i][c]);
	h->chead = (h->chead + 1) % HIST_RING;
	if (h->ccount < HIST_RING)
		h->ccount++;
}

void
history_push(struct history *h, const struct pt_sample *s)
{
	if (h == NULL || s == NULL)
		return;
	sample_values(s, h->vals);	/* one pusher: its scratch needs no lock */
	pthread_mutex_lock(&h->lock);
	fit_stack(h, h->vals);
	recent_put(&h->recent[h->head], s);
	h->head = (h->head + 1) % HIST_RECENT;
	if (h->count < HIST_RECENT)
		h->count++;
	push_cells(h, h->vals, s->time_ms);
	push_buckets(h, h->vals, s->time_ms);
	pthread_mutex_unlock(&h->lock);
}

bool
history_latest(struct history *h, struct pt_sample *out)
{
	bool ok = false;

	pthread_mutex_lock(&h->lock);
	if (h->count > 0) {
		recent_get(out, &h->recent[(h->head + HIST_RECENT - 1) % HIST_RECENT]);
		ok = true;
	}
	pthread_mutex_unlock(&h->lock);
	return ok;
}

size_t
history_recent(struct history *h, struct pt_sample *out, size_t max)
{
	size_t n, i, first;

	pthread_mutex_lock(&h->lock);
	n = h->count < max ? h->count : max;
	first = (h->head + HIST_RECENT - n) % HIST_RECENT;
	for (i = 0; i < n; i++)
		recent_get(&out[i], &h->recent[(first + i) % HIST_RECENT]);
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* A cell's seconds, from the ring of cell voltages (oldest first). */
static size_t
ring_cell_series(struct history *h, int module, int cell, int64_t now_ms,
    struct hist_point *out, size_t max)
{
	int64_t k_now = floor_div(now_ms, 1000), pos, last = -1;
	int slot = h->cell_slot[module][cell];
	size_t i, n_in = 0;
	double sum = 0;

	if (max > res_len[HIST_SECONDS])
		max = res_len[HIST_SECONDS];
	for (i = 0; i < max; i++) {
		out[i].t_ms = (k_now - (int64_t)(max - 1 - i)) * 1000;
		out[i].min = out[i].avg = out[i].max = NAN;
		out[i].valid = false;
	}
	if (slot < 0 || slot >= h->cell_cap)
		return max;	/* never seen */
	for (i = 0; i < h->ccount; i++) {
		size_t row = (h->chead + HIST_RING - h->ccount + i) % HIST_RING;
		uint16_t code = h->cring[row * (size_t)h->cell_cap + (size_t)slot];
		struct hist_point *p;
		float x;

		pos = (int64_t)max - 1 - (k_now - floor_div(h->cring_t[row], 1000));
		if (pos < 0 || pos >= (int64_t)max || code == 0)
			continue;
		p = &out[pos];
		x = decode(&cell_codec, code);
		if (pos != last) {	/* a new second (or the clock went back) */
			n_in = p->valid ? 1 : 0;
			sum = p->valid ? p->avg : 0;
			last = pos;
		}
		if (!p->valid || x < p->min)
			p->min = x;
		if (!p->valid || x > p->max)
			p->max = x;
		sum += x;
		p->avg = (float)(sum / (double)++n_in);
		p->valid = true;
	}
	return max;
}

size_t
history_series(struct history *h, enum hist_res res, enum hist_metric m,
    int module, int cell, int64_t now_ms, struct hist_point *out, size_t max)
{
	size_t n = 0;
	int slot;

	if ((unsigned)res >= HIST_NRES || (unsigned)m >= HM_NMETRICS || max == 0 || out == NULL)
		return 0;
	if (m >= HM_MODULE_VOLTAGE && (module < 0 || module >= PT_MAX_MODULES))
		return 0;
	if (m == HM_CELL_VOLTAGE && (cell < 0 || cell >= PT_MAX_CELLS))
		return 0;
	pthread_mutex_lock(&h->lock);
	if (m <= HM_STACK_CELL_SPREAD)
		n = tier_series(&h->stack[res], (int)m, now_ms, out, max);
	else if (m != HM_CELL_VOLTAGE)
		n = tier_series(&h->module[res], module * MODULE_SERIES +
		    (int)(m - HM_MODULE_VOLTAGE), now_ms, out, max);
	else if (res == HIST_SECONDS)
		n = ring_cell_series(h, module, cell, now_ms, out, max);
	else if ((slot = h->cell_slot[module][cell]) >= 0)
		n = tier_series(&h->cell[res], slot, now_ms, out, max);
	else
		n = gap_series(&h->cell[res], now_ms, out, max);	/* never seen */
	pthread_mutex_unlock(&h->lock);
	return n;
}

size_t
history_memory(const struct history *h)
{
	return h != NULL ? h->bytes : 0;
}
