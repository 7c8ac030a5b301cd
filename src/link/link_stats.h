/* link_stats.h — the state of the link, as the acquisition thread reports
 * it (core/monitor.c fills it; sinks, metrics and the UI read copies). */
#ifndef PT_LINK_STATS_H
#define PT_LINK_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum link_state {
	LINK_IDLE = 0,		/* not started */
	LINK_CONNECTING,	/* opening the port / socket */
	LINK_IDENTIFYING,	/* waking the console, finding the dialect and modules */
	LINK_POLLING,		/* samples flowing */
	LINK_WAITING,		/* lost; reconnect after back-off */
	LINK_STOPPED,
};

struct link_stats {
	enum link_state	state;
	int64_t		state_since_ms;	/* UTC ms when `state` was entered */
	char		device[256];	/* as given by the user */
	char		kind[8];	/* serial, pty, tcp, replay */
	char		protocol[8];	/* lv, hv, sc0500, rs485 ("" until known) */
	char		dialect[12];	/* rs485 dialect */
	char		model[32];	/* what identification found */
	char		message[512];	/* last state change or error, one line (the
					   TUI wraps it: never cut to a fixed width) */
	int64_t		last_sample_ms;	/* UTC ms of the newest sample, 0 = none */
	double		interval_s;
	int64_t		cycle_ms;	/* measured time between samples (median), 0 = unknown */
	int64_t		stale_after_ms;	/* the newest sample is stale from this age on
					   (core/stale.h: the measured cycle, not the interval) */
	uint64_t	samples;
	uint64_t	timeouts;
	uint64_t	parse_errors;
	uint64_t	checksum_errors;
	uint64_t	device_errors;	/* failure answers */
	uint64_t	reconnects;
	int		modules;	/* discovered */
	int		cells_per_cycle;	/* modules whose cells are read each cycle */
	char		note[160];	/* the session's remark (round-robin, ...) */
	bool		identity_pending;	/* barcodes may still arrive (session.h) */
	bool		failed;		/* LINK_STOPPED for good: a replay file that
					   cannot be read (exit status 1) */
	char		progress[96];	/* the step in flight: "identity: info 3, 412 bytes (3/16)" */
};

/* One thing that happened to the link (lost, reconnecting, identified,
 * round-robin on/off), for the event log beside the alarms. */
struct link_event {
	int64_t		time_ms;	/* UTC */
	char		text[256];
};

const char *link_state_name(enum link_state s);

#endif
