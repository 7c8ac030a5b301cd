/* session.h — one protocol conversation over an open link.
 *
 * A session knows one protocol family (console LV/HV/SC0500 with
 * auto-detection, or RS485).  The acquisition thread opens the link,
 * calls identify() once, then poll() every interval; on an error it
 * closes the link and starts again after a back-off.  Sessions do the
 * I/O; the framing and parsing they call are pure (src/proto/).
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "link/link.h"
#include "model/records.h"
#include "model/sample.h"

struct session_counters {
	uint64_t	timeouts;
	uint64_t	parse_errors;
	uint64_t	checksum_errors;
	uint64_t	device_errors;
};

struct session;

/*
 * What the session is doing right now (issue 9.4), for a UI that shows
 * progress while identifying or while a slow line answers.  The session
 * fills it in its own thread and calls progress_fn (when set) after every
 * change: the callback copies it under the reader's lock (the monitor's),
 * so nobody reads it while it changes.
 */
struct session_progress {
	char	phase[16];	/* "waking", "identifying", "polling", "identity" */
	char	command[32];	/* in flight, with its argument: "bat 3"; "" none */
	int	module;		/* module it asks about, 0 = the stack / all */
	size_t	bytes;		/* bytes of its answer so far */
	int	step, steps;	/* commands of this phase done / planned (0: unknown) */
};

struct session_ops {
	const char *family;	/* "console", "rs485" */
	/* Wake the device, find the dialect and the modules.  0 or pt_err
	 * (message in s->error). */
	int	(*identify)(struct session *s);
	/* Read one complete sample into `out` (already pt_sample_init'ed).
	 * `slow` asks for the slow-changing data too (identity, cycles, SOH:
	 * at start and hourly).  0 or pt_err. */
	int	(*poll)(struct session *s, struct pt_sample *out, bool slow);
	/* A line the user typed (the raw console view), between polls: sent
	 * only when the dialect's read-only table allows it, and its answer
	 * is never parsed into a sample (the link's tap shows its bytes).
	 * 0 with a one-line verdict in `result`; PT_ERR_REFUSED (nothing
	 * sent) or another pt_err with the reason there.  NULL: the family
	 * takes no typed commands. */
	int	(*user_command)(struct session *s, const char *line, char *result,
		    size_t size);
	void	(*free)(struct session *s);
};

struct session {
	const struct session_ops *ops;
	struct link		*link;
	const struct pt_config	*cfg;
	struct session_counters	 counters;
	char	protocol[8];	/* found by identify(): lv, hv, sc0500, rs485 */
	char	dialect[12];
	char	model[32];
	int	modules;	/* discovered */
	int	cells_per_cycle;
	atomic_int *stop;	/* non-zero: return PT_ERR_CLOSED soon (set by
				 * another thread: read it atomically) */
	char	error[256];
	char	note[160];	/* a one-line remark for the user (round-robin, ...) */
	/* Bumped whenever `note` changes (round-robin shrinks or grows
	 * back...): a front end compares it to say every change once. */
	unsigned note_seq;
	/* The note tells of a change that is over ("round-robin off"), not
	 * of a standing condition: said when it comes, not restated when
	 * polling resumes after a failed poll (nothing changed again). */
	bool	note_is_event;
	/* Measured time from one poll's start to the next one's (never less
	 * than the interval; 0 until measured).  "Stale" and the freshness
	 * limit of cached cells (pt_cells_max_age_ms()) derive from it. */
	int64_t	cycle_ms;
	/* --once: read every slow value in the first poll instead of
	 * interleaving them over later cycles (the monitor's default, so
	 * the first sample is on screen before the slow identity reads). */
	bool	all_at_once;
	/* The BMS's own records (issue 13), read at start and on request,
	 * never every poll: the owner sets records_request; the session
	 * (console only) starts a round at its next poll, reads it
	 * interleaved with polling like the identity reads (records_busy
	 * meanwhile), fills *records (allocated once, by the session) and
	 * bumps records_seq when the round is done. */
	bool	records_request;
	bool	records_busy;
	uint64_t records_seq;
	struct pt_records *records;
	/* The first round of identity reads is not finished: barcodes may
	 * still arrive, so whatever names things by them (MQTT unique ids)
	 * waits.  Sessions that identify everything in identify() leave it
	 * false. */
	bool	identity_pending;
	/* The session waits for its samples itself (a remote view: they
	 * come when the site publishes): the monitor polls again at once,
	 * keeps the sample's own time_ms, and a PT_ERR_TIMEOUT (nothing new
	 * yet) is no reason to reconnect. */
	bool	self_paced;
	struct session_progress progress;
	void	(*progress_fn)(void *arg, const struct session_progress *p);
	void	*progress_arg;
	void	*priv;
};

/* Create the session for cfg->protocol ("auto", "lv", "hv", "sc0500" ->
 * console; "rs485" -> RS485). */
struct session *session_new(const struct pt_config *cfg, struct link *link, atomic_int *stop);
void	session_free(struct session *s);

/* The 1200-baud wake frame of docs/console.md §1.1 (it only switches an LV
 * console on), then back to the link's speed after a pause.  Also used
 * by pylontop --probe.  0, or PT_ERR_UNSUPPORTED on a link without a
 * baud rate (TCP, replay). */
int	console_send_wake(struct link *l, atomic_int *stop);

/* Provided by the protocol families. */
struct session *console_session_new(const struct pt_config *cfg, struct link *link);
struct session *rs485_session_new(const struct pt_config *cfg, struct link *link);
/* -d mqtt[s]://broker[:port]/BASE (link_is_remote()): the states a
 * pylontop publishes under BASE (core/session_remote.c; MQTT builds). */
struct session *remote_session_new(const struct pt_config *cfg, struct link *link);
/* Is `url` a usable remote view address?  0, or PT_ERR_ARG with a
 * sentence naming what is wrong in err. */
int	remote_check(const struct pt_config *cfg, const char *url, char *err, size_t errsize);
/* --list-remote mqtt[s]://broker[:port]/PREFIX: print the stacks found
 * under PREFIX to `out`.  0, or a pt_err with a sentence in err. */
int	remote_list(const struct pt_config *cfg, const char *url, FILE *out,
	    char *err, size_t errsize);

#endif
