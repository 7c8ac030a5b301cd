/* rs485_frame.c — "~" frames: LENGTH/LCHKSUM, CHKSUM, every check, and
 * the stream framer (docs/rs485.md §2, §11.1). */
#include "proto/rs485_frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define PYLON	RS485_DL(RS_PYLONTECH)
#define PACE	RS485_DL(RS_PACE)
#define SEPLOS	RS485_DL(RS_SEPLOS)
#define ALL	(PYLON | PACE | SEPLOS)

const struct rs485_command rs485_commands[] = {
	{ .cid2 = RS485_CID2_ANALOG, .dialects = ALL, .read_only = true,
	    .name = "analog values" },
	{ .cid2 = RS485_CID2_ALARM, .dialects = ALL, .read_only = true,
	    .name = "alarm information" },
	{ .cid2 = RS485_CID2_PARAMS, .dialects = PYLON, .read_only = true,
	    .name = "system parameters" },
	{ .cid2 = RS485_CID2_PROTOCOL, .dialects = PYLON, .read_only = true,
	    .name = "protocol version" },
	{ .cid2 = RS485_CID2_MANUFACTURER, .dialects = PYLON, .read_only = true,
	    .name = "manufacturer information" },
	{ .cid2 = RS485_CID2_MANAGEMENT, .dialects = PYLON, .read_only = true,
	    .name = "charge/discharge management" },
	{ .cid2 = RS485_CID2_SERIAL, .dialects = PYLON, .read_only = true,
	    .name = "module serial number" },
	{ .cid2 = RS485_CID2_FIRMWARE, .dialects = PYLON, .read_only = true,
	    .name = "firmware version" },
	{ .cid2 = RS485_CID2_PACK_COUNT, .dialects = PACE, .read_only = true,
	    .name = "pack count" },
	{ .cid2 = RS485_CID2_PACE_CAPACITY, .dialects = PACE, .read_only = true,
	    .name = "pack capacity" },
	{ .cid2 = RS485_CID2_PACE_VERSION, .dialects = PACE, .read_only = true,
	    .name = "software/hardware version" },
	{ .cid2 = RS485_CID2_PACE_BARCODE, .dialects = PACE, .read_only = true,
	    .name = "product information (barcode)" },
	/* Writes and switches: listed so that they stay refused (§4, §11.5). */
	{ .cid2 = RS485_CID2_TO_CONSOLE, .dialects = PYLON, .read_only = false,
	    .name = "switch the port to the text console" },
	{ .cid2 = RS485_CID2_SET_MANAGEMENT, .dialects = PYLON, .read_only = false,
	    .name = "set charge/discharge management" },
	{ .cid2 = RS485_CID2_POWER_OFF, .dialects = PYLON, .read_only = false,
	    .name = "turn the module off" },
	{ .cid2 = RS485_CID2_PACE_CONTROL, .dialects = PACE, .read_only = false,
	    .name = "control (LED, buzzer, current limit)" },
	{ .cid2 = RS485_CID2_PACE_CHARGE_FET, .dialects = PACE, .read_only = false,
	    .name = "charge MOSFET control" },
	{ .cid2 = RS485_CID2_PACE_DISCHARGE_FET, .dialects = PACE, .read_only = false,
	    .name = "discharge MOSFET control" },
	{ .cid2 = RS485_CID2_PACE_SET_TIME, .dialects = PACE, .read_only = false,
	    .name = "set date and time" },
	{ .name = NULL },
};

static const char hexdigits[] = "0123456789ABCDEF";

const struct rs485_command *
rs485_command_find(uint8_t cid2, enum rs485_dialect dl)
{
	const struct rs485_command *c;

	for (c = rs485_commands; c->name != NULL; c++) {
		if (c->cid2 != cid2 || !c->read_only)
			continue;
		if (dl == RS_AUTO || (c->dialects & RS485_DL(dl)) != 0)
			return c;
	}
	return NULL;
}

/* One hex byte ("42", "0x42"); -1 when it is not one. */
static int
hex_byte(const char *w)
{
	char *end;
	long v;

	if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
		w += 2;
	if (*w == '\0' || strlen(w) > 2)
		return -1;
	v = strtol(w, &end, 16);
	return *end == '\0' && v >= 0 && v <= 0xFF ? (int)v : -1;
}

int
rs485_user_request(const char *line, enum rs485_dialect dl, uint8_t *cid2, uint8_t *adr,
    uint8_t *info, size_t *info_len, char *why, size_t whysize)
{
	char w[3][16] = { "", "", "" }, extra;
	const struct rs485_command *c;
	int n = sscanf(line, "%15s %15s %c", w[0], w[1], &extra), code, a;

	if (n != 2 || (code = hex_byte(w[0])) < 0 || (a = hex_byte(w[1])) < 0) {
		snprintf(why, whysize, "refused: type CID2 and ADR in hex, e.g. '42 02' "
		    "(analog values of address 02); nothing sent");
		return PT_ERR_REFUSED;
	}
	if ((c = rs485_command_find((uint8_t)code, dl)) == NULL) {
		for (c = rs485_commands; c->name != NULL && c->cid2 != code; c++)
			;
		if (c->name != NULL && !c->read_only)
			snprintf(why, whysize, "refused: %02X (%s) is not read-only; nothing "
			    "sent", code, c->name);
		else
			snprintf(why, whysize, "refused: %02X is not a read-only command of "
			    "this dialect's table; nothing sent", code);
		return PT_ERR_REFUSED;
	}
	*cid2 = (uint8_t)code;
	*adr = (uint8_t)a;
	*info = code == RS485_CID2_PACK_COUNT ? 0xFF : (uint8_t)a;
	*info_len = code == RS485_CID2_PROTOCOL || code == RS485_CID2_MANUFACTURER ? 0 : 1;
	return 0;
}

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
	unsigned n, lchk;

	lenid &= 0x0FFF;
	n = ((unsigned)lenid >> 8 & 0xF) + ((unsigned)lenid >> 4 & 0xF) + (lenid & 0xFu);
	lchk = (~(n % 16) + 1) & 0xF;
	return (uint16_t)(lchk << 12 | lenid);
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
rs485_command_arg(const char *text, int *cid2, int *cmd, char *why, size_t whysize)
{
	char w[3][16] = { "", "", "" }, extra;
	int n = sscanf(text, "%15s %15s %c", w[0], w[1], &extra), code = -1, pack = -1;

	if (n >= 1 && n <= 2)
		code = hex_byte(w[0]);
	if (n == 2 && (pack = hex_byte(w[1])) < 0)
		code = -1;
	if (code < 0 || rs485_command_find((uint8_t)code, RS_AUTO) == NULL) {
		snprintf(why, whysize, "--command '%s' is not an RS485 command pylontop reads: "
		    "give the request's CID2 in hex and maybe its pack, e.g. 0x44, '0x42 02', "
		    "'0x42 FF' (all packs)", text);
		return PT_ERR_ARG;
	}
	*cid2 = code;
	*cmd = n == 2 ? pack : -1;
	return 0;
}

int
rs485_encode(char *out, size_t size, uint8_t ver, uint8_t adr, uint8_t cid1, uint8_t cid2,
    const uint8_t *info, size_t info_len)
{
	size_t i, n = 18 + info_len * 2;

	/* The one gate every request passes: nothing outside the table. */
	if (rs485_command_find(cid2, RS_AUTO) == NULL)
		return PT_ERR_REFUSED;
	if (info_len * 2 > RS485_LENID_MAX || (info_len > 0 && info == NULL) ||
	    out == NULL || n + 1 > size)
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

/* Digits already checked to be hex. */
static unsigned
hexn(const char *p, int digits)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < digits; i++)
		v = v << 4 | (unsigned)hexval(p[i]);
	return v;
}

const char *
rs485_rtn_text(uint8_t rtn)
{
	switch (rtn) {
	case 0x00: return "normal";
	case 0x01: return "version error (VER not accepted)";
	case 0x02: return "checksum error (the pack received a damaged request)";
	case 0x03: return "length checksum error (the pack received a damaged request)";
	case 0x04: return "command not supported (CID2 invalid)";
	case 0x05: return "command format error";
	case 0x06: return "invalid data";
	case 0x09: return "operation or write error";
	case 0x90: return "address error (no pack at that address)";
	case 0x91: return "internal master/slave communication error";
	}
	return "unknown return code";
}

static char
printable(char c)
{
	return c >= 0x20 && c < 0x7f ? c : '?';
}

int
rs485_decode(const char *text, size_t len, struct rs485_frame *f, struct pt_diag *d)
{
	unsigned length, lenid, chk, sum;
	size_t i, body;

	/* EOI: one CR (a file may add LF); anything else must be hex. */
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0 || text[0] != '~')
		return pt_diag_fail(d, PT_ERR_PARSE, "not a frame: it must start with '~' (SOI)");
	if (len > RS485_FRAME_MAX - 1)
		return pt_diag_fail(d, PT_ERR_PARSE, "frame of %zu characters is longer than "
		    "the protocol allows (%d)", len, RS485_FRAME_MAX - 1);
	for (i = 1; i < len; i++)
		if (hexval(text[i]) < 0)
			return pt_diag_fail(d, PT_ERR_PARSE, "'%c' at position %zu is not a hex "
			    "digit (frame damaged or not an RS485 frame)", printable(text[i]), i);
	/* '~' + 12 header characters + 4 checksum characters at least. */
	if (len < 17)
		return pt_diag_fail(d, PT_ERR_TRUNCATED, "frame too short: %zu characters, a "
		    "frame has at least 17", len);
	if ((len - 1) % 2 != 0)
		return pt_diag_fail(d, PT_ERR_PARSE, "odd number of hex digits (%zu): a "
		    "character was lost", len - 1);
	length = hexn(text + 9, 4);
	lenid = length & 0x0FFF;
	if (rs485_length((uint16_t)lenid) != length)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "length checksum wrong: LENGTH %04X, "
		    "expected %04X for LENID %u", length, rs485_length((uint16_t)lenid), lenid);
	body = len - 17;	/* INFO characters received */
	if (lenid != body)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "LENID says %u INFO characters, the frame carries %zu", lenid, body);
	chk = hexn(text + len - 4, 4);
	sum = rs485_checksum(text + 1, len - 5);
	if (sum != chk)
		return pt_diag_fail(d, PT_ERR_CHECKSUM, "checksum wrong: the frame says %04X, "
		    "its content gives %04X", chk, sum);
	f->ver = (uint8_t)hexn(text + 1, 2);
	f->adr = (uint8_t)hexn(text + 3, 2);
	f->cid1 = (uint8_t)hexn(text + 5, 2);
	f->cid2 = (uint8_t)hexn(text + 7, 2);
	f->info_len = lenid / 2;
	for (i = 0; i < f->info_len; i++)
		f->info[i] = (uint8_t)hexn(text + 13 + i * 2, 2);
	return 0;
}

int
rs485_decode_reply(const char *text, size_t len, struct rs485_frame *f, struct pt_diag *d)
{
	int rc;

	if ((rc = rs485_decode(text, len, f, d)) != 0)
		return rc;
	if (f->cid2 != 0)
		return pt_diag_fail(d, PT_ERR_DEVICE, "pack at address %u answered RTN %02X: %s",
		    f->adr, f->cid2, rs485_rtn_text(f->cid2));
	return 0;
}

bool
rs485_find_frame(const char *buf, size_t len, size_t *start, size_t *flen)
{
	size_t i = 0, j;

	for (;;) {
		const char *soi = memchr(buf + i, '~', len - i);

		if (soi == NULL) {
			*start = len;		/* all noise */
			return false;
		}
		i = (size_t)(soi - buf);
		for (j = i + 1; j < len && j - i < RS485_FRAME_MAX; j++)
			if (buf[j] == '\r' || buf[j] == '~')
				break;
		if (j < len && buf[j] == '~') {
			i = j;			/* the first frame was cut */
			continue;
		}
		if (j < len && buf[j] == '\r') {
			*start = i;
			*flen = j - i + 1;
			return true;
		}
		if (j - i >= RS485_FRAME_MAX) {
			i++;			/* too long for a frame: noise */
			continue;
		}
		*start = i;			/* a frame still arriving */
		return false;
	}
}
