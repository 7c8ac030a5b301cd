/* csv.h — CSV log of samples.
 *
 * One row per sample: ISO 8601 UTC time, stack columns, per-module and
 * per-cell columns (header from the first sample's shape).  The path may
 * hold strftime patterns (pylontop-%Y%m%d.csv) and rotates with them; "-"
 * is stdout.  An existing file is appended to when its header matches,
 * otherwise a new file is started (name.1.csv ...) and that is said.
 * Every row is flushed before write() returns.  Disk full or read-only:
 * the sink reports SINK_ERROR and retries; monitoring goes on.
 */
#ifndef PT_CSV_H
#define PT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "sink/sink.h"

struct csv_sink;

struct csv_sink *csv_sink_new(const char *path_pattern, bool enabled);
struct sink csv_sink_as_sink(struct csv_sink *c);
void	csv_sink_free(struct csv_sink *c);
/* Log rotation (SIGHUP): close the file; the next row opens the path
 * anew (with a header if the file is new).  Nothing for stdout. */
void	csv_sink_reopen(struct csv_sink *c);

#endif
