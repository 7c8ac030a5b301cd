/* link_serial.c — serial ports through libserialport.
 *
 * libserialport opens and configures the port (115200 8N1, no flow
 * control by default); reads and writes then go through its descriptor
 * with poll(), like every other backend, so timeouts and unplug look the
 * same everywhere.  The port is locked (flock + TIOCEXCL) so a second
 * program cannot talk over us. */
#include "link/link_impl.h"

#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util/err.h"

static int
sp_fail(struct link *l, enum sp_return rc)
{
	char *msg;

	if (rc == SP_ERR_FAIL) {
		int e = sp_last_error_code();
		return link_errno(l, l->spec, e);
	}
	msg = sp_last_error_message();
	link_seterr(l, "%s: %s", l->spec, msg != NULL ? msg : "serial port error");
	sp_free_error_message(msg);
	return PT_ERR_IO;
}

static int
serial_set_baud(struct link *l, int baud)
{
	enum sp_return rc = sp_set_baudrate(l->priv, baud);

	return rc == SP_OK ? 0 : sp_fail(l, rc);
}

static void
serial_close(struct link *l)
{
	if (l->priv != NULL) {
		sp_close(l->priv);
		sp_free_port(l->priv);
	}
	l->priv = NULL;
	l->fd = -1;
}

static int
serial_open(struct link *l)
{
	struct sp_port *port;
	enum sp_return rc;
	int fd, err;

	if (access(l->path, F_OK) != 0)
		return link_errno(l, l->spec, errno);
	if ((rc = sp_get_port_by_name(l->path, &port)) != SP_OK)
		return sp_fail(l, rc);
	l->priv = port;
	if ((rc = sp_open(port, SP_MODE_READ_WRITE)) != SP_OK) {
		err = sp_fail(l, rc);
		sp_free_port(port);
		l->priv = NULL;
		return err;
	}
	if (sp_get_port_handle(port, &fd) != SP_OK) {
		serial_close(l);
		link_seterr(l, "%s: no descriptor for the port", l->spec);
		return PT_ERR_IO;
	}
	l->fd = fd;
	if ((err = link_fd_lock(l)) != 0) {
		serial_close(l);
		return err;
	}
	ioctl(fd, TIOCEXCL);
	if (sp_set_baudrate(port, l->baud > 0 ? l->baud : 115200) != SP_OK ||
	    sp_set_bits(port, 8) != SP_OK || sp_set_parity(port, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(port, 1) != SP_OK ||
	    sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE) != SP_OK) {
		err = sp_fail(l, SP_ERR_FAIL);
		serial_close(l);
		return err;
	}
	return 0;
}

const struct link_ops link_serial_ops = {
	.kind = "serial",
	.open = serial_open,
	.read = link_fd_read,
	.write = link_fd_write,
	.set_baud = serial_set_baud,
	.close = serial_close,
};
