/* clock.h — time in milliseconds, and ISO 8601 text. */
#ifndef PT_CLOCK_H
#define PT_CLOCK_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

int64_t	clock_mono_ms(void);		/* CLOCK_MONOTONIC */
int64_t	clock_wall_ms(void);		/* CLOCK_REALTIME, UTC */
/* "2026-11-23T16:00:00Z" (with_ms: "...00.123Z").  Returns buf. */
char	*clock_iso8601(int64_t utc_ms, int with_ms, char *buf, size_t size);
/* Sleep until CLOCK_MONOTONIC reaches deadline_ms, or stop becomes
 * non-zero (checked every 100 ms at most).  No busy waiting. */
void	clock_sleep_until(int64_t deadline_ms, atomic_int *stop);

#endif
