/* alarms.c — threshold alarms with hysteresis, latches and an event log.
 *
 * An alarm is identified by (source, module, cell, name).  Each sample
 * gives the set of conditions that hold now: the BMS alarms the parser
 * found, non-zero error codes, and the thresholds.  A threshold that was
 * raised holds until the value is back past it by the hysteresis.  Every
 * raise and clear goes to the event log; a raised alarm stays listed
 * (latched) until acknowledged.
 */
#include "core/alarms.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"

#define MAX_STATES	256
#define MAX_EVENTS	512

struct alarm_engine {
	pthread_mutex_t		lock;
	struct alarm_config	cfg;
	struct alarm_state	st[MAX_STATES];
	bool			seen[MAX_STATES];	/* holds in this sample */
	int			n;
	struct alarm_event	ev[MAX_EVENTS];
	size_t			ev_head, ev_count;
};

void
alarm_config_defaults(struct alarm_config *c)
{
	memset(c, 0, sizeof *c);
	c->cell_v_high = 3.60;		/* LiFePO4: charging ends near 3.45-3.55 */
	c->cell_v_low = 2.90;
	c->cell_v_hyst = 0.05;
	c->cell_spread_high = 0.10;
	c->cell_spread_hyst = 0.02;
	c->temp_high = 45;
	c->temp_low = 2;		/* charging LiFePO4 below ~0 C plates lithium */
	c->temp_hyst = 3;
	c->soc_low = 10;
	c->soc_hyst = 5;
	c->stale_after_s = 0;		/* 3 x interval */
}

static int
number(const char *key, const char *value, double lo, double hi, double *out,
    char *msg, size_t size)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(value, &end);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(d)) {
		snprintf(msg, size, "%s: '%s' is not a number%s", key, value,
		    strchr(value, ',') ? " (use a dot: 3.60)" : "");
		return PT_ERR_CONFIG;
	}
	if (d < lo || d > hi) {
		snprintf(msg, size, "%s: '%s' is out of range (%g to %g)", key, value, lo, hi);
		return PT_ERR_CONFIG;
	}
	*out = d;
	return 1;
}

int
alarm_config_set(struct alarm_config *c, const char *key, const char *value,
    char *msg, size_t msgsize)
{
	static const struct {
		const char	*key;
		size_t		 off;
		double		 lo, hi;
	} keys[] = {
#define K(k, f, lo, hi) { k, offsetof(struct alarm_config, f), lo, hi }
		K("ALARM_CELL_V_HIGH", cell_v_high, 1, 5),
		K("ALARM_CELL_V_LOW", cell_v_low, 1, 5),
		K("ALARM_CELL_V_HYST", cell_v_hyst, 0, 1),
		K("ALARM_CELL_SPREAD", cell_spread_high, 0.001, 2),
		K("ALARM_CELL_SPREAD_HYST", cell_spread_hyst, 0, 1),
		K("ALARM_TEMP_HIGH", temp_high, -40, 120),
		K("ALARM_TEMP_LOW", temp_low, -40, 120),
		K("ALARM_TEMP_HYST", temp_hyst, 0, 30),
		K("ALARM_SOC_LOW", soc_low, 0, 100),
		K("ALARM_SOC_HYST", soc_hyst, 0, 50),
		K("ALARM_STALE_S", stale_after_s, 0, 86400),
#undef K
	};
	size_t i;
	int rc;

	if (strcmp(key, "ALARM_BELL") == 0) {
		if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
		    !strcmp(value, "1") || !strcasecmp(value, "on"))
			c->bell = true;
		else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") ||
		    !strcmp(value, "0") || !strcasecmp(value, "off"))
			c->bell = false;
		else {
			snprintf(msg, msgsize, "%s: '%s' is not a yes/no value (use true or false)",
			    key, value);
			return PT_ERR_CONFIG;
		}
		return 1;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct alarm_config t = *c;
		if (strcmp(key, keys[i].key) != 0)
			continue;
		rc = number(key, value, keys[i].lo, keys[i].hi,
		    (double *)((char *)&t + keys[i].off), msg, msgsize);
		if (rc < 0)
			return rc;
		if (t.cell_v_low >= t.cell_v_high || t.temp_low >= t.temp_high) {
			snprintf(msg, msgsize, "%s: '%s' makes the low limit not below the high one",
			    key, value);
			return PT_ERR_CONFIG;
		}
		*c = t;
		return 1;
	}
	return 0;
}

struct alarm_engine *
alarm_engine_new(const struct alarm_config *c)
{
	struct alarm_engine *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	pthread_mutex_init(&e->lock, NULL);
	e->cfg = *c;
	return e;
}

void
alarm_engine_free(struct alarm_engine *e)
{
	if (e == NULL)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static bool
same(const struct pt_alarm *a, const struct pt_alarm *b)
{
	return a->source == b->source && a->module == b->module && a->cell == b->cell &&
	    strcmp(a->name, b->name) == 0;
}

static int
find(struct alarm_engine *e, const struct pt_alarm *a)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (same(&e->st[i].alarm, a))
			return i;
	return -1;
}

static void
log_event(struct alarm_engine *e, const struct pt_alarm *a, bool raised, int64_t now)
{
	struct alarm_event *ev = &e->ev[e->ev_head];

	ev->time_ms = now;
	ev->raised = raised;
	ev->alarm = *a;
	e->ev_head = (e->ev_head + 1) % MAX_EVENTS;
	if (e->ev_count < MAX_EVENTS)
		e->ev_count++;
}

/* The condition `a` holds now.  Returns true when it is a new raise. */
static bool
holds(struct alarm_engine *e, const struct pt_alarm *a, int64_t now)
{
	int i = find(e, a);

	if (i < 0) {
		if (e->n >= MAX_STATES)
			return false;
		i = e->n++;
		memset(&e->st[i], 0, sizeof e->st[i]);
		e->st[i].alarm = *a;
		e->st[i].alarm.since_ms = now;
	}
	e->seen[i] = true;
	e->st[i].alarm.value = a->value;
	e->st[i].alarm.level = a->level;
	if (e->st[i].active)
		return false;
	e->st[i].active = true;
	e->st[i].acknowledged = false;
	e->st[i].cleared_ms = 0;
	e->st[i].alarm.since_ms = now;
	log_event(e, &e->st[i].alarm, true, now);
	return true;
}

static bool
is_active(struct alarm_engine *e, const struct pt_alarm *a)
{
	int i = find(e, a);

	return i >= 0 && e->st[i].active;
}

/* High-limit check with hysteresis: true while the alarm should hold. */
static bool
over(struct alarm_engine *e, const struct pt_alarm *a, double v, double limit, double hyst)
{
	return v > limit || (is_active(e, a) && v > limit - hyst);
}

static bool
under(struct alarm_engine *e, const struct pt_alarm *a, double v, double limit, double hyst)
{
	return v < limit || (is_active(e, a) && v < limit + hyst);
}

static void
mk(struct pt_alarm *a, int level, int module, int cell, const char *name, double value)
{
	memset(a, 0, sizeof *a);
	a->source = PT_ALARM_THRESHOLD;
	a->level = (uint8_t)level;
	a->module = (int16_t)module;
	a->cell = (int16_t)cell;
	snprintf(a->name, sizeof a->name, "%s", name);
	a->value = value;
}

/* Evaluate one threshold; add it to the sample when it holds. */
static int
check(struct alarm_engine *e, struct pt_sample *s, struct pt_alarm *a, bool cond, int64_t now)
{
	int raised = 0;

	if (!cond)
		return 0;
	raised = holds(e, a, now);
	a->since_ms = e->st[find(e, a)].alarm.since_ms;
	if (s->n_alarms < PT_MAX_ALARMS)
		s->alarms[s->n_alarms++] = *a;
	return raised;
}

static int
eval_module(struct alarm_engine *e, struct pt_sample *s, const struct pt_module *m, int64_t now)
{
	const struct alarm_config *c = &e->cfg;
	struct pt_cell_stats cs;
	struct pt_alarm a;
	int raised = 0, i;
	double t;

	for (i = 0; i < m->n_cells; i++) {
		const struct pt_cell *cell = &m->cells[i];
		if (!PT_HAS(cell, PTF_VOLTAGE))
			continue;
		mk(&a, PT_LEVEL_ALARM, m->id, i, "cell_voltage_high", cell->voltage);
		raised += check(e, s, &a, over(e, &a, cell->voltage, c->cell_v_high, c->cell_v_hyst), now);
		mk(&a, PT_LEVEL_ALARM, m->id, i, "cell_voltage_low", cell->voltage);
		raised += check(e, s, &a, under(e, &a, cell->voltage, c->cell_v_low, c->cell_v_hyst), now);
	}
	pt_module_cell_stats(m, &cs);
	if (cs.count >= 2) {
		mk(&a, PT_LEVEL_WARNING, m->id, -1, "cell_spread_high", cs.spread);
		raised += check(e, s, &a, over(e, &a, cs.spread, c->cell_spread_high,
		    c->cell_spread_hyst), now);
	}
	t = PT_HAS(m, PTF_TEMP_MAX) ? m->temp_max : PT_HAS(m, PTF_TEMPERATURE) ? m->temperature : NAN;
	if (isfinite(t)) {
		mk(&a, PT_LEVEL_ALARM, m->id, -1, "temperature_high", t);
		raised += check(e, s, &a, over(e, &a, t, c->temp_high, c->temp_hyst), now);
	}
	t = PT_HAS(m, PTF_TEMP_MIN) ? m->temp_min : PT_HAS(m, PTF_TEMPERATURE) ? m->temperature : NAN;
	if (isfinite(t)) {
		mk(&a, PT_LEVEL_ALARM, m->id, -1, "temperature_low", t);
		raised += check(e, s, &a, under(e, &a, t, c->temp_low, c->temp_hyst), now);
	}
	if (PT_HAS(m, PTF_ERROR_CODE) && m->error_code != 0) {
		mk(&a, PT_LEVEL_ALARM, m->id, -1, "error_code", (double)m->error_code);
		a.source = PT_ALARM_BMS;
		raised += check(e, s, &a, true, now);
	}
	return raised;
}

int
alarm_engine_eval(struct alarm_engine *e, struct pt_sample *s, int64_t now_ms)
{
	const struct alarm_config *c = &e->cfg;
	struct pt_alarm a;
	int raised = 0, i, n_bms = s->n_alarms;

	pthread_mutex_lock(&e->lock);
	memset(e->seen, 0, sizeof e->seen);
	for (i = 0; i < n_bms; i++) {
		raised += holds(e, &s->alarms[i], now_ms);
		s->alarms[i].since_ms = e->st[find(e, &s->alarms[i])].alarm.since_ms;
	}
	for (i = 0; i < s->n_modules; i++)
		raised += eval_module(e, s, &s->modules[i], now_ms);
	if (PT_HAS(&s->stack, PTF_SOC)) {
		mk(&a, PT_LEVEL_WARNING, 0, -1, "soc_low", s->stack.soc);
		raised += check(e, s, &a, under(e, &a, s->stack.soc, c->soc_low, c->soc_hyst), now_ms);
	}
	if (PT_HAS(&s->stack, PTF_ERROR_CODE) && s->stack.error_code != 0) {
		mk(&a, PT_LEVEL_ALARM, 0, -1, "error_code", (double)s->stack.error_code);
		a.source = PT_ALARM_BMS;
		raised += check(e, s, &a, true, now_ms);
	}
	/* What held before and not now has cleared (link alarms aside). */
	for (i = 0; i < e->n; i++)
		if (e->st[i].active && !e->seen[i] && e->st[i].alarm.source != PT_ALARM_LINK) {
			e->st[i].active = false;
			e->st[i].cleared_ms = now_ms;
			log_event(e, &e->st[i].alarm, false, now_ms);
		}
	pthread_mutex_unlock(&e->lock);
	return raised;
}

void
alarm_engine_stale(struct alarm_engine *e, bool stale, double age_s, int64_t now_ms)
{
	struct pt_alarm a;
	int i;

	mk(&a, PT_LEVEL_WARNING, 0, -1, "stale_data", age_s);
	a.source = PT_ALARM_LINK;
	pthread_mutex_lock(&e->lock);
	i = find(e, &a);
	if (stale)
		holds(e, &a, now_ms);
	else if (i >= 0 && e->st[i].active) {
		e->st[i].active = false;
		e->st[i].cleared_ms = now_ms;
		log_event(e, &e->st[i].alarm, false, now_ms);
	}
	pthread_mutex_unlock(&e->lock);
}

static int
by_severity(const void *x, const void *y)
{
	const struct alarm_state *a = x, *b = y;

	if (a->active != b->active)
		return a->active ? -1 : 1;
	if (a->alarm.level != b->alarm.level)
		return b->alarm.level - a->alarm.level;
	return a->alarm.since_ms < b->alarm.since_ms ? -1 : a->alarm.since_ms > b->alarm.since_ms;
}

size_t
alarm_engine_active(struct alarm_engine *e, struct alarm_state *out, size_t max)
{
	size_t n = 0;
	int i;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n && n < max; i++)
		if (e->st[i].active || !e->st[i].acknowledged)
			out[n++] = e->st[i];
	pthread_mutex_unlock(&e->lock);
	qsort(out, n, sizeof *out, by_severity);
	return n;
}

size_t
alarm_engine_unacked(struct alarm_engine *e)
{
	size_t n = 0;
	int i;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++)
		if (!e->st[i].acknowledged)
			n++;
	pthread_mutex_unlock(&e->lock);
	return n;
}

void
alarm_engine_ack(struct alarm_engine *e)
{
	int i, j = 0;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++) {
		if (!e->st[i].active)
			continue;	/* cleared and now acknowledged: forget it */
		e->st[i].acknowledged = true;
		e->st[j++] = e->st[i];
	}
	e->n = j;
	pthread_mutex_unlock(&e->lock);
}

size_t
alarm_engine_events(struct alarm_engine *e, struct alarm_event *out, size_t max)
{
	size_t n, i;

	pthread_mutex_lock(&e->lock);
	n = e->ev_count < max ? e->ev_count : max;
	for (i = 0; i < n; i++)
		out[i] = e->ev[(e->ev_head + MAX_EVENTS - 1 - i) % MAX_EVENTS];
	pthread_mutex_unlock(&e->lock);
	return n;
}

const char *
alarm_level_name(int level)
{
	switch (level) {
	case PT_LEVEL_INFO: return "info";
	case PT_LEVEL_WARNING: return "warning";
	case PT_LEVEL_ALARM: return "alarm";
	case PT_LEVEL_PROTECT: return "protect";
	}
	return "alarm";
}

void
alarm_describe(const struct pt_alarm *a, char *buf, size_t size)
{
	static const struct {
		const char *name, *text, *unit;
		double scale;
		int decimals;
	} known[] = {
		{ "cell_voltage_high", "voltage high", "V", 1, 3 },
		{ "cell_voltage_low", "voltage low", "V", 1, 3 },
		{ "cell_spread_high", "cell spread high", "mV", 1000, 0 },
		{ "temperature_high", "temperature high", "C", 1, 1 },
		{ "temperature_low", "temperature low", "C", 1, 1 },
		{ "soc_low", "SOC low", "%", 1, 0 },
		{ "stale_data", "no fresh data for", "s", 1, 0 },
		{ "error_code", "error code", "", 1, 0 },
	};
	char where[48], what[64], value[32] = "";
	size_t i;

	if (a->module > 0 && a->cell >= 0)
		snprintf(where, sizeof where, "Module %d cell %d ", a->module, a->cell + 1);
	else if (a->module > 0)
		snprintf(where, sizeof where, "Module %d ", a->module);
	else
		snprintf(where, sizeof where, "%s", a->source == PT_ALARM_LINK ? "Link " : "Stack ");
	snprintf(what, sizeof what, "%s", a->name);
	for (i = 0; i < strlen(what); i++)
		if (what[i] == '_')
			what[i] = ' ';
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(a->name, known[i].name) == 0) {
			snprintf(what, sizeof what, "%s", known[i].text);
			if (isfinite(a->value))
				snprintf(value, sizeof value, ": %.*f %s", known[i].decimals,
				    a->value * known[i].scale, known[i].unit);
			break;
		}
	snprintf(buf, size, "%s%s%s", where, what, value);
}
