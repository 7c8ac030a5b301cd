/* stale.h — when is the newest sample too old to be shown as current?
 *
 * Not from the configured interval alone: on a slow line (9600 baud,
 * 16 modules) one complete sample takes longer than the interval, and a
 * rule of "3 intervals" would call a healthy link stale every cycle.
 * The limit follows the MEASURED cycle — the time between the last few
 * completed samples — and is never below the configured floor
 * (ALARM_STALE_S, else 3 poll intervals):
 *
 *     limit = max(floor, STALE_CYCLES x median(last STALE_WINDOW cycles))
 *
 * The median, so that one stall (a retry, a reconnect) does not stretch
 * the limit.  Pure: no clock, no locks; the monitor owns one and keeps it
 * under its lock. */
#ifndef PT_STALE_H
#define PT_STALE_H

#include <stdint.h>

#define STALE_WINDOW	8	/* cycles remembered */
#define STALE_CYCLES	3	/* stale after this many measured cycles */

struct stale_rule {
	int64_t	last_ms;		/* UTC ms of the previous sample, 0 = none */
	int64_t	cycle_ms[STALE_WINDOW];	/* ring of measured cycles */
	int	n, head;
};

/* A sample completed at `time_ms`: measure the cycle since the last one. */
void	stale_rule_sample(struct stale_rule *r, int64_t time_ms);
/* The link broke: the gap to the next sample is an outage, not a cycle. */
void	stale_rule_break(struct stale_rule *r);
/* Median measured cycle in ms, 0 while none is known. */
int64_t	stale_rule_cycle_ms(const struct stale_rule *r);
/* Age (ms) from which the newest sample is stale.  `interval_s` is the
 * configured poll interval, `stale_after_s` ALARM_STALE_S (0 = unset). */
int64_t	stale_rule_limit_ms(const struct stale_rule *r, double interval_s, double stale_after_s);

#endif
