/* err.c — names of pt_err values. */
#include "util/err.h"

const char *
pt_strerror(int err)
{
	switch (err) {
	case PT_OK: return "success";
	case PT_ERR_ARG: return "invalid argument";
	case PT_ERR_NOMEM: return "out of memory";
	case PT_ERR_IO: return "input/output error";
	case PT_ERR_TIMEOUT: return "timed out";
	case PT_ERR_CLOSED: return "connection closed";
	case PT_ERR_NODEV: return "no such device";
	case PT_ERR_PERM: return "permission denied";
	case PT_ERR_BUSY: return "device busy";
	case PT_ERR_PARSE: return "unexpected answer format";
	case PT_ERR_TRUNCATED: return "truncated answer";
	case PT_ERR_DEVICE: return "device reported a failure";
	case PT_ERR_UNSUPPORTED: return "not supported";
	case PT_ERR_CHECKSUM: return "checksum error";
	case PT_ERR_CONFIG: return "invalid configuration";
	case PT_ERR_REFUSED: return "refused for safety";
	case PT_ERR_AUTH: return "authentication failed";
	case PT_ERR_TLS: return "TLS error";
	}
	return "unknown error";
}
