/* console_records.h — the BMS's own records in console answers: `stat`,
 * `soh`, `log`, `time`, `info`, HV `bmuinfo` and `sysinfo` (console.md
 * §3.4-3.9, §4.4; issue 13).
 *
 * Pure: a framed answer body in, a model/records.h unit out.  Labels are
 * read by name and columns by header, so firmware that adds, moves or
 * widens them still parses; every label is kept as a name/value pair
 * (known ones are also mapped to fields).  Only what cannot be placed at
 * all (no counter, no SOH column, no date) is rejected.
 */
#ifndef PT_CONSOLE_RECORDS_H
#define PT_CONSOLE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/records.h"
#include "proto/console_cmd.h"
#include "util/diag.h"

/* Is `name` a records command (stat soh log time info bmuinfo sysinfo)? */
bool	console_rec_is_command(const char *name);

/*
 * Parse the answer to `command` (its argument `arg`, -1 when none) into
 * the unit it is about, created in `r` when absent:
 *   LV: `X N` is module N; without N, `stat`/`info` name their "Device
 *       address", `log`/`time` are about `self` (the module whose console
 *       this is, normally 1).
 *   HV: `bmuinfo k` is module k + 1; `info` is the controller (unit 0) and
 *       its BMU barcode blocks; everything else is the controller.
 * The raw answer is kept in that unit.  `host_ms` is the host time the
 * answer arrived (the clock offset is taken against it).  Returns 0 or a
 * negative pt_err with d->error set.
 */
int	console_rec_parse(enum console_dialect dialect, const char *command, int arg, int self,
	    const char *body, size_t len, int64_t host_ms, struct pt_records *r,
	    struct pt_diag *d);

/* The single parsers, for tests and the decoder. */
int	console_rec_stat(const char *body, size_t len, struct pt_rec_stat *st, int *address,
	    struct pt_diag *d);
int	console_rec_soh(const char *body, size_t len, struct pt_rec_soh *sh, struct pt_diag *d);
int	console_rec_log(const char *body, size_t len, struct pt_rec_log *lg, struct pt_diag *d);
int	console_rec_time(const char *body, size_t len, char *text, size_t size,
	    struct pt_diag *d);
/* Identity pairs (LV `info`, HV `info` head, `bmuinfo`) into u. */
int	console_rec_info(const char *body, size_t len, struct pt_rec_unit *u, struct pt_diag *d);
int	console_rec_sysinfo(const char *body, size_t len, struct pt_rec_unit *u,
	    struct pt_diag *d);

#endif
