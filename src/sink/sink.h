/* sink.h — where samples go besides the history: CSV, MQTT.
 *
 * The front end builds the sinks (app/sinks.c) and hands them to
 * monitor_new(); the monitor calls them through these operations only and
 * knows them by name.  The acquisition thread calls write() for every
 * sample; a sink must never block it (MQTT queues to its own thread; CSV
 * writes a line).  set_enabled() is the run-time toggle of the TUI ('l',
 * 'm').  A sink never calls back into the monitor (core): it gets what it
 * needs as arguments, and its own thread wakes the front end through the
 * function start() is given. */
#ifndef PT_SINK_H
#define PT_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "link/link_stats.h"
#include "model/sample.h"

enum sink_state {
	SINK_OFF = 0,		/* disabled by the user */
	SINK_OK,		/* writing / connected */
	SINK_CONNECTING,	/* MQTT: not (yet) accepted by the broker */
	SINK_ERROR,		/* failing; text says why; retried */
};

struct sink_status {
	enum sink_state	state;
	char		text[160];	/* "pylontop-20261124.csv", "connecting: connection refused" */
	uint64_t	written;	/* rows / messages */
	uint64_t	dropped;	/* lost: a full queue; CSV also rows never written or taken back by a late error */
	uint64_t	errors;
	uint64_t	queued;		/* waiting to go out (CSV: rows held) */
};

/* The names the front ends ask the monitor for. */
#define SINK_CSV	"csv"
#define SINK_MQTT	"mqtt"

struct sink_ops {
	const char *name;		/* SINK_CSV, SINK_MQTT */
	int	(*write)(void *self, const struct pt_sample *s, const struct link_stats *ls);
	/* No sample for a while (stale): CSV writes nothing, MQTT marks it.
	 * May be NULL. */
	void	(*stale)(void *self, const struct link_stats *ls);
	void	(*set_enabled)(void *self, bool on);
	void	(*status)(void *self, struct sink_status *st);
	/* monitor_start(): start a thread of its own; wake(ctx) when its
	 * status changes there.  0, or < 0.  May be NULL. */
	int	(*start)(void *self, void (*wake)(void *ctx), void *ctx);
	/* SIGHUP: open the destination again (log rotation).  May be NULL. */
	void	(*reopen)(void *self);
	/* monitor_stop(): what is held written out and synced.  May be NULL. */
	void	(*close)(void *self);
	/* monitor_free(): stop its thread (bounded), free everything. */
	void	(*free)(void *self);
};

struct sink {
	const struct sink_ops	*ops;
	void			*self;
};

const char *sink_state_name(enum sink_state s);
/* The status of a sink that is not plugged in: off, "not configured"
 * ("not built in" for one this build lacks). */
void	sink_status_absent(const char *name, struct sink_status *st);

#endif
