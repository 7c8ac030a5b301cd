/* console_hv_int.h — what the HV parser files (console_hv*.c) share;
 * not for use outside src/proto/console_hv*.c. */
#ifndef PT_CONSOLE_HV_INT_H
#define PT_CONSOLE_HV_INT_H

#include "proto/console_hv.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])
#define QUOTE		24	/* at most this much device text in a message */

/* A number with an optional unit, glued ("-80000mA") or the next token
 * ("37000   mA").  False when the value does not start with a number. */
bool	hv_value(struct ct_span value, long *v, struct ct_span *unit);

/* Factor from a unit token to its base unit ("mWH" with base "WH" ->
 * 0.001); `dflt` when there is no unit; 0 for a unit we do not know. */
double	hv_scale(struct ct_span unit, const char *base, double dflt);

/* A state word normalised ("Dischg" -> "Discharge") into `out`
 * (PT_STATUS_LEN). */
void	hv_state(char *out, struct ct_span word);

/* 0 when `t` is a state word, else PT_ERR_PARSE with "<what>: row N:
 * <label> is not a state word". */
int	hv_check_word(struct ct_span t, const char *what, int rowno, const char *label,
	    struct pt_diag *d);

#endif
