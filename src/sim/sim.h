/* sim.h — pylontop-sim: a battery stack on a pty or a TCP port. */
#ifndef PT_SIM_H
#define PT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sim/sim_model.h"

/* One answer being built (console answers stay well under 64 KiB). */
struct obuf {
	char	p[65536];
	size_t	len;
};

struct sim {
	struct sim_model model;
	bool	hv;		/* HV controller (hv, sc0500) */
	bool	pytes;		/* PYTES> prompt */
	bool	debug;		/* pylon_debug> */
	char	pwr_layout;	/* 'A', 'B', 'C' */
	char	dialect[12];	/* rs485: pylontech, pace */
	size_t	pager_at;	/* answer offset where the pager stops it, 0 none */
	/* Further stops of a long answer (`log`): offsets in the answer. */
	size_t	pager_more[SIM_LOG_MAX / 3 + 2];
	int	pager_n, pager_i;
	size_t	pager_base;	/* answer offset where the pending rest starts */
	unsigned answers;	/* answers sent, for --fault-every */
	bool	bad_checksum;	/* rs485: spoil this reply's checksum */
};

void	ob_printf(struct obuf *o, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The BMS clock's offset from the host's, seconds (--bms-clock-offset). */
extern long sim_clock_offset_s;

/* The console's answer to one typed line (echo included). */
void	sim_console_answer(struct sim *s, const char *line, struct obuf *o);

#endif
