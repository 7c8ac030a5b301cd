/* report.h — pylontop report: what a session saw, and the writer of
 * report.md, report.html and raw/ (issue 13).
 *
 * The acquisition (app/report.c) fills a struct report_input from its
 * samples and the records round; report_write() renders it.  Both files
 * come from the same calls through one small block writer, so they say
 * the same things; every device string is escaped for its format there. */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "model/records.h"
#include "model/sample.h"

/* Under which conditions a cell spread was seen (report.md explains). */
enum report_cond {
	RC_LOAD,	/* REPORT_LOAD_MIN_A..MAX_A, SOC REPORT_SOC_MIN..MAX: judged */
	RC_REST,	/* |current| below REPORT_LOAD_MIN_A */
	RC_OTHER,	/* heavier current or the SOC ends: shown, not judged */
	RC_N
};

struct report_spread {
	int	n;			/* samples */
	double	max_mv;
	double	imin, imax, socmin, socmax;
};

#define REPORT_MAX_ALARMS	64

struct report_alarm {
	char	name[32];
	int	module, cell, level, count;
	int64_t	first_ms;
};

struct health_report;

struct report_input {
	const struct pt_config *cfg;
	const char	*link;		/* the device as given */
	const char	*stack;		/* its name with several stacks, NULL with one */
	const char	*protocol;
	int64_t		started_ms, written_ms;
	int		samples;
	const struct pt_sample *last;	/* the newest complete sample, NULL none */
	const struct pt_records *rec;	/* NULL: none read */
	struct report_spread spread[PT_MAX_MODULES + 1][RC_N];	/* by module id */
	int		n_alarms;
	struct report_alarm alarms[REPORT_MAX_ALARMS];
	/* The cell health engine's findings of the session (model/health.h),
	 * ranked, with what it cannot judge yet; NULL: none (a one-shot
	 * `pylontop report` watches too briefly for load steps). */
	const struct health_report *health;
};

/* Count a sample in: spreads by condition, alarms seen. */
void	report_observe(struct report_input *in, const struct pt_sample *s);
/* "pylontop-report-20261204-214512" (in the current directory). */
void	report_default_dir(char *buf, size_t size);
/* Write DIR/report.md, DIR/report.html, DIR/raw/ (DIR created if absent).
 * 0, or -1 with a one-line reason in why. */
int	report_write(const struct report_input *in, const char *dir, char *why, size_t whysize);

#endif
