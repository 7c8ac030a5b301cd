/* rs485_frame.c — "~" frames: LENGTH/LCHKSUM, CHKSUM, every check. */
#include "proto/rs485.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define BIT(d)	(1u << (d))
#define ALL	(BIT(RS_PYLONTECH) | BIT(RS_PACE) | BIT(RS_SEPLOS))

const struct rs485_command rs485_commands[] = {
	{ 0x42, ALL, true, "analog values" },
	{ 0x44, ALL, true, "alarm information" },
	{ 0x47, BIT(RS_PYLONTECH), true, "system parameters" },
	{ 0x4F, BIT(RS_PYLONTECH), true, "protocol version" },
	{ 0x51, BIT(RS_PYLONTECH), true, "manufacturer information" },
	{ 0x92, BIT(RS_PYLONTECH), true, "charge/discharge management" },
	{ 0x93, BIT(RS_PYLONTECH), true, "serial number" },
	{ 0x96, BIT(RS_PYLONTECH), true, "firmware version" },
	{ 0x90, BIT(RS_PACE), true, "pack count" },
	{ 0xA6, BIT(RS_PACE), true, "capacity" },
	{ 0xC1, BIT(RS_PACE), true, "software/hardware version" },
	{ 0xC2, BIT(RS_PACE), true, "product information / barcode" },
	/* Never sent (writes, switches): 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x82. */
	{ 0, 0, false, NULL },
};

static const char hexdigits[] = "0123456789ABCDEF";

uint16_t
rs485_checksum(const char *body, size_t len)
{
	uint16_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum = (uint16_t)(sum + (uint8_t)body[i]);
	return (uint16_t)(~sum + 1);
}

uint16_t
rs485_length(uint16_t lenid)
{
	unsigned n = ((lenid >> 8) & 0xF) + ((lenid >> 4) & 0xF) + (lenid & 0xF);
	unsigned lchk = (~(n % 16) + 1) & 0xF;

	return (uint16_t)((lchk << 12) | (lenid & 0x0FFF));
}

static void
put_hex(char *p, unsigned v, int digits)
{
	while (digits-- > 0) {
		p[digits] = hexdigits[v & 0xF];
		v >>= 4;
	}
}

int
rs485_encode(char *out, size_t size, uint8_t ver, uint8_t adr, uint8_t cid1, uint8_t cid2,
    const uint8_t *info, size_t info_len)
{
	const struct rs485_command *c;
	size_t i, n = 18 + info_len * 2;

	for (c = rs485_commands; c->name != NULL; c++)
		if (c->cid2 == cid2 && c->read_only)
			break;
	if (c->name == NULL)
		return PT_ERR_REFUSED;
	if (info_len * 2 > 0xFFF || n + 1 > size)
		return PT_ERR_ARG;
	out[0] = '~';
	put_hex(out + 1, ver, 2);
	put_hex(out + 3, adr, 2);
	put_hex(out + 5, cid1, 2);
	put_hex(out + 7, cid2, 2);
	put_hex(out + 9, rs485_length((uint16_t)(info_len * 2)), 4);
	for (i = 0; i < info_len; i++)
		put_hex(out + 13 + i * 2, info[i], 2);
	put_hex(out + 13 + info_len * 2, rs485_checksum(out + 1, 12 + info_len * 2), 4);
	out[n - 1] = '\r';
	out[n] = '\0';
	return (int)n;
}

static int
hexval(char c)
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
hexn(const char *p, int digits, unsigned *out)
{
	unsigned v = 0;
	int i, h;

	for (i = 0; i < digits; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

const char *
rs485_rtn_text(uint8_t rtn)
{
	switch (rtn) {
	case 0x00: return "normal";
	case 0x01: return "version error";
	case 0x02: return "checksum error (the device saw a damaged request)";
	case 0x03: return "length checksum error";
	case 0x04: return "command not supported";
	case 0x05: return "command format error";
	case 0x06: return "invalid data";
	case 0x09: return "operation or write error";
	case 0x90: return "address error (no pack at that address?)";
	case 0x91: return "master/slave communication error";
	}
	return "unknown return code";
}

int
rs485_decode(const char *text, size_t len, struct rs485_frame *f, struct pt_diag *d)
{
	unsigned v = 0, length = 0, lenid, chk = 0;
	size_t i, body;

	while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == '\n' ||
	    text[len - 1] == ' '))
		len--;
	if (len == 0 || text[0] != '~')
		return pt_diag_fail(d, PT_ERR_PARSE, "not a frame: it must start with '~'");
	if (len < 17)	/* '~' + 12 header characters + 4 checksum; EOI not counted */
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "frame too short (%zu characters, "
		    "at least 17)", len);
	if ((len - 1) % 2 != 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "odd number of hex characters");
	for (i = 1; i < len; i++)
		if (hexval(text[i]) < 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "'%c' at position %zu is not a hex "
			    "digit", text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?', i);
	hexn(text + 1, 2, &v); f->ver = (uint8_t)v;
	hexn(text + 3, 2, &v); f->adr = (uint8_t)v;
	hexn(text + 5, 2, &v); f->cid1 = (uint8_t)v;
	hexn(text + 7, 2, &v); f->cid2 = (uint8_t)v;
	hexn(text + 9, 4, &length);
	lenid = length & 0x0FFF;
	if (rs485_length((uint16_t)lenid) != length)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "length checksum wrong (LENGTH %04X)",
		    length);
	body = len - 1 - 12 - 4;	/* INFO characters received */
	if (lenid != body)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "LENID says %u INFO characters, the "
		    "frame has %zu", lenid, body);
	if (lenid % 2 != 0 || lenid / 2 > RS485_INFO_MAX)
		return pt_diag_fail(d, PT_ERR_PARSE, "bad INFO length %u", lenid);
	hexn(text + len - 4, 4, &chk);
	if (rs485_checksum(text + 1, len - 5) != chk)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "checksum wrong (frame says %04X, "
		    "content gives %04X)", chk, rs485_checksum(text + 1, len - 5));
	f->info_len = lenid / 2;
	for (i = 0; i < f->info_len; i++) {
		hexn(text + 13 + i * 2, 2, &v);
		f->info[i] = (uint8_t)v;
	}
	return 0;
}

bool
rs485_find_frame(const char *buf, size_t len, size_t *start, size_t *flen)
{
	size_t i = 0;

	for (;;) {
		const char *soi = memchr(buf + i, '~', len - i), *eoi;

		if (soi == NULL)
			return false;
		i = (size_t)(soi - buf);
		eoi = memchr(soi, '\r', len - i);
		if (eoi == NULL)
			return false;
		/* A '~' inside means the first frame was cut: start again there. */
		{
			const char *again = memchr(soi + 1, '~', (size_t)(eoi - soi - 1));
			if (again != NULL) {
				i = (size_t)(again - buf);
				continue;
			}
		}
		if ((size_t)(eoi - soi) > 18 + 4095) {
			i = (size_t)(eoi - buf) + 1;
			continue;
		}
		*start = i;
		*flen = (size_t)(eoi - soi) + 1;
		return true;
	}
}
