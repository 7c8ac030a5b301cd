/* health.h — cell health from how cells behave under load (issue 15).
 *
 * Pure computation: fed with complete samples (health_feed), it keeps per
 * cell
 *   - a DC resistance estimate from load steps: when the module current
 *     changes by at least HEALTH_STEP_MIN_A between two consecutive fresh
 *     readings of the module's cells, every cell (same current, in series)
 *     gives dV/dI.  The median of the last HEALTH_IR_STEPS steps is the
 *     estimate, the spread is their interquartile range.  Only steps in
 *     the 20-80 % SOC band count (resistance and the OCV slope rise at the
 *     ends), and a step is rejected across a gap or a stale reading, a
 *     change of that cell's balancing, or a temperature change beyond
 *     HEALTH_MAX_TEMP_STEP;
 *   - its deviation from the module's mean cell voltage, as running mean
 *     and deviation per current bin (rest, light, moderate, heavy, charge
 *     and discharge) and SOC band (< 20, 20-80, > 80 %);
 *   - the deviation at rest in the 20-80 % band per UTC day, for a drift
 *     in mV per day;
 *   - its share of time balancing (last hour, last day; time constants),
 *     where the device reports balancing.
 * health_report() turns this into figures and ranked findings, none
 * without enough evidence.  No I/O except health_save/health_load (the
 * state file, written atomically: temp file, fsync, rename).
 */
#ifndef PT_HEALTH_H
#define PT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"

#define HEALTH_IR_STEPS		32	/* load steps kept per cell */
#define HEALTH_DAYS		14	/* days of rest deviation kept per cell */
#define HEALTH_MAX_FINDINGS	32
#define HEALTH_MAX_NOTES	PT_MAX_MODULES
#define HEALTH_TEXT_LEN		200

/* Current bins, discharge (negative current) first. */
enum health_bin {
	HB_HEAVY_DIS, HB_MODERATE_DIS, HB_LIGHT_DIS, HB_REST, HB_LIGHT_CHG, HB_MODERATE_CHG,
	HB_HEAVY_CHG, HB_N
};
/* SOC bands of the module. */
enum health_band { HBAND_LOW, HBAND_MID, HBAND_HIGH, HBAND_N };

struct health_config {
	double	step_min_a;	/* HEALTH_STEP_MIN_A: |dI| of a load step, A (5) */
	int	min_steps;	/* HEALTH_MIN_STEPS: steps before an IR figure (10) */
	double	ir_ratio;	/* HEALTH_IR_RATIO: cell / module median for a finding (1.5) */
	double	max_gap_s;	/* HEALTH_MAX_GAP_S: longest gap between readings (10) */
	double	max_temp_step;	/* HEALTH_MAX_TEMP_STEP: degC within one step (1.0) */
	double	rest_a;		/* HEALTH_REST_A: below this |I| is rest (1) */
	double	light_a;	/* HEALTH_LIGHT_A: light below, moderate from (10) */
	double	heavy_a;	/* HEALTH_HEAVY_A: heavy from (30) */
	int	min_samples;	/* HEALTH_MIN_SAMPLES: readings per bin before it counts (20) */
	double	knee_mv;	/* HEALTH_KNEE_MV: knee deviation vs mid-SOC for capacity (15) */
	double	offset_mv;	/* HEALTH_OFFSET_MV: deviation at rest mid-SOC (20) */
	double	drift_mv_day;	/* HEALTH_DRIFT_MV_DAY: drift for a finding (2) */
	int	drift_min_days;	/* HEALTH_DRIFT_MIN_DAYS: span of days for a drift (3) */
	char	state_file[512];	/* HEALTH_STATE_FILE: "" = estimates not kept */
};

void	health_config_defaults(struct health_config *c);
/* 1: a health key, taken; 0: not a health key; -1: bad value (msg set). */
int	health_config_set(struct health_config *c, const char *key, const char *value,
	    char *msg, size_t msgsize);

/* Rules between keys (rest < light < heavy), once every source is read:
 * 0, or PT_ERR_CONFIG with a one-line msg. */
int	health_config_check(const struct health_config *c, char *msg, size_t msgsize);

enum health_cause { HC_RESISTANCE, HC_CAPACITY_LOW, HC_CAPACITY_HIGH, HC_OFFSET, HC_DRIFT };

struct health_finding {
	int	module;		/* module id */
	int	cell;		/* 0-based */
	enum health_cause cause;
	double	confidence;	/* 0..1, rises with the evidence */
	double	score;		/* ranking: how far beyond the threshold x confidence */
	char	text[HEALTH_TEXT_LEN];
};

struct health_cell_report {
	double	ir_mohm;	/* NAN until min_steps steps */
	double	ir_spread_mohm;	/* interquartile range of the kept steps */
	double	ir_ratio;	/* ir / module median, NAN unknown */
	int	ir_steps;	/* steps kept (<= HEALTH_IR_STEPS) */
	uint32_t ir_steps_total;
	double	dev_mv[HBAND_N][HB_N];	/* mean deviation from the module mean, NAN */
	double	dev_sd_mv[HBAND_N][HB_N];
	uint32_t dev_n[HBAND_N][HB_N];
	double	drift_mv_day;	/* NAN unless drift_min_days span */
	double	drift_span_days;
	double	bal_hour, bal_day;	/* share 0..1, NAN unknown */
};

struct health_module_report {
	int	id;
	int	n_cells;
	double	ir_median_mohm;	/* NAN until 3 cells have an estimate */
	int	steps_min;	/* fewest steps of any cell */
	uint32_t rejected;	/* steps rejected (gap, temperature, SOC band) */
	struct health_cell_report cells[PT_MAX_CELLS];
};

struct health_report {
	int	n_modules;
	struct health_module_report m[PT_MAX_MODULES];
	int	n_findings;	/* ranked, strongest first */
	struct health_finding findings[HEALTH_MAX_FINDINGS];
	int	n_notes;	/* what is not judged yet, and why */
	char	notes[HEALTH_MAX_NOTES][HEALTH_TEXT_LEN];
};

struct health;

struct health *health_new(const struct health_config *c);
void	health_free(struct health *h);
/* Forget everything (not the config). */
void	health_reset(struct health *h);
/* One complete sample.  Only modules whose cells were read anew count. */
void	health_feed(struct health *h, const struct pt_sample *s);
/* Entries past out's counts (n_modules, n_findings, n_notes) are left as
 * they were. */
void	health_report(const struct health *h, struct health_report *out);
/* The module report for module id, NULL if none. */
const struct health_module_report *health_report_module(const struct health_report *r, int id);
const char *health_cause_name(enum health_cause c);
const char *health_bin_name(enum health_bin b);
const char *health_band_name(enum health_band b);

/* State file: 0 or -1 with errno / a one-line why in err. */
int	health_save(const struct health *h, const char *path, char *err, size_t errsize);
int	health_load(struct health *h, const char *path, char *err, size_t errsize);

#endif
