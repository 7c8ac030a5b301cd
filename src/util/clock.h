/* clock.h — time in milliseconds, and ISO 8601 text. */
#ifndef PT_CLOCK_H
#define PT_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

int64_t	clock_mono_ms(void);		/* CLOCK_MONOTONIC */
int64_t	clock_wall_ms(void);		/* CLOCK_REALTIME, UTC */
/* The UTC time of a moment on clock_mono_ms() (a link's stamp): one
 * offset between the two clocks for the whole run (measured once, and
 * again only when the wall clock is stepped by more than a second), so
 * that the difference of two such times is exactly that of the stamps,
 * and a replay (whose recording's header is on the same offset) gives
 * back the very times the live run had. */
int64_t	clock_wall_of_mono(int64_t mono_ms);
/* "2026-11-23T16:00:00Z" (with_ms: "...00.123Z").  Returns buf. */
char	*clock_iso8601(int64_t utc_ms, int with_ms, char *buf, size_t size);
/* Sleep until CLOCK_MONOTONIC reaches deadline_ms, or stop becomes
 * non-zero (checked every 100 ms at most).  No busy waiting. */
void	clock_sleep_until(int64_t deadline_ms, atomic_int *stop);

/* Replay time.  While a recording is played back (link_replay.c) the
 * whole program runs on the recording's clock: clock_mono_ms() is the
 * time of the recorded exchange being replayed and clock_wall_ms() the
 * wall-clock time it had then, so timeouts, poll intervals, sample times
 * and staleness follow the recording, not the machine replaying it.
 * The clock only moves forward, through clock_virtual_advance() (the
 * replay) and clock_sleep_until() (everyone else); each step sleeps its
 * length divided by `speed`, or not at all when speed is 0. */
void	clock_virtual_start(int64_t wall_at_origin_ms, double speed);
void	clock_virtual_stop(void);	/* back to the real clocks */
bool	clock_is_virtual(void);
int64_t	clock_virtual_origin(void);	/* clock_mono_ms() at the start */
void	clock_virtual_advance(int64_t to_mono_ms, atomic_int *stop);
/* The time of the next exchange of the recording (0: none left), set by
 * the replay: clock_sleep_until() waits no further while replaying.  The
 * live run did its next thing then, whatever deadline our own clock
 * computed (a poll that started a little late live is not put off by
 * another interval in the replay, which would time everything after it
 * differently). */
void	clock_virtual_horizon(int64_t mono_ms);
/* UI controls of a replay: pause holds the recording's clock where it is
 * (whoever waits on it waits); skip plays the next `ms` of the recording
 * without waiting (a seek forward, which moves a paused replay too). */
void	clock_virtual_pause(bool on);
bool	clock_virtual_paused(void);
void	clock_virtual_skip(int64_t ms);
/* Seeking back: the clock only moves forward, so the front end halts the
 * clock (every wait on it returns at once, the replay link then gives
 * errors, not recorded data), stops the replay, calls
 * clock_virtual_rewind(to) and starts the replay again from its
 * beginning; the clock then plays the first `to` ms of the recording
 * without waiting.  clock_virtual_replayed() is true while halted and
 * while the replay plays a stretch it had already played before a rewind
 * (what went out to the outputs then must not go out twice). */
int64_t	clock_virtual_position(void);	/* ms since the start of the recording */
void	clock_virtual_halt(void);
bool	clock_virtual_halted(void);
void	clock_virtual_rewind(int64_t to_ms);	/* and no longer halted */
bool	clock_virtual_replayed(void);

#endif
