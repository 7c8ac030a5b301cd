/* clock.c — monotonic and wall-clock time. */
#include "util/clock.h"

#include <stdio.h>
#include <time.h>

static int64_t
ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

int64_t
clock_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

char *
clock_iso8601(int64_t utc_ms, int with_ms, char *buf, size_t size)
{
	time_t t = (time_t)(utc_ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(buf, size, "%s.%03dZ", base, (int)(utc_ms % 1000));
	else
		snprintf(buf, size, "%sZ", base);
	return buf;
}

void
clock_sleep_until(int64_t deadline_ms, atomic_int *stop)
{
	for (;;) {
		int64_t now = clock_mono_ms(), step;
		struct timespec ts;

		if (now >= deadline_ms || (stop != NULL && atomic_load(stop)))
			return;
		step = deadline_ms - now;
		if (stop != NULL && step > 100)
			step = 100;
		ts.tv_sec = (time_t)(step / 1000);
		ts.tv_nsec = (long)(step % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
}
