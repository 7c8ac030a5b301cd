/* link.h — a byte stream to a battery: serial port, pty, TCP or replay.
 *
 * One small vtable (libmodbus backend style).  The acquisition thread is
 * the only user; nothing here parses.  Error texts name the path and say
 * what to do ("/dev/ttyUSB0: permission denied (add yourself to group
 * dialout)"); they are kept in the link and returned by link_error().
 */
#ifndef PT_LINK_H
#define PT_LINK_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct link;

struct link_ops {
	const char *kind;	/* "serial", "pty", "tcp", "replay" */
	int	(*open)(struct link *l);
	/* > 0 bytes read, 0 on timeout, < 0 pt_err (PT_ERR_CLOSED on unplug/EOF). */
	ssize_t	(*read)(struct link *l, void *buf, size_t len, int timeout_ms);
	/* 0 when all was written, < 0 pt_err. */
	int	(*write)(struct link *l, const void *buf, size_t len, int timeout_ms);
	int	(*set_baud)(struct link *l, int baud);	/* may be NULL */
	void	(*close)(struct link *l);
};

struct link {
	const struct link_ops *ops;
	char	spec[256];	/* what the user gave: path or tcp://host:port */
	char	path[256];	/* resolved path (symlinks followed) or host:port */
	int	baud;
	int	fd;		/* -1 when closed */
	void	*priv;		/* backend state */
	char	error[512];	/* last error, one line: room for a 255-character path and its hint */
	unsigned opens;		/* successful opens: the next one is a reconnect */
	int	lost_said;	/* "lost" was logged for this open (-v) */
	/* Called before every read and write: the owner publishes what it
	 * counted since the last one (timeouts, unreadable answers), so its
	 * counters move with each exchange, not only with each sample.
	 * NULL by default; link_init clears it. */
	void	(*on_io)(void *ctx);
	void	*on_io_ctx;
};

/* Parse a spec and choose the backend: "tcp://host:port", "replay:FILE",
 * a pty path (termios), anything else a serial port (libserialport).
 * Does not open.  Returns 0 or PT_ERR_ARG with l->error set. */
int	link_init(struct link *l, const char *spec, int baud);
int	link_open(struct link *l);
ssize_t	link_read(struct link *l, void *buf, size_t len, int timeout_ms);
int	link_write(struct link *l, const void *buf, size_t len, int timeout_ms);
int	link_set_baud(struct link *l, int baud);
/* Discard input until the line is quiet for `quiet_ms` (max `max_ms`). */
int	link_drain(struct link *l, int quiet_ms, int max_ms);
void	link_close(struct link *l);
const char *link_error(const struct link *l);
const char *link_kind(const struct link *l);

/* Print every serial port libserialport finds, with USB details and its
 * /dev/serial/by-id name.  Returns 0, or < 0 with a message on stderr. */
int	link_list_ports(FILE *out);

#endif
