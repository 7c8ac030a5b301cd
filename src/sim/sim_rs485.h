/* sim_rs485.h — the RS485 "~" side of pylontop-sim. */
#ifndef PT_SIM_RS485_H
#define PT_SIM_RS485_H

#include <stddef.h>

#include "sim/sim_model.h"

/* The reply to one request frame ("~...\r") in out; 0 = no reply (an
 * address nobody has, a damaged request).  `bad_checksum` spoils the
 * reply's CHKSUM (the badcrc fault). */
size_t	sim_rs485_respond(struct sim_model *m, const char *dialect, const char *req,
	    size_t reqlen, char *out, size_t outsize, int bad_checksum);

#endif
