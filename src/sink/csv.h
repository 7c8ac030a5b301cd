/* csv.h — CSV log of samples.
 *
 * One row per sample: ISO 8601 UTC time, stack columns, per-module and
 * per-cell columns.  The header follows the stack's shape (its modules,
 * cells per module, whether cells have temperatures) as the answers show
 * it over several samples, not one sample's validity: rows wait while a
 * module has not listed its cells or the modules differ (a cut answer),
 * and a later change of shape starts a new file and says why.  The path may hold strftime patterns
 * (pylontop-%Y%m%d.csv) and rotates with them; "-" is stdout.  An existing
 * file is appended to when its header matches, otherwise a new file is
 * started (name.1.csv ...) and the status names the first column that
 * differs.
 *
 * Every row is whole or absent, in files and on pipes.  A file that
 * cannot be opened or written (missing directory, disk full, read-only,
 * a late fdatasync/close error) is reported in the status and retried
 * with a back-off; the rows wait meanwhile in a bounded buffer
 * (CSV_HOLD_MAX), the oldest are dropped and counted when it is full
 * (sink_status.dropped).  A closed stdout (EPIPE) stops the sink.
 */
#ifndef PT_CSV_H
#define PT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sink/sink.h"

#define CSV_HOLD_MAX	240	/* rows kept while the file cannot be written */

struct csv_sink;

struct csv_sink *csv_sink_new(const char *path_pattern, bool enabled);
struct sink csv_sink_as_sink(struct csv_sink *c);
void	csv_sink_free(struct csv_sink *c);
/* Close the file (synced) so the next row opens the path again: log
 * rotation (SIGHUP).  Held rows are kept; a failing file is retried now. */
void	csv_sink_reopen(struct csv_sink *c);

/* The system calls the sink makes, replaceable by tests to inject
 * faults (a short write, EIO from fdatasync).  NULL members keep the
 * real call. */
struct csv_io {
	ssize_t	(*write)(int fd, const void *buf, size_t len);
	int	(*fdatasync)(int fd);
	int	(*close)(int fd);
};
void	csv_sink_set_io(struct csv_sink *c, const struct csv_io *io);

#endif
