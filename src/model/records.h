/* records.h — what the BMS itself keeps: identity, lifetime counters,
 * per-cell SOH flags, the event log, its clock (issue 13).
 *
 * Read at start and on request, never every poll (core/session_console.c
 * "records round").  One unit per module by the device's own number: an
 * LV module by its address (1-16), an HV BMU by pylontop's module number
 * (`bmuinfo k` is module k + 1, as in the sample), and the HV controller
 * as unit 0 (its `stat`, `soh`, `log`, `time`, `sysinfo` are about the
 * whole string).
 *
 * Bounded, no pointers: the structure is allocated once and copied with
 * pt_records_copy (monitor snapshot).  Sizes: PT_REC_MAX_UNITS units, each
 * with PT_REC_MAX_COUNTERS counters, PT_REC_MAX_SOH cells,
 * PT_REC_MAX_EVENTS events, PT_REC_MAX_PAIRS identity/sysinfo pairs and
 * PT_REC_RAW_LEN bytes of raw answers (84 KiB a unit, 1.4 MiB in all).
 * Memory is paid for what is there, not for the bound: pt_records_init,
 * pt_rec_unit_init and pt_records_copy write only the units present (r->n)
 * and of each unit's arrays (pairs, counters, SOH cells, events, raw text)
 * only the entries it holds, so the untouched rest of a malloc'ed
 * structure is never resident (issue 12.4).  Nothing reads a unit past
 * r->n or an array past its count, and an entry is written whole when it
 * is added (never relying on an earlier zero).  Device text goes
 * through pt_copy_text(); what does not fit is cut and said (`*_truncated`).
 */
#ifndef PT_RECORDS_H
#define PT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/sample.h"

#define PT_REC_MAX_UNITS	(PT_MAX_MODULES + 1)	/* + the HV controller */
#define PT_REC_MAX_COUNTERS	112	/* Force H2 `stat` prints 85 */
#define PT_REC_MAX_PAIRS	64	/* identity / sysinfo name:value (sysinfo: 47) */
#define PT_REC_MAX_SOH		128	/* cells (Force H2 string: 120) */
#define PT_REC_MAX_EVENTS	128	/* log entries per unit; more: log_truncated */
#define PT_REC_MAX_RAW		12	/* answers kept verbatim per unit */
#define PT_REC_RAW_LEN		(40 * 1024)	/* bytes of raw answers per unit */
#define PT_REC_NAME_LEN		40
#define PT_REC_VALUE_LEN	40
#define PT_REC_TEXT_LEN		72
#define PT_REC_CMD_LEN		16

/* A count the firmware did not print is -1 (never 0). */
#define PT_REC_NONE		(-1LL)

enum pt_rec_kind {
	PT_REC_LV_MODULE = 1,
	PT_REC_HV_CONTROLLER,
	PT_REC_HV_BMU,
};

/* One "Label : value" line kept as printed (the unit glued to the label,
 * "Pwr Coulomb(mAS)", stays in `name`; `num` is set when the value is a
 * plain integer). */
struct pt_rec_pair {
	char	name[PT_REC_NAME_LEN];
	char	value[PT_REC_VALUE_LEN];
	bool	has_num;
	long long num;
};

/* Counters of `stat`, by name where pylontop knows the label; every
 * counter (known or not) is also in `all`. */
struct pt_rec_stat {
	bool	present;
	long long cycles;		/* "CYCLE Times": full-equivalent cycles (warranty) */
	long long charge_times;		/* "Charge Times": charge transitions, NOT cycles */
	long long coc, doc, sc;		/* over-current charge/discharge, short circuit */
	long long bov, bhv, blv, buv;	/* cell over/high/low/under voltage */
	long long shutdowns;		/* "Shut Times" */
	long long ot, ut;		/* over/under temperature: "Bat OT/UT Times", else
					 * COT+DOT / CUT+DUT (LV) */
	long long soh_pct;		/* "SOH" (LV) / "SOH Percent" (HV); -1 absent */
	double	remain_ah;		/* "Pwr Coulomb" (mAS) in Ah; < 0 absent */
	double	full_ah;		/* a full/total capacity label; < 0 absent */
	int	n_all;
	bool	all_truncated;
	struct pt_rec_pair all[PT_REC_MAX_COUNTERS];
};

struct pt_rec_soh_cell {
	int	index;			/* as printed (0-based on every capture) */
	int	voltage_mv;		/* -1 when no Voltage column */
	long	count;			/* SOHCount; -1 when no count column */
	char	status[16];		/* SOHStatus; "" when no status column */
};

struct pt_rec_soh {
	bool	present;
	int	via;			/* the module number `soh N` named (0: none) */
	int	n;
	bool	truncated;
	struct pt_rec_soh_cell cells[PT_REC_MAX_SOH];
};

struct pt_rec_event {
	long	index;
	char	time[24];		/* BMS clock, as printed ("23-09-16 11:43:09") */
	char	module[12];		/* ModID ("BMM") */
	char	code[12];		/* hex as printed */
	char	text[PT_REC_TEXT_LEN];
};

struct pt_rec_log {
	bool	present;
	int	n;
	/* The bound stopped it: more entries than PT_REC_MAX_EVENTS, or the
	 * pager was left before the end (PT_REC_LOG_PAGES). */
	bool	truncated;
	struct pt_rec_event ev[PT_REC_MAX_EVENTS];
};

struct pt_rec_clock {
	bool	present;
	char	text[24];		/* "2023-10-05 14:30:18" as printed */
	int64_t	host_ms;		/* host UTC ms when the answer arrived */
	/* BMS time minus host time, seconds: the BMS clock is read as the
	 * host's local time (it has no zone). */
	double	offset_s;
	bool	has_offset;		/* false: host time unknown (--decode) */
};

struct pt_rec_raw {
	char	command[PT_REC_CMD_LEN];	/* "stat 3", "log" */
	size_t	off, len;			/* in unit.raw */
	int64_t	host_ms;
	bool	truncated;
};

struct pt_rec_unit {
	int	id;				/* module number (0 = HV controller) */
	enum pt_rec_kind kind;
	/* Identity (`info N`, HV `info`, `bmuinfo N`). */
	bool	has_identity;
	int	address;			/* "Device address"; -1 unknown */
	char	manufacturer[PT_TEXT_LEN];
	char	model[PT_TEXT_LEN];		/* "Device name" */
	char	barcode[PT_TEXT_LEN];		/* Barcode / Module Barcode */
	char	pcba_barcode[PT_TEXT_LEN];
	char	board_version[PT_TEXT_LEN];
	char	main_soft[PT_TEXT_LEN];		/* "Main Soft version" */
	char	soft[PT_TEXT_LEN];
	char	boot[PT_TEXT_LEN];
	char	comm[PT_TEXT_LEN];
	char	release_date[PT_TEXT_LEN];	/* or "Device Test Time" */
	char	specification[PT_TEXT_LEN];
	int	cells;				/* "Cell Number"; -1 unknown */
	int	n_ident;
	struct pt_rec_pair ident[PT_REC_MAX_PAIRS];
	struct pt_rec_stat stat;
	struct pt_rec_soh soh;
	struct pt_rec_log log;
	struct pt_rec_clock clock;
	/* HV `sysinfo` (controller only): limits as name/value/unit. */
	int	n_sysinfo;
	struct pt_rec_pair sysinfo[PT_REC_MAX_PAIRS];
	/* What failed, per unit (a command the firmware refuses...). */
	char	errors[160];
	int	n_raw;
	struct pt_rec_raw raws[PT_REC_MAX_RAW];
	size_t	raw_len;
	char	raw[PT_REC_RAW_LEN];
};

struct pt_records {
	uint64_t seq;			/* 0: never read */
	int64_t	started_ms, done_ms;	/* host UTC ms of the round */
	bool	complete;		/* every planned command answered or failed */
	char	protocol[8];		/* lv, hv */
	int	commands, failed;	/* sent / not answered in the last round */
	int	n;
	struct pt_rec_unit u[PT_REC_MAX_UNITS];
};

void	pt_records_init(struct pt_records *r);
/* Copy the used part of `src` (its units, each up to its raw text);
 * `dst`'s units past src->n are left as they were (never read). */
void	pt_records_copy(struct pt_records *dst, const struct pt_records *src);
void	pt_rec_unit_init(struct pt_rec_unit *u, int id, enum pt_rec_kind kind);
/* The unit with this id, created when absent; NULL when full. */
struct pt_rec_unit *pt_records_unit(struct pt_records *r, int id, enum pt_rec_kind kind);
const struct pt_rec_unit *pt_records_find(const struct pt_records *r, int id);
/* Keep an answer verbatim (sanitised; cut at PT_REC_RAW_LEN, said). */
void	pt_rec_keep_raw(struct pt_rec_unit *u, const char *command, const char *text,
	    size_t len, int64_t host_ms);
/* The clock offset of a "YYYY-MM-DD HH:MM:SS" text against host_ms
 * (local time); false when the text is no such time. */
bool	pt_rec_clock_offset(const char *text, int64_t host_ms, double *offset_s);

/* Serialise (malloc'ed, NUL-terminated; NULL on no memory).  With
 * `raw`, every unit carries its answers verbatim ("raw": [{command,
 * text, truncated}]), the evidence a service report ships. */
char	*pt_records_to_json(const struct pt_records *r, bool raw);
void	pt_records_print_text(FILE *f, const struct pt_records *r);

#endif
