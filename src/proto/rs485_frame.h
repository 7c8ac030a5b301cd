/* rs485_frame.h — the frame layer of the Pylontech-family "~" protocol
 * (docs/rs485.md §2): hex-ASCII frames with LENGTH/LCHKSUM and CHKSUM,
 * the table of commands pylontop may send, and a stream framer.
 *
 * Pure: no I/O, no globals that change, no allocation.  Errors are pt_err
 * values with a one-line reason in a struct pt_diag. */
#ifndef PT_RS485_FRAME_H
#define PT_RS485_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

#define RS485_LENID_MAX		4095			/* characters of INFO */
#define RS485_INFO_MAX		(RS485_LENID_MAX / 2)	/* bytes */
#define RS485_FRAME_MAX		(18 + RS485_LENID_MAX)	/* '~' to CR included */
#define RS485_CID1_BATTERY	0x46			/* LiFePO4 battery */

/* One decoded frame.  In a reply `cid2` is the return code (RTN). */
struct rs485_frame {
	uint8_t		ver, adr, cid1, cid2;
	size_t		info_len;			/* bytes */
	uint8_t		info[RS485_INFO_MAX];
};

enum rs485_dialect {
	RS_AUTO = 0,
	RS_PYLONTECH,
	RS_PACE,
	RS_SEPLOS,
	RS_N_DIALECTS
};

#define RS485_DL(d)	(1u << (d))

/* Command codes (CID2) by name (docs/rs485.md §4): the reads pylontop
 * sends, and the writes and switches listed only to be refused. */
enum rs485_cid2 {
	RS485_CID2_ANALOG		= 0x42,	/* analog values (all) */
	RS485_CID2_ALARM		= 0x44,	/* alarm information (all) */
	RS485_CID2_PARAMS		= 0x47,	/* system parameters (Pylontech) */
	RS485_CID2_PROTOCOL		= 0x4F,	/* protocol version (Pylontech) */
	RS485_CID2_MANUFACTURER		= 0x51,	/* manufacturer info (Pylontech) */
	RS485_CID2_MANAGEMENT		= 0x92,	/* charge/discharge limits (Pylontech) */
	RS485_CID2_SERIAL		= 0x93,	/* module serial number (Pylontech) */
	RS485_CID2_FIRMWARE		= 0x96,	/* firmware version (Pylontech) */
	RS485_CID2_PACK_COUNT		= 0x90,	/* pack count (PACE) */
	RS485_CID2_PACE_CAPACITY	= 0xA6,	/* pack capacity (PACE) */
	RS485_CID2_PACE_TIME		= 0xB1,	/* date and time read (PACE; not sent) */
	RS485_CID2_PACE_VERSION		= 0xC1,	/* software/hardware version (PACE) */
	RS485_CID2_PACE_BARCODE		= 0xC2,	/* product information (PACE) */
	/* Never sent: */
	RS485_CID2_TO_CONSOLE		= 0x82,	/* switch the port to the console */
	RS485_CID2_SET_MANAGEMENT	= 0x94,
	RS485_CID2_POWER_OFF		= 0x95,
	RS485_CID2_PACE_CONTROL		= 0x99,
	RS485_CID2_PACE_CHARGE_FET	= 0x9A,
	RS485_CID2_PACE_DISCHARGE_FET	= 0x9B,
	RS485_CID2_PACE_SET_TIME	= 0xB2,
};

struct rs485_command {
	uint8_t		 cid2;
	unsigned	 dialects;	/* RS485_DL() bits where it exists */
	bool		 read_only;	/* false: listed only to be refused */
	const char	*name;
};

/* Every command code pylontop knows, ended by a NULL name.  Entries that
 * are not read-only are there so nobody adds them by accident: the
 * encoder refuses them like any code missing from the table. */
extern const struct rs485_command rs485_commands[];

/* The read-only command `cid2` of dialect `dl` (RS_AUTO: of any), or NULL. */
const struct rs485_command *rs485_command_find(uint8_t cid2, enum rs485_dialect dl);

/* A request the user typed in the raw console view: "CID2 ADR" in hex,
 * as in the frames ("42 02", "0x44 0x12").  Only a read-only command of
 * dialect dl's table passes (rs485_command_find); writes, switches and
 * unknown codes are refused.  *info_len (0 or 1) and *info are the INFO
 * the session sends with it: the pack for per-pack commands, FF for
 * 0x90, none for 0x4F and 0x51.  0, or PT_ERR_REFUSED with the reason. */
int	rs485_user_request(const char *line, enum rs485_dialect dl, uint8_t *cid2,
	    uint8_t *adr, uint8_t *info, size_t *info_len, char *why, size_t whysize);

/* pylontop --decode --command for RS485 frames: the request that replies
 * without their own in the file answer, "CID2 [PACK]" in hex ("0x44",
 * "42 02", "0x42 FF" for all packs); a read-only command of the table.
 * *cmd is the pack (or FF), -1 when not given.  0, or PT_ERR_ARG with the
 * reason in why. */
int	rs485_command_arg(const char *text, int *cid2, int *cmd, char *why, size_t whysize);

/* Build "~VER ADR CID1 CID2 LENGTH INFO CHKSUM\r" into out, NUL-terminated.
 * Returns its length (without the NUL), PT_ERR_REFUSED for a CID2 that is
 * not a read-only command of the table, PT_ERR_ARG when it does not fit. */
int	rs485_encode(char *out, size_t size, uint8_t ver, uint8_t adr, uint8_t cid1,
	    uint8_t cid2, const uint8_t *info, size_t info_len);

/* Decode one frame ("~" ... CHKSUM, with or without the CR) with every
 * check: SOI, hex digits of either case, an even number of them, LCHKSUM,
 * LENID equal to the INFO characters received, CHKSUM.  Requests and
 * replies alike: the RTN is not looked at.  0 or PT_ERR_PARSE,
 * PT_ERR_TRUNCATED, PT_ERR_CHECKSUM (checksum or length). */
int	rs485_decode(const char *text, size_t len, struct rs485_frame *f,
	    struct pt_diag *d);

/* rs485_decode() for a reply: also RTN != 0 is PT_ERR_DEVICE, with the
 * meaning of the code in the message (the frame is still filled in). */
int	rs485_decode_reply(const char *text, size_t len, struct rs485_frame *f,
	    struct pt_diag *d);

/* CHKSUM of the characters between '~' and the CHKSUM field. */
uint16_t rs485_checksum(const char *body, size_t len);
/* LENGTH field (LCHKSUM << 12 | LENID) for an INFO of `lenid` characters. */
uint16_t rs485_length(uint16_t lenid);
/* The meaning of a reply's return code, in words. */
const char *rs485_rtn_text(uint8_t rtn);

/* Find the first complete "~...\r" in buf[0..len).  True: the frame is
 * buf[*start .. *start + *flen) (CR included).  False: no complete frame
 * yet, and buf[0 .. *start) is noise the caller may drop (a partial frame
 * from *start on may still complete).  A '~' inside a frame restarts it
 * (the first one was cut); a frame longer than RS485_FRAME_MAX is noise. */
bool	rs485_find_frame(const char *buf, size_t len, size_t *start, size_t *flen);

#endif
