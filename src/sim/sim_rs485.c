/* sim_rs485.c — pylontop-sim answering "~" requests like Pylontech LV or
 * PACE packs (rs485-binary.md §4-§8), from the same model the console
 * dialects print, so both protocols tell the same story.
 *
 * Frames are built here with a small encoder of their own: the simulator
 * must not share pylontop's codec, or a bug there would hide itself. */
#include "sim/sim_rs485.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* RTN codes of a reply (§2.5). */
#define RTN_OK		0x00
#define RTN_VER		0x01
#define RTN_CID2	0x04
#define RTN_FORMAT	0x05
#define RTN_DATA	0x06

struct bytes {
	unsigned char	b[2048];
	size_t		n;
};

struct req {
	int	ver, adr, cid1, cid2;
	int	info[4];
	int	ninfo;
};

static void
put8(struct bytes *b, long v)
{
	if (b->n < sizeof b->b)
		b->b[b->n++] = (unsigned char)(v & 0xFF);
}

static void
put16(struct bytes *b, long v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put24(struct bytes *b, long v)
{
	put8(b, v >> 16);
	put16(b, v);
}

static void
put_text(struct bytes *b, const char *s, size_t width, int pad)
{
	size_t i, n = strlen(s);

	for (i = 0; i < width; i++)
		put8(b, i < n ? (unsigned char)s[i] : pad);
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
hex2(const char *p)
{
	int hi = nibble(p[0]), lo = nibble(p[1]);

	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

/* A request as a real pack reads it: a damaged one gets no answer at all
 * (a pack answers RTN 02/03 only if it can tell it was meant for it). */
static bool
parse_request(const char *p, size_t len, struct req *r)
{
	unsigned sum = 0, chk = 0;
	size_t i, lenid;

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len < 17 || p[0] != '~' || (len - 1) % 2 != 0)
		return false;
	for (i = 1; i < len; i++)
		if (nibble(p[i]) < 0)
			return false;
	for (i = 1; i < len - 4; i++)
		sum += (unsigned char)p[i];
	for (i = len - 4; i < len; i++)
		chk = chk << 4 | (unsigned)nibble(p[i]);
	if (((sum + chk) & 0xFFFF) != 0)
		return false;
	r->ver = hex2(p + 1);
	r->adr = hex2(p + 3);
	r->cid1 = hex2(p + 5);
	r->cid2 = hex2(p + 7);
	lenid = (size_t)(nibble(p[10]) << 8 | hex2(p + 11));
	if (lenid != len - 17)
		return false;
	r->ninfo = 0;
	for (i = 0; i < lenid / 2 && i < 4; i++)
		r->info[r->ninfo++] = hex2(p + 13 + 2 * i);
	return true;
}

static size_t
frame(char *out, size_t size, int ver, int adr, int rtn, const struct bytes *info, int bad)
{
	static const char hx[] = "0123456789ABCDEF";
	unsigned lenid = (unsigned)info->n * 2, nib, lchk, sum = 0;
	size_t i, o;

	if (size < 20 + (size_t)lenid)
		return 0;
	nib = (lenid >> 8 & 0xF) + (lenid >> 4 & 0xF) + (lenid & 0xF);
	lchk = (16 - nib % 16) % 16;
	o = (size_t)snprintf(out, size, "~%02X%02X46%02X%04X", ver & 0xFF, adr & 0xFF, rtn,
	    lchk << 12 | lenid);
	for (i = 0; i < info->n; i++) {
		out[o++] = hx[info->b[i] >> 4];
		out[o++] = hx[info->b[i] & 0xF];
	}
	for (i = 1; i < o; i++)
		sum += (unsigned char)out[i];
	sum = (~sum + 1) & 0xFFFF;
	if (bad)
		sum ^= 0x0101;		/* the badcrc fault */
	o += (size_t)snprintf(out + o, size - o, "%04X\r", sum);
	return o;
}

/* ---- the replies -------------------------------------------------------- */

static long
kelvin10(double c, int offset)
{
	return lround(c * 10) + offset;
}

/* Temperatures as each dialect lays them out (§6.1). */
static int
temps(const struct sim_model *m, const struct sim_module *mod, bool pace, double *t)
{
	int g, n = 0;

	if (!pace)
		t[n++] = mod->temperature;		/* T1: BMS board */
	for (g = 0; g < 4; g++)
		t[n++] = mod->cell_t[g * 4 < m->cells ? g * 4 : 0];
	if (pace) {
		t[n++] = mod->temperature + 1.5;	/* MOSFET */
		t[n++] = mod->temperature - 3.0;	/* environment */
	}
	return n;
}

/* One 0x42 block from the cell count on. */
static void
analog_block(const struct sim_model *m, const struct sim_module *mod, bool pace,
    struct bytes *b)
{
	double t[8], cap = mod->capacity_ah, rem = mod->soc / 100 * cap;
	int c, i, nt = temps(m, mod, pace, t);

	put8(b, m->cells);
	for (c = 0; c < m->cells; c++)
		put16(b, lround(mod->cell_v[c] * 1000));
	put8(b, nt);
	for (i = 0; i < nt; i++)
		put16(b, kelvin10(t[i], pace ? 2730 : 2731));
	put16(b, pace ? lround(mod->current * 100) : lround(mod->current * 10));
	put16(b, lround(mod->voltage * 1000));
	if (pace) {
		put16(b, lround(rem * 100));
		put8(b, 3);
		put16(b, lround(cap * 100));
		put16(b, mod->cycles);
		put16(b, lround(cap * 100 * 1.05));	/* design: a little above full */
	} else if (cap > 65) {
		/* Over 65 Ah: 16-bit fields FFFF, 24-bit mAh after the cycles. */
		put16(b, 0xFFFF);
		put8(b, 4);
		put16(b, 0xFFFF);
		put16(b, mod->cycles);
		put24(b, lround(rem * 1000));
		put24(b, lround(cap * 1000));
	} else {
		put16(b, lround(rem * 1000));
		put8(b, 2);
		put16(b, lround(cap * 1000));
		put16(b, mod->cycles);
	}
}

/* Per-item state of §7.1 from a value and its limits. */
static int
state(double v, double lo, double hi)
{
	return v < lo ? 1 : v > hi ? 2 : 0;
}

static void
alarm_info(const struct sim_model *m, const struct sim_module *mod, bool pace, int pack,
    struct bytes *b)
{
	unsigned bal1 = 0, bal2 = 0;
	double t[8];
	int c, i, nt = temps(m, mod, pace, t);

	put8(b, 0);
	put8(b, pack);
	put8(b, m->cells);
	for (c = 0; c < m->cells; c++)
		put8(b, state(mod->cell_v[c], 2.9, 3.65));
	put8(b, nt);
	for (i = 0; i < nt; i++)
		put8(b, state(t[i], 0, 50));
	put8(b, mod->current > 100 ? 2 : 0);
	put8(b, state(mod->voltage, 2.9 * m->cells, 3.65 * m->cells));
	put8(b, mod->current < -100 ? 2 : 0);
	for (c = 0; c < m->cells && c < 16; c++)
		if (mod->balancing[c])
			*(c < 8 ? &bal1 : &bal2) |= 1u << (c % 8);
	if (pace) {
		put8(b, mod->protect ? 0x01 : 0);		/* protect 1: cell over-voltage */
		put8(b, 0);				/* protect 2 */
		put8(b, 0x06 | (mod->current < -0.1 ? 0x08 : 0));	/* CFET, DFET */
		put8(b, 0);				/* control */
		put8(b, 0);				/* fault */
		put8(b, bal1);
		put8(b, bal2);
		put8(b, mod->protect ? 0x01 : 0);		/* warn 1: cell high voltage */
		put8(b, mod->soc < 10 ? 0x80 : 0);	/* warn 2: low SOC */
		put8(b, 0);				/* Jakiper's extra byte */
	} else {
		put8(b, mod->protect ? 0x01 : 0);		/* Status1: module over-voltage */
		put8(b, 0x0E);				/* Status2: MOSFETs on */
		put8(b, mod->current > 0.1 ? 0x80 : mod->current < -0.1 ? 0x40 : 0);
		put8(b, 0);				/* Status4/5: no failed cell */
		put8(b, 0);
		put8(b, 0);				/* the extra byte real packs send */
	}
}

/* Each pack's own firmware: packs of one stack often differ, and a
 * version shown on the wrong pack must be visible in the tests. */
static void
pace_version(int index, char *buf, size_t size)
{
	snprintf(buf, size, "P16S100A-1B470-1.%02d", 4 + index);
}

static void
pylon_identity(const struct sim_model *m, const struct sim_module *mod, int cid2, int pack,
    struct bytes *b)
{
	static const unsigned char params[] = { 0x10, 0x0E, 0x42, 0x0B, 0xEA, 0x0A, 0xF0, 0x0D,
	    0x03, 0x0A, 0x47, 0x03, 0xE8, 0xD2, 0xF0, 0xB3, 0xB0, 0xA7, 0xF8, 0x0D, 0x03, 0x0A,
	    0x47, 0xFC, 0x18 };
	size_t i;

	switch (cid2) {
	case 0x47:
		for (i = 0; i < sizeof params; i++)
			put8(b, params[i]);
		break;
	case 0x51:
		put_text(b, "US3000C", 10, 0);
		put8(b, 2);
		put8(b, 1);
		put_text(b, "Pylon", 20, '-');
		break;
	case 0x92:
		put8(b, pack);
		put16(b, 53200);
		put16(b, 44500);
		put16(b, 370);
		put16(b, -370);
		put8(b, 0xC0);				/* charge and discharge enabled */
		break;
	case 0x93:
		put8(b, pack);
		put_text(b, mod->barcode, 16, 0);
		break;
	case 0x96:
		put8(b, pack);
		put8(b, 1);
		put8(b, 4);
		put8(b, 2);
		put8(b, 8);
		put8(b, (long)(mod - m->m));		/* main line 2.8.<pack index> */
		break;
	}
}

void
sim_rs485_number(struct sim_model *m, const char *dialect, int per_group)
{
	int i;

	if (per_group < 1 || per_group > SIM_RS485_GROUP_MAX)
		per_group = SIM_RS485_GROUP_MAX;
	for (i = 0; i < m->modules; i++)
		m->m[i].id = dialect != NULL && strcmp(dialect, "pace") == 0 ? i + 1 :
		    0x10 * (i / per_group) + 2 + i % per_group;
}

/* The pack at a Pylontech address, by the numbers sim_rs485_number gave. */
static int
pack_at(const struct sim_model *m, int adr)
{
	int i;

	for (i = 0; i < m->modules; i++)
		if (m->m[i].id == adr)
			return i;
	return -1;
}

/* The all-packs 0x42 needs every pack's cells: one lost, no answer. */
static bool
all_cells_answered(const struct sim_model *m)
{
	int k;

	for (k = 0; k < m->modules; k++)
		if (!sim_module_cells_answered(m, k))
			return false;
	return true;
}

static size_t
pylontech(struct sim_model *m, const struct req *r, char *out, size_t size, int bad)
{
	struct bytes b = { .n = 0 };
	int pack = r->ninfo > 0 ? r->info[0] : r->adr, k, n = 0, at = pack_at(m, r->adr);

	/* ADR 2 + 16 * group is a group's master, the slaves follow it (§5.1);
	 * an address nobody has is silent. */
	if (at < 0)
		return 0;
	if (r->ver != 0x20)
		return frame(out, size, r->ver, r->adr, RTN_VER, &b, 0);
	if (sim_module_dead(m, at))
		return 0;			/* packdead: nothing at all */
	if (r->cid2 == 0x42 && pack == 0xFF && (r->adr & 0x0F) == 2) {
		/* Every pack of the master's group. */
		if (!all_cells_answered(m))
			return 0;
		for (k = 0; k < m->modules; k++)
			n += (m->m[k].id & 0xF0) == (r->adr & 0xF0);
		put8(&b, 0x11);
		put8(&b, n);
		for (k = 0; k < m->modules; k++)
			if ((m->m[k].id & 0xF0) == (r->adr & 0xF0))
				analog_block(m, &m->m[k], false, &b);
		return frame(out, size, 0x20, r->adr, RTN_OK, &b, bad);
	}
	/* The command byte must be the address (§5.1). */
	if (r->ninfo > 0 && pack != r->adr && r->cid2 != 0x47)
		return frame(out, size, 0x20, r->adr, RTN_FORMAT, &b, 0);
	switch (r->cid2) {
	case 0x42:
		if (!sim_module_cells_answered(m, at))
			return 0;		/* batfail: its cell read is lost */
		put8(&b, 0x11);
		put8(&b, r->adr);
		analog_block(m, &m->m[at], false, &b);
		break;
	case 0x44:
		alarm_info(m, &m->m[at], false, r->adr, &b);
		break;
	case 0x4F:
		break;
	case 0x51:	/* through the link cable the master answers (§5.1) */
		pylon_identity(m, &m->m[0], r->cid2, r->adr, &b);
		break;
	case 0x47:
	case 0x92:
	case 0x93:
	case 0x96:
		pylon_identity(m, &m->m[at], r->cid2, r->adr, &b);
		break;
	default:
		return frame(out, size, 0x20, r->adr, RTN_CID2, &b, 0);
	}
	return frame(out, size, 0x20, r->adr, RTN_OK, &b, bad);
}

static size_t
pace(struct sim_model *m, const struct req *r, char *out, size_t size, int bad)
{
	struct bytes b = { .n = 0 };
	const struct sim_module *master = &m->m[0];
	int pack = r->ninfo > 0 && r->info[0] != 0xFF ? r->info[0] : r->adr, k;
	char date[24];

	/* SOK firmware takes VER 20 as well as 25 (jtubb); replies say 25. */
	if (r->ver != 0x25 && r->ver != 0x20)
		return 0;
	/* The others are reached through the master: master dead, all silent. */
	if (sim_module_dead(m, 0))
		return 0;
	switch (r->cid2) {
	case 0x90:
		put8(&b, m->modules);
		break;
	case 0x42:
	case 0x44:
		if (r->cid2 == 0x42 && r->ninfo > 0 && r->info[0] == 0xFF) {
			if (!all_cells_answered(m))
				return 0;
			put8(&b, 0);
			put8(&b, m->modules);
			for (k = 0; k < m->modules; k++)
				analog_block(m, &m->m[k], true, &b);
			break;
		}
		if (pack == 0)
			pack = 1;		/* a lone pack at DIP address 0 */
		if (pack < 1 || pack > m->modules || sim_module_dead(m, pack - 1))
			return 0;		/* nobody (any more) at that number */
		if (r->cid2 == 0x42 && !sim_module_cells_answered(m, pack - 1))
			return 0;		/* batfail: its cell read is lost */
		if (r->cid2 == 0x44) {
			alarm_info(m, &m->m[pack - 1], true, pack, &b);
			break;
		}
		put8(&b, 0);
		put8(&b, pack);
		analog_block(m, &m->m[pack - 1], true, &b);
		break;
	/* Only the pack on the wire (the master) answers this (§5.2). */
	case 0xA6:
		put16(&b, lround(master->soc * master->capacity_ah));
		put16(&b, lround(master->capacity_ah * 100));
		put16(&b, lround(master->capacity_ah * 105));
		break;
	/* Identity: the master relays it for the pack named by ADR / INFO, as
	 * PylonToMQTT asks every pack; none named (ADR 0/1, no INFO): its own. */
	case 0xC1:
	case 0xC2:
		if (pack <= 1)
			pack = 1;
		if (pack > m->modules || sim_module_dead(m, pack - 1))
			return 0;
		if (r->cid2 == 0xC1) {
			pace_version(pack - 1, date, sizeof date);
			put_text(&b, date, 20, 0);
			break;
		}
		snprintf(date, sizeof date, "Mar 30 2022,18:18:16");
		put_text(&b, m->m[pack - 1].barcode, 20, ' ');
		put_text(&b, date, 20, ' ');
		break;
	default:
		return frame(out, size, 0x25, 1, RTN_CID2, &b, 0);
	}
	/* The master answers for the whole stack with its own ADR 01. */
	return frame(out, size, 0x25, 1, RTN_OK, &b, bad);
}

static bool
is_write(int cid2)
{
	return cid2 == 0x94 || cid2 == 0x95 || cid2 == 0x99 || cid2 == 0x9A || cid2 == 0x9B ||
	    cid2 == 0x82 || cid2 == 0xB2 || (cid2 >= 0xD0 && cid2 <= 0xEF);
}

size_t
sim_rs485_respond(struct sim_model *m, const char *dialect, const char *req, size_t reqlen,
    char *out, size_t outsize, int bad_checksum)
{
	bool is_pace = dialect != NULL && strcmp(dialect, "pace") == 0;
	struct req r;

	if (!parse_request(req, reqlen, &r) || r.cid1 != 0x46)
		return 0;
	sim_model_step(m);
	if (is_write(r.cid2)) {
		/* pylontop must never send these: count it, change nothing. */
		m->write_count++;
		fprintf(stderr, "pylontop-sim: RS485 write command %02X received (refused)\n",
		    r.cid2);
		return frame(out, outsize, r.ver, r.adr, RTN_CID2, &(struct bytes){ .n = 0 }, 0);
	}
	return is_pace ? pace(m, &r, out, outsize, bad_checksum) :
	    pylontech(m, &r, out, outsize, bad_checksum);
}
