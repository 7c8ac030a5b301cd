/* energy.h — charged and discharged energy from measured power, for Home
 * Assistant's energy dashboard (issue 17).
 *
 * Pure: fed with (time, power) points, it integrates by the trapezoid
 * rule between two consecutive fresh points and splits the area at the
 * zero crossing, positive power (current into the battery, as Pylontech
 * counts it) into `charged`, negative into `discharged`.  A gap longer
 * than max_gap_s (stale link, link down, pylontop restarted, a module
 * missing from a sample), a clock going backwards, or an explicit
 * energy_meter_gap() is never bridged: that interval is not counted at
 * all — an energy meter that guesses is worse than one that pauses.
 *
 * The totals only grow (HA state_class total_increasing) and survive a
 * restart through the state file (sink/mqtt_state.h).
 */
#ifndef PT_ENERGY_H
#define PT_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "model/sample.h"

#define ENERGY_MAX_GAP_S_DEFAULT	60.0
#define ENERGY_ID_LEN			80
#define ENERGY_MAX_MODULES		48	/* this run's and earlier runs' */

struct energy_meter {
	double	charged_kwh, discharged_kwh;	/* totals, only grow */
	bool	have_last;			/* a point to integrate from */
	int64_t	last_ms;			/* its time, UTC ms */
	double	last_w;				/* its power, W */
};

/* One more point at t_ms with power w (W).  Counted from the previous
 * point when there is one, 0 < t_ms - last_ms <= max_gap_s; otherwise the
 * interval is dropped and this point starts anew.  A non-finite w is a
 * gap. */
void	energy_meter_add(struct energy_meter *m, int64_t t_ms, double w, double max_gap_s);
/* No fresh point for a while (stale, link down): the next one starts anew. */
void	energy_meter_gap(struct energy_meter *m);

struct energy_module {
	char			id[ENERGY_ID_LEN];	/* MQTT device id (barcode) */
	struct energy_meter	m;
};

struct energy {
	double			max_gap_s;
	struct energy_meter	stack;
	int			n;
	struct energy_module	mod[ENERGY_MAX_MODULES];
};

void	energy_init(struct energy *e, double max_gap_s);
/* The meter of module `id`, created at 0 when absent; NULL when full. */
struct energy_meter *energy_module(struct energy *e, const char *id);
/* The power a module / the stack measured in this sample: PTF_POWER,
 * else voltage x current; NAN when neither is known. */
double	energy_module_power(const struct pt_module *m);
double	energy_stack_power(const struct pt_stack *s);
/* A complete sample: the stack and each module by its id (ids[i] for
 * s->modules[i]).  A known module missing from the sample, or without a
 * power, gets a gap. */
void	energy_feed(struct energy *e, const struct pt_sample *s, const char (*ids)[ENERGY_ID_LEN]);
/* Every meter: a gap (stale link, identity not known yet). */
void	energy_gap_all(struct energy *e);

#endif
