/* sim_model.h — the battery stack pylontop-sim pretends to be.
 *
 * Values evolve with wall time (once per second at most, so one poll
 * cycle sees consistent numbers): a slow charge/discharge cycle,
 * temperature drift, one weak cell, balancing on the highest cells while
 * charging.  Units as in the sample: V, A, degC, %, Ah.  The dialects
 * print these values in their own wire units. */
#ifndef PT_SIM_MODEL_H
#define PT_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_MAX_MODULES	16
#define SIM_MAX_CELLS	32
/* A drifting cell stops here (a real cell reads 2.0-4.2 V at the extremes). */
#define SIM_CELL_V_MIN	2.000
#define SIM_CELL_V_MAX	4.200
/* The BMS's own records (issue 13): lifetime counters per module (and the
 * HV controller), per-cell SOH counts, an event log, a clock. */
#define SIM_LOG_MAX	1000
#define SIM_REFUSED_KEEP	8

/* Lifetime counters of `stat`, in the order SIM_COUNTER_NAMES lists. */
enum sim_counter {
	SC_CHARGE_TIMES, SC_COC, SC_DOC, SC_SC, SC_BOV, SC_BHV, SC_BLV, SC_BUV,
	SC_COT, SC_DOT, SC_CUT, SC_DUT, SC_SHUT, SC_RESET, SC_SOH_PCT, SC_MYSTERY,
	SC_N
};

struct sim_counters {
	long	v[SC_N];
	int	soh_count[SIM_MAX_CELLS * SIM_MAX_MODULES];
};

/* Per-cell physics (profiles rest, cycle, steps): the truth the health
 * engine is tested against.  SOC in %, capacity in Ah, resistance in ohm,
 * self-discharge in % per day. */
struct sim_cell_phys {
	double	soc, capacity_ah, r_ohm, self_discharge;
};

/* Load profiles: sine is the old 15-minute cycle with a fixed weak cell
 * (no per-cell physics); the others drive the per-cell model. */
enum sim_profile { SIM_PROFILE_SINE, SIM_PROFILE_REST, SIM_PROFILE_CYCLE, SIM_PROFILE_STEPS };

/* Balancing bleed current while a cell is balanced, A. */
#define SIM_BALANCE_A		0.1
/* How long the profiles hold one current level, simulated s. */
#define SIM_STEP_HOLD_S		120

struct sim_module {
	int	id;
	struct sim_cell_phys phys[SIM_MAX_CELLS];
	char	barcode[20];
	double	voltage, current, temperature, soc, capacity_ah;
	int	cycles;
	double	cell_v[SIM_MAX_CELLS];
	double	cell_t[SIM_MAX_CELLS];
	bool	balancing[SIM_MAX_CELLS];
	/* Scripted faults (--fault): */
	bool	batfail;	/* batfail:M - every read of its cells fails ... */
	double	batfail_at;	/* ... from this monotonic s on (batfail:M:S) */
	double	dead_at;	/* packdead:M[:S] - monotonic s it stops answering; 0 never */
	int	drift_cell;	/* drift:M:C:MV - 0-based cell that drifts, -1 none */
	double	drift_v_per_s;	/* its drift, signed, V per second since the start */
	bool	overtemp;	/* overtemp:M:DEGC - the module is held at ... */
	double	overtemp_c;	/* ... this temperature */
	bool	protect;	/* protect:M - the BMS reports cell over-voltage protection */
	struct sim_counters rec;	/* `stat N` / `soh N` */
};

struct sim_model {
	int		 modules, cells;
	char		 barcode[24];	/* controller (HV, SC0500) */
	double		 start;		/* seconds, monotonic */
	int64_t		 last_step;	/* whole second of the last update */
	unsigned	 seed;
	double		 voltage, current, soc, temperature;
	int		 cycles;
	struct sim_module m[SIM_MAX_MODULES];
	int		 tbar_count;	/* tbar commands received (any mode) */
	int		 login_count;	/* login commands received */
	int		 write_count;	/* other writing commands received */
	int64_t		 step_ms;	/* UTC ms the values were last brought up to date */
	/* Physics (profile != SINE): */
	enum sim_profile profile;
	double		 time_scale;	/* simulated s per real s (1 = real time) */
	double		 sim_s;		/* simulated seconds since the start */
	double		 module_current;	/* per module, A, held until the next tick */
	int		 direction;	/* cycle: -1 discharging, +1 charging */
	int64_t		 phys_tick;	/* real second the physics last advanced to */
	/* Records: the controller's (HV) counters, the event log of the
	 * console's own module (LV 1) or of the controller, the BMS clock. */
	struct sim_counters rec;
	int		 log_n;		/* entries, newest has index log_n - 1 */
	int64_t		 log_t0;	/* UTC s of entry 0 (BMS clock) */
	long		 clock_offset_s;	/* BMS clock minus the host's */
	unsigned	 commands;	/* every command line received */
	unsigned	 refused;	/* ... of which not in pylontop's read-only table */
	char		 refused_names[SIM_REFUSED_KEEP][16];
};

/* Switch to per-cell physics with this profile, time scale and start SOC
 * (call after sim_model_init, before the first answer). */
void	sim_model_physics(struct sim_model *m, enum sim_profile p, double time_scale,
	    double start_soc);
/* Make cell c (0-based) of module i worse: resistance x ir, capacity x cap. */
void	sim_model_weaken(struct sim_model *m, int i, int c, double ir, double cap);

void	sim_model_init(struct sim_model *m, int modules, int cells, const char *barcode,
	    unsigned seed);
/* Bring the values to the current second. */
void	sim_model_step(struct sim_model *m);
/* The same even within the second (after the faults were set). */
void	sim_model_step_now(struct sim_model *m);
/* Module index i (0-based) no longer answers at all (packdead). */
bool	sim_module_dead(const struct sim_model *m, int i);
/* Whether module i's cells are answered now (neither batfail nor dead). */
bool	sim_module_cells_answered(const struct sim_model *m, int i);
/* A module's state of energy, % (HV `unit` CoulombWH). */
int	sim_module_energy_soc(const struct sim_module *mod);
/* protect: the cell the console BMS flags (the highest, 0-based); -1 none. */
int	sim_module_protect_cell(const struct sim_model *m, const struct sim_module *mod);
/* The names `stat` prints for the counters (LV / HV label sets). */
const char *sim_counter_label(enum sim_counter c, bool hv);
/* The truth-file key of a counter. */
const char *sim_counter_key(enum sim_counter c);
/* Log entry i (0 oldest): BMS time (UTC s), code, text; its time as the
 * log prints it ("23-09-16 11:43:09", local time). */
void	sim_log_time_text(int64_t t, char *buf, size_t size);
void	sim_log_entry(const struct sim_model *m, int i, int64_t *t, char *code, size_t csize,
	    const char **text);
/* Count a received command; `known` says it is in the read-only table. */
void	sim_count_command(struct sim_model *m, const char *cmd, bool known);
/* Write the true values as JSON, atomically (temp file + rename). */
int	sim_model_write_state(const struct sim_model *m, const char *path, const char *protocol);
/* The same JSON, one line, to f (the --state-log lines). */
void	sim_model_print_state(const struct sim_model *m, FILE *f, const char *protocol);

#endif
