/* link_pty.c — pseudo-terminals (socat, ser2net, pylontop-sim) through
 * termios: libserialport cannot open them. */
#include "link/link_impl.h"

#include <errno.h>
#include <fcntl.h>
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
	default: return B115200;
	}
}

static int
pty_set_baud(struct link *l, int baud)
{
	struct termios t;

	if (tcgetattr(l->fd, &t) != 0)
		return link_errno(l, l->spec, errno);
	cfsetispeed(&t, speed_of(baud));
	cfsetospeed(&t, speed_of(baud));
	return tcsetattr(l->fd, TCSANOW, &t) == 0 ? 0 : link_errno(l, l->spec, errno);
}

static int
pty_open(struct link *l)
{
	struct termios t;
	int rc;

	l->fd = open(l->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->fd < 0)
		return link_errno(l, l->spec, errno);
	if ((rc = link_fd_lock(l)) != 0) {
		close(l->fd);
		l->fd = -1;
		return rc;
	}
	if (tcgetattr(l->fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		tcsetattr(l->fd, TCSANOW, &t);
	}
	return pty_set_baud(l, l->baud > 0 ? l->baud : 115200) == 0 ? 0 : 0;
}

static void
pty_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

const struct link_ops link_pty_ops = {
	.kind = "pty",
	.open = pty_open,
	.read = link_fd_read,
	.write = link_fd_write,
	.set_baud = pty_set_baud,
	.close = pty_close,
};
