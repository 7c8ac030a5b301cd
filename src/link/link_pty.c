/* link_pty.c — pseudo-terminals (socat, ser2net, pylontop-sim) and
 * terminals sysfs does not list, through termios in raw mode:
 * libserialport cannot open them.  Locked with flock like a real port. */
#include "link/link_impl.h"

#include <errno.h>
#include <termios.h>
#include <unistd.h>

#include "util/err.h"

static speed_t
speed_of(int baud)
{
	switch (baud) {
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 921600: return B921600;
	default: return B0;
	}
}

static int
pty_set_baud(struct link *l, int baud)
{
	struct termios t;
	speed_t sp = speed_of(baud);

	if (sp == B0) {
		link_seterr(l, "%s: unsupported baud rate %d (1200 to 921600, a "
		    "standard rate)", l->spec, baud);
		return PT_ERR_ARG;
	}
	if (tcgetattr(l->fd, &t) != 0)
		return link_errno(l, errno);
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	if (tcsetattr(l->fd, TCSANOW, &t) != 0)
		return link_errno(l, errno);
	return 0;
}

static void
pty_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static int
pty_open(struct link *l)
{
	struct termios t;
	int fd, rc;

	if ((fd = link_tty_open(l)) < 0)
		return fd;
	l->fd = fd;
	/* Raw 8N1: no echo, no line editing, no CR/LF translation. */
	if (tcgetattr(fd, &t) != 0) {
		rc = link_errno(l, errno);
		pty_close(l);
		return rc;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		rc = link_errno(l, errno);
		pty_close(l);
		return rc;
	}
	if ((rc = pty_set_baud(l, l->baud > 0 ? l->baud : LINK_DEFAULT_BAUD)) != 0) {
		pty_close(l);
		return rc;
	}
	return 0;
}

const struct link_ops link_pty_ops = {
	.kind = "pty",
	.open = pty_open,
	.read = link_fd_read,
	.write = link_fd_write,
	.set_baud = pty_set_baud,
	.close = pty_close,
};
