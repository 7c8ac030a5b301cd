/* link_serial.c — serial ports through libserialport.
 *
 * libserialport configures the port (115200 8N1, no flow control unless
 * --baud says otherwise); reads and writes then go through its
 * descriptor with poll(), like every other backend, so timeouts and
 * unplug look the same everywhere (its own blocking read spins on a
 * hung-up tty, see docs/reliability.md §2a).
 *
 * libserialport 0.1.1 (Debian 12) neither locks nor follows symlinks, so
 * we do both: link.c resolves the path, and before libserialport touches
 * the port we open it ourselves and take flock(LOCK_EX|LOCK_NB); that
 * descriptor keeps the lock for as long as the link is open.  A second
 * pylontop therefore fails before it can change our line settings.
 * TIOCEXCL then keeps other (non-root) programs from opening it at all. */
#include "link/link_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util/err.h"

struct serial {
	struct sp_port	*port;
	int		 lockfd;
	int		 opened;	/* sp_open succeeded */
};

static int
sp_fail(struct link *l, enum sp_return rc, const char *what)
{
	char *msg;
	int e;

	if (rc == SP_ERR_FAIL && (e = sp_last_error_code()) != 0)
		return link_errno(l, e);
	if (rc == SP_ERR_MEM) {
		link_seterr(l, "%s: out of memory", l->spec);
		return PT_ERR_NOMEM;
	}
	msg = sp_last_error_message();
	link_seterr(l, "%s: %s: %s", l->spec, what,
	    msg != NULL && msg[0] != '\0' ? msg : "serial port error");
	sp_free_error_message(msg);
	return rc == SP_ERR_SUPP ? PT_ERR_UNSUPPORTED : PT_ERR_IO;
}

static int
serial_set_baud(struct link *l, int baud)
{
	struct serial *s = l->priv;
	enum sp_return rc;

	if (baud <= 0) {
		link_seterr(l, "%s: bad baud rate %d", l->spec, baud);
		return PT_ERR_ARG;
	}
	if ((rc = sp_set_baudrate(s->port, baud)) != SP_OK)
		return sp_fail(l, rc, "cannot set the baud rate");
	return 0;
}

static void
serial_close(struct link *l)
{
	struct serial *s = l->priv;

	if (s != NULL) {
		if (s->opened) {
			if (l->fd >= 0)
				ioctl(l->fd, TIOCNXCL);
			sp_close(s->port);
		}
		if (s->port != NULL)
			sp_free_port(s->port);
		if (s->lockfd >= 0)
			close(s->lockfd);	/* releases the flock */
		free(s);
	}
	l->priv = NULL;
	l->fd = -1;
}

static int
serial_configure(struct link *l, struct sp_port *port)
{
	enum sp_return rc;

	if ((rc = sp_set_baudrate(port, l->baud > 0 ? l->baud : LINK_DEFAULT_BAUD)) != SP_OK)
		return sp_fail(l, rc, "cannot set the baud rate");
	if ((rc = sp_set_bits(port, 8)) != SP_OK ||
	    (rc = sp_set_parity(port, SP_PARITY_NONE)) != SP_OK ||
	    (rc = sp_set_stopbits(port, 1)) != SP_OK ||
	    (rc = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE)) != SP_OK)
		return sp_fail(l, rc, "cannot set 8N1 without flow control");
	return 0;
}

static int
serial_open(struct link *l)
{
	struct serial *s;
	enum sp_return rc;
	int fd, err;

	if ((fd = link_tty_open(l)) < 0)
		return fd;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		close(fd);
		link_seterr(l, "%s: out of memory", l->spec);
		return PT_ERR_NOMEM;
	}
	s->lockfd = fd;
	l->priv = s;
	if ((rc = sp_get_port_by_name(l->path, &s->port)) != SP_OK) {
		err = sp_fail(l, rc, "libserialport does not know it");
		goto fail;
	}
	if ((rc = sp_open(s->port, SP_MODE_READ_WRITE)) != SP_OK) {
		err = sp_fail(l, rc, "cannot open");
		goto fail;
	}
	s->opened = 1;
	if (sp_get_port_handle(s->port, &fd) != SP_OK || fd < 0) {
		link_seterr(l, "%s: libserialport gave no descriptor", l->spec);
		err = PT_ERR_IO;
		goto fail;
	}
	l->fd = fd;
	fcntl(fd, F_SETFD, FD_CLOEXEC);	/* 0.1.1 opens without O_CLOEXEC */
	if ((err = serial_configure(l, s->port)) != 0)
		goto fail;
	ioctl(fd, TIOCEXCL);
	return 0;
fail:
	serial_close(l);
	return err;
}

const struct link_ops link_serial_ops = {
	.kind = "serial",
	.open = serial_open,
	.read = link_fd_read,
	.write = link_fd_write,
	.set_baud = serial_set_baud,
	.close = serial_close,
};
