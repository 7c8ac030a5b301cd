/* stale.c — the stale-data limit from the measured cycle (see stale.h). */
#include "core/stale.h"

#include <stdlib.h>
#include <string.h>

void
stale_rule_sample(struct stale_rule *r, int64_t time_ms)
{
	if (r->last_ms > 0 && time_ms > r->last_ms) {
		r->cycle_ms[r->head] = time_ms - r->last_ms;
		r->head = (r->head + 1) % STALE_WINDOW;
		if (r->n < STALE_WINDOW)
			r->n++;
	}
	r->last_ms = time_ms;
}

void
stale_rule_break(struct stale_rule *r)
{
	r->last_ms = 0;
}

static int
by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t
stale_rule_cycle_ms(const struct stale_rule *r)
{
	int64_t v[STALE_WINDOW];

	if (r->n == 0)
		return 0;
	memcpy(v, r->cycle_ms, sizeof v);
	qsort(v, (size_t)r->n, sizeof v[0], by_value);
	/* An even count takes the upper middle: erring towards "not stale". */
	return v[r->n / 2];
}

int64_t
stale_rule_limit_ms(const struct stale_rule *r, double interval_s, double stale_after_s)
{
	double floor_s = stale_after_s > 0 ? stale_after_s : STALE_CYCLES * interval_s;
	int64_t floor_ms = (int64_t)(floor_s * 1000), measured = STALE_CYCLES * stale_rule_cycle_ms(r);

	return measured > floor_ms ? measured : floor_ms;
}
