/* console_cmd.h — the table of console commands pylontop may send.
 *
 * Every command the program ever writes to a console is an entry of one of
 * these tables (tmux's cmd_entry style).  An entry that is not read_only is
 * sent only by the one guarded step that needs it (SC0500 `tbar`). */
#ifndef PT_CONSOLE_CMD_H
#define PT_CONSOLE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "model/sample.h"
#include "util/diag.h"

enum console_dialect { CD_LV = 1, CD_HV = 2, CD_SC0500 = 4 };

/* What a parser is told about the command that produced the body. */
struct console_ctx {
	int	module;		/* the N of "bat N", 0 when no argument */
};

/* Parse a framed body into `s` (merging: fields the answer does not
 * carry are left alone).  Returns 0 or a negative pt_err with d->error set. */
typedef int (*console_parse_fn)(const char *body, size_t len,
    const struct console_ctx *ctx, struct pt_sample *s, struct pt_diag *d);

struct console_cmd {
	const char		*name;		/* "pwr", "bat", "getpwr" */
	unsigned		 dialects;	/* CD_* mask */
	bool			 module_arg;	/* accepts "name N" */
	bool			 read_only;	/* false: writes device state */
	console_parse_fn	 parse;		/* NULL: no data (login, tbar) */
	const char		*summary;
};

/* Tables, terminated by an entry with name == NULL. */
extern const struct console_cmd console_lv_cmds[];
extern const struct console_cmd console_hv_cmds[];
extern const struct console_cmd console_sc0500_cmds[];

/* Commands of every dialect, for the user only (console_cmd_check_user):
 * `help` (read-only, no data; the pager of its long answer is followed
 * like any other). */
extern const struct console_cmd console_common_cmds[];

/* Look a command name up in the table of a dialect; NULL if absent. */
const struct console_cmd *console_cmd_find(enum console_dialect d, const char *name);

/* A line the user typed in the raw console view (UI): allowed only when
 * its command is a read-only entry of dialect d's table (or borrowed as
 * the session does: SC0500 uses HV's reads) that reads data, or `help`;
 * `login` and `tbar` are the session's own steps and refused like
 * anything missing from the table.  A module argument must be a number
 * from 0 to 255, other commands take none.  0 with *cmd and arg ("" or
 * the number) set, or PT_ERR_REFUSED with the reason in why. */
int	console_cmd_check_user(enum console_dialect d, const char *line,
	    const struct console_cmd **cmd, char *arg, size_t argsize,
	    char *why, size_t whysize);

#endif
