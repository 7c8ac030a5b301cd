/* rs485_dialect.h — replies of the "~" protocol into the sample, for the
 * dialects that share its frames (docs/rs485.md §3, §6-§8):
 *
 *   pylontech  VER 0x20, current 100 mA, capacities mAh (24-bit when the
 *              user-defined byte is 4), 0.1 K offset 2731, T1 = BMS board
 *   pace       VER 0x25, current 10 mA, capacities 10 mAh, offset 2730,
 *              T1-T4 cell groups, T5 MOSFET, T6 environment
 *   seplos     VER 0x20, current 10 mA, pack voltage 10 mV, 10 mAh,
 *              offset 2731, T1-T4 cell groups, T5 environment, T6 MOSFET
 *   auto       guessed from the first analog reply (rs485_guess)
 *
 * Units live in one table; every read is bounds-checked against the INFO
 * received; counts are capped (cells <= 32, temperatures <= 16) and a
 * reply whose counts do not fit its length is rejected.  Pure: no I/O,
 * no allocation. */
#ifndef PT_RS485_DIALECT_H
#define PT_RS485_DIALECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"
#include "proto/rs485_frame.h"
#include "util/diag.h"

#define RS485_MAX_CELLS	32
#define RS485_MAX_TEMPS	16

/* The request's command byte when it asked for every pack (0x42/0x44). */
#define RS485_ALL_PACKS	0xFF
/* "The request is not known": decode by the reply alone. */
#define RS485_CMD_UNKNOWN	(-1)

struct rs485_dialect_info {
	const char	*name;
	uint8_t		 ver;		/* VER of our requests */
	uint8_t		 first_pack;	/* address / number of the first pack */
	double		 current_a;	/* A per count, signed */
	double		 voltage_v;	/* pack voltage, V per count */
	double		 capacity_ah;	/* Ah per count of the 16-bit capacities */
	int		 temp_offset;	/* raw 0.1 K value of 0 degC */
};

/* The row of a dialect; RS_AUTO gives the pylontech units named "auto". */
const struct rs485_dialect_info *rs485_dialect_info(enum rs485_dialect dl);
const char *rs485_dialect_name(enum rs485_dialect dl);
/* "pylontech", "pace", "seplos", "auto" (or NULL/""); -1 for anything else. */
int	rs485_dialect_of(const char *name);

/* Guess the dialect of a 0x42 reply (§3): VER 0x25 is PACE; otherwise the
 * pack voltage must match the cell sum within 2 % in mV (Pylontech) or
 * 10 mV (Seplos), and a 16-bit total capacity under 20 Ah in mAh that is
 * plausible in 10 mAh means a 10 mAh dialect (PACE units).  What the guess
 * rests on, when it is unsure, goes to d as a warning (d may be NULL). */
enum rs485_dialect rs485_guess(const struct rs485_frame *f, struct pt_diag *d);

/* 0x42 analog values.  `cmd` is the request's command byte: a pack, or
 * RS485_ALL_PACKS (one block per pack), or RS485_CMD_UNKNOWN (the layout
 * is found from the reply).  Fills modules, cells, temperatures,
 * capacities, SOC (remaining / full), cycles; sets s->dialect. */
int	rs485_parse_analog_cmd(const struct rs485_frame *f, enum rs485_dialect dl, int cmd,
	    struct pt_sample *s, struct pt_diag *d);
int	rs485_parse_analog(const struct rs485_frame *f, enum rs485_dialect dl,
	    struct pt_sample *s, struct pt_diag *d);

/* 0x44 alarm information of one pack: per-item states and the dialect's
 * status bytes into s->alarms (source BMS), PACE balancing flags into the
 * cells.  `pack` is used when the reply's command byte is 0 or FF. */
int	rs485_parse_alarm(const struct rs485_frame *f, enum rs485_dialect dl, int pack,
	    struct pt_sample *s, struct pt_diag *d);

/* The pack a reply names by its command byte: INFO[1] of 0x42/0x44,
 * INFO[0] of 0x92/0x93/0x96; -1 when it names none (0, FF, too short, or a
 * command without one such as PACE's 0xC1/0xC2, whose replies are known
 * only by the request). */
int	rs485_reply_pack(const struct rs485_frame *f, uint8_t cid2);

/* 0x93 (Pylontech, command byte + 16 characters) or 0xC2 (PACE, 20
 * characters of barcode, maybe 20 of build date): the module's barcode. */
int	rs485_parse_serial(const struct rs485_frame *f, int cid2, int pack,
	    struct pt_sample *s, struct pt_diag *d);

/* 0x96 (Pylontech firmware), 0xC1 (PACE version text), 0x51 (Pylontech
 * device name, software version, manufacturer): model and firmware. */
int	rs485_parse_version(const struct rs485_frame *f, int cid2, int pack,
	    struct pt_sample *s, struct pt_diag *d);

/* 0x92 Pylontech charge/discharge management: recommended charge voltage
 * and current limits; the request flags become info-level alarms. */
int	rs485_parse_management(const struct rs485_frame *f, int pack, struct pt_sample *s,
	    struct pt_diag *d);

/* 0xA6 PACE capacities (remaining, full, design, 10 mAh each). */
int	rs485_parse_capacity(const struct rs485_frame *f, int pack, struct pt_sample *s,
	    struct pt_diag *d);

/* 0x90 PACE pack count. */
int	rs485_parse_pack_count(const struct rs485_frame *f, int *count, struct pt_diag *d);

/* 0x47 Pylontech system parameters (limits the BMS is configured with). */
struct rs485_params {
	double	cell_high_v, cell_low_v, cell_under_v;
	double	charge_high_c, charge_low_c, charge_limit_a;
	double	module_high_v, module_low_v, module_under_v;
	double	discharge_high_c, discharge_low_c, discharge_limit_a;
};
int	rs485_parse_params(const struct rs485_frame *f, struct rs485_params *p,
	    struct pt_diag *d);

/* Any reply, by the command that asked for it (`cmd` as above; for 0x4F
 * nothing is stored).  PT_ERR_UNSUPPORTED for a command without decoder. */
int	rs485_parse_reply(const struct rs485_frame *f, enum rs485_dialect dl, uint8_t cid2,
	    int cmd, struct pt_sample *s, struct pt_diag *d);

/* pylontop --decode for a file of "~" frames, one per line (blank lines
 * and lines starting with '#' skipped).  A reply decodes on its own; a
 * request line before it tells its command and pack.  Several pairs add
 * up in one sample.  `dialect` NULL or "auto" guesses.  0 or a negative
 * pt_err with a one-line reason (line number included) in d. */
int	rs485_decode_text(const char *buf, size_t len, const char *dialect,
	    struct pt_sample *s, struct pt_diag *d);
/* The same; a reply without its request line answers command cid2 with
 * command byte cmd (rs485_command_arg; cid2 -1: not known, guessed from
 * the reply). */
int	rs485_decode_text_as(const char *buf, size_t len, const char *dialect, int cid2,
	    int cmd, struct pt_sample *s, struct pt_diag *d);

#endif
