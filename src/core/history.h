/* history.h — bounded memory of past samples at several resolutions,
 * sized by the stack that is there.
 *
 * Never grows with run time (bmon / nvtop style).  Holds:
 *   - the last HIST_RECENT whole samples (the newest for the UI);
 *   - every cell voltage of the last HIST_RING samples (16 bits each), for
 *     the seconds view of a cell;
 *   - min/avg/max buckets of 1 s x 3600, 1 min x 1440 and 1 h x 720 for the
 *     stack series and every module series;
 *   - every cell voltage at 1 min x 1440 and 1 h x 720.
 * The module and cell series are allocated at the first sample, for the
 * modules and cells it has, and re-sized once when a bigger stack shows
 * up.  Memory, whatever the run time (24 h or a year):
 *
 *   history_memory = base + modules x HIST_BYTES_PER_MODULE
 *                         + cells x HIST_BYTES_PER_CELL
 *
 *   per module: 5 series x (3 x 2 bytes x (3600 + 1440 + 720) buckets
 *               + 3 x 12 bytes of open sums)             = 172 980 bytes
 *   per cell:   3 x 2 bytes x (1440 + 720) buckets + 2 x 12 bytes of
 *               open sums + 2 bytes x HIST_RING samples  =  14 184 bytes
 *   base:       the stack series (floats), bucket numbers and the
 *               HIST_RECENT whole samples: 0.58 MiB on x86-64
 *               (history_bytes_for(0, 0)).
 * So HV 5 x 15 takes 2.42 MiB, LV 16 x 16 6.69 MiB (was 14.2 MiB for
 * any stack).  test_history checks this formula.
 *
 * A bucket no sample fell into is a gap (valid == false), so stale periods
 * show as gaps, never as invented values.
 *
 * Thread-safe: the acquisition thread pushes (one pusher), the UI thread
 * reads; an internal mutex is held only for copies.
 */
#ifndef PT_HISTORY_H
#define PT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"

#define HIST_RECENT		4	/* whole samples kept */
#define HIST_RING		600	/* samples of cell voltages kept */
#define HIST_SECONDS_LEN	3600
#define HIST_MINUTES_LEN	1440
#define HIST_HOURS_LEN		720
#define HIST_MODULE_SERIES	5	/* voltage, current, SOC, temp max, spread */
#define HIST_BYTES_PER_MODULE	(HIST_MODULE_SERIES * (3 * 2 * (HIST_SECONDS_LEN + \
	HIST_MINUTES_LEN + HIST_HOURS_LEN) + 3 * 12))
#define HIST_BYTES_PER_CELL	(3 * 2 * (HIST_MINUTES_LEN + HIST_HOURS_LEN) + 2 * 12 + \
	2 * HIST_RING)

enum hist_res { HIST_SECONDS, HIST_MINUTES, HIST_HOURS, HIST_NRES };

enum hist_metric {
	/* stack */
	HM_STACK_VOLTAGE, HM_STACK_CURRENT, HM_STACK_POWER, HM_STACK_SOC,
	HM_STACK_TEMP_MAX, HM_STACK_CELL_SPREAD,
	/* per module (argument: module index in wire order) */
	HM_MODULE_VOLTAGE, HM_MODULE_CURRENT, HM_MODULE_SOC,
	HM_MODULE_TEMP_MAX, HM_MODULE_CELL_SPREAD,
	/* per cell (module index, cell index); minutes and hours only */
	HM_CELL_VOLTAGE,
	HM_NMETRICS
};

struct hist_point {
	int64_t	t_ms;		/* start of the bucket, UTC ms */
	float	min, avg, max;
	bool	valid;		/* false: no sample in this bucket (gap) */
};

struct history;

struct history *history_new(void);
void	history_free(struct history *h);

/* Record a complete sample (acquisition thread). */
void	history_push(struct history *h, const struct pt_sample *s);

/* Copy the newest sample; false when there is none yet. */
bool	history_latest(struct history *h, struct pt_sample *out);
/* Copy up to `max` (at most HIST_RECENT) of the newest samples, oldest
 * first; returns count. */
size_t	history_recent(struct history *h, struct pt_sample *out, size_t max);

/* Copy the `max` newest buckets of a series, oldest first, ending at the
 * bucket that holds now_ms (so gaps up to now are included).  Returns
 * the number of points written.  Unsupported combinations return 0. */
size_t	history_series(struct history *h, enum hist_res res, enum hist_metric m,
	    int module, int cell, int64_t now_ms, struct hist_point *out, size_t max);

/* Bucket width of a resolution in ms, and how many buckets it keeps. */
int64_t	history_res_ms(enum hist_res res);
size_t	history_res_len(enum hist_res res);
const char *history_metric_name(enum hist_metric m);	/* "Stack voltage" */
const char *history_metric_unit(enum hist_metric m);	/* "V" */

/* Bytes allocated, for the bench and the help view. */
size_t	history_memory(const struct history *h);
/* What history_memory is once a stack of `modules` and `cells` (in all)
 * has been pushed: the formula above. */
size_t	history_bytes_for(int modules, int cells);

#endif
