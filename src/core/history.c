/* history.c — fixed memory of past samples (bmon/nvtop style).
 *
 * - a ring of the last HIST_RING samples, packed: each slot keeps only as
 *   many cells per module as the first sample had (at least 16), so a
 *   16 x 16 stack's whole history stays under 16 MiB;
 * - min/avg/max buckets per series, addressed by time: bucket number =
 *   t / width, stored beside the values, so a bucket left over from an
 *   earlier lap of the ring, or never written, is a gap, not data.
 *   Stack series at seconds, minutes and hours; module series at minutes
 *   and hours (their seconds come from the ring); every cell voltage at
 *   minutes.
 *
 * All memory is allocated when the first sample arrives (its shape fixes
 * the cell capacity) and never grows.  One mutex, held only to copy.
 */
#include "core/history.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STACK_SERIES	6
#define MODULE_SERIES	5
#define MIN_CELL_CAP	16

struct block {
	int64_t		 width_ms;
	size_t		 len;
	int		 nser;
	int64_t		*idx;		/* [len]: bucket number held, -1 none */
	float		*min, *max, *avg;	/* [nser * len] */
	uint16_t	*n;		/* [nser * len]: samples in the bucket */
};

struct history {
	pthread_mutex_t	 lock;
	bool		 ready;
	int		 cell_cap;
	size_t		 slot_size;
	unsigned char	*ring;		/* HIST_RING slots */
	size_t		 head, count;
	struct block	 stack[HIST_NRES];
	struct block	 module[HIST_NRES];	/* [HIST_MINUTES], [HIST_HOURS] */
	struct block	 cell;			/* minutes */
	size_t		 bytes;
};

static const int64_t res_ms[HIST_NRES] = { 1000, 60000, 3600000 };
static const size_t res_len[HIST_NRES] = { 3600, 1440, 720 };

int64_t
history_res_ms(enum hist_res r)
{
	return r < HIST_NRES ? res_ms[r] : 0;
}

size_t
history_res_len(enum hist_res r)
{
	return r < HIST_NRES ? res_len[r] : 0;
}

const char *
history_metric_name(enum hist_metric m)
{
	static const char *const names[HM_NMETRICS] = {
		"Stack voltage", "Stack current", "Stack power", "Stack SOC",
		"Highest temperature", "Largest cell spread",
		"Module voltage", "Module current", "Module SOC",
		"Module highest temperature", "Module cell spread", "Cell voltage",
	};
	return m < HM_NMETRICS ? names[m] : "?";
}

const char *
history_metric_unit(enum hist_metric m)
{
	static const char *const units[HM_NMETRICS] = {
		"V", "A", "W", "%", "C", "mV", "V", "A", "%", "C", "mV", "V",
	};
	return m < HM_NMETRICS ? units[m] : "";
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
block_init(struct history *h, struct block *b, enum hist_res r, int nser)
{
	size_t i, total = (size_t)nser * res_len[r];

	b->width_ms = res_ms[r];
	b->len = res_len[r];
	b->nser = nser;
	b->idx = alloc(h, b->len * sizeof *b->idx);
	b->min = alloc(h, total * sizeof(float));
	b->max = alloc(h, total * sizeof(float));
	b->avg = alloc(h, total * sizeof(float));
	b->n = alloc(h, total * sizeof(uint16_t));
	if (b->idx == NULL || b->min == NULL || b->max == NULL || b->avg == NULL || b->n == NULL)
		return false;
	for (i = 0; i < b->len; i++)
		b->idx[i] = -1;
	return true;
}

static void
block_free(struct block *b)
{
	free(b->idx);
	free(b->min);
	free(b->max);
	free(b->avg);
	free(b->n);
}

/* Start (or find) the bucket of time t; returns its slot. */
static size_t
block_slot(struct block *b, int64_t t)
{
	int64_t k = t / b->width_ms;
	size_t slot = (size_t)(k % (int64_t)b->len);
	int s;

	if (b->idx[slot] != k) {
		b->idx[slot] = k;
		for (s = 0; s < b->nser; s++)
			b->n[(size_t)s * b->len + slot] = 0;
	}
	return slot;
}

static void
block_add(struct block *b, size_t slot, int series, double v)
{
	size_t i = (size_t)series * b->len + slot;
	float x = (float)v;

	if (!isfinite(v) || series >= b->nser)
		return;
	if (b->n[i] == 0) {
		b->min[i] = b->max[i] = b->avg[i] = x;
	} else {
		if (x < b->min[i])
			b->min[i] = x;
		if (x > b->max[i])
			b->max[i] = x;
		b->avg[i] += (x - b->avg[i]) / (float)(b->n[i] + 1);
	}
	if (b->n[i] < UINT16_MAX)
		b->n[i]++;
}

/* ---- packing samples into ring slots --------------------------------- */

#define HEAD_SIZE	offsetof(struct pt_sample, modules)
#define TAIL_OFF	offsetof(struct pt_sample, n_alarms)
#define TAIL_SIZE	(sizeof(struct pt_sample) - TAIL_OFF)
#define MOD_HEAD	offsetof(struct pt_module, cells)

static size_t
module_packed(const struct history *h)
{
	return MOD_HEAD + (size_t)h->cell_cap * sizeof(struct pt_cell);
}

static void
pack(const struct history *h, unsigned char *dst, const struct pt_sample *s)
{
	int i;

	memcpy(dst, s, HEAD_SIZE);
	memcpy(dst + HEAD_SIZE, (const unsigned char *)s + TAIL_OFF, TAIL_SIZE);
	dst += HEAD_SIZE + TAIL_SIZE;
	for (i = 0; i < PT_MAX_MODULES; i++, dst += module_packed(h)) {
		if (i >= s->n_modules)
			continue;
		memcpy(dst, &s->modules[i], module_packed(h));
		if (s->modules[i].n_cells > h->cell_cap)
			((struct pt_module *)(void *)dst)->n_cells = h->cell_cap;
	}
}

static void
unpack(const struct history *h, struct pt_sample *s, const unsigned char *src)
{
	int i;

	memset(s, 0, sizeof *s);
	memcpy(s, src, HEAD_SIZE);
	memcpy((unsigned char *)s + TAIL_OFF, src + HEAD_SIZE, TAIL_SIZE);
	src += HEAD_SIZE + TAIL_SIZE;
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++, src += module_packed(h))
		memcpy(&s->modules[i], src, module_packed(h));
}

static bool
setup(struct history *h, const struct pt_sample *first)
{
	int i, r, cap = MIN_CELL_CAP;

	for (i = 0; i < first->n_modules; i++)
		if (first->modules[i].n_cells > cap)
			cap = first->modules[i].n_cells;
	h->cell_cap = cap > PT_MAX_CELLS ? PT_MAX_CELLS : cap;
	h->slot_size = HEAD_SIZE + TAIL_SIZE + PT_MAX_MODULES * module_packed(h);
	h->ring = alloc(h, h->slot_size * HIST_RING);
	if (h->ring == NULL)
		return false;
	for (r = 0; r < HIST_NRES; r++)
		if (!block_init(h, &h->stack[r], (enum hist_res)r, STACK_SERIES))
			return false;
	for (r = HIST_MINUTES; r < HIST_NRES; r++)
		if (!block_init(h, &h->module[r], (enum hist_res)r, MODULE_SERIES * PT_MAX_MODULES))
			return false;
	if (!block_init(h, &h->cell, HIST_MINUTES, PT_MAX_MODULES * h->cell_cap))
		return false;
	h->ready = true;
	return true;
}

struct history *
history_new(void)
{
	struct history *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->bytes = sizeof *h;
	return h;
}

void
history_free(struct history *h)
{
	int r;

	if (h == NULL)
		return;
	for (r = 0; r < HIST_NRES; r++) {
		block_free(&h->stack[r]);
		block_free(&h->module[r]);
	}
	block_free(&h->cell);
	free(h->ring);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Largest cell spread of a module, in mV; NAN when unknown. */
static double
spread_mv(const struct pt_module *m)
{
	struct pt_cell_stats cs;

	pt_module_cell_stats(m, &cs);
	return cs.count >= 2 ? cs.spread * 1000.0 : NAN;
}

static double
val(uint32_t valid, uint32_t bit, double v)
{
	return (valid & bit) ? v : NAN;
}

static double
module_metric(const struct pt_module *m, int k)
{
	switch (k) {
	case 0: return val(m->valid, PTF_VOLTAGE, m->voltage);
	case 1: return val(m->valid, PTF_CURRENT, m->current);
	case 2: return val(m->valid, PTF_SOC, m->soc);
	case 3: return PT_HAS(m, PTF_TEMP_MAX) ? m->temp_max :
		    val(m->valid, PTF_TEMPERATURE, m->temperature);
	default: return spread_mv(m);
	}
}

static void
stack_metrics(const struct pt_sample *s, double v[STACK_SERIES])
{
	const struct pt_stack *st = &s->stack;
	double tmax = PT_HAS(st, PTF_TEMP_MAX) ? st->temp_max :
	    val(st->valid, PTF_TEMPERATURE, st->temperature);
	double spread = NAN;
	int i;

	for (i = 0; i < s->n_modules; i++) {
		double x = spread_mv(&s->modules[i]);
		if (isfinite(x) && (!isfinite(spread) || x > spread))
			spread = x;
	}
	v[0] = val(st->valid, PTF_VOLTAGE, st->voltage);
	v[1] = val(st->valid, PTF_CURRENT, st->current);
	v[2] = val(st->valid, PTF_POWER, st->power);
	v[3] = val(st->valid, PTF_SOC, st->soc);
	v[4] = tmax;
	v[5] = spread;
}

void
history_push(struct history *h, const struct pt_sample *s)
{
	double sv[STACK_SERIES];
	int64_t t = s->time_ms;
	int r, k, i, c;

	pthread_mutex_lock(&h->lock);
	if (!h->ready && !setup(h, s)) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	pack(h, h->ring + h->head * h->slot_size, s);
	h->head = (h->head + 1) % HIST_RING;
	if (h->count < HIST_RING)
		h->count++;
	stack_metrics(s, sv);
	for (r = 0; r < HIST_NRES; r++) {
		size_t slot = block_slot(&h->stack[r], t);
		for (k = 0; k < STACK_SERIES; k++)
			block_add(&h->stack[r], slot, k, sv[k]);
	}
	for (r = HIST_MINUTES; r < HIST_NRES; r++) {
		size_t slot = block_slot(&h->module[r], t);
		for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++)
			for (k = 0; k < MODULE_SERIES; k++)
				block_add(&h->module[r], slot, i * MODULE_SERIES + k,
				    module_metric(&s->modules[i], k));
	}
	{
		size_t slot = block_slot(&h->cell, t);
		for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++)
			for (c = 0; c < s->modules[i].n_cells && c < h->cell_cap; c++) {
				const struct pt_cell *cell = &s->modules[i].cells[c];
				if (PT_HAS(cell, PTF_VOLTAGE))
					block_add(&h->cell, slot, i * h->cell_cap + c, cell->voltage);
			}
	}
	pthread_mutex_unlock(&h->lock);
}

bool
history_latest(struct history *h, struct pt_sample *out)
{
	bool ok = false;

	pthread_mutex_lock(&h->lock);
	if (h->count > 0) {
		size_t last = (h->head + HIST_RING - 1) % HIST_RING;
		unpack(h, out, h->ring + last * h->slot_size);
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
		unpack(h, &out[i], h->ring + ((first + i) % HIST_RING) * h->slot_size);
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Module series at seconds: from the ring, one point per second. */
static size_t
ring_series(struct history *h, enum hist_metric m, int module, int cell, int64_t now_ms,
    struct hist_point *out, size_t max)
{
	int64_t k_now = now_ms / 1000, k;
	size_t i, n = 0;
	struct pt_sample *s = malloc(sizeof *s);

	if (s == NULL)
		return 0;
	for (i = 0; i < max; i++) {
		out[i].t_ms = (k_now - (int64_t)(max - 1 - i)) * 1000;
		out[i].valid = false;
	}
	for (i = 0; i < h->count; i++) {
		size_t slot = (h->head + HIST_RING - 1 - i) % HIST_RING;
		double v;
		int64_t pos;

		unpack(h, s, h->ring + slot * h->slot_size);
		k = s->time_ms / 1000;
		pos = (int64_t)max - 1 - (k_now - k);
		if (pos < 0)
			break;
		if (pos >= (int64_t)max || module >= s->n_modules || module < 0)
			continue;
		if (m == HM_CELL_VOLTAGE) {
			const struct pt_module *mod = &s->modules[module];
			if (cell < 0 || cell >= mod->n_cells || !PT_HAS(&mod->cells[cell], PTF_VOLTAGE))
				continue;
			v = mod->cells[cell].voltage;
		} else
			v = module_metric(&s->modules[module], m - HM_MODULE_VOLTAGE);
		if (!isfinite(v))
			continue;
		out[pos].min = out[pos].max = out[pos].avg = (float)v;
		out[pos].valid = true;
		n++;
	}
	free(s);
	return max;
}

static size_t
block_series(const struct block *b, int series, int64_t now_ms, struct hist_point *out,
    size_t max)
{
	int64_t k_now = now_ms / b->width_ms;
	size_t i;

	if (max > b->len)
		max = b->len;
	for (i = 0; i < max; i++) {
		int64_t k = k_now - (int64_t)(max - 1 - i);
		size_t slot = (size_t)(((k % (int64_t)b->len) + (int64_t)b->len) % (int64_t)b->len);
		size_t j = (size_t)series * b->len + slot;

		out[i].t_ms = k * b->width_ms;
		out[i].valid = b->idx[slot] == k && b->n[j] > 0;
		if (out[i].valid) {
			out[i].min = b->min[j];
			out[i].max = b->max[j];
			out[i].avg = b->avg[j];
		}
	}
	return max;
}

size_t
history_series(struct history *h, enum hist_res res, enum hist_metric m,
    int module, int cell, int64_t now_ms, struct hist_point *out, size_t max)
{
	size_t n = 0;

	if (res >= HIST_NRES || m >= HM_NMETRICS || max == 0)
		return 0;
	pthread_mutex_lock(&h->lock);
	if (!h->ready)
		;
	else if (m <= HM_STACK_CELL_SPREAD)
		n = block_series(&h->stack[res], m, now_ms, out, max);
	else if (module < 0 || module >= PT_MAX_MODULES)
		;
	else if (res == HIST_SECONDS)
		n = ring_series(h, m, module, cell, now_ms, out, max < HIST_RING ? max : HIST_RING);
	else if (m == HM_CELL_VOLTAGE) {
		if (res == HIST_MINUTES && cell >= 0 && cell < h->cell_cap)
			n = block_series(&h->cell, module * h->cell_cap + cell, now_ms, out, max);
	} else
		n = block_series(&h->module[res], module * MODULE_SERIES +
		    (m - HM_MODULE_VOLTAGE), now_ms, out, max);
	pthread_mutex_unlock(&h->lock);
	return n;
}

size_t
history_memory(const struct history *h)
{
	return h->bytes;
}
