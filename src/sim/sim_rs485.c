/* sim_rs485.c — answers like Pylontech LV or PACE packs.  Frames are
 * built here with their own small encoder: the simulator must not share
 * pylontop's decoder, or it would hide its bugs. */
#include "sim/sim_rs485.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct bytes {
	unsigned char	b[1024];
	size_t		n;
};

static void
put8(struct bytes *b, unsigned v)
{
	if (b->n < sizeof b->b)
		b->b[b->n++] = (unsigned char)(v & 0xFF);
}

static void
put16(struct bytes *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static int
hex2(const char *p)
{
	int v = 0, i;

	for (i = 0; i < 2; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else
			return -1;
	}
	return v;
}

static size_t
frame(char *out, size_t size, int ver, int adr, int rtn, const struct bytes *info, int bad)
{
	static const char hx[] = "0123456789ABCDEF";
	unsigned lenid = (unsigned)info->n * 2, nib, lchk, sum = 0;
	size_t i, o = 0;

	if (size < 20 + lenid)
		return 0;
	nib = ((lenid >> 8) & 0xF) + ((lenid >> 4) & 0xF) + (lenid & 0xF);
	lchk = (16 - nib % 16) % 16;
	o += (size_t)snprintf(out, size, "~%02X%02X46%02X%04X", ver, adr, rtn, lchk << 12 | lenid);
	for (i = 0; i < info->n; i++) {
		out[o++] = hx[info->b[i] >> 4];
		out[o++] = hx[info->b[i] & 0xF];
	}
	for (i = 1; i < o; i++)
		sum += (unsigned char)out[i];
	sum = (~sum + 1) & 0xFFFF;
	if (bad)
		sum ^= 0x0101;
	o += (size_t)snprintf(out + o, size - o, "%04X\r", sum);
	return o;
}

static void
analog(const struct sim_model *m, bool pace, const struct sim_module *mod, struct bytes *b)
{
	int c, t;
	double cap = mod->capacity_ah, rem = mod->soc / 100 * cap;
	int cur = pace ? (int)(mod->current * 100) : (int)(mod->current * 10);

	put8(b, 0);
	put8(b, (unsigned)mod->id);
	put8(b, (unsigned)m->cells);
	for (c = 0; c < m->cells; c++)
		put16(b, (unsigned)(mod->cell_v[c] * 1000 + 0.5));
	put8(b, pace ? 6 : 5);
	for (t = 0; t < (pace ? 6 : 5); t++) {
		double deg = pace ? (t < 4 ? mod->cell_t[t * 4 < m->cells ? t * 4 : 0] :
		    mod->temperature + 1) : (t == 0 ? mod->temperature :
		    mod->cell_t[(t - 1) * 4 < m->cells ? (t - 1) * 4 : 0]);
		put16(b, (unsigned)(deg * 10 + (pace ? 2730 : 2731) + 0.5));
	}
	put16(b, (unsigned)(cur & 0xFFFF));
	put16(b, (unsigned)(mod->voltage * 1000 + 0.5));
	put16(b, (unsigned)(rem * (pace ? 100 : 1000)));
	put8(b, pace ? 3 : 2);
	put16(b, (unsigned)(cap * (pace ? 100 : 1000)));
	put16(b, (unsigned)mod->cycles);
	if (pace)
		put16(b, (unsigned)(cap * 100));
}

static void
alarm(const struct sim_model *m, bool pace, const struct sim_module *mod, struct bytes *b)
{
	int c, i;

	put8(b, 0);
	put8(b, (unsigned)mod->id);
	put8(b, (unsigned)m->cells);
	for (c = 0; c < m->cells; c++)
		put8(b, mod->cell_v[c] < 3.0 ? 1 : 0);
	put8(b, pace ? 6 : 5);
	for (i = 0; i < (pace ? 6 : 5); i++)
		put8(b, 0);
	put8(b, 0);
	put8(b, 0);
	put8(b, 0);
	if (pace) {
		unsigned bal1 = 0, bal2 = 0;
		for (c = 0; c < m->cells && c < 16; c++)
			if (mod->balancing[c]) {
				if (c < 8)
					bal1 |= 1u << c;
				else
					bal2 |= 1u << (c - 8);
			}
		put8(b, 0); put8(b, 0); put8(b, 0x0E); put8(b, 0); put8(b, 0);
		put8(b, bal1); put8(b, bal2);
		put8(b, mod->alarm ? 0x01 : 0); put8(b, 0);
	} else {
		put8(b, 0); put8(b, 0x0E); put8(b, mod->current > 0.1 ? 0x80 : 0); put8(b, 0);
		put8(b, 0); put8(b, 0);
	}
}

size_t
sim_rs485_respond(struct sim_model *m, const char *dialect, const char *req, size_t reqlen,
    char *out, size_t outsize, int bad_checksum)
{
	bool pace = strcmp(dialect, "pace") == 0;
	struct bytes b = { .n = 0 };
	int ver, adr, cid2, pack, base = pace ? 1 : 2;
	const struct sim_module *mod;

	if (reqlen < 18 || req[0] != '~')
		return 0;
	ver = hex2(req + 1);
	adr = hex2(req + 3);
	cid2 = hex2(req + 7);
	if (ver < 0 || adr < 0 || cid2 < 0)
		return 0;
	if (ver != (pace ? 0x25 : 0x20))
		return 0;	/* the other dialect's version: a real pack stays silent */
	pack = reqlen >= 20 ? hex2(req + 13) : -1;
	if (pack < 0 || pack == 0xFF)
		pack = adr;
	sim_model_step(m);
	if (cid2 == 0x94 || cid2 == 0x95 || cid2 == 0x99 || cid2 == 0x9A || cid2 == 0x9B) {
		m->write_count++;
		fprintf(stderr, "pylontop-sim: refused RS485 write command %02X\n", cid2);
		return frame(out, outsize, ver, adr, 0x04, &b, 0);
	}
	if (pace && cid2 == 0x90) {
		put8(&b, (unsigned)m->modules);
		return frame(out, outsize, ver, 1, 0, &b, bad_checksum);
	}
	if (pack - base < 0 || pack - base >= m->modules)
		return 0;	/* nobody at that address */
	mod = &m->m[pack - base];
	switch (cid2) {
	case 0x42:
		analog(m, pace, mod, &b);
		b.b[1] = (unsigned char)pack;
		break;
	case 0x44:
		alarm(m, pace, mod, &b);
		b.b[1] = (unsigned char)pack;
		break;
	case 0x93:
		put8(&b, (unsigned)pack);
		for (size_t i = 0; i < 16; i++)
			put8(&b, i < strlen(mod->barcode) ? (unsigned char)mod->barcode[i] : 0);
		break;
	case 0xC2:
		for (size_t i = 0; i < 20; i++)
			put8(&b, i < strlen(mod->barcode) ? (unsigned char)mod->barcode[i] : ' ');
		break;
	case 0x4F:
		break;
	default:
		return frame(out, outsize, ver, adr, 0x04, &b, 0);
	}
	/* PACE: the master answers for the whole stack with ADR 01. */
	return frame(out, outsize, ver, pace ? 1 : adr, 0, &b, bad_checksum);
}
