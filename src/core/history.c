/* history.c — fixed memory of past samples (bmon/nvtop style).
 *
 * Everything is allocated once, in history_new(), and never grows:
 *
 * - a ring of the last HIST_RING samples, each kept whole (every field,
 *   every alarm and status word) except that the slot has room for
 *   HIST_CELL_BUDGET cells in all: enough for every real stack (16 x 16
 *   LV, 8 x 30 Force H2), where a sample's cells are packed module after
 *   module.  A stack with more cells keeps the first HIST_CELL_BUDGET.
 * - min/avg/max buckets, addressed by time: bucket number = t / width,
 *   and the number is stored beside the values, so a bucket from an
 *   earlier lap of the ring, or one no sample fell into, is a gap and
 *   never data.  Stack series are floats; module and cell series are
 *   16-bit fixed point (a code of 0 marks "no value"), which is what
 *   keeps a 16 x 16 stack under 16 MiB.  The average of the bucket being
 *   filled is kept as an exact double sum beside it and rounded into the
 *   bucket on every sample, so rounding never accumulates.
 * - cell series are assigned to (module, cell) pairs as they appear, up
 *   to HIST_CELL_BUDGET of them.
 *
 * One mutex, held only while copying into or out of these arrays.
 */
#include "core/history.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HIST_CELL_BUDGET	(PT_MAX_MODULES * 16)
#define STACK_SERIES		6
#define MODULE_SERIES		5
#define NO_BUCKET		INT64_MIN

static const int64_t res_ms[HIST_NRES] = { 1000, 60000, 3600000 };
static const size_t res_len[HIST_NRES] = { 3600, 1440, 720 };

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

struct history {
	pthread_mutex_t	 lock;
	size_t		 bytes;
	size_t		 slot_size;
	unsigned char	*ring;		/* HIST_RING packed samples */
	size_t		 head, count;
	struct tier	 stack[HIST_NRES];
	struct tier	 module[HIST_NRES];
	struct tier	 cell[HIST_NRES];	/* [HIST_MINUTES], [HIST_HOURS] */
	int16_t		 cell_slot[PT_MAX_MODULES][PT_MAX_CELLS];	/* -1: none yet */
	int		 cells_used;
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
	static const char *const names[HM_NMETRICS] = {
		"Stack voltage", "Stack current", "Stack power", "Stack SOC",
		"Stack highest temperature", "Stack largest cell spread",
		"Module voltage", "Module current", "Module SOC",
		"Module highest temperature", "Module cell spread", "Cell voltage",
	};
	return (unsigned)m < HM_NMETRICS ? names[m] : "?";
}

const char *
history_metric_unit(enum hist_metric m)
{
	static const char *const units[HM_NMETRICS] = {
		"V", "A", "W", "%", "C", "mV", "V", "A", "%", "C", "mV", "V",
	};
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
	t->sum = alloc(h, (size_t)nser * sizeof *t->sum);
	t->n = alloc(h, (size_t)nser * sizeof *t->n);
	if (fixed)
		t->q = alloc(h, cells * sizeof *t->q);
	else
		t->f = alloc(h, cells * sizeof *t->f);
	if (t->idx == NULL || t->sum == NULL || t->n == NULL || (t->q == NULL && t->f == NULL))
		return false;
	for (i = 0; i < t->len; i++)
		t->idx[i] = NO_BUCKET;
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
		memset(t->sum, 0, (size_t)t->nser * sizeof *t->sum);
		memset(t->n, 0, (size_t)t->nser * sizeof *t->n);
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
	if (t->idx[slot] != k)
		return;		/* never filled, or an earlier lap */
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

/* ---- packing samples into ring slots --------------------------------- */

#define HEAD_SIZE	offsetof(struct pt_sample, modules)
#define TAIL_OFF	offsetof(struct pt_sample, n_alarms)
#define TAIL_SIZE	(sizeof(struct pt_sample) - TAIL_OFF)
#define MOD_HEAD	offsetof(struct pt_module, cells)
#define SLOT_MODULES	(HEAD_SIZE + TAIL_SIZE)
#define SLOT_CELLS	(SLOT_MODULES + PT_MAX_MODULES * MOD_HEAD)
#define SLOT_SIZE	(SLOT_CELLS + HIST_CELL_BUDGET * sizeof(struct pt_cell))

static int
clamp_count(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

static void
pack(unsigned char *dst, const struct pt_sample *s)
{
	struct pt_module *mh;
	int i, nm = clamp_count(s->n_modules, PT_MAX_MODULES), left = HIST_CELL_BUDGET, nc;
	size_t cell = 0;

	memcpy(dst, s, HEAD_SIZE);
	memcpy(dst + HEAD_SIZE, (const unsigned char *)s + TAIL_OFF, TAIL_SIZE);
	for (i = 0; i < nm; i++) {
		mh = (struct pt_module *)(void *)(dst + SLOT_MODULES + (size_t)i * MOD_HEAD);
		memcpy(mh, &s->modules[i], MOD_HEAD);
		nc = clamp_count(s->modules[i].n_cells, PT_MAX_CELLS);
		if (nc > left)
			nc = left;
		mh->n_cells = nc;
		memcpy(dst + SLOT_CELLS + cell * sizeof(struct pt_cell), s->modules[i].cells,
		    (size_t)nc * sizeof(struct pt_cell));
		cell += (size_t)nc;
		left -= nc;
	}
}

static void
unpack(struct pt_sample *s, const unsigned char *src)
{
	const struct pt_module *mh;
	int i, nm;
	size_t cell = 0;

	memset(s, 0, sizeof *s);
	memcpy(s, src, HEAD_SIZE);
	memcpy((unsigned char *)s + TAIL_OFF, src + HEAD_SIZE, TAIL_SIZE);
	nm = clamp_count(s->n_modules, PT_MAX_MODULES);
	for (i = 0; i < nm; i++) {
		mh = (const struct pt_module *)(const void *)(src + SLOT_MODULES +
		    (size_t)i * MOD_HEAD);
		memcpy(&s->modules[i], mh, MOD_HEAD);
		memcpy(s->modules[i].cells, src + SLOT_CELLS + cell * sizeof(struct pt_cell),
		    (size_t)mh->n_cells * sizeof(struct pt_cell));
		cell += (size_t)mh->n_cells;
	}
}

/* A cell of a packed sample, NULL when the sample has none there. */
static const struct pt_cell *
packed_cell(const unsigned char *src, int module, int cell)
{
	const struct pt_sample *hd = (const struct pt_sample *)(const void *)src;
	const struct pt_module *mh;
	size_t off = 0;
	int i;

	if (module >= clamp_count(hd->n_modules, PT_MAX_MODULES))
		return NULL;
	for (i = 0; i < module; i++) {
		mh = (const struct pt_module *)(const void *)(src + SLOT_MODULES +
		    (size_t)i * MOD_HEAD);
		off += (size_t)mh->n_cells;
	}
	mh = (const struct pt_module *)(const void *)(src + SLOT_MODULES +
	    (size_t)module * MOD_HEAD);
	if (cell >= mh->n_cells)
		return NULL;
	return (const struct pt_cell *)(const void *)(src + SLOT_CELLS +
	    (off + (size_t)cell) * sizeof(struct pt_cell));
}

/* ---- the values a sample contributes ----------------------------------- */

static double
val(uint32_t valid, uint32_t bit, double v)
{
	return (valid & bit) ? v : NAN;
}

static double
module_temp_max(const struct pt_module *m)
{
	double t = NAN;
	int i;

	if (PT_HAS(m, PTF_TEMP_MAX))
		return m->temp_max;
	for (i = 0; i < clamp_count(m->n_cells, PT_MAX_CELLS); i++)
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE) &&
		    (isnan(t) || m->cells[i].temperature > t))
			t = m->cells[i].temperature;
	return isnan(t) ? val(m->valid, PTF_TEMPERATURE, m->temperature) : t;
}

/* Cell spread of a module in mV; NAN below two known cells. */
static double
module_spread_mv(const struct pt_module *m)
{
	struct pt_cell_stats cs;

	pt_module_cell_stats(m, &cs);
	return cs.count >= 2 ? cs.spread * 1000.0 : NAN;
}

static void
sample_values(const struct pt_sample *s, struct hist_values *v)
{
	const struct pt_stack *st = &s->stack;
	double *mv, spread = NAN;
	int i, c;

	v->n_modules = clamp_count(s->n_modules, PT_MAX_MODULES);
	for (i = 0; i < v->n_modules; i++) {
		const struct pt_module *m = &s->modules[i];

		mv = &v->module[i * MODULE_SERIES];
		mv[0] = val(m->valid, PTF_VOLTAGE, m->voltage);
		mv[1] = val(m->valid, PTF_CURRENT, m->current);
		mv[2] = val(m->valid, PTF_SOC, m->soc);
		mv[3] = module_temp_max(m);
		mv[4] = module_spread_mv(m);
		if (!isnan(mv[4]) && (isnan(spread) || mv[4] > spread))
			spread = mv[4];
		v->n_cells[i] = clamp_count(m->n_cells, PT_MAX_CELLS);
		for (c = 0; c < v->n_cells[i]; c++)
			v->cell[i][c] = val(m->cells[c].valid, PTF_VOLTAGE, m->cells[c].voltage);
	}
	v->stack[0] = val(st->valid, PTF_VOLTAGE, st->voltage);
	v->stack[1] = val(st->valid, PTF_CURRENT, st->current);
	v->stack[2] = val(st->valid, PTF_POWER, st->power);
	v->stack[3] = val(st->valid, PTF_SOC, st->soc);
	v->stack[4] = PT_HAS(st, PTF_TEMP_MAX) ? st->temp_max :
	    val(st->valid, PTF_TEMPERATURE, st->temperature);
	v->stack[5] = spread;
}

/* ---- the public face --------------------------------------------------- */

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
	h->slot_size = SLOT_SIZE;
	ok = (h->ring = alloc(h, h->slot_size * HIST_RING)) != NULL;
	for (r = 0; r < HIST_NRES && ok; r++) {
		ok = tier_init(h, &h->stack[r], (enum hist_res)r, STACK_SERIES, false, NULL, 0) &&
		    tier_init(h, &h->module[r], (enum hist_res)r,
			PT_MAX_MODULES * MODULE_SERIES, true, module_codec, MODULE_SERIES);
		if (ok && r != HIST_SECONDS)
			ok = tier_init(h, &h->cell[r], (enum hist_res)r, HIST_CELL_BUDGET, true,
			    &cell_codec, 1);
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
	free(h->ring);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* The series of a cell, assigned on first sight while the budget lasts;
 * -1 when it is spent. */
static int
cell_series(struct history *h, int module, int cell)
{
	int16_t *slot = &h->cell_slot[module][cell];

	if (*slot < 0 && h->cells_used < HIST_CELL_BUDGET)
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

void
history_push(struct history *h, const struct pt_sample *s)
{
	struct hist_values *v;

	if (h == NULL || s == NULL || (v = malloc(sizeof *v)) == NULL)
		return;
	sample_values(s, v);
	pthread_mutex_lock(&h->lock);
	pack(h->ring + h->head * h->slot_size, s);
	h->head = (h->head + 1) % HIST_RING;
	if (h->count < HIST_RING)
		h->count++;
	push_buckets(h, v, s->time_ms);
	pthread_mutex_unlock(&h->lock);
	free(v);
}

bool
history_latest(struct history *h, struct pt_sample *out)
{
	bool ok = false;

	pthread_mutex_lock(&h->lock);
	if (h->count > 0) {
		unpack(out, h->ring + ((h->head + HIST_RING - 1) % HIST_RING) * h->slot_size);
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
	first = (h->head + HIST_RING - n) % HIST_RING;
	for (i = 0; i < n; i++)
		unpack(&out[i], h->ring + ((first + i) % HIST_RING) * h->slot_size);
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* A cell's seconds, from the ring of whole samples (oldest first). */
static size_t
ring_cell_series(struct history *h, int module, int cell, int64_t now_ms,
    struct hist_point *out, size_t max)
{
	int64_t k_now = floor_div(now_ms, 1000), pos, last = -1;
	size_t i, n_in = 0;
	double sum = 0;

	if (max > res_len[HIST_SECONDS])
		max = res_len[HIST_SECONDS];
	for (i = 0; i < max; i++) {
		out[i].t_ms = (k_now - (int64_t)(max - 1 - i)) * 1000;
		out[i].min = out[i].avg = out[i].max = NAN;
		out[i].valid = false;
	}
	for (i = 0; i < h->count; i++) {
		const unsigned char *src = h->ring +
		    ((h->head + HIST_RING - h->count + i) % HIST_RING) * h->slot_size;
		const struct pt_sample *hd = (const struct pt_sample *)(const void *)src;
		const struct pt_cell *c = packed_cell(src, module, cell);
		struct hist_point *p;
		float x;

		pos = (int64_t)max - 1 - (k_now - floor_div(hd->time_ms, 1000));
		if (pos < 0 || pos >= (int64_t)max || c == NULL || !PT_HAS(c, PTF_VOLTAGE))
			continue;
		p = &out[pos];
		x = c->voltage;
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
