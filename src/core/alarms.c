/* alarms.c — threshold alarms with hysteresis, latches and an event log.
 *
 * An alarm is identified by (source, module, cell, name).  Each sample
 * says which conditions hold now: the BMS alarms its parser found,
 * non-zero error codes, and the thresholds.  A threshold raises when the
 * value reaches its limit and holds until the value is back past the
 * limit by the hysteresis.  A value the sample does not know (validity
 * bit clear, module missing) neither raises nor clears: with cells read
 * round-robin, an unknown cell is not a healthy one.
 *
 * A raised alarm stays listed (latched) until acknowledged, even after
 * it cleared; every raise and clear goes to a bounded event log.
 *
 * Limits are compared with a slack of LIMIT_EPS so that a float cell
 * voltage of exactly 3.60 raises a 3.60 V limit.
 */
#include "core/alarms.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/parse.h"

#define MAX_STATES	512	/* 16 x 16 cells high, plus every module alarm */
#define MAX_EVENTS	512
#define LIMIT_EPS	1e-6

struct entry {
	struct alarm_state	st;
	bool			seen;	/* settled by the sample being evaluated */
};

struct alarm_engine {
	pthread_mutex_t		lock;
	struct alarm_config	cfg;
	struct entry		e[MAX_STATES];
	int			n;
	struct alarm_event	ev[MAX_EVENTS];
	size_t			ev_head, ev_count;
};

/* ---- configuration ------------------------------------------------------ */

void
alarm_config_defaults(struct alarm_config *c)
{
	memset(c, 0, sizeof *c);
	c->cell_v_high = 3.60;		/* LiFePO4 charging ends at 3.45-3.55 V */
	c->cell_v_low = 2.90;		/* below 2.9 V a cell is nearly empty */
	c->cell_v_hyst = 0.05;
	c->cell_spread_high = 0.10;	/* 100 mV: balancing is not keeping up */
	c->cell_spread_hyst = 0.02;
	c->temp_high = 45;
	/* Charging LiFePO4 below 0 degC plates lithium; the BMS itself stops
	 * charging there.  2 degC warns before that point is reached. */
	c->temp_low = 2;
	c->temp_hyst = 3;
	c->soc_low = 10;
	c->soc_hyst = 5;
	c->stale_after_s = 0;		/* 0: 3 x the poll interval */
	c->bell = false;
}

/* A plain decimal number: optional minus, digits, optional dot and
 * digits.  No exponents, hex, "inf", spaces or commas. */
static bool
is_decimal(const char *s)
{
	bool digits = false;

	if (*s == '-')
		s++;
	for (; isdigit((unsigned char)*s); s++)
		digits = true;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			digits = true;
	return digits && *s == '\0';
}

static int
parse_number(const char *key, const char *value, double lo, double hi, double *out,
    char *msg, size_t size)
{
	double d;

	if (value[0] == '\0') {
		snprintf(msg, size, "%s: the value is empty (give a number from %g to %g)", key,
		    lo, hi);
		return PT_ERR_CONFIG;
	}
	if (!is_decimal(value)) {
		snprintf(msg, size, "%s: '%s' is not a number%s", key, value,
		    strchr(value, ',') != NULL ? " (use a dot: 3.60)" :
		    " (digits with an optional dot, e.g. 3.60)");
		return PT_ERR_CONFIG;
	}
	d = strtod(value, NULL);
	if (d < lo || d > hi) {
		snprintf(msg, size, "%s: %s is out of range (%g to %g)", key, value, lo, hi);
		return PT_ERR_CONFIG;
	}
	*out = d;
	return 1;
}

/* The one yes/no reading (util/parse.h), with this file's convention. */
static int
parse_bool(const char *key, const char *value, bool *out, char *msg, size_t size)
{
	if (pt_parse_bool(value, out) == 0)
		return 1;
	snprintf(msg, size, "%s: '%s' is not a yes/no value (use true or false)", key, value);
	return PT_ERR_CONFIG;
}

/* A low limit must stay below its high one.  Checked once all sources
 * are read (alarm_config_check), so the order of the keys never matters. */
int
alarm_config_check(const struct alarm_config *c, char *msg, size_t size)
{
	if (c->cell_v_low >= c->cell_v_high) {
		snprintf(msg, size, "ALARM_CELL_V_LOW (%.3f V) is not below ALARM_CELL_V_HIGH "
		    "(%.3f V): lower the first or raise the second", c->cell_v_low,
		    c->cell_v_high);
		return PT_ERR_CONFIG;
	}
	if (c->temp_low >= c->temp_high) {
		snprintf(msg, size, "ALARM_TEMP_LOW (%g C) is not below ALARM_TEMP_HIGH (%g C): "
		    "lower the first or raise the second", c->temp_low, c->temp_high);
		return PT_ERR_CONFIG;
	}
	return 0;
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
	struct alarm_config t;
	size_t i;
	int rc;

	if (msg != NULL && msgsize > 0)
		msg[0] = '\0';
	if (key == NULL || value == NULL)
		return 0;
	if (strcmp(key, "ALARM_BELL") == 0)
		return parse_bool(key, value, &c->bell, msg, msgsize);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		t = *c;
		rc = parse_number(key, value, keys[i].lo, keys[i].hi,
		    (double *)(void *)((char *)&t + keys[i].off), msg, msgsize);
		if (rc < 0)
			return rc;
		*c = t;
		return 1;
	}
	return 0;
}

/* ---- the engine ----------------------------------------------------------- */

struct alarm_engine *
alarm_engine_new(const struct alarm_config *c)
{
	struct alarm_engine *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	pthread_mutex_init(&e->lock, NULL);
	if (c != NULL)
		e->cfg = *c;
	else
		alarm_config_defaults(&e->cfg);
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

void
alarm_engine_set_config(struct alarm_engine *e, const struct alarm_config *c)
{
	pthread_mutex_lock(&e->lock);
	e->cfg = *c;
	pthread_mutex_unlock(&e->lock);
}

static bool
same(const struct pt_alarm *a, const struct pt_alarm *b)
{
	return a->source == b->source && a->module == b->module && a->cell == b->cell &&
	    strncmp(a->name, b->name, sizeof a->name) == 0;
}

static struct entry *
find(struct alarm_engine *e, const struct pt_alarm *a)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (same(&e->e[i].st.alarm, a))
			return &e->e[i];
	return NULL;
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

/* Condition `a` holds now; `x` is its entry when the caller already
 * looked it up (NULL: look it up, or add it).  Returns the entry (NULL
 * when the table is full) and sets *raised when this is a new raise. */
static struct entry *
hold_entry(struct alarm_engine *e, struct entry *x, const struct pt_alarm *a, int64_t now,
    bool *raised)
{
	*raised = false;
	if (x == NULL && (x = find(e, a)) == NULL) {
		if (e->n >= MAX_STATES)
			return NULL;
		x = &e->e[e->n++];
		memset(x, 0, sizeof *x);
		x->st.alarm = *a;
	}
	x->seen = true;
	x->st.alarm.value = a->value;
	x->st.alarm.level = a->level;
	if (!x->st.active) {
		x->st.active = true;
		x->st.acknowledged = false;	/* a new raise needs a new ack */
		x->st.cleared_ms = 0;
		x->st.alarm.since_ms = now;
		log_event(e, &x->st.alarm, true, now);
		*raised = true;
	}
	return x;
}

static struct entry *
hold(struct alarm_engine *e, const struct pt_alarm *a, int64_t now, bool *raised)
{
	return hold_entry(e, NULL, a, now, raised);
}

static void
clear(struct alarm_engine *e, struct entry *x, int64_t now)
{
	x->seen = true;
	if (!x->st.active)
		return;
	x->st.active = false;
	x->st.cleared_ms = now;
	log_event(e, &x->st.alarm, false, now);
}

/* Drop entries nobody needs to see: cleared and already acknowledged. */
static void
compact(struct alarm_engine *e)
{
	int i, j = 0;

	for (i = 0; i < e->n; i++)
		if (e->e[i].st.active || !e->e[i].st.acknowledged)
			e->e[j++] = e->e[i];
	e->n = j;
}

static void
append(struct pt_sample *s, const struct pt_alarm *a)
{
	if (s->n_alarms < PT_MAX_ALARMS)
		s->alarms[s->n_alarms++] = *a;
}

static void
init_alarm(struct pt_alarm *a, int source, int level, int module, int cell,
    const char *name, double value)
{
	memset(a, 0, sizeof *a);
	a->source = (uint8_t)source;
	a->level = (uint8_t)level;
	a->module = (int16_t)module;
	a->cell = (int16_t)cell;
	snprintf(a->name, sizeof a->name, "%s", name);
	a->value = value;
}

/* Settle a condition whose truth is known: raise, hold, or clear.  `x`
 * is its entry, NULL when it has none. */
static int
settle(struct alarm_engine *e, struct entry *x, struct pt_sample *s, struct pt_alarm *a,
    bool holds, int64_t now)
{
	bool raised = false;

	if (!holds) {
		if (x != NULL) {
			x->st.alarm.value = a->value;
			clear(e, x, now);
		}
		return 0;
	}
	x = hold_entry(e, x, a, now, &raised);
	a->since_ms = x != NULL ? x->st.alarm.since_ms : now;
	append(s, a);
	return raised ? 1 : 0;
}

/* The sample does not know the value: an active alarm stays as it was. */
static void
keep(struct entry *x, struct pt_sample *s)
{
	if (x == NULL || !x->st.active)
		return;
	x->seen = true;
	append(s, &x->st.alarm);
}

enum limit_side { LIMIT_LOW, LIMIT_HIGH };

/* A limit: a high one raises at `limit` and clears below `limit - hyst`,
 * a low one the other way round.  NAN (unknown) keeps the state.
 * Returns 1 on a new raise. */
static int
check_limit(struct alarm_engine *e, struct pt_sample *s, struct pt_alarm *a,
    enum limit_side side, double limit, double hyst, int64_t now)
{
	struct entry *x = find(e, a);
	double v = a->value, band = x != NULL && x->st.active ? hyst : 0;

	if (isnan(v)) {
		keep(x, s);
		return 0;
	}
	return settle(e, x, s, a, side == LIMIT_HIGH ? v >= limit - band - LIMIT_EPS :
	    v <= limit + band + LIMIT_EPS, now);
}

static int
check_error_code(struct alarm_engine *e, struct pt_sample *s, int module, uint32_t valid,
    long code, int64_t now)
{
	struct pt_alarm a;
	struct entry *x;

	init_alarm(&a, PT_ALARM_BMS, PT_LEVEL_ALARM, module, -1, "error_code", (double)code);
	x = find(e, &a);
	if (!(valid & PTF_ERROR_CODE)) {
		keep(x, s);
		return 0;
	}
	return settle(e, x, s, &a, code != 0, now);
}

/* Lowest and highest known temperature of a module: its own extremes,
 * else its cells and extra sensors, else its one temperature. */
static void
module_temps(const struct pt_module *m, double *lo, double *hi)
{
	int i;

	*lo = *hi = NAN;
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE)) {
			*lo = isnan(*lo) ? m->cells[i].temperature : fmin(*lo, m->cells[i].temperature);
			*hi = isnan(*hi) ? m->cells[i].temperature : fmax(*hi, m->cells[i].temperature);
		}
	for (i = 0; i < m->n_temps && i < PT_MAX_TEMPS; i++) {
		*lo = isnan(*lo) ? m->temps[i] : fmin(*lo, m->temps[i]);
		*hi = isnan(*hi) ? m->temps[i] : fmax(*hi, m->temps[i]);
	}
	if (isnan(*lo) && PT_HAS(m, PTF_TEMPERATURE))
		*lo = *hi = m->temperature;
	if (PT_HAS(m, PTF_TEMP_MIN))
		*lo = m->temp_min;
	if (PT_HAS(m, PTF_TEMP_MAX))
		*hi = m->temp_max;
}

static int
eval_temps(struct alarm_engine *e, struct pt_sample *s, int module, double lo, double hi,
    int64_t now)
{
	const struct alarm_config *c = &e->cfg;
	struct pt_alarm a;
	int raised;

	init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_ALARM, module, -1, "temperature_high", hi);
	raised = check_limit(e, s, &a, LIMIT_HIGH, c->temp_high, c->temp_hyst, now);
	init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_WARNING, module, -1, "temperature_low", lo);
	raised += check_limit(e, s, &a, LIMIT_LOW, c->temp_low, c->temp_hyst, now);
	return raised;
}

static int
eval_module(struct alarm_engine *e, struct pt_sample *s, const struct pt_module *m, int64_t now)
{
	const struct alarm_config *c = &e->cfg;
	struct pt_cell_stats cs;
	struct pt_alarm a;
	int raised = 0, i;
	double lo, hi, v;

	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++) {
		const struct pt_cell *cell = &m->cells[i];

		v = PT_HAS(cell, PTF_VOLTAGE) ? cell->voltage : NAN;
		init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_ALARM, m->id, i, "cell_voltage_high", v);
		raised += check_limit(e, s, &a, LIMIT_HIGH, c->cell_v_high, c->cell_v_hyst, now);
		init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_ALARM, m->id, i, "cell_voltage_low", v);
		raised += check_limit(e, s, &a, LIMIT_LOW, c->cell_v_low, c->cell_v_hyst, now);
	}
	pt_module_cell_stats(m, &cs);
	init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_WARNING, m->id, -1, "cell_spread_high",
	    cs.count >= 2 ? cs.spread : NAN);
	raised += check_limit(e, s, &a, LIMIT_HIGH, c->cell_spread_high, c->cell_spread_hyst, now);
	module_temps(m, &lo, &hi);
	raised += eval_temps(e, s, m->id, lo, hi, now);
	raised += check_error_code(e, s, m->id, m->valid, m->error_code, now);
	return raised;
}

/* Does the sample know anything about this module (and its cell)? */
static bool
sample_covers(const struct pt_sample *s, int module, int cell)
{
	const struct pt_module *m;
	int i;

	if (module <= 0)
		return true;
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		m = &s->modules[i];
		if (m->id != module)
			continue;
		return cell < 0 || (cell < m->n_cells && cell < PT_MAX_CELLS &&
		    m->cells[cell].valid != 0);
	}
	return false;
}

static int
eval_bms(struct alarm_engine *e, struct pt_sample *s, int n_bms, int64_t now)
{
	struct entry *x;
	bool raised;
	int i, n = 0;

	for (i = 0; i < n_bms; i++) {
		x = hold(e, &s->alarms[i], now, &raised);
		s->alarms[i].since_ms = x != NULL ? x->st.alarm.since_ms : now;
		n += raised ? 1 : 0;
	}
	return n;
}

/* Alarms about modules or cells this sample did not read stay as they
 * were (error codes have their own validity bit). */
static void
keep_unread(struct alarm_engine *e, struct pt_sample *s)
{
	struct entry *x;
	int i;

	for (i = 0; i < e->n; i++) {
		x = &e->e[i];
		if (!x->seen && x->st.active && x->st.alarm.source != PT_ALARM_LINK &&
		    strcmp(x->st.alarm.name, "error_code") != 0 &&
		    !sample_covers(s, x->st.alarm.module, x->st.alarm.cell)) {
			x->seen = true;
			append(s, &x->st.alarm);
		}
	}
}

int
alarm_engine_eval(struct alarm_engine *e, struct pt_sample *s, int64_t now_ms)
{
	const struct alarm_config *c = &e->cfg;
	struct pt_alarm a;
	int raised, i, n_bms = s->n_alarms < PT_MAX_ALARMS ? s->n_alarms : PT_MAX_ALARMS;
	bool module_temp = false;
	double lo, hi;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++)
		e->e[i].seen = false;
	raised = eval_bms(e, s, n_bms, now_ms);
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		raised += eval_module(e, s, &s->modules[i], now_ms);
		module_temps(&s->modules[i], &lo, &hi);
		module_temp |= !isnan(hi);
	}
	/* A controller that reports only stack values (SC0500 getpwr). */
	if (!module_temp) {
		lo = PT_HAS(&s->stack, PTF_TEMP_MIN) ? s->stack.temp_min :
		    PT_HAS(&s->stack, PTF_TEMPERATURE) ? s->stack.temperature : NAN;
		hi = PT_HAS(&s->stack, PTF_TEMP_MAX) ? s->stack.temp_max :
		    PT_HAS(&s->stack, PTF_TEMPERATURE) ? s->stack.temperature : NAN;
		raised += eval_temps(e, s, 0, lo, hi, now_ms);
	}
	init_alarm(&a, PT_ALARM_THRESHOLD, PT_LEVEL_WARNING, 0, -1, "soc_low",
	    PT_HAS(&s->stack, PTF_SOC) ? s->stack.soc : NAN);
	raised += check_limit(e, s, &a, LIMIT_LOW, c->soc_low, c->soc_hyst, now_ms);
	raised += check_error_code(e, s, 0, s->stack.valid, s->stack.error_code, now_ms);
	keep_unread(e, s);
	/* What held before and was not heard of now has cleared; the link
	 * alarm is alarm_engine_stale's business. */
	for (i = 0; i < e->n; i++)
		if (!e->e[i].seen && e->e[i].st.alarm.source != PT_ALARM_LINK)
			clear(e, &e->e[i], now_ms);
	compact(e);
	pthread_mutex_unlock(&e->lock);
	return raised;
}

void
alarm_engine_stale(struct alarm_engine *e, bool stale, double age_s, int64_t now_ms)
{
	struct pt_alarm a;
	struct entry *x;
	bool raised;

	init_alarm(&a, PT_ALARM_LINK, PT_LEVEL_WARNING, 0, -1, "stale_data", age_s);
	pthread_mutex_lock(&e->lock);
	if (stale)
		hold(e, &a, now_ms, &raised);
	else if ((x = find(e, &a)) != NULL) {
		clear(e, x, now_ms);
		compact(e);
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
	struct alarm_state *all;
	size_t n = 0;
	int i;

	if ((all = malloc(MAX_STATES * sizeof *all)) == NULL)
		return 0;
	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++)
		all[n++] = e->e[i].st;
	pthread_mutex_unlock(&e->lock);
	/* Sort all before cutting, so `max` keeps the most severe. */
	qsort(all, n, sizeof *all, by_severity);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}

size_t
alarm_engine_unacked(struct alarm_engine *e)
{
	size_t n = 0;
	int i;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++)
		if (!e->e[i].st.acknowledged)
			n++;
	pthread_mutex_unlock(&e->lock);
	return n;
}

void
alarm_engine_ack(struct alarm_engine *e)
{
	int i;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->n; i++)
		e->e[i].st.acknowledged = true;
	compact(e);		/* the cleared ones go */
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

/* ---- colour bands ---------------------------------------------------------- */

/* Fractions of ALARM_CELL_SPREAD a cell may stray from its module mean
 * before it is drawn as warning / alarm: a spread alarm needs one cell
 * high and one low, so half of it on one side is already the alarm. */
#define BAND_DEV_WARN	(1.0 / 5)
#define BAND_DEV_ALARM	(1.0 / 2)
/* Degrees below ALARM_TEMP_HIGH that warn, and above ALARM_TEMP_LOW
 * that are drawn cold. */
#define BAND_TEMP_WARN_C	5.0
#define BAND_TEMP_COLD_C	3.0

enum alarm_band
alarm_band_cell_voltage(const struct alarm_config *c, double v, double mean)
{
	double d = isnan(mean) ? 0 : fabs(v - mean);

	if (v >= c->cell_v_high - LIMIT_EPS || v <= c->cell_v_low + LIMIT_EPS)
		return BAND_LIMIT;
	if (d >= c->cell_spread_high * BAND_DEV_ALARM - LIMIT_EPS)
		return BAND_ALARM;
	if (d >= c->cell_spread_high * BAND_DEV_WARN - LIMIT_EPS)
		return BAND_WARN;
	return BAND_NORMAL;
}

enum alarm_band
alarm_band_temperature(const struct alarm_config *c, double celsius)
{
	if (celsius >= c->temp_high - LIMIT_EPS || celsius <= c->temp_low + LIMIT_EPS)
		return BAND_LIMIT;
	if (celsius >= c->temp_high - BAND_TEMP_WARN_C)
		return BAND_WARN;
	if (celsius <= c->temp_low + BAND_TEMP_COLD_C)
		return BAND_COLD;
	return BAND_NORMAL;
}

enum alarm_band
alarm_band_spread(const struct alarm_config *c, double spread)
{
	if (spread >= c->cell_spread_high - LIMIT_EPS)
		return BAND_ALARM;
	if (spread >= c->cell_spread_high * BAND_DEV_ALARM - LIMIT_EPS)
		return BAND_WARN;
	return BAND_NORMAL;
}

enum alarm_band
alarm_band_soc(const struct alarm_config *c, double soc)
{
	if (soc <= c->soc_low + LIMIT_EPS)
		return BAND_ALARM;
	if (soc < 2 * c->soc_low)
		return BAND_WARN;
	return BAND_NORMAL;
}

const char *
alarm_level_name(int level)
{
	switch (level) {
	case PT_LEVEL_INFO:
		return "info";
	case PT_LEVEL_WARNING:
		return "warning";
	case PT_LEVEL_ALARM:
		return "alarm";
	case PT_LEVEL_PROTECT:
		return "protect";
	}
	return "alarm";
}

/* ---- texts ---------------------------------------------------------------- */

static const struct known_alarm {
	const char	*name, *text, *unit;
	double		 scale;
	int		 decimals;
} known_alarms[] = {
	{ "cell_voltage_high", "voltage high", "V", 1, 3 },
	{ "cell_voltage_low", "voltage low", "V", 1, 3 },
	{ "cell_spread_high", "cell spread high", "mV", 1000, 0 },
	{ "temperature_high", "temperature high", "C", 1, 1 },
	{ "temperature_low", "temperature low", "C", 1, 1 },
	{ "soc_low", "SOC low", "%", 1, 0 },
	{ "stale_data", "no fresh data for", "s", 1, 0 },
	{ "error_code", "error code", "", 1, 0 },
};

/* "cell_overvoltage" of cell 3 -> "overvoltage"; others: underscores
 * become spaces. */
static void
plain_name(const struct pt_alarm *a, char *buf, size_t size)
{
	const char *n = a->name;
	size_t i;

	if (a->cell >= 0 && strncmp(n, "cell_", 5) == 0 && n[5] != '\0')
		n += 5;
	snprintf(buf, size, "%.*s", (int)sizeof a->name, n);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
}

void
alarm_describe(const struct pt_alarm *a, char *buf, size_t size)
{
	const struct known_alarm *k = NULL;
	char where[48], what[48], value[40] = "";
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i < sizeof known_alarms / sizeof known_alarms[0]; i++)
		if (strncmp(a->name, known_alarms[i].name, sizeof a->name) == 0)
			k = &known_alarms[i];
	if (a->source == PT_ALARM_LINK)
		snprintf(where, sizeof where, "Link: ");
	else if (a->module > 0 && a->cell >= 0)
		snprintf(where, sizeof where, "Module %d cell %d ", a->module, a->cell + 1);
	else if (a->module > 0)
		snprintf(where, sizeof where, "Module %d ", a->module);
	else
		snprintf(where, sizeof where, "Stack ");
	if (k != NULL)
		snprintf(what, sizeof what, "%s", k->text);
	else
		plain_name(a, what, sizeof what);
	if (k != NULL && k->unit[0] == '\0' && isfinite(a->value))
		snprintf(value, sizeof value, " %.0f", a->value);
	else if (k != NULL && a->source == PT_ALARM_LINK && isfinite(a->value))
		snprintf(value, sizeof value, " %.0f %s", a->value, k->unit);
	else if (k != NULL && isfinite(a->value))
		snprintf(value, sizeof value, ": %.*f %s", k->decimals, a->value * k->scale,
		    k->unit);
	else if (isfinite(a->value))
		snprintf(value, sizeof value, ": %g", a->value);
	snprintf(buf, size, "%s%s%s", where, what, value);
}
