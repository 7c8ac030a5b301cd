/* rs485_dialect.c — replies of the "~" protocol into the sample, per
 * dialect (docs/rs485.md §3, §6-§8).  What differs between dialects
 * (units, temperature roles, the analog tail, the alarm tail) is in the
 * table below, not in the parsers' control flow. */
#include "proto/rs485_dialect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* ---- a cursor over INFO that refuses to read past its end ---------------- */

struct cur {
	const uint8_t	*p;
	size_t		 len, at;
	bool		 short_read;
};

static unsigned
rd8(struct cur *c)
{
	if (c->at >= c->len) {
		c->short_read = true;
		return 0;
	}
	return c->p[c->at++];
}

static unsigned
rd16(struct cur *c)
{
	unsigned hi = rd8(c);

	return hi << 8 | rd8(c);
}

static unsigned
rd24(struct cur *c)
{
	unsigned hi = rd16(c);

	return hi << 8 | rd8(c);
}

static size_t
left(const struct cur *c)
{
	return c->at < c->len ? c->len - c->at : 0;
}

/* ---- the dialect table -------------------------------------------------- */

/* Role of a temperature sensor. */
enum t_role { T_OTHER, T_BOARD, T_GROUP, T_MOSFET, T_ENV };

/* What follows the user-defined byte of a 0x42 block. */
struct tail {
	double	remaining, full, design, soh;
	long	cycles;
	bool	has_design, has_soh;
};

struct dialect {
	struct rs485_dialect_info info;
	/* Sensor roles by position (T1 first); positions past the list are T_OTHER. */
	enum t_role	roles[6];
	/* Reads the tail of a block; `last`: the block ends the frame, so
	 * the remaining length (not only UD) decides what is there. */
	int		(*tail)(struct cur *c, const struct dialect *dl, unsigned ud, bool last,
			    struct tail *t, struct pt_diag *d);
	/* Status bytes of 0x44 after the three pack states. */
	int		(*alarm_tail)(struct cur *c, struct pt_sample *s, struct pt_module *m,
			    int ncell, struct pt_diag *d);
	/* Blocks of an all-packs reply say nothing of their own length
	 * where firmware sends more than the user-defined byte tells:
	 * the sizes a block's 0x42 tail (from the UD byte on, without it)
	 * or its 0x44 status bytes may have, tried in this order (0 ends
	 * the list).  No 0x42 size: the UD byte tells it. */
	uint8_t		tail_sizes[4];
	uint8_t		alarm_status[4];
};

static int	pylon_tail(struct cur *, const struct dialect *, unsigned, bool, struct tail *,
		    struct pt_diag *);
static int	pace_tail(struct cur *, const struct dialect *, unsigned, bool, struct tail *,
		    struct pt_diag *);
static int	seplos_tail(struct cur *, const struct dialect *, unsigned, bool, struct tail *,
		    struct pt_diag *);
static int	pylon_alarms(struct cur *, struct pt_sample *, struct pt_module *, int,
		    struct pt_diag *);
static int	pace_alarms(struct cur *, struct pt_sample *, struct pt_module *, int,
		    struct pt_diag *);
static int	seplos_alarms(struct cur *, struct pt_sample *, struct pt_module *, int,
		    struct pt_diag *);

/* Pylontech units (§6.1): 100 mA, mV, mAh, 0.1 K from 2731; the packs
 * are numbered by their address, the master at 2. */
#define PYLON_INFO(nm) { .name = (nm), .ver = 0x20, .first_pack = 2, .current_a = 0.1, \
	.voltage_v = 0.001, .capacity_ah = 0.001, .temp_offset = 2731 }

static const struct dialect dialects[RS_N_DIALECTS] = {
	[RS_AUTO] = {
		.info = PYLON_INFO("auto"),
		.roles = { T_BOARD, T_GROUP, T_GROUP, T_GROUP, T_GROUP, T_MOSFET },
		.tail = pylon_tail,
		.alarm_tail = pylon_alarms,
		.alarm_status = { 5, 6 },
	},
	[RS_PYLONTECH] = {
		.info = PYLON_INFO("pylontech"),
		.roles = { T_BOARD, T_GROUP, T_GROUP, T_GROUP, T_GROUP, T_MOSFET },
		.tail = pylon_tail,
		.alarm_tail = pylon_alarms,
		.alarm_status = { 5, 6 },
	},
	[RS_PACE] = {
		.info = { .name = "pace", .ver = 0x25, .first_pack = 1, .current_a = 0.01,
		    .voltage_v = 0.001, .capacity_ah = 0.01, .temp_offset = 2730 },
		.roles = { T_GROUP, T_GROUP, T_GROUP, T_GROUP, T_MOSFET, T_ENV },
		.tail = pace_tail,
		.alarm_tail = pace_alarms,
		/* full, cycles, design and Jakiper's SOC byte; or without them */
		.tail_sizes = { 7, 6, 4 },
		.alarm_status = { 9, 10, 8 },
	},
	[RS_SEPLOS] = {
		.info = { .name = "seplos", .ver = 0x20, .first_pack = 1, .current_a = 0.01,
		    .voltage_v = 0.01, .capacity_ah = 0.01, .temp_offset = 2731 },
		.roles = { T_GROUP, T_GROUP, T_GROUP, T_GROUP, T_ENV, T_MOSFET },
		.tail = seplos_tail,
		.alarm_tail = seplos_alarms,
	},
};

static const struct dialect *
dialect_of(enum rs485_dialect dl)
{
	return (unsigned)dl < RS_N_DIALECTS ? &dialects[dl] : &dialects[RS_AUTO];
}

const struct rs485_dialect_info *
rs485_dialect_info(enum rs485_dialect dl)
{
	return &dialect_of(dl)->info;
}

const char *
rs485_dialect_name(enum rs485_dialect dl)
{
	return dialect_of(dl)->info.name;
}

int
rs485_dialect_of(const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return RS_AUTO;
	for (i = 0; i < RS_N_DIALECTS; i++)
		if (strcmp(name, dialects[i].info.name) == 0)
			return i;
	return -1;
}

static enum t_role
t_role(const struct dialect *dl, unsigned i)
{
	return i < sizeof dl->roles / sizeof dl->roles[0] ? dl->roles[i] : T_OTHER;
}

static double
kelvin10(const struct dialect *dl, unsigned raw)
{
	/* Signed, as the spec says, though the offset keeps it positive. */
	return ((int16_t)raw - dl->info.temp_offset) / 10.0;
}

/* ---- analog tails ---------------------------------------------------- */

/* Pylontech: full, cycles; UD >= 4: the 16-bit capacities are FFFF and
 * 24-bit remaining and full (mAh) follow. */
static int
pylon_tail(struct cur *c, const struct dialect *dl, unsigned ud, bool last, struct tail *t,
    struct pt_diag *d)
{
	t->full = rd16(c) * dl->info.capacity_ah;
	t->cycles = (long)rd16(c);
	if (ud >= 4) {
		if (left(c) < 6)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: user-defined byte %u "
			    "but no 24-bit capacities follow", ud);
		t->remaining = rd24(c) / 1000.0;
		t->full = rd24(c) / 1000.0;
	}
	if (last && left(c) > 0)
		pt_diag_warn(d, "0x42: %zu unknown bytes after the capacities ignored", left(c));
	return 0;
}

/* PACE: full, cycles, design; Jakiper firmware says UD 2 (or 9) and
 * still sends design + one byte (about SOC), so the length decides. */
static int
pace_tail(struct cur *c, const struct dialect *dl, unsigned ud, bool last, struct tail *t,
    struct pt_diag *d)
{
	t->full = rd16(c) * dl->info.capacity_ah;
	t->cycles = (long)rd16(c);
	if ((last && left(c) >= 2) || (!last && ud >= 3)) {
		t->design = rd16(c) * dl->info.capacity_ah;
		t->has_design = true;
	}
	if (last && left(c) == 1)
		(void)rd8(c);		/* Jakiper's extra byte */
	else if (last && left(c) > 0)
		pt_diag_warn(d, "0x42: %zu unknown bytes after the capacities ignored", left(c));
	return 0;
}

/* Seplos V2: full, SOC (0.1 %), rated, cycles, SOH (0.1 %), port voltage,
 * reserved: UD (10) 16-bit items. */
static int
seplos_tail(struct cur *c, const struct dialect *dl, unsigned ud, bool last, struct tail *t,
    struct pt_diag *d)
{
	unsigned i, v;

	(void)d;
	for (i = 0; i < ud && (!last || left(c) >= 2); i++) {
		v = rd16(c);
		switch (i) {
		case 0:
			t->full = v * dl->info.capacity_ah;
			break;
		case 2:
			t->design = v * dl->info.capacity_ah;
			t->has_design = true;
			break;
		case 3:
			t->cycles = (long)v;
			break;
		case 4:
			t->soh = v / 10.0;
			t->has_soh = true;
			break;
		}
	}
	if (i < 4)
		c->short_read = true;	/* no cycle count: not a Seplos block */
	return 0;
}

/* ---- 0x42 ------------------------------------------------------------- */

static void
set_status_from_current(struct pt_module *m)
{
	const char *st = m->current >= 0.1 ? "Charge" : m->current <= -0.1 ? "Discharge" : "Idle";

	pt_copy_text(m->status, sizeof m->status, st, strlen(st));
}

/* Sensors stay what they are: temps[] of the pack, T1 first.  Cell-group
 * sensors (cells 1-4, 5-8 ...) are not copied into the cells: a group's
 * one reading shown as four "cell temperatures" would claim sensors the
 * pack does not have.  Their range is the module's min/max; with no board
 * sensor (PACE, Seplos) their mean is the module temperature. */
static void
place_temps(const struct dialect *dl, struct pt_module *m, const double *t, unsigned ntemp)
{
	unsigned i, groups = 0;
	double sum = 0, lo = INFINITY, hi = -INFINITY;

	m->n_temps = (int)(ntemp < PT_MAX_TEMPS ? ntemp : PT_MAX_TEMPS);
	for (i = 0; i < (unsigned)m->n_temps; i++)
		m->temps[i] = (float)t[i];
	for (i = 0; i < ntemp; i++) {
		switch (t_role(dl, i)) {
		case T_BOARD:
			PT_SET(m, temperature, PTF_TEMPERATURE, t[i]);
			break;
		case T_MOSFET:
			PT_SET(m, mos_temperature, PTF_MOS_TEMPERATURE, t[i]);
			break;
		case T_GROUP:
			groups++;
			sum += t[i];
			lo = fmin(lo, t[i]);
			hi = fmax(hi, t[i]);
			break;
		default:
			break;
		}
	}
	if (groups == 0)
		return;
	PT_SET(m, temp_min, PTF_TEMP_MIN, lo);
	PT_SET(m, temp_max, PTF_TEMP_MAX, hi);
	/* No board sensor (PACE, Seplos): the cells' mean is the module's. */
	if (!PT_HAS(m, PTF_TEMPERATURE))
		PT_SET(m, temperature, PTF_TEMPERATURE, sum / groups);
}

/* No block size fits an all-packs reply. */
#define NO_FIT		(-2)
/* A block's size is told by its own bytes (the UD byte; the last block:
 * the end of the reply). */
#define SIZE_BY_UD	(-1)

/* The tail of a block of `size` bytes (after the UD byte), read as if it
 * ended the reply, so its length says what is there. */
static int
sized_tail(struct cur *c, const struct dialect *dl, unsigned ud, size_t size, struct tail *t,
    struct pt_diag *d)
{
	struct cur sub = { c->p + c->at, size, 0, false };
	int rc;

	if (left(c) < size) {
		c->short_read = true;
		return 0;
	}
	rc = dl->tail(&sub, dl, ud, true, t, d);
	c->at += size;
	c->short_read |= sub.short_read;
	return rc;
}

/* One pack block, from its cell count on; its tail `tail_size` bytes
 * after the UD byte, or SIZE_BY_UD.  s == NULL: check only. */
static int
analog_block(struct cur *c, const struct dialect *dl, int id, bool last, int tail_size,
    struct pt_sample *s, struct pt_diag *d)
{
	unsigned ncell, ntemp, i, ud, mv[RS485_MAX_CELLS], rawv, rawrem;
	double temps[RS485_MAX_TEMPS], current, voltage, sum = 0;
	struct tail t = { 0 };
	struct pt_module *m;
	int rc;

	ncell = rd8(c);
	if (ncell == 0 || ncell > RS485_MAX_CELLS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: pack %d: %u cells is not plausible "
		    "(1..%d)", id, ncell, RS485_MAX_CELLS);
	if (left(c) < ncell * 2 + 1)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: pack %d: %u cells do not fit "
		    "in the reply", id, ncell);
	for (i = 0; i < ncell; i++)
		sum += (mv[i] = rd16(c));
	ntemp = rd8(c);
	if (ntemp > RS485_MAX_TEMPS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: pack %d: %u temperatures is not "
		    "plausible (at most %d)", id, ntemp, RS485_MAX_TEMPS);
	/* Temperatures, current, voltage, remaining, UD, full, cycles. */
	if (left(c) < ntemp * 2 + 11)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: pack %d: %u temperatures and "
		    "the capacities do not fit in the reply", id, ntemp);
	for (i = 0; i < ntemp; i++)
		temps[i] = kelvin10(dl, rd16(c));
	current = (int16_t)rd16(c) * dl->info.current_a;
	rawv = rd16(c);
	voltage = rawv * dl->info.voltage_v;
	rawrem = rd16(c);
	t.remaining = rawrem * dl->info.capacity_ah;
	ud = rd8(c);
	rc = tail_size == SIZE_BY_UD ? dl->tail(c, dl, ud, last, &t, d) :
	    sized_tail(c, dl, ud, (size_t)tail_size, &t, d);
	if (rc != 0)
		return rc;
	if (c->short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: the reply ends inside pack %d", id);
	if (s == NULL)
		return 0;
	if ((m = pt_sample_module(s, id)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: more than %d packs", PT_MAX_MODULES);
	/* A pack read again in the same sample starts afresh. */
	m->n_cells = 0;
	for (i = 0; i < ncell; i++)
		PT_SET(pt_module_cell(m, (int)i), voltage, PTF_VOLTAGE, (float)(mv[i] / 1000.0));
	PT_SET(m, current, PTF_CURRENT, current);
	PT_SET(m, voltage, PTF_VOLTAGE, voltage);
	PT_SET(m, power, PTF_POWER, voltage * current);
	PT_SET(m, remaining_ah, PTF_REMAINING_AH, t.remaining);
	PT_SET(m, full_ah, PTF_FULL_AH, t.full);
	PT_SET(m, cycles, PTF_CYCLES, t.cycles & 0xFFFF);
	if (t.full > 0) {
		double soc = t.remaining / t.full * 100;
		PT_SET(m, soc, PTF_SOC, soc > 100 ? 100 : soc);
	}
	if (t.has_design && t.design > 0) {
		double soh = t.has_soh ? t.soh : t.full / t.design * 100;
		PT_SET(m, design_ah, PTF_DESIGN_AH, t.design);
		PT_SET(m, soh, PTF_SOH, soh > 100 ? 100 : soh);
	}
	set_status_from_current(m);
	place_temps(dl, m, temps, ntemp);
	if (ntemp > PT_MAX_TEMPS)
		pt_diag_warn(d, "0x42: pack %d: %u temperatures, only %d kept", id, ntemp,
		    PT_MAX_TEMPS);
	/* The sanity check the dialect guess rests on, told when it fails. */
	if (fabs(voltage * 1000 - sum) > sum * 0.05)
		pt_diag_warn(d, "0x42: pack %d: pack voltage %.3f V but the cells add up to "
		    "%.3f V: is the dialect (%s) right?", id, voltage, sum / 1000,
		    dl->info.name);
	return 0;
}

/* The number of an all-packs reply's first pack: PACE numbers packs
 * from 1 whatever address answers; Pylontech by address, the master's. */
static int
first_pack(const struct rs485_frame *f, const struct dialect *dl)
{
	return dl == &dialects[RS_PACE] ? 1 : f->adr;
}

/* Every block of an "all packs" reply, `count` of them, each tail of
 * tail_size bytes (or SIZE_BY_UD); s == NULL: check. */
static int
analog_all(const struct rs485_frame *f, const struct dialect *dl, unsigned count,
    int tail_size, struct pt_sample *s, struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 2, false };
	int base = first_pack(f, dl), rc;
	unsigned k;

	if (count == 0 || count > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: %u packs in an all-packs reply is "
		    "not plausible", count);
	for (k = 0; k < count; k++)
		if ((rc = analog_block(&c, dl, base + (int)k, k + 1 == count, tail_size, s,
		    d)) != 0)
			return rc;
	if (left(&c) > 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: %zu bytes after the last of %u packs",
		    left(&c), count);
	return 0;
}

/* The block tail size with which `count` blocks fill the reply exactly
 * and without a warning: by the UD byte first, then the dialect's other
 * sizes (Jakiper firmware says UD 2 and sends 7 bytes).  NO_FIT: none. */
static int
analog_fit(const struct rs485_frame *f, const struct dialect *dl, unsigned count)
{
	struct pt_diag quiet;
	size_t i;

	pt_diag_clear(&quiet);
	if (analog_all(f, dl, count, SIZE_BY_UD, NULL, &quiet) == 0 && quiet.n_warnings == 0)
		return SIZE_BY_UD;
	for (i = 0; i < sizeof dl->tail_sizes && dl->tail_sizes[i] != 0; i++) {
		pt_diag_clear(&quiet);
		if (analog_all(f, dl, count, dl->tail_sizes[i], NULL, &quiet) == 0 &&
		    quiet.n_warnings == 0)
			return dl->tail_sizes[i];
	}
	return NO_FIT;
}

static int
pack_of(const struct rs485_frame *f, int fallback)
{
	if (f->info_len >= 2 && f->info[1] != 0 && f->info[1] != 0xFF)
		return f->info[1];
	if (fallback > 0 && fallback != RS485_ALL_PACKS)
		return fallback;
	return f->adr != 0 ? f->adr : 1;
}

static void
set_dialect(struct pt_sample *s, const struct dialect *dl)
{
	pt_copy_text(s->protocol, sizeof s->protocol, "rs485", 5);
	pt_copy_text(s->dialect, sizeof s->dialect, dl->info.name, strlen(dl->info.name));
}

/* rs485_parse_analog_cmd(); s == NULL: check only. */
static int
analog_parse(const struct rs485_frame *f, enum rs485_dialect dlv, int cmd,
    struct pt_sample *s, struct pt_diag *d)
{
	const struct dialect *dl;
	struct cur c = { f->info, f->info_len, 2, false };
	unsigned count;
	int size;

	if (f->info_len < 3)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: reply of %zu bytes is too short",
		    f->info_len);
	dl = dialect_of(dlv == RS_AUTO ? rs485_guess(f, d) : dlv);
	if (s != NULL)
		set_dialect(s, dl);
	count = f->info[1];
	if (cmd == RS485_ALL_PACKS) {
		/* None fits: the UD byte's reading says where it fails. */
		size = analog_fit(f, dl, count);
		return analog_all(f, dl, count, size == NO_FIT ? SIZE_BY_UD : size, s, d);
	}
	/* The request is not known: byte 1 is the pack asked for, or the
	 * pack count of an all-packs reply; more than one block that fills
	 * the reply exactly says which. */
	if (cmd == RS485_CMD_UNKNOWN && count >= 2 && count <= PT_MAX_MODULES &&
	    (size = analog_fit(f, dl, count)) != NO_FIT)
		return analog_all(f, dl, count, size, s, d);
	return analog_block(&c, dl, pack_of(f, cmd), true, SIZE_BY_UD, s, d);
}

int
rs485_parse_analog_cmd(const struct rs485_frame *f, enum rs485_dialect dl, int cmd,
    struct pt_sample *s, struct pt_diag *d)
{
	return analog_parse(f, dl, cmd, s, d);
}

int
rs485_parse_analog(const struct rs485_frame *f, enum rs485_dialect dl, struct pt_sample *s,
    struct pt_diag *d)
{
	return rs485_parse_analog_cmd(f, dl, RS485_CMD_UNKNOWN, s, d);
}

/* ---- the guess ---------------------------------------------------------- */

enum rs485_dialect
rs485_guess(const struct rs485_frame *f, struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 2, false };
	unsigned ncell, ntemp, i, volt, ud, full;
	double sum = 0;

	if (f->ver == 0x25)
		return RS_PACE;
	ncell = rd8(&c);
	if (ncell == 0 || ncell > RS485_MAX_CELLS)
		goto unsure;
	for (i = 0; i < ncell; i++)
		sum += rd16(&c);
	ntemp = rd8(&c);
	if (ntemp > RS485_MAX_TEMPS)
		goto unsure;
	for (i = 0; i < ntemp; i++)
		(void)rd16(&c);
	(void)rd16(&c);		/* current: 100 mA and 10 mA look alike */
	volt = rd16(&c);
	(void)rd16(&c);		/* remaining */
	ud = rd8(&c);
	full = rd16(&c);
	if (c.short_read || sum == 0)
		goto unsure;
	if (fabs(volt * 10.0 - sum) < sum * 0.02 && fabs(volt - sum) >= sum * 0.02)
		return RS_SEPLOS;
	if (fabs(volt - sum) >= sum * 0.02)
		goto unsure;
	/* Pylontech packs hold 25 Ah at least; a 16-bit total below 20 Ah in
	 * mAh that is 20-400 Ah in 10 mAh is a 10 mAh dialect. */
	if (ud < 4 && full < 20000 && full >= 2000) {
		pt_diag_warn(d, "dialect: VER 20 but total capacity %u looks like 10 mAh units: "
		    "decoding with PACE units (set --dialect to override)", full);
		return RS_PACE;
	}
	return RS_PYLONTECH;
unsure:
	pt_diag_warn(d, "dialect: the analog reply fits no dialect's sanity checks; assuming "
	    "pylontech (set --dialect to override)");
	return RS_PYLONTECH;
}

/* ---- 0x44 --------------------------------------------------------------- */

/* Add a BMS alarm once; seen again (a state byte and a status bit for
 * the same condition), it keeps the higher level. */
static void
add_alarm(struct pt_sample *s, enum pt_alarm_level level, int module, int cell,
    const char *name, double value)
{
	int i;

	for (i = 0; i < s->n_alarms; i++) {
		struct pt_alarm *a = &s->alarms[i];
		if (a->source == PT_ALARM_BMS && a->module == module && a->cell == cell &&
		    strncmp(a->name, name, sizeof a->name) == 0) {
			if (a->level < level)
				a->level = (uint8_t)level;
			return;
		}
	}
	pt_sample_add_alarm(s, PT_ALARM_BMS, level, module, cell, name, value);
}

struct bitname {
	const char	*name;
	int		 level;		/* enum pt_alarm_level */
};

/* Alarm for every set bit that has a name. */
static void
add_bits(struct pt_sample *s, int module, unsigned byte, const struct bitname bits[8])
{
	int b;

	for (b = 0; b < 8; b++)
		if ((byte >> b & 1) && bits[b].name != NULL)
			add_alarm(s, (enum pt_alarm_level)bits[b].level, module, -1, bits[b].name, NAN);
}

/* A per-item state byte (§7.1): 0 normal, 1 below the lower limit, 2 above
 * the upper, 0x80-0xEF user defined, 0xF0 other error. */
static void
add_state(struct pt_sample *s, int module, int cell, unsigned st, const char *what,
    const char *low, const char *high, double value)
{
	char name[40];

	if (st == 0)
		return;
	if (st == 1 || st == 2)
		snprintf(name, sizeof name, "%s_%s", what, st == 1 ? low : high);
	else if (st == 0xF0)
		snprintf(name, sizeof name, "%s_fault", what);
	else
		snprintf(name, sizeof name, "%s_state_%02x", what, st);
	add_alarm(s, st >= 0x80 && st < 0xF0 ? PT_LEVEL_WARNING : PT_LEVEL_ALARM, module, cell,
	    name, value);
}

static const char *
state_word(unsigned st)
{
	return st == 0 ? "Normal" : st == 1 ? "Low" : st == 2 ? "High" : st == 0xF0 ? "Fault" :
	    "Other";
}

static void
temp_alarm_name(const struct dialect *dl, unsigned i, char *buf, size_t size)
{
	unsigned g, k;

	switch (t_role(dl, i)) {
	case T_BOARD:
		snprintf(buf, size, "board");
		return;
	case T_MOSFET:
		snprintf(buf, size, "mosfet");
		return;
	case T_ENV:
		snprintf(buf, size, "environment");
		return;
	case T_GROUP:
		for (g = 0, k = 0; k < i; k++)
			g += t_role(dl, k) == T_GROUP;
		snprintf(buf, size, "cell_group_%u", g + 1);
		return;
	default:
		snprintf(buf, size, "sensor_%u", i + 1);
	}
}

static const struct bitname pylon_status1[8] = {
	{ "module_overvoltage", PT_LEVEL_PROTECT }, { "cell_undervoltage", PT_LEVEL_PROTECT },
	{ "charge_overcurrent", PT_LEVEL_PROTECT }, { NULL, 0 },
	{ "discharge_overcurrent", PT_LEVEL_PROTECT },
	{ "discharge_overtemperature", PT_LEVEL_PROTECT },
	{ "charge_overtemperature", PT_LEVEL_PROTECT }, { "module_undervoltage", PT_LEVEL_PROTECT },
};

/* Status2 bits that are *clear* (a MOSFET off is worth a note). */
static const struct bitname pylon_status2_off[8] = {
	{ NULL, 0 }, { "charge_mosfet_off", PT_LEVEL_INFO },
	{ "discharge_mosfet_off", PT_LEVEL_INFO }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
	{ NULL, 0 }, { NULL, 0 },
};
static const struct bitname pylon_status3[8] = {
	{ NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { "fully_charged", PT_LEVEL_INFO },
	{ NULL, 0 }, { "heater_on", PT_LEVEL_INFO }, { NULL, 0 }, { NULL, 0 },
};

/* Pylontech: Status1 protections, Status2 MOSFETs, Status3 flow and
 * flags, Status4/5 failed cells; one more byte on real packs, ignored. */
static int
pylon_alarms(struct cur *c, struct pt_sample *s, struct pt_module *m, int ncell,
    struct pt_diag *d)
{
	unsigned st[5], i;
	const char *flow;

	for (i = 0; i < 5; i++)
		st[i] = rd8(c);
	if (c->short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: pack %d: the 5 status bytes are "
		    "missing", m->id);
	add_bits(s, m->id, st[0], pylon_status1);
	add_bits(s, m->id, ~st[1] & 0xFF, pylon_status2_off);
	add_bits(s, m->id, st[2], pylon_status3);
	flow = st[2] & 0x80 ? "Charge" : st[2] & 0x40 ? "Discharge" : "Idle";
	pt_copy_text(m->status, sizeof m->status, flow, strlen(flow));
	for (i = 0; i < 16 && (int)i < ncell; i++)
		if ((i < 8 ? st[3] >> i : st[4] >> (i - 8)) & 1)
			add_alarm(s, PT_LEVEL_ALARM, m->id, (int)i, "cell_failure", NAN);
	return 0;
}

static const struct bitname pace_protect1[8] = {
	{ "cell_overvoltage", PT_LEVEL_PROTECT }, { "cell_undervoltage", PT_LEVEL_PROTECT },
	{ "pack_overvoltage", PT_LEVEL_PROTECT }, { "pack_undervoltage", PT_LEVEL_PROTECT },
	{ "charge_overcurrent", PT_LEVEL_PROTECT }, { "discharge_overcurrent", PT_LEVEL_PROTECT },
	{ "short_circuit", PT_LEVEL_PROTECT }, { NULL, 0 },
};
static const struct bitname pace_protect2[8] = {
	{ "charge_overtemperature", PT_LEVEL_PROTECT },
	{ "discharge_overtemperature", PT_LEVEL_PROTECT },
	{ "charge_undertemperature", PT_LEVEL_PROTECT },
	{ "discharge_undertemperature", PT_LEVEL_PROTECT },
	{ "mosfet_overtemperature", PT_LEVEL_PROTECT },
	{ "environment_overtemperature", PT_LEVEL_PROTECT },
	{ "environment_undertemperature", PT_LEVEL_PROTECT },
	{ NULL, 0 },		/* bit 7: fully charged, not an alarm */
};
static const struct bitname pace_system[8] = {
	{ "current_limit_active", PT_LEVEL_INFO }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
	{ "reverse_connection", PT_LEVEL_ALARM }, { NULL, 0 }, { NULL, 0 },
	{ "heater_on", PT_LEVEL_INFO },
};
static const struct bitname pace_system_off[8] = {
	{ NULL, 0 }, { "charge_mosfet_off", PT_LEVEL_INFO },
	{ "discharge_mosfet_off", PT_LEVEL_INFO }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
	{ NULL, 0 }, { NULL, 0 },
};
static const struct bitname pace_fault[8] = {
	{ "charge_mosfet_fault", PT_LEVEL_ALARM }, { "discharge_mosfet_fault", PT_LEVEL_ALARM },
	{ "ntc_fault", PT_LEVEL_ALARM }, { NULL, 0 }, { "cell_fault", PT_LEVEL_ALARM },
	{ "sampling_fault", PT_LEVEL_ALARM }, { NULL, 0 }, { NULL, 0 },
};
static const struct bitname pace_warn1[8] = {
	{ "cell_high_voltage", PT_LEVEL_WARNING }, { "cell_low_voltage", PT_LEVEL_WARNING },
	{ "pack_high_voltage", PT_LEVEL_WARNING }, { "pack_low_voltage", PT_LEVEL_WARNING },
	{ "charge_high_current", PT_LEVEL_WARNING },
	{ "discharge_high_current", PT_LEVEL_WARNING }, { NULL, 0 }, { NULL, 0 },
};
static const struct bitname pace_warn2[8] = {
	{ "charge_high_temperature", PT_LEVEL_WARNING },
	{ "discharge_high_temperature", PT_LEVEL_WARNING },
	{ "charge_low_temperature", PT_LEVEL_WARNING },
	{ "discharge_low_temperature", PT_LEVEL_WARNING },
	{ "environment_high_temperature", PT_LEVEL_WARNING },
	{ "environment_low_temperature", PT_LEVEL_WARNING },
	{ "mosfet_high_temperature", PT_LEVEL_WARNING }, { "soc_low", PT_LEVEL_WARNING },
};

/* PACE: protect 1/2, system, control, fault, balance 1/2, warn 1/2; the
 * Jakiper firmware adds one byte of unknown meaning, ignored. */
static int
pace_alarms(struct cur *c, struct pt_sample *s, struct pt_module *m, int ncell,
    struct pt_diag *d)
{
	unsigned st[9], i;

	for (i = 0; i < 8; i++)
		st[i] = rd8(c);
	if (c->short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: pack %d: PACE status bytes "
		    "missing", m->id);
	st[8] = left(c) > 0 ? rd8(c) : 0;
	add_bits(s, m->id, st[0], pace_protect1);
	add_bits(s, m->id, st[1], pace_protect2);
	add_bits(s, m->id, st[2], pace_system);
	add_bits(s, m->id, st[4], pace_fault);
	add_bits(s, m->id, st[7], pace_warn1);
	add_bits(s, m->id, st[8], pace_warn2);
	add_bits(s, m->id, ~st[2] & 0xFF, pace_system_off);
	if (st[1] & 0x80)
		add_alarm(s, PT_LEVEL_INFO, m->id, -1, "fully_charged", NAN);
	for (i = 0; i < 16 && (int)i < ncell; i++) {
		struct pt_cell *cell = pt_module_cell(m, (int)i);
		PT_SET(cell, balancing, PTF_BALANCING, ((i < 8 ? st[5] >> i : st[6] >> (i - 8)) &
		    1) != 0);
	}
	return 0;
}

/* Seplos V2 has a longer tail of its own; the spec has no table for it,
 * so only the per-item states before it are decoded. */
static int
seplos_alarms(struct cur *c, struct pt_sample *s, struct pt_module *m, int ncell,
    struct pt_diag *d)
{
	(void)c;
	(void)s;
	(void)m;
	(void)ncell;
	(void)d;
	return 0;
}

/* One pack's 0x44 block from its cell count on: the per-item states,
 * then `status` bytes of the dialect's status (SIZE_BY_UD: the rest of
 * the reply).  s == NULL: check only. */
static int
alarm_block(struct cur *c, const struct dialect *dl, int id, int status, struct pt_sample *s,
    struct pt_diag *d)
{
	struct cur tail;
	struct pt_module *m;
	unsigned ncell, ntemp, i, cst[RS485_MAX_CELLS], tst[RS485_MAX_TEMPS], flow[3];
	char what[24];

	ncell = rd8(c);
	if (ncell > RS485_MAX_CELLS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: pack %d: %u cells is not plausible",
		    id, ncell);
	for (i = 0; i < ncell; i++)
		cst[i] = rd8(c);
	ntemp = rd8(c);
	if (ntemp > RS485_MAX_TEMPS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: pack %d: %u temperatures is not "
		    "plausible", id, ntemp);
	for (i = 0; i < ntemp; i++)
		tst[i] = rd8(c);
	for (i = 0; i < 3; i++)
		flow[i] = rd8(c);
	if (c->short_read || (status >= 0 && left(c) < (size_t)status))
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: pack %d: the counts do not fit "
		    "in the reply", id);
	tail = (struct cur){ c->p + c->at, status >= 0 ? (size_t)status : left(c), 0, false };
	c->at += tail.len;
	if (s == NULL)
		return 0;
	set_dialect(s, dl);
	if ((m = pt_sample_module(s, id)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: more than %d packs", PT_MAX_MODULES);
	for (i = 0; i < ncell; i++) {
		struct pt_cell *cell = pt_module_cell(m, (int)i);
		cell->voltage_status = pt_sample_word(s, state_word(cst[i]));
		add_state(s, id, (int)i, cst[i], "cell", "undervoltage", "overvoltage",
		    PT_HAS(cell, PTF_VOLTAGE) ? cell->voltage : NAN);
	}
	for (i = 0; i < ntemp; i++) {
		temp_alarm_name(dl, i, what, sizeof what);
		add_state(s, id, -1, tst[i], what, "undertemperature", "overtemperature",
		    i < (unsigned)m->n_temps ? m->temps[i] : NAN);
	}
	add_state(s, id, -1, flow[0], "charge", "current_low", "overcurrent", NAN);
	add_state(s, id, -1, flow[1], "pack", "undervoltage", "overvoltage",
	    PT_HAS(m, PTF_VOLTAGE) ? m->voltage : NAN);
	add_state(s, id, -1, flow[2], "discharge", "current_low", "overcurrent", NAN);
	return dl->alarm_tail(&tail, s, m, (int)ncell, d);
}

/* Every block of an all-packs 0x44 reply (§5.1: like 0x42's, §6.3),
 * `status` bytes of status each; s == NULL: check. */
static int
alarm_all(const struct rs485_frame *f, const struct dialect *dl, unsigned count, int status,
    struct pt_sample *s, struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 2, false };
	int base = first_pack(f, dl), rc;
	unsigned k;

	for (k = 0; k < count; k++)
		if ((rc = alarm_block(&c, dl, base + (int)k, status, s, d)) != 0)
			return rc;
	if (left(&c) > 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: %zu bytes after the last of %u packs",
		    left(&c), count);
	return 0;
}

/* The status size with which `count` blocks fill the reply exactly;
 * NO_FIT: none of the dialect's. */
static int
alarm_fit(const struct rs485_frame *f, const struct dialect *dl, unsigned count)
{
	struct pt_diag quiet;
	size_t i;

	if (count == 0 || count > PT_MAX_MODULES)
		return NO_FIT;
	for (i = 0; i < sizeof dl->alarm_status && dl->alarm_status[i] != 0; i++) {
		pt_diag_clear(&quiet);
		if (alarm_all(f, dl, count, dl->alarm_status[i], NULL, &quiet) == 0)
			return dl->alarm_status[i];
	}
	return NO_FIT;
}

int
rs485_parse_alarm(const struct rs485_frame *f, enum rs485_dialect dlv, int pack,
    struct pt_sample *s, struct pt_diag *d)
{
	const struct dialect *dl;
	struct cur c = { f->info, f->info_len, 2, false };
	unsigned count;
	int status;

	if (dlv == RS_AUTO)
		dlv = f->ver == 0x25 ? RS_PACE : RS_PYLONTECH;
	dl = dialect_of(dlv);
	if (f->info_len < 3)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: reply of %zu bytes is too short",
		    f->info_len);
	/* DATAFLAG, then the pack asked for or the pack count of an
	 * all-packs reply (known from the request, or from more than one
	 * block filling the reply exactly). */
	count = f->info[1];
	if (pack == RS485_ALL_PACKS || (pack == RS485_CMD_UNKNOWN && count >= 2)) {
		if ((status = alarm_fit(f, dl, count)) != NO_FIT)
			return alarm_all(f, dl, count, status, s, d);
		if (pack == RS485_ALL_PACKS)
			return pt_diag_fail(d, PT_ERR_PARSE, "0x44: the reply does not hold the "
			    "alarm blocks of %u packs (all-packs request)", count);
	}
	return alarm_block(&c, dl, pack_of(f, pack), SIZE_BY_UD, s, d);
}

/* ---- identity, limits, capacities --------------------------------------- */

static struct pt_module *
module_or_fail(struct pt_sample *s, int pack, struct pt_diag *d, int *rc)
{
	struct pt_module *m = pt_sample_module(s, pack);

	*rc = m == NULL ? pt_diag_fail(d, PT_ERR_PARSE, "more than %d packs", PT_MAX_MODULES) : 0;
	return m;
}

int
rs485_reply_pack(const struct rs485_frame *f, uint8_t cid2)
{
	size_t at;

	switch (cid2) {
	case RS485_CID2_ANALOG:
	case RS485_CID2_ALARM:
		at = 1;
		break;
	case RS485_CID2_MANAGEMENT:
	case RS485_CID2_SERIAL:
	case RS485_CID2_FIRMWARE:
		at = 0;
		break;
	default:
		return -1;
	}
	if (f->info_len <= at || f->info[at] == 0 || f->info[at] == RS485_ALL_PACKS)
		return -1;
	return f->info[at];
}

/* Device text: up to the first NUL, sanitised, padding trimmed. */
static void
copy_field(char *dst, size_t size, const uint8_t *p, size_t n)
{
	pt_copy_text(dst, size, (const char *)p, strnlen((const char *)p, n));
}

int
rs485_parse_serial(const struct rs485_frame *f, int cid2, int pack, struct pt_sample *s,
    struct pt_diag *d)
{
	struct pt_module *m;
	size_t off = cid2 == RS485_CID2_SERIAL ? 1 : 0, n;
	int rc;

	if (f->info_len <= off)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "%02X: the serial number reply is empty",
		    cid2);
	if (cid2 == RS485_CID2_SERIAL && f->info[0] != 0)
		pack = f->info[0];
	if (pack <= 0 || pack == RS485_ALL_PACKS)
		pack = f->adr != 0 ? f->adr : 1;
	/* 0x93: 16 characters; 0xC2: 20 of barcode, then maybe a build date. */
	n = f->info_len - off;
	if (n > (cid2 == RS485_CID2_SERIAL ? 16u : 20u))
		n = cid2 == RS485_CID2_SERIAL ? 16u : 20u;
	if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
		return rc;
	copy_field(m->barcode, sizeof m->barcode, f->info + off, n);
	if (m->barcode[0] == '\0')
		pt_diag_warn(d, "%02X: pack %d sent an empty serial number", cid2, pack);
	return 0;
}

int
rs485_parse_version(const struct rs485_frame *f, int cid2, int pack, struct pt_sample *s,
    struct pt_diag *d)
{
	struct pt_module *m;
	char buf[PT_TEXT_LEN], name[PT_TEXT_LEN];
	int rc;

	if (pack <= 0 || pack == RS485_ALL_PACKS)
		pack = f->adr != 0 ? f->adr : 1;
	switch (cid2) {
	case RS485_CID2_FIRMWARE:
		/* cmd, manufacturer version (2), main-line version (3) */
		if (f->info_len < 6)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "96: firmware reply of %zu bytes, "
			    "6 expected", f->info_len);
		if (f->info[0] != 0)
			pack = f->info[0];
		snprintf(buf, sizeof buf, "%u.%u (main %u.%u.%u)", f->info[1], f->info[2],
		    f->info[3], f->info[4], f->info[5]);
		if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
			return rc;
		pt_copy_text(m->firmware, sizeof m->firmware, buf, strlen(buf));
		return 0;
	case RS485_CID2_PACE_VERSION:
		/* 20 characters, NUL or space padded */
		if (f->info_len == 0)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "C1: the version reply is empty");
		if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
			return rc;
		copy_field(m->firmware, sizeof m->firmware, f->info,
		    f->info_len < 20 ? f->info_len : 20);
		return 0;
	case RS485_CID2_MANUFACTURER:
		/* name (10), software version (2), manufacturer (20) */
		if (f->info_len < 12)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "51: manufacturer reply of %zu "
			    "bytes, 12 at least expected", f->info_len);
		copy_field(name, sizeof name, f->info, 10);
		/* Through the link cable the master answers for itself (§5.1):
		 * this names the stack, and the pack asked only if empty. */
		pt_copy_text(s->stack.model, sizeof s->stack.model, name, strlen(name));
		snprintf(buf, sizeof buf, "%u.%u", f->info[10], f->info[11]);
		if (s->stack.firmware[0] == '\0')
			pt_copy_text(s->stack.firmware, sizeof s->stack.firmware, buf, strlen(buf));
		if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
			return rc;
		if (m->model[0] == '\0')
			pt_copy_text(m->model, sizeof m->model, name, strlen(name));
		return 0;
	}
	return pt_diag_fail(d, PT_ERR_UNSUPPORTED, "%02X is not a version command", cid2);
}

int
rs485_parse_management(const struct rs485_frame *f, int pack, struct pt_sample *s,
    struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 0, false };
	struct pt_module *m;
	unsigned cmd, vch, flags;
	double ich, idis;
	int rc;

	cmd = rd8(&c);
	vch = rd16(&c);
	(void)rd16(&c);		/* discharge voltage limit: no field in the sample */
	ich = (int16_t)rd16(&c) * 0.1;
	idis = (int16_t)rd16(&c) * 0.1;
	flags = rd8(&c);
	if (c.short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "92: management reply of %zu bytes, 10 "
		    "expected", f->info_len);
	if (cmd != 0 && cmd != RS485_ALL_PACKS)
		pack = (int)cmd;
	if (pack <= 0 || pack == RS485_ALL_PACKS)
		pack = f->adr != 0 ? f->adr : 1;
	if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
		return rc;
	PT_SET(m, charge_voltage, PTF_CHARGE_VOLTAGE, vch / 1000.0);
	PT_SET(m, charge_limit, PTF_CHARGE_LIMIT, fabs(ich));
	PT_SET(m, discharge_limit, PTF_DISCHARGE_LIMIT, fabs(idis));
	if ((flags & 0x80) == 0)
		add_alarm(s, PT_LEVEL_INFO, m->id, -1, "charge_disabled", NAN);
	if ((flags & 0x40) == 0)
		add_alarm(s, PT_LEVEL_INFO, m->id, -1, "discharge_disabled", NAN);
	if (flags & 0x30)
		add_alarm(s, PT_LEVEL_INFO, m->id, -1, "charge_immediately", NAN);
	if (flags & 0x08)
		add_alarm(s, PT_LEVEL_INFO, m->id, -1, "full_charge_request", NAN);
	return 0;
}

int
rs485_parse_capacity(const struct rs485_frame *f, int pack, struct pt_sample *s,
    struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 0, false };
	struct pt_module *m;
	double rem, full, design;
	int rc;

	rem = rd16(&c) * 0.01;
	full = rd16(&c) * 0.01;
	design = rd16(&c) * 0.01;
	if (c.short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "A6: capacity reply of %zu bytes, 6 "
		    "expected", f->info_len);
	if (pack <= 0 || pack == RS485_ALL_PACKS)
		pack = f->adr != 0 ? f->adr : 1;
	if ((m = module_or_fail(s, pack, d, &rc)) == NULL)
		return rc;
	PT_SET(m, remaining_ah, PTF_REMAINING_AH, rem);
	PT_SET(m, full_ah, PTF_FULL_AH, full);
	if (full > 0)
		PT_SET(m, soc, PTF_SOC, rem / full * 100 > 100 ? 100 : rem / full * 100);
	if (design > 0) {
		PT_SET(m, design_ah, PTF_DESIGN_AH, design);
		PT_SET(m, soh, PTF_SOH, full / design * 100 > 100 ? 100 : full / design * 100);
	}
	return 0;
}

int
rs485_parse_pack_count(const struct rs485_frame *f, int *count, struct pt_diag *d)
{
	if (f->info_len < 1)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "90: the pack count reply is empty");
	if (f->info[0] == 0 || f->info[0] > PT_MAX_MODULES)
		return pt_diag_fail(d, PT_ERR_PARSE, "90: %u packs is not plausible (1..%d)",
		    f->info[0], PT_MAX_MODULES);
	*count = f->info[0];
	return 0;
}

int
rs485_parse_params(const struct rs485_frame *f, struct rs485_params *p, struct pt_diag *d)
{
	const struct dialect *dl = &dialects[RS_PYLONTECH];
	struct cur c = { f->info, f->info_len, 1, false };	/* after INFOFLAG */

	p->cell_high_v = rd16(&c) / 1000.0;
	p->cell_low_v = rd16(&c) / 1000.0;
	p->cell_under_v = rd16(&c) / 1000.0;
	p->charge_high_c = kelvin10(dl, rd16(&c));
	p->charge_low_c = kelvin10(dl, rd16(&c));
	p->charge_limit_a = (int16_t)rd16(&c) * 0.1;
	p->module_high_v = rd16(&c) / 1000.0;
	p->module_low_v = rd16(&c) / 1000.0;
	p->module_under_v = rd16(&c) / 1000.0;
	p->discharge_high_c = kelvin10(dl, rd16(&c));
	p->discharge_low_c = kelvin10(dl, rd16(&c));
	p->discharge_limit_a = (int16_t)rd16(&c) * 0.1;
	if (c.short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "47: parameter reply of %zu bytes, 25 "
		    "expected", f->info_len);
	return 0;
}

int
rs485_parse_reply(const struct rs485_frame *f, enum rs485_dialect dl, uint8_t cid2, int cmd,
    struct pt_sample *s, struct pt_diag *d)
{
	struct rs485_params p;
	int n = 0, rc;

	switch (cid2) {
	case RS485_CID2_ANALOG:
		return rs485_parse_analog_cmd(f, dl, cmd, s, d);
	case RS485_CID2_ALARM:
		return rs485_parse_alarm(f, dl, cmd, s, d);
	case RS485_CID2_SERIAL:
	case RS485_CID2_PACE_BARCODE:
		return rs485_parse_serial(f, cid2, cmd, s, d);
	case RS485_CID2_FIRMWARE:
	case RS485_CID2_PACE_VERSION:
	case RS485_CID2_MANUFACTURER:
		return rs485_parse_version(f, cid2, cmd, s, d);
	case RS485_CID2_MANAGEMENT:
		return rs485_parse_management(f, cmd, s, d);
	case RS485_CID2_PACE_CAPACITY:
		return rs485_parse_capacity(f, cmd, s, d);
	case RS485_CID2_PACK_COUNT:
		if ((rc = rs485_parse_pack_count(f, &n, d)) == 0) {
			PT_SET(&s->stack, module_count, PTF_MODULE_COUNT, n);
		}
		return rc;
	case RS485_CID2_PARAMS:
		if ((rc = rs485_parse_params(f, &p, d)) == 0)
			pt_diag_warn(d, "47: limits: cell %.3f-%.3f V, charge %.1f A, discharge "
			    "%.1f A (not part of the sample)", p.cell_low_v, p.cell_high_v,
			    p.charge_limit_a, p.discharge_limit_a);
		return rc;
	case RS485_CID2_PROTOCOL:
		pt_diag_warn(d, "4F: protocol version %u.%u", f->ver >> 4, f->ver & 0xF);
		return 0;
	}
	return pt_diag_fail(d, PT_ERR_UNSUPPORTED, "no decoder for the reply to command %02X",
	    cid2);
}

/* ---- pylontop --decode ---------------------------------------------------- */

/* A request: its CID2 is a command of the table (sent or refused ones),
 * and it is not the reply to the request just before it. */
static bool
is_request(const struct rs485_frame *f)
{
	const struct rs485_command *c;

	for (c = rs485_commands; c->name != NULL; c++)
		if (c->cid2 == f->cid2)
			return true;
	/* PACE date/time read, seen in captures */
	return f->cid2 == RS485_CID2_PACE_TIME;
}

/* The warnings of `from` after those of `to`. */
static void
add_warnings(struct pt_diag *to, const struct pt_diag *from)
{
	int i;

	for (i = 0; i < from->n_warnings && i < PT_DIAG_MAX; i++)
		pt_diag_warn(to, "%s", from->warnings[i]);
}

/* A reply without its request: the analog layout if it fits cleanly;
 * else an alarm reply whose blocks fill it exactly (a 4-pack alarm reply
 * read as 0x42 gives cells of 16 V); else the analog layout with its
 * warnings, else the alarm layout.  --command says it instead. */
static int
parse_lone(const struct rs485_frame *f, enum rs485_dialect dl, struct pt_sample *s,
    struct pt_diag *d)
{
	const struct dialect *adl = dialect_of(dl != RS_AUTO ? dl : f->ver == 0x25 ? RS_PACE :
	    RS_PYLONTECH);
	struct pt_diag first;
	int rc;

	pt_diag_clear(&first);
	if ((analog_parse(f, dl, RS485_CMD_UNKNOWN, NULL, &first) != 0 || first.n_warnings > 0) &&
	    f->info_len >= 3 && f->info[1] >= 2 && alarm_fit(f, adl, f->info[1]) != NO_FIT) {
		pt_diag_warn(d, "a reply without its request, taken for the 0x44 alarm reply of "
		    "%u packs (it does not fit 0x42; --command says which)", f->info[1]);
		return rs485_parse_alarm(f, dl, RS485_ALL_PACKS, s, d);
	}
	pt_diag_clear(&first);
	if ((rc = rs485_parse_analog(f, dl, s, &first)) == 0) {
		add_warnings(d, &first);
		return 0;
	}
	if (rs485_parse_alarm(f, dl, RS485_CMD_UNKNOWN, s, d) == 0)
		return 0;
	snprintf(d->error, sizeof d->error, "%s", first.error);
	return rc;
}

static int
line_fail(struct pt_diag *d, int rc, int lineno)
{
	char why[PT_DIAG_LEN];

	snprintf(why, sizeof why, "%s", d->error);
	return pt_diag_fail(d, rc, "line %d: %s", lineno, why);
}

int
rs485_decode_text(const char *buf, size_t len, const char *dialect, struct pt_sample *s,
    struct pt_diag *d)
{
	return rs485_decode_text_as(buf, len, dialect, -1, RS485_CMD_UNKNOWN, s, d);
}

int
rs485_decode_text_as(const char *buf, size_t len, const char *dialect, int given_cid2,
    int given_cmd, struct pt_sample *s, struct pt_diag *d)
{
	static const struct rs485_frame empty;
	struct rs485_frame f = empty;
	size_t off = 0;
	int dl = rs485_dialect_of(dialect), asked = -1, cmd = RS485_CMD_UNKNOWN;
	int replies = 0, rc, lineno = 0;

	if (dl < 0)
		return pt_diag_fail(d, PT_ERR_ARG, "'%s' is not an RS485 dialect (auto, "
		    "pylontech, pace or seplos)", dialect);
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;

		off += n + 1;
		lineno++;
		while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
		    line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if ((rc = rs485_decode(line, n, &f, d)) != 0)
			return line_fail(d, rc, lineno);
		if (asked < 0 && is_request(&f)) {
			asked = f.cid2;
			cmd = f.info_len >= 1 ? f.info[0] : RS485_CMD_UNKNOWN;
			if (cmd == 0 && f.adr != 0)
				cmd = f.adr;
			continue;
		}
		if (f.cid2 != 0)
			return line_fail(d, pt_diag_fail(d, PT_ERR_DEVICE, "the pack answered RTN "
			    "%02X: %s", f.cid2, rs485_rtn_text(f.cid2)), lineno);
		/* No request line: what --command said, if anything. */
		if (asked < 0 && given_cid2 >= 0) {
			asked = given_cid2;
			cmd = given_cmd;
		}
		if (dl == RS_AUTO && asked == RS485_CID2_ANALOG)
			dl = rs485_guess(&f, d);
		if (asked < 0)
			rc = parse_lone(&f, (enum rs485_dialect)dl, s, d);
		else
			rc = rs485_parse_reply(&f, (enum rs485_dialect)dl, (uint8_t)asked, cmd, s, d);
		if (rc == PT_ERR_UNSUPPORTED) {
			pt_diag_warn(d, "line %d: %s", lineno, d->error);
			d->error[0] = '\0';
		} else if (rc != 0)
			return line_fail(d, rc, lineno);
		else
			replies++;
		asked = -1;
		cmd = RS485_CMD_UNKNOWN;
	}
	if (replies == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "no reply frame to decode (only requests?)");
	pt_copy_text(s->protocol, sizeof s->protocol, "rs485", 5);
	if (s->dialect[0] == '\0')
		pt_copy_text(s->dialect, sizeof s->dialect, rs485_dialect_name(
		    (enum rs485_dialect)dl), strlen(rs485_dialect_name((enum rs485_dialect)dl)));
	return 0;
}
