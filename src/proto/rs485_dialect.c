/* rs485_dialect.c — replies of the "~" protocol into the sample, per
 * dialect (rs485-binary.md §3, §6-§8).  Units and offsets live in one
 * table; every read is bounds-checked against the INFO received. */
#include "proto/rs485.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

struct units {
	double		current_a;	/* per count */
	double		voltage_v;
	double		capacity_ah;
	int		temp_offset;	/* 0.1 K */
};

static const struct units unit_table[] = {
	[RS_AUTO] = { 0.1, 0.001, 0.001, 2731 },
	[RS_PYLONTECH] = { 0.1, 0.001, 0.001, 2731 },
	[RS_PACE] = { 0.01, 0.001, 0.01, 2730 },
	[RS_SEPLOS] = { 0.01, 0.01, 0.01, 2731 },
};

const char *
rs485_dialect_name(enum rs485_dialect dl)
{
	switch (dl) {
	case RS_PYLONTECH: return "pylontech";
	case RS_PACE: return "pace";
	case RS_SEPLOS: return "seplos";
	default: return "auto";
	}
}

enum rs485_dialect
rs485_dialect_of(const char *name)
{
	if (name == NULL)
		return RS_AUTO;
	if (strcmp(name, "pylontech") == 0)
		return RS_PYLONTECH;
	if (strcmp(name, "pace") == 0)
		return RS_PACE;
	if (strcmp(name, "seplos") == 0)
		return RS_SEPLOS;
	return RS_AUTO;
}

/* A cursor over INFO that refuses to read past the end. */
struct cur {
	const uint8_t	*p;
	size_t		 len, at;
	bool		 short_read;
};

static unsigned
u8(struct cur *c)
{
	if (c->at + 1 > c->len) {
		c->short_read = true;
		return 0;
	}
	return c->p[c->at++];
}

static unsigned
u16(struct cur *c)
{
	unsigned hi = u8(c);
	return hi << 8 | u8(c);
}

static unsigned
u24(struct cur *c)
{
	unsigned hi = u16(c);
	return hi << 8 | u8(c);
}

static size_t
left(const struct cur *c)
{
	return c->at < c->len ? c->len - c->at : 0;
}

/* One pack block, starting at its cell count. */
static int
analog_block(struct cur *c, enum rs485_dialect dl, int pack, bool all, struct pt_sample *s,
    struct pt_diag *d)
{
	const struct units *u = &unit_table[dl];
	struct pt_module *m;
	unsigned ncell, ntemp, i, raw[16], ud, cycles;
	double current, voltage, remaining, full, design = NAN;
	int16_t cur16;

	ncell = u8(c);
	if (ncell == 0 || ncell > PT_MAX_CELLS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: %u cells is not plausible", ncell);
	if ((m = pt_sample_module(s, pack)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: more than %d packs", PT_MAX_MODULES);
	for (i = 0; i < ncell; i++) {
		struct pt_cell *cell = pt_module_cell(m, (int)i);
		PT_SET(cell, voltage, PTF_VOLTAGE, (float)(u16(c) / 1000.0));
	}
	ntemp = u8(c);
	if (ntemp > 16)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x42: %u temperatures is not plausible", ntemp);
	for (i = 0; i < ntemp; i++)
		raw[i] = u16(c);
	cur16 = (int16_t)u16(c);
	current = cur16 * u->current_a;
	voltage = u16(c) * u->voltage_v;
	remaining = u16(c) * u->capacity_ah;
	ud = u8(c);
	full = u16(c) * u->capacity_ah;
	cycles = u16(c);
	if (c->short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: the reply ends inside pack %d", pack);
	if (dl == RS_PACE || dl == RS_SEPLOS) {
		if (left(c) >= 2 && (!all || ud >= 3))
			design = u16(c) * u->capacity_ah;
		if (!all && left(c) == 1)
			u8(c);		/* Jakiper: one extra byte */
	} else if (ud >= 4 && left(c) >= 6) {
		/* US3000 and what stands behind it: 24-bit capacities in mAh. */
		remaining = u24(c) / 1000.0;
		full = u24(c) / 1000.0;
	}
	PT_SET(m, current, PTF_CURRENT, current);
	PT_SET(m, voltage, PTF_VOLTAGE, voltage);
	PT_SET(m, remaining_ah, PTF_REMAINING_AH, remaining);
	PT_SET(m, full_ah, PTF_FULL_AH, full);
	PT_SET(m, cycles, PTF_CYCLES, (long)cycles);
	if (isfinite(design) && design > 0) {
		PT_SET(m, design_ah, PTF_DESIGN_AH, design);
		PT_SET(m, soh, PTF_SOH, full / design * 100 > 100 ? 100 : full / design * 100);
	}
	if (full > 0)
		PT_SET(m, soc, PTF_SOC, remaining / full * 100 > 100 ? 100 : remaining / full * 100);
	m->n_temps = (int)(ntemp < PT_MAX_TEMPS ? ntemp : PT_MAX_TEMPS);
	for (i = 0; i < ntemp && i < PT_MAX_TEMPS; i++)
		m->temps[i] = (float)(((int)raw[i] - u->temp_offset) / 10.0);
	if (ntemp > 0) {
		/* Pylontech: T1 = BMS board, T2.. = groups of 4 cells.  PACE:
		 * T1-T4 = cell groups, T5 = MOSFET, T6 = environment. */
		int first = dl == RS_PYLONTECH || dl == RS_AUTO ? 1 : 0;
		int groups = dl == RS_PYLONTECH || dl == RS_AUTO ? (int)ntemp - 1 :
		    ntemp >= 6 ? 4 : (int)ntemp;
		if (dl == RS_PYLONTECH || dl == RS_AUTO)
			PT_SET(m, temperature, PTF_TEMPERATURE, m->temps[0]);
		else if (ntemp >= 6) {
			PT_SET(m, mos_temperature, PTF_MOS_TEMPERATURE, m->temps[4]);
			PT_SET(m, temperature, PTF_TEMPERATURE, m->temps[5]);
		}
		for (i = 0; groups > 0 && i < ncell; i++) {
			int g = (int)i / 4 < groups ? (int)i / 4 : groups - 1;
			if (first + g < m->n_temps)
				PT_SET(&m->cells[i], temperature, PTF_TEMPERATURE,
				    m->temps[first + g]);
		}
	}
	return 0;
}

/* Does one pack block use exactly the rest of INFO? */
static bool
single_block(const struct rs485_frame *f, enum rs485_dialect dl, unsigned cmd)
{
	struct pt_sample scratch;	/* on the stack: no allocation */
	struct pt_diag d;
	struct cur c = { f->info, f->info_len, 2, false };

	pt_sample_init(&scratch, NULL);
	pt_diag_clear(&d);
	return analog_block(&c, dl, cmd >= 1 && cmd <= 255 ? (int)cmd : 1, false,
	    &scratch, &d) == 0 && left(&c) == 0;
}

int
rs485_parse_analog(const struct rs485_frame *f, enum rs485_dialect dl, struct pt_sample *s,
    struct pt_diag *d)
{
	struct cur c = { f->info, f->info_len, 2, false };
	unsigned cmd, k;
	int rc;

	if (f->info_len < 3)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x42: reply too short");
	if (dl == RS_AUTO)
		dl = rs485_guess(f);
	/* Byte 1 is the pack asked for; in an "all packs" reply (request
	 * INFO FF) it is the pack count.  One block using all of INFO is a
	 * single pack. */
	cmd = f->info[1];
	if (single_block(f, dl, cmd))
		return analog_block(&c, dl, cmd >= 1 ? (int)cmd : 1, false, s, d);
	if (cmd < 1 || cmd > PT_MAX_MODULES)
		return analog_block(&c, dl, cmd >= 1 ? (int)cmd : 1, false, s, d) != 0 ?
		    PT_ERR_PARSE : pt_diag_fail(d, PT_ERR_PARSE, "0x42: %zu bytes left over",
		    left(&c));
	for (k = 1; k <= cmd; k++)
		if ((rc = analog_block(&c, dl, (int)k, true, s, d)) != 0)
			return rc;
	if (left(&c) > 0)
		pt_diag_warn(d, "0x42: %zu bytes after the last pack ignored", left(&c));
	return 0;
}

static void
state_alarm(struct pt_sample *s, int pack, int cell, unsigned state, const char *what)
{
	char name[32];

	if (state == 0)
		return;
	snprintf(name, sizeof name, "%s_%s", what, state == 1 ? "low" : state == 2 ? "high" :
	    "fault");
	pt_sample_add_alarm(s, PT_ALARM_BMS, state >= 0xF0 ? PT_LEVEL_ALARM : PT_LEVEL_WARNING,
	    pack, cell, name, NAN);
}

static void
bits(struct pt_sample *s, int pack, unsigned byte, const char *const names[8], int level)
{
	int b;

	for (b = 0; b < 8; b++)
		if ((byte & (1u << b)) && names[b] != NULL)
			pt_sample_add_alarm(s, PT_ALARM_BMS, (enum pt_alarm_level)level, pack, -1,
			    names[b], NAN);
}

int
rs485_parse_alarm(const struct rs485_frame *f, enum rs485_dialect dl, int pack,
    struct pt_sample *s, struct pt_diag *d)
{
	static const char *const pylon_s1[8] = { "module_overvoltage", "cell_undervoltage",
	    "charge_overcurrent", NULL, "discharge_overcurrent", "discharge_overtemperature",
	    "charge_overtemperature", "module_undervoltage" };
	static const char *const pace_p1[8] = { "cell_overvoltage", "cell_undervoltage",
	    "pack_overvoltage", "pack_undervoltage", "charge_overcurrent",
	    "discharge_overcurrent", "short_circuit", NULL };
	static const char *const pace_p2[8] = { "charge_overtemperature",
	    "discharge_overtemperature", "charge_undertemperature", "discharge_undertemperature",
	    "mosfet_overtemperature", "environment_overtemperature",
	    "environment_undertemperature", NULL };
	static const char *const pace_fault[8] = { "charge_mosfet_fault",
	    "discharge_mosfet_fault", "ntc_fault", NULL, "cell_fault", "sampling_fault", NULL, NULL };
	static const char *const pace_w1[8] = { "cell_high_voltage", "cell_low_voltage",
	    "pack_high_voltage", "pack_low_voltage", "charge_overcurrent_warning",
	    "discharge_overcurrent_warning", NULL, NULL };
	static const char *const pace_w2[8] = { "charge_high_temperature",
	    "discharge_high_temperature", "charge_low_temperature", "discharge_low_temperature",
	    "environment_high_temperature", "environment_low_temperature",
	    "mosfet_high_temperature", "soc_low_warning" };
	struct cur c = { f->info, f->info_len, 0, false };
	struct pt_module *m;
	unsigned ncell, ntemp, i, cmd, st[8];

	if (dl == RS_AUTO)
		dl = f->ver == 0x25 ? RS_PACE : RS_PYLONTECH;
	u8(&c);
	cmd = u8(&c);
	if (pack <= 0 || (cmd >= 1 && cmd <= 255 && cmd != 0xFF))
		pack = (int)cmd;
	ncell = u8(&c);
	if (ncell > PT_MAX_CELLS)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: %u cells is not plausible", ncell);
	if ((m = pt_sample_module(s, pack)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: more than %d packs", PT_MAX_MODULES);
	for (i = 0; i < ncell; i++)
		state_alarm(s, pack, (int)i, u8(&c), "cell_voltage");
	ntemp = u8(&c);
	if (ntemp > 16)
		return pt_diag_fail(d, PT_ERR_PARSE, "0x44: %u temperatures is not plausible", ntemp);
	for (i = 0; i < ntemp; i++)
		state_alarm(s, pack, -1, u8(&c), "temperature");
	state_alarm(s, pack, -1, u8(&c), "charge_current");
	state_alarm(s, pack, -1, u8(&c), "pack_voltage");
	state_alarm(s, pack, -1, u8(&c), "discharge_current");
	if (c.short_read)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: the reply ends early");
	if (dl == RS_PACE) {
		for (i = 0; i < 8 && !c.short_read; i++)
			st[i] = u8(&c);
		if (c.short_read)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: PACE status bytes missing");
		bits(s, pack, st[0], pace_p1, PT_LEVEL_PROTECT);
		bits(s, pack, st[1] & 0x7F, pace_p2, PT_LEVEL_PROTECT);
		bits(s, pack, st[4], pace_fault, PT_LEVEL_ALARM);
		/* Balance state: bit per cell. */
		for (i = 0; i < ncell && i < 16; i++)
			PT_SET(pt_module_cell(m, (int)i), balancing, PTF_BALANCING,
			    ((i < 8 ? st[5] >> i : st[6] >> (i - 8)) & 1) != 0);
		bits(s, pack, st[7], pace_w1, PT_LEVEL_WARNING);
		if (left(&c) >= 1)
			bits(s, pack, u8(&c), pace_w2, PT_LEVEL_WARNING);
	} else if (dl == RS_PYLONTECH) {
		for (i = 0; i < 5; i++)
			st[i] = u8(&c);
		if (c.short_read)
			return pt_diag_fail(d, PT_ERR_TRUNCATED, "0x44: status bytes missing");
		bits(s, pack, st[0], pylon_s1, PT_LEVEL_PROTECT);
		for (i = 0; i < 16; i++)
			if (((i < 8 ? st[3] >> i : st[4] >> (i - 8)) & 1) != 0)
				pt_sample_add_alarm(s, PT_ALARM_BMS, PT_LEVEL_ALARM, pack, (int)i,
				    "cell_failure", NAN);
	}
	return 0;
}

int
rs485_parse_serial(const struct rs485_frame *f, int cid2, int pack, struct pt_sample *s,
    struct pt_diag *d)
{
	struct pt_module *m;
	size_t off = cid2 == 0x93 ? 1 : 0, n;
	char text[PT_TEXT_LEN];

	if (f->info_len <= off)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "serial number reply is empty");
	if (cid2 == 0x93)
		pack = f->info[0];
	n = f->info_len - off;
	if (n > 20)
		n = 20;		/* PACE: 20 chars barcode, then the build date */
	if ((m = pt_sample_module(s, pack)) == NULL)
		return pt_diag_fail(d, PT_ERR_PARSE, "too many packs");
	pt_copy_text(text, sizeof text, (const char *)f->info + off, strnlen((const char *)f->info + off, n));
	memcpy(m->barcode, text, sizeof m->barcode);
	return 0;
}

enum rs485_dialect
rs485_guess(const struct rs485_frame *f)
{
	struct cur c = { f->info, f->info_len, 2, false };
	unsigned ncell, ntemp, i, sum = 0, volt;

	if (f->ver == 0x25)
		return RS_PACE;
	ncell = u8(&c);
	for (i = 0; i < ncell && i < PT_MAX_CELLS; i++)
		sum += u16(&c);
	ntemp = u8(&c);
	for (i = 0; i < ntemp && i < 16; i++)
		u16(&c);
	u16(&c);
	volt = u16(&c);
	if (c.short_read || sum == 0)
		return RS_PYLONTECH;
	if (fabs((double)volt - sum) < sum * 0.02)
		return RS_PYLONTECH;
	if (fabs((double)volt * 10 - sum) < sum * 0.02)
		return RS_SEPLOS;
	return RS_PYLONTECH;
}

static bool
is_command(uint8_t cid2)
{
	const struct rs485_command *c;

	for (c = rs485_commands; c->name != NULL; c++)
		if (c->cid2 == cid2)
			return true;
	return cid2 == 0x94 || cid2 == 0x95 || cid2 == 0x99 || cid2 == 0x9A || cid2 == 0x9B ||
	    cid2 == 0xB1;
}

int
rs485_decode_text(const char *buf, size_t len, const char *dialect, struct pt_sample *s,
    struct pt_diag *d)
{
	struct rs485_frame f;
	enum rs485_dialect dl = rs485_dialect_of(dialect);
	size_t off = 0;
	int asked = -1, pack = 0, replies = 0, rc, lineno = 0;

	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;

		off += n + 1;
		lineno++;
		while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if ((rc = rs485_decode(line, n, &f, d)) != 0) {
			char why[PT_DIAG_LEN];
			snprintf(why, sizeof why, "%s", d->error);
			return pt_diag_fail(d, rc, "line %d: %s", lineno, why);
		}
		if (f.info_len <= 1 && is_command(f.cid2) && f.cid2 != 0) {
			asked = f.cid2;		/* a request */
			pack = f.info_len == 1 && f.info[0] != 0xFF ? f.info[0] : f.adr;
			continue;
		}
		if (f.cid2 != 0)
			return pt_diag_fail(d, PT_ERR_DEVICE, "line %d: the pack answered with "
			    "RTN %02X: %s", lineno, f.cid2, rs485_rtn_text(f.cid2));
		if (dl == RS_AUTO)
			dl = rs485_guess(&f);
		snprintf(s->protocol, sizeof s->protocol, "rs485");
		snprintf(s->dialect, sizeof s->dialect, "%s", rs485_dialect_name(dl));
		if (asked == 0x44)
			rc = rs485_parse_alarm(&f, dl, pack, s, d);
		else if (asked == 0x93 || asked == 0xC2)
			rc = rs485_parse_serial(&f, asked, pack, s, d);
		else if (asked == 0x42 || asked < 0) {
			struct pt_sample *before = s;
			rc = rs485_parse_analog(&f, dl, before, d);
			if (rc != 0 && asked < 0) {
				pt_diag_clear(d);
				rc = rs485_parse_alarm(&f, dl, pack, s, d);
			}
		} else {
			pt_diag_warn(d, "line %d: reply to command %02X not decoded", lineno, asked);
			rc = 0;
		}
		if (rc != 0) {
			char why[PT_DIAG_LEN];
			snprintf(why, sizeof why, "%s", d->error);
			return pt_diag_fail(d, rc, "line %d: %s", lineno, why);
		}
		replies++;
		asked = -1;
	}
	if (replies == 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "no reply frame to decode (only requests?)");
	return 0;
}
