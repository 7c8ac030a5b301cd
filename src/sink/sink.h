/* sink.h — where samples go besides the history: CSV, MQTT.
 *
 * The acquisition thread calls write() for every sample; a sink must
 * never block it (MQTT queues to its own thread; CSV writes a line).
 * set_enabled() is the run-time toggle of the TUI ('l', 'm'). */
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

struct sink_ops {
	const char *name;		/* "csv", "mqtt" */
	int	(*write)(void *self, const struct pt_sample *s, const struct link_stats *ls);
	/* No sample for a while (stale): CSV writes nothing, MQTT marks it. */
	void	(*stale)(void *self, const struct link_stats *ls);
	void	(*set_enabled)(void *self, bool on);
	void	(*status)(void *self, struct sink_status *st);
	void	(*close)(void *self);
};

struct sink {
	const struct sink_ops	*ops;
	void			*self;
};

const char *sink_state_name(enum sink_state s);

#endif
