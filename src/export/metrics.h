/* metrics.h — the Prometheus text exposition of the latest sample
 * (issue 16.3): `pylontop --metrics [ADDR:]PORT` serves it at /metrics.
 *
 * Two halves.  metrics_render() is pure: from a copied sample, the link
 * counters and the latched alarms it writes the exposition text (HELP and
 * TYPE lines, counters ending in _total), so it is tested without a
 * server.  metrics_server_start() runs a libmicrohttpd thread that, per
 * scrape, copies those three snapshots through the monitor's locked
 * accessors (monitor_link_stats, history_latest, alarm_engine_active) and
 * renders them; it never touches the device or the acquisition thread.
 *
 * What is served is the latest sample's values, never a default: a field
 * the device did not give (its `valid` bit clear) has no series at all,
 * so a dashboard shows a gap, not a 0.  How old the values are says
 * pylontop_sample_age_seconds and pylontop_sample_stale (1 when the
 * newest sample is older than the measured stale limit, or there is none).
 *
 * Labels: stack (one stack: DEVICE_UNIQUE_ID, else the device as given;
 * several: the stack's --name), module (the id the device counts by),
 * barcode (omitted while unknown), cell (1-based).  Several stacks share
 * one exposition: each family's HELP and TYPE once, then every stack's
 * series of it.
 * Label values are escaped as the format requires (\\, \", \n).
 */
#ifndef PT_METRICS_H
#define PT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alarms.h"
#include "link/link_stats.h"
#include "model/sample.h"

/* A growing text buffer; `failed` once an allocation failed. */
struct metrics_buf {
	char	*p;
	size_t	len, cap;
	bool	failed;
};

struct metrics_input {
	const char		*stack;		/* the stack label */
	const struct pt_sample	*sample;	/* NULL: no sample yet */
	const struct link_stats	*link;
	const struct alarm_state *alarms;	/* latched alarms */
	size_t			n_alarms;
	int64_t			now_ms;		/* UTC, for the ages */
};

/* Append the exposition of `in` to `out`.  0, or -1 when out of memory. */
int	metrics_render(const struct metrics_input *in, struct metrics_buf *out);
/* The same for the stacks in[0..n): one family after the other, each
 * with its series of every stack (their stack labels must differ). */
int	metrics_render_stacks(const struct metrics_input *in, size_t n,
	    struct metrics_buf *out);
void	metrics_buf_free(struct metrics_buf *b);

/* Append `s` escaped as a label value (backslash, double quote, newline). */
void	metrics_escape_label(struct metrics_buf *b, const char *s);

struct monitor;
struct metrics_server;

/* Serve /metrics on addr:port (addr: an IPv4 or IPv6 literal) from the
 * monitor's snapshots.  NULL with a one-line reason in err (port in use,
 * bad address, built without metrics). */
struct metrics_server *metrics_server_start(struct monitor *m, const char *stack,
	    const char *addr, int port, char *err, size_t errsize);
/* The same for several stacks: monitor m[i] labelled stack[i], i < n
 * (at most METRICS_STACKS_MAX), all on one /metrics. */
#define METRICS_STACKS_MAX	8
struct metrics_server *metrics_server_start_stacks(struct monitor *const *m,
	    const char *const *stack, int n, const char *addr, int port, char *err,
	    size_t errsize);
void	metrics_server_stop(struct metrics_server *s);

#endif
