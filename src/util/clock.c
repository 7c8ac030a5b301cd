/* clock.c — monotonic and wall-clock time. */
#include "util/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* Replay time (clock.h).  Written by the acquisition thread only, read
 * by every thread: atomics, no lock. */
static atomic_bool	v_on;
static _Atomic int64_t	v_now;		/* virtual CLOCK_MONOTONIC ms */
static _Atomic int64_t	v_origin;	/* v_now at the start (read by the UI too) */
static int64_t		v_wall_off;	/* wall = v_now + v_wall_off */
static double		v_speed;
static _Atomic int64_t	v_horizon;	/* the recording's next exchange (0: none) */

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
	if (atomic_load(&v_on))
		return atomic_load(&v_now);
	return ms_of(CLOCK_MONOTONIC);
}

int64_t
clock_wall_ms(void)
{
	if (atomic_load(&v_on))
		return atomic_load(&v_now) + v_wall_off;
	return ms_of(CLOCK_REALTIME);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC as first measured (0: not yet). */
static _Atomic int64_t wall_off;
#define WALL_STEP_MS	1000

int64_t
clock_wall_of_mono(int64_t mono_ms)
{
	int64_t now, off;

	if (atomic_load(&v_on))
		return mono_ms + v_wall_off;
	/* Both read within a millisecond or so: the offset jitters by one;
	 * only a real step of the wall clock is taken. */
	now = ms_of(CLOCK_REALTIME) - ms_of(CLOCK_MONOTONIC);
	off = atomic_load(&wall_off);
	if (off == 0 || now - off > WALL_STEP_MS || off - now > WALL_STEP_MS) {
		atomic_store(&wall_off, now);
		off = now;
	}
	return mono_ms + off;
}

void
clock_virtual_start(int64_t wall_at_origin_ms, double speed)
{
	if (atomic_load(&v_on))
		return;
	/* Start where the real clock is: code that takes 0 for "never"
	 * keeps working. */
	v_origin = ms_of(CLOCK_MONOTONIC);
	atomic_store(&v_now, v_origin);
	v_wall_off = wall_at_origin_ms - v_origin;
	v_speed = speed < 0 ? 0 : speed;
	atomic_store(&v_on, true);
}

void
clock_virtual_stop(void)
{
	atomic_store(&v_horizon, 0);
	atomic_store(&v_on, false);
}

bool
clock_is_virtual(void)
{
	return atomic_load(&v_on);
}

int64_t
clock_virtual_origin(void)
{
	return v_origin;
}

static void
real_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
	    .tv_nsec = (long)(ms % 1000) * 1000000 };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

void
clock_virtual_horizon(int64_t mono_ms)
{
	atomic_store(&v_horizon, mono_ms);
}

static atomic_bool v_paused;
static _Atomic int64_t v_skip;

void
clock_virtual_pause(bool on)
{
	atomic_store(&v_paused, on);
}

bool
clock_virtual_paused(void)
{
	return atomic_load(&v_paused);
}

void
clock_virtual_skip(int64_t ms)
{
	atomic_fetch_add(&v_skip, ms);
}

/* Seeking back: the furthest point played before the last rewind, as
 * ms since the start of the recording. */
static _Atomic int64_t v_played = -1;

int64_t
clock_virtual_position(void)
{
	return atomic_load(&v_now) - v_origin;
}

static atomic_bool v_halted;

void
clock_virtual_halt(void)
{
	atomic_store(&v_halted, true);
}

bool
clock_virtual_halted(void)
{
	return atomic_load(&v_halted);
}

void
clock_virtual_rewind(int64_t to_ms)
{
	int64_t at = clock_virtual_position();

	if (at > atomic_load(&v_played))
		atomic_store(&v_played, at);
	atomic_store(&v_skip, to_ms > 0 ? to_ms : 0);
	atomic_store(&v_halted, false);
}

bool
clock_virtual_replayed(void)
{
	if (atomic_load(&v_halted))
		return true;
	return atomic_load(&v_on) && clock_virtual_position() <= atomic_load(&v_played);
}

void
clock_virtual_advance(int64_t to_mono_ms, atomic_int *stop)
{
	/* In steps of at most 100 ms of real time, so a stop is seen. */
	while (atomic_load(&v_now) < to_mono_ms && (stop == NULL || !atomic_load(stop)) &&
	    !atomic_load(&v_halted)) {
		int64_t now = atomic_load(&v_now), step = to_mono_ms - now;
		int64_t skip = atomic_load(&v_skip);

		/* A seek moves even a paused replay (then holds it there). */
		if (atomic_load(&v_paused) && skip <= 0) {
			real_sleep_ms(100);
			continue;
		}
		if (skip > 0) {
			/* Seeking: this stretch of the recording without waiting. */
			if (step > skip)
				step = skip;
			atomic_fetch_sub(&v_skip, step);
		} else if (v_speed > 0) {
			if (step / v_speed > 100)
				step = (int64_t)(100 * v_speed) > 0 ? (int64_t)(100 * v_speed) : 1;
			real_sleep_ms((int64_t)(step / v_speed));
			/* Paused while asleep: the clock stays where the pause
			 * found it (it moved up to 100 ms after a P). */
			if (atomic_load(&v_paused) && atomic_load(&v_skip) <= 0)
				continue;
		}
		atomic_store(&v_now, now + step);
	}
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
	if (atomic_load(&v_on)) {
		int64_t h = atomic_load(&v_horizon);

		clock_virtual_advance(h > 0 && h < deadline_ms ? h : deadline_ms, stop);
		return;
	}
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
