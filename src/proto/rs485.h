/* rs485.h — the Pylontech-family "~" protocol (rs485-binary.md): frame
 * codec, stream framer, and the dialect decoders (Pylontech LV, PACE,
 * Seplos).  Pure: no I/O, no globals, no allocation. */
#ifndef PT_RS485_H
#define PT_RS485_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"
#include "util/diag.h"

#define RS485_INFO_MAX	2048	/* bytes: LENID <= 4095 characters */

struct rs485_frame {
	uint8_t		ver, adr, cid1, cid2;	/* cid2: command, or RTN in a reply */
	size_t		info_len;		/* bytes */
	uint8_t		info[RS485_INFO_MAX];
};

enum rs485_dialect { RS_AUTO = 0, RS_PYLONTECH, RS_PACE, RS_SEPLOS };

struct rs485_command {
	uint8_t		 cid2;
	unsigned	 dialects;	/* 1 << enum rs485_dialect */
	bool		 read_only;
	const char	*name;
};

/* Every command pylontop may send; the encoder refuses anything else. */
extern const struct rs485_command rs485_commands[];

/* Build "~VERADRCID1CID2LENGTHINFOCHKSUM\r" into out (NUL-terminated).
 * Returns its length, or PT_ERR_REFUSED for a CID2 outside the read-only
 * table, PT_ERR_ARG when it does not fit. */
int	rs485_encode(char *out, size_t size, uint8_t ver, uint8_t adr, uint8_t cid1,
	    uint8_t cid2, const uint8_t *info, size_t info_len);

/* Decode one frame ('~' ... with or without the trailing CR) with every
 * check: SOI, hex digits (either case), even length, LCHKSUM, LENID equal
 * to the INFO received, CHKSUM.  A reply's RTN != 0 is PT_ERR_DEVICE with
 * its meaning.  0 or pt_err with d->error set. */
int	rs485_decode(const char *text, size_t len, struct rs485_frame *f, struct pt_diag *d);
/* Checksum of the characters between '~' and CHKSUM. */
uint16_t rs485_checksum(const char *body, size_t len);
/* LENGTH field for an INFO of `lenid` characters. */
uint16_t rs485_length(uint16_t lenid);
const char *rs485_rtn_text(uint8_t rtn);

/* Find the next "~...\r" in buf[0..len): *start and *flen, true if one
 * is complete.  Bytes before '~' are noise; a frame longer than the
 * protocol allows is skipped. */
bool	rs485_find_frame(const char *buf, size_t len, size_t *start, size_t *flen);

/* Decoders of replies into the sample.  `asked` is the request's command
 * value (pack), used when the reply does not carry it. */
int	rs485_parse_analog(const struct rs485_frame *f, enum rs485_dialect dl,
	    struct pt_sample *s, struct pt_diag *d);
int	rs485_parse_alarm(const struct rs485_frame *f, enum rs485_dialect dl, int pack,
	    struct pt_sample *s, struct pt_diag *d);
int	rs485_parse_serial(const struct rs485_frame *f, int cid2, int pack,
	    struct pt_sample *s, struct pt_diag *d);
/* Guess the dialect of an analog reply (rs485-binary.md §3). */
enum rs485_dialect rs485_guess(const struct rs485_frame *f);
const char *rs485_dialect_name(enum rs485_dialect dl);
enum rs485_dialect rs485_dialect_of(const char *name);

/* pylontop --decode for a file of frames, one per line; a request line
 * before a reply tells its CID2 and pack.  0 or pt_err. */
int	rs485_decode_text(const char *buf, size_t len, const char *dialect,
	    struct pt_sample *s, struct pt_diag *d);

#endif
