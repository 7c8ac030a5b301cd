/* sim_rs485.h — the RS485 "~" side of pylontop-sim (dialects pylontech
 * and pace; rs485-binary.md §4-§8). */
#ifndef PT_SIM_RS485_H
#define PT_SIM_RS485_H

#include <stddef.h>

#include "sim/sim_model.h"

/* The reply to one received request frame ("~...\r") written into out;
 * returns its length, 0 = no reply (an address nobody has, a damaged
 * request, the other dialect's VER).  `dialect` is "pylontech" or "pace".
 * `bad_checksum` spoils the reply's CHKSUM (the badcrc fault).
 *
 * The model is not const: the reply brings it to the current second
 * (sim_model_step) first, and a write command (0x94, 0x95, 0x99, 0x9A,
 * 0x9B, 0x82, 0xB2, 0xD0-0xEF) is counted in m->write_count and answered
 * RTN 04 without changing anything. */
/* Packs per Pylontech group: 16 addresses, 0x10 * g + 2 ... 0x10 * g + 0x11. */
#define SIM_RS485_GROUP_MAX	16

/* Number the packs as the dialect does (module ids = what pylontop shows,
 * and what the state file says): Pylontech addresses 2, 3 ... with
 * `per_group` packs per group (group g from 0x10 * g + 2); PACE 1, 2 ... */
void	sim_rs485_number(struct sim_model *m, const char *dialect, int per_group);

size_t	sim_rs485_respond(struct sim_model *m, const char *dialect, const char *req,
	    size_t reqlen, char *out, size_t outsize, int bad_checksum);

#endif
