/* err.h — error values shared by every layer.
 *
 * Functions return 0 (or a count) on success and a negative pt_err on
 * failure; the human text that goes with a failure is written by the
 * function into a caller-provided buffer or a pt_diag, never printed.
 * Only main() turns an error into an exit status. */
#ifndef PT_ERR_H
#define PT_ERR_H

enum pt_err {
	PT_OK = 0,
	PT_ERR_ARG = -1,	/* bad argument or usage */
	PT_ERR_NOMEM = -2,
	PT_ERR_IO = -3,		/* read/write failed */
	PT_ERR_TIMEOUT = -4,	/* nothing (complete) arrived in time */
	PT_ERR_CLOSED = -5,	/* peer closed, device unplugged */
	PT_ERR_NODEV = -6,	/* no such device / host */
	PT_ERR_PERM = -7,	/* permission denied */
	PT_ERR_BUSY = -8,	/* port locked by someone else */
	PT_ERR_PARSE = -9,	/* answer does not match the grammar */
	PT_ERR_TRUNCATED = -10,	/* answer ends early */
	PT_ERR_DEVICE = -11,	/* device answered with a failure text */
	PT_ERR_UNSUPPORTED = -12, /* command or dialect not known */
	PT_ERR_CHECKSUM = -13,	/* frame checksum or length check failed */
	PT_ERR_CONFIG = -14,	/* bad configuration value */
	PT_ERR_REFUSED = -15,	/* safety refusal (e.g. tbar barcode mismatch) */
	PT_ERR_AUTH = -16,	/* credentials rejected */
	PT_ERR_TLS = -17,
};

/* A short lower-case phrase for an error value ("timed out"). */
const char *pt_strerror(int err);

#endif
