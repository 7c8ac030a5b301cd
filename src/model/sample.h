/* sample.h — one reading of a battery stack, in SI-style units.
 *
 * Everything downstream of the parsers (history, alarms, CSV, MQTT, TUI,
 * JSON output) sees only this structure.  Units are V, A, W, degC, %, Ah,
 * Wh; wire units are converted by the parser and nowhere else.
 *
 * "Unknown" is never 0: every numeric field has a bit in its struct's
 * `valid` mask, and serialisers print null / empty for fields whose bit is
 * clear.  Use PT_SET() to store a value and PT_HAS() to test one.
 *
 * The structure has a fixed size (no pointers), so it can be copied into
 * the history ring and across threads with memcpy.  Strings in it are
 * already sanitised (printable ASCII, see util/sanitize.h): parsers store
 * device text only through pt_copy_text().
 */
#ifndef PT_SAMPLE_H
#define PT_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_MAX_MODULES		16	/* LV stack: 16 addresses */
#define PT_MAX_CELLS		32	/* per module (Force H2 BMU: 30) */
#define PT_MAX_TEMPS		8	/* extra temperature sensors per module */
#define PT_MAX_ALARMS		48
#define PT_MAX_WORDS		32	/* distinct status words per sample */
#define PT_WORD_LEN		12
#define PT_TEXT_LEN		32	/* barcodes, model names, versions */
#define PT_STATUS_LEN		16

/* Field bits, shared by stack, module and cell `valid` masks. */
enum pt_field {
	PTF_VOLTAGE		= 1u << 0,
	PTF_CURRENT		= 1u << 1,
	PTF_POWER		= 1u << 2,
	PTF_SOC			= 1u << 3,
	PTF_TEMPERATURE		= 1u << 4,
	PTF_ERROR_CODE		= 1u << 5,
	PTF_CYCLES		= 1u << 6,
	PTF_SOH			= 1u << 7,
	PTF_REMAINING_AH	= 1u << 8,
	PTF_FULL_AH		= 1u << 9,
	PTF_REMAINING_WH	= 1u << 10,
	PTF_TEMP_MIN		= 1u << 11,	/* lowest cell/sensor temperature */
	PTF_TEMP_MAX		= 1u << 12,
	PTF_CELL_VMIN		= 1u << 13,	/* as reported by the BMS */
	PTF_CELL_VMAX		= 1u << 14,
	PTF_MOS_TEMPERATURE	= 1u << 15,
	PTF_CHARGE_LIMIT	= 1u << 16,	/* max charge current, A */
	PTF_DISCHARGE_LIMIT	= 1u << 17,	/* max discharge current, A (>= 0) */
	PTF_CHARGE_VOLTAGE	= 1u << 18,	/* recommended charge voltage, V */
	PTF_DESIGN_AH		= 1u << 19,
	PTF_BALANCING		= 1u << 20,	/* cells: balancing flag known */
	PTF_MODULE_COUNT	= 1u << 21,	/* stack: modules present */
	/* module: the voltage is the sum of its cells (the device gave
	 * none); set together with PTF_VOLTAGE by pt_sample_derive(). */
	PTF_VOLTAGE_DERIVED	= 1u << 22,
	/* module: its cells were read in an earlier cycle and carried within
	 * their freshness limit (pt_sample_merge_cached); nothing of the
	 * module (voltage, cell min/max, temperatures) is derived from them,
	 * so an old reading never reappears as a fresh module value. */
	PTF_CELLS_CARRIED	= 1u << 23,
	PTF_ENERGY_SOC		= 1u << 24,	/* state of energy, % (HV CoulombWH) */
};

#define PT_SET(obj, field, bit, val) \
	do { (obj)->field = (val); (obj)->valid |= (bit); } while (0)
#define PT_HAS(obj, bit)	(((obj)->valid & (bit)) != 0)

struct pt_cell {
	uint32_t	valid;
	float		voltage;		/* V */
	float		temperature;		/* degC */
	float		soc;			/* % */
	uint8_t		voltage_status;		/* index into sample words, 0 = unknown */
	uint8_t		temperature_status;
	bool		balancing;
};

struct pt_module {
	uint32_t	valid;
	int		id;			/* address / BMU index / pack number, as the device counts */
	char		barcode[PT_TEXT_LEN];	/* "" = unknown */
	char		model[PT_TEXT_LEN];
	char		firmware[PT_TEXT_LEN];
	char		status[PT_STATUS_LEN];	/* normalised base state, "" = unknown */
	double		voltage, current, power, temperature, mos_temperature;
	double		temp_min, temp_max, cell_vmin, cell_vmax;
	double		soc, soh, remaining_ah, full_ah, design_ah, remaining_wh;
	double		charge_limit, discharge_limit, charge_voltage;
	double		energy_soc;		/* %, by energy, not charge */
	long		cycles;
	long		error_code;
	int		n_temps;
	float		temps[PT_MAX_TEMPS];	/* extra sensors (RS485), degC */
	int		n_cells;
	/* When the device answered with these cells (UTC ms), 0 = never.
	 * Cells read in an earlier cycle (round-robin, a lost answer) keep
	 * their own time; past their freshness limit they are dropped, never
	 * repeated as new.  Serialisers show the age. */
	int64_t		cells_ms;
	struct pt_cell	cells[PT_MAX_CELLS];
};

struct pt_stack {
	uint32_t	valid;
	char		status[PT_STATUS_LEN];
	char		model[PT_TEXT_LEN];	/* controller / master model */
	char		barcode[PT_TEXT_LEN];	/* controller barcode (HV) */
	char		firmware[PT_TEXT_LEN];
	double		voltage, current, power, temperature;
	double		temp_min, temp_max, cell_vmin, cell_vmax;
	double		soc, soh, remaining_ah, full_ah, remaining_wh;
	double		charge_limit, discharge_limit, charge_voltage;
	long		cycles;
	long		error_code;
	int		module_count;
};

enum pt_alarm_source { PT_ALARM_BMS, PT_ALARM_THRESHOLD, PT_ALARM_LINK };
enum pt_alarm_level { PT_LEVEL_INFO, PT_LEVEL_WARNING, PT_LEVEL_ALARM, PT_LEVEL_PROTECT };

struct pt_alarm {
	uint8_t		source;			/* enum pt_alarm_source */
	uint8_t		level;			/* enum pt_alarm_level */
	int16_t		module;			/* module id, 0 = stack */
	int16_t		cell;			/* 0-based cell in module, -1 = none */
	char		name[32];		/* snake_case, e.g. "cell_overvoltage" */
	double		value;			/* NAN when not applicable */
	int64_t		since_ms;		/* UTC ms, 0 = unknown */
};

struct pt_sample {
	int64_t		time_ms;		/* UTC, ms since the epoch, when complete */
	uint32_t	seq;			/* counts samples of one run */
	char		protocol[8];		/* "lv", "hv", "sc0500", "rs485" */
	char		dialect[12];		/* RS485 dialect, else "" */
	struct pt_stack	stack;
	int		n_modules;
	struct pt_module modules[PT_MAX_MODULES];	/* wire order */
	int		n_alarms;
	struct pt_alarm	alarms[PT_MAX_ALARMS];
	int		n_words;
	char		words[PT_MAX_WORDS][PT_WORD_LEN];	/* words[0] = "" */
};

/* Cell statistics of one module, from its valid cell voltages. */
struct pt_cell_stats {
	int	count;
	double	min, max, mean, spread;	/* V; spread = max - min */
	int	argmin, argmax;		/* cell index, -1 if count == 0 */
};

void	pt_sample_init(struct pt_sample *s, const char *protocol);

/* Module with this id, added (in arrival order) if absent; NULL when full. */
struct pt_module *pt_sample_module(struct pt_sample *s, int id);
/* Module with this id or NULL. */
struct pt_module *pt_sample_find_module(struct pt_sample *s, int id);

/* Cell `index` (0-based) of a module, extending n_cells; NULL if too many. */
struct pt_cell *pt_module_cell(struct pt_module *m, int index);

/* Intern a device status word; returns its index (0 for "" or overflow). */
uint8_t	pt_sample_word(struct pt_sample *s, const char *word);
const char *pt_sample_word_text(const struct pt_sample *s, uint8_t index);

/* Add a BMS/threshold alarm; returns it, NULL when the table is full. */
struct pt_alarm *pt_sample_add_alarm(struct pt_sample *s, enum pt_alarm_source src,
    enum pt_alarm_level level, int module, int cell, const char *name, double value);

/* Normalise a device state word: "Dischg" -> "Discharge", "Chg" ->
 * "Charge"; copies others sanitised.  `out` has PT_STATUS_LEN bytes. */
void	pt_normalise_state(char *out, const char *word);

/* Copy device text into a fixed field, sanitised for every destination
 * (printable ASCII only, trimmed, truncated).  `size` is sizeof(dst). */
void	pt_copy_text(char *dst, size_t size, const char *src, size_t len);

void	pt_module_cell_stats(const struct pt_module *m, struct pt_cell_stats *out);

/* Fill stack fields the device did not give but the modules imply
 * (power = V * I, cell min/max, temperature extremes, module count), and
 * a module's voltage from the sum of its cells when the device gave none
 * and every cell is known (marked PTF_VOLTAGE_DERIVED). */
void	pt_sample_derive(struct pt_sample *s);

/*
 * Freshness of cells read in an earlier cycle (issue 10.1).
 *
 * A session that reads cells round-robin, or loses one module's answer,
 * may carry a module's last cells into the next samples, with the time
 * they were read (pt_module.cells_ms), but only while they are younger
 * than their freshness limit:
 *
 *     limit = (cycles_per_round + 2) * cycle_ms + PT_CELLS_AGE_MARGIN_MS
 *
 * cycle_ms is the measured time from one sample to the next (never less
 * than the configured interval), cycles_per_round the cycles it takes to
 * read every module's cells once (1 without round-robin, ceil(modules /
 * modules per cycle) with it).  So one lost answer is bridged, two in a
 * row are not: past the limit the cells are unknown, never repeated.
 */
#define PT_CELLS_AGE_MARGIN_MS	1000

int64_t	pt_cells_max_age_ms(int64_t cycle_ms, int cycles_per_round);

/* Copy a module's cells (values, status words re-interned in `dst`,
 * cells_ms) from another sample. */
void	pt_module_copy_cells(struct pt_sample *dst, struct pt_module *dm,
	    const struct pt_sample *src, const struct pt_module *sm);

/* For every module of `out` whose cells were not read in this cycle
 * (cells_ms == 0), take the cached module's cells when they are at most
 * max_age_ms old at now_ms (UTC ms).  Older ones are dropped: the module
 * keeps as many cells, all unknown, and cells_ms says when they were
 * last read.  Returns how many modules' cells were dropped as too old. */
/* Seconds between the read of m's cells and the sample's time; NAN when
 * never read (or the sample has no time). */
double	pt_module_cells_age_s(const struct pt_sample *s, const struct pt_module *m);

/* Cells dropped as too old are made unknown in `cache` too: a freshness
 * limit that grows later (a slower measured cycle) never brings them back. */
int	pt_sample_merge_cached(struct pt_sample *out, struct pt_sample *cache,
	    int64_t now_ms, int64_t max_age_ms);

/* Slow data — identity, counters and limits, read at start and hourly or
 * interleaved over cycles — kept from an earlier read (`slow`) into what
 * `out` lacks: empty strings and values without their validity bit; what
 * `out` has is never overwritten.  Modules go by id, not position.
 *   stack:  model, barcode, firmware, cycles, SOH;
 *   module: barcode, model, firmware, cycles, SOH, design and full Ah,
 *           and the BMS's charge/discharge limits and charge voltage —
 *           these follow its state, so only into a module that answered
 *           this cycle (PTF_VOLTAGE).
 * One module: pt_module_merge_slow(). */
void	pt_sample_merge_slow(struct pt_sample *out, const struct pt_sample *slow);
void	pt_module_merge_slow(struct pt_module *dst, const struct pt_module *src);

/* True when a status word means "all is well" ("Normal", "Idle" ...). */
bool	pt_status_is_normal(const char *word);

#endif
