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
#include <stdint.h>

#define SIM_MAX_MODULES	16
#define SIM_MAX_CELLS	32
/* A drifting cell stops here (a real cell reads 2.0-4.2 V at the extremes). */
#define SIM_CELL_V_MIN	2.000
#define SIM_CELL_V_MAX	4.200

struct sim_module {
	int	id;
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
};

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
/* protect: the cell the console BMS flags (the highest, 0-based); -1 none. */
int	sim_module_protect_cell(const struct sim_model *m, const struct sim_module *mod);
/* Write the true values as JSON, atomically (temp file + rename). */
int	sim_model_write_state(const struct sim_model *m, const char *path, const char *protocol);

#endif
