/* alarms.h — threshold alarms with hysteresis, latching, and an event log.
 *
 * The engine looks at each sample (acquisition thread): it keeps the BMS
 * alarms the parser put in s->alarms, adds threshold alarms (source
 * PT_ALARM_THRESHOLD) and a stale-data alarm, and writes them all back
 * into s->alarms so every sink sees the same list.  An alarm that was
 * raised stays latched (visible in alarm_engine_active) until the user
 * acknowledges it, even after it cleared; every raise and clear goes to a
 * bounded event log.  Thread-safe (internal mutex).
 */
#ifndef PT_ALARMS_H
#define PT_ALARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"

/* Thresholds; defaults suit LiFePO4 (alarm_config_defaults). A raise at
 * `x_high` clears below `x_high - hysteresis` (and the mirror for lows). */
struct alarm_config {
	double	cell_v_high, cell_v_low, cell_v_hyst;		/* V */
	double	cell_spread_high, cell_spread_hyst;		/* V */
	double	temp_high, temp_low, temp_hyst;			/* degC */
	double	soc_low, soc_hyst;				/* % */
	double	stale_after_s;					/* 0: 3 x interval */
	bool	bell;
};

void	alarm_config_defaults(struct alarm_config *c);
/* Apply one config key (ALARM_CELL_V_HIGH=3.60 ...).  Returns 1 when the
 * key is an alarm key and the value was taken, 0 when the key is not an
 * alarm key, PT_ERR_CONFIG (with msg) when the value is bad. */
int	alarm_config_set(struct alarm_config *c, const char *key, const char *value,
	    char *msg, size_t msgsize);

/* Rules between keys (a low limit below its high one), checked once
 * after every source is read.  0, or PT_ERR_CONFIG with a one-line msg. */
int	alarm_config_check(const struct alarm_config *c, char *msg, size_t msgsize);

struct alarm_state {
	struct pt_alarm	alarm;		/* latest values; since_ms = first raise */
	bool		active;		/* condition holds now */
	bool		acknowledged;
	int64_t		cleared_ms;	/* 0 while active */
};

struct alarm_event {
	int64_t		time_ms;
	bool		raised;		/* false: cleared */
	struct pt_alarm	alarm;
};

struct alarm_engine;

struct alarm_engine *alarm_engine_new(const struct alarm_config *c);
void	alarm_engine_free(struct alarm_engine *e);
/* New thresholds (SIGHUP); latched alarms and the event log stay. */
void	alarm_engine_set_config(struct alarm_engine *e, const struct alarm_config *c);

/* Evaluate a complete sample, add threshold alarms to it, update latches
 * and the log.  Returns the number of alarms raised by this sample (for
 * the bell). */
int	alarm_engine_eval(struct alarm_engine *e, struct pt_sample *s, int64_t now_ms);
/* No sample for too long: raise (or keep) the "stale_data" alarm. */
void	alarm_engine_stale(struct alarm_engine *e, bool stale, double age_s, int64_t now_ms);

/* Latched alarms (active or unacknowledged), most severe first. */
size_t	alarm_engine_active(struct alarm_engine *e, struct alarm_state *out, size_t max);
/* Acknowledge everything: cleared alarms disappear, active ones stay. */
void	alarm_engine_ack(struct alarm_engine *e);
/* Event log, newest first. */
size_t	alarm_engine_events(struct alarm_engine *e, struct alarm_event *out, size_t max);
size_t	alarm_engine_unacked(struct alarm_engine *e);

/* The band a value is drawn in: the UI's colours (and monochrome marks)
 * come from here, from the same thresholds as the alarms, so no view
 * keeps its own copy of a limit.  pylontop(1) DISPLAY states these. */
enum alarm_band {
	BAND_NORMAL,	/* nothing to see */
	BAND_COLD,	/* temperature near the low limit */
	BAND_WARN,	/* on its way to a limit */
	BAND_ALARM,	/* far enough out to act on */
	BAND_LIMIT,	/* at or beyond an alarm limit */
};
/* A cell voltage against the cell limits and its distance from the
 * module mean against the spread threshold (NAN mean: limits only). */
enum alarm_band alarm_band_cell_voltage(const struct alarm_config *c, double v, double mean);
/* A cell or module temperature against the temperature limits. */
enum alarm_band alarm_band_temperature(const struct alarm_config *c, double celsius);
/* A module's cell spread (highest - lowest, V). */
enum alarm_band alarm_band_spread(const struct alarm_config *c, double spread);
enum alarm_band alarm_band_soc(const struct alarm_config *c, double soc);

const char *alarm_level_name(int level);	/* "warning" */
/* "Module 3 cell 7 voltage high (3.652 V)" — for the log and the TUI. */
void	alarm_describe(const struct pt_alarm *a, char *buf, size_t size);

#endif
