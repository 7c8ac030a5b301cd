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

#include "core/config.h"
#include "link/link.h"
#include "model/sample.h"

struct session_counters {
	uint64_t	timeouts;
	uint64_t	parse_errors;
	uint64_t	checksum_errors;
	uint64_t	device_errors;
};

struct session;

struct session_ops {
	const char *family;	/* "console", "rs485" */
	/* Wake the device, find the dialect and the modules.  0 or pt_err
	 * (message in s->error). */
	int	(*identify)(struct session *s);
	/* Read one complete sample into `out` (already pt_sample_init'ed).
	 * `slow` asks for the slow-changing data too (identity, cycles, SOH:
	 * at start and hourly).  0 or pt_err. */
	int	(*poll)(struct session *s, struct pt_sample *out, bool slow);
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
	void	*priv;
};

/* Create the session for cfg->protocol ("auto", "lv", "hv", "sc0500" ->
 * console; "rs485" -> RS485). */
struct session *session_new(const struct pt_config *cfg, struct link *link, atomic_int *stop);
void	session_free(struct session *s);

/* Provided by the protocol families. */
struct session *console_session_new(const struct pt_config *cfg, struct link *link);
struct session *rs485_session_new(const struct pt_config *cfg, struct link *link);

#endif
